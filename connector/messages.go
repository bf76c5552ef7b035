package connector

import "fmt"

// The sentences the cashier reads in x_compago_message. Each says what
// happened and what to do; none carries a stack trace or a secret.

// MXN formats centavos as the cashier reads them: "1,234.50 MXN".
func MXN(centavos int64) string {
	sign := ""
	if centavos < 0 {
		sign, centavos = "-", -centavos
	}
	pesos, cents := centavos/100, centavos%100
	s := fmt.Sprintf("%d", pesos)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s%s.%02d MXN", sign, s, cents)
}

func terminalPhrase(terminal string) string {
	if terminal == "" {
		return "any Compago terminal"
	}
	return "terminal " + terminal
}

func msgWaiting(amount int64, terminal string) string {
	return fmt.Sprintf("Waiting for the card on %s (%s).", terminalPhrase(terminal), MXN(amount))
}

func msgCreateRetrying() string {
	return "Compago is not answering yet; the payment request is being retried. Do not charge the card another way."
}

func msgPaid(amount, stillDue int64) string {
	if stillDue > 0 {
		return fmt.Sprintf("Paid %s by card. %s is still due.", MXN(amount), MXN(stillDue))
	}
	return fmt.Sprintf("Paid %s by card.", MXN(amount))
}

func msgCharged(amount int64) string {
	return fmt.Sprintf("The card was charged %s; recording the payment in Odoo.", MXN(amount))
}

func msgCancelled() string { return "Payment cancelled. No money was taken." }

func msgCancelling() string { return "Cancelling the payment request on the terminal…" }

func msgCancelledOnTerminal() string {
	return "The payment was cancelled on the terminal. Request it again to retry."
}

func msgReplaced(terminal string) string {
	return fmt.Sprintf("Replaced: a newer payment was sent to %s, so Compago withdrew this one. Request it again to retry.", terminalPhrase(terminal))
}

func msgExpired() string {
	return "The payment request expired (10 minutes) before the card was charged. Request it again to retry."
}

func msgDeclined() string {
	return "The card was declined. The customer can try another card on the terminal, or cancel."
}

func msgAlreadyConfirmed(amount int64) string {
	return fmt.Sprintf("Too late to cancel: the card was already charged %s. The payment is being recorded.", MXN(amount))
}

func msgNothingToCancel() string { return "There was no Compago payment in progress to cancel." }

func msgCannotCancelPaid() string {
	return "This order's Compago payment is already paid; it cannot be cancelled here. Refund it from Compago."
}

func msgNotDraft(state string) string {
	return fmt.Sprintf("This order is already %s; nothing to charge.", state)
}

func msgNothingDue() string { return "Nothing is due on this order; nothing to charge." }

func msgTooMuch(amount, due int64) string {
	return fmt.Sprintf("The amount to charge (%s) is more than what is due (%s). Correct the amount and request again.", MXN(amount), MXN(due))
}

func msgSessionClosed() string {
	return "The POS session of this order is closed. Open a session and request again."
}

func msgTerminalNotFound(terminal string) string {
	return fmt.Sprintf("Compago does not know terminal %q. Check the terminal serial and request again.", terminal)
}

func msgRefused(reason string) string {
	return fmt.Sprintf("Compago refused the payment request: %s. Request again after correcting it, or ask the administrator.", reason)
}

func msgUnauthorized() string {
	return "Compago rejected the connector's API key. Ask the administrator to check the configuration."
}

func msgUnknown() string {
	return "Compago already has this payment request but never told us its id. Check the terminal and tell the back office: the order can be charged by card again once they have settled it (if the card was charged, do not charge again)."
}

func msgAttention(what string) string {
	return fmt.Sprintf("The card was charged but the payment could not be added to the order: %s. The back office has been alerted.", what)
}

func msgLostTrack() string {
	return "The connector has no record of this payment request. Check the terminal, then request again."
}

func msgDuplicateLines(amount int64, lines int) string {
	return fmt.Sprintf("The card was charged %s once, but this order has %d payment lines for it. Do not charge again; the back office has been alerted to remove the extra line.", MXN(amount), lines)
}

func msgNotCompleted(amount int64, why string) string {
	return fmt.Sprintf("The card payment of %s is on the order, but Odoo did not complete the order: %s. The back office has been alerted.", MXN(amount), why)
}

func msgMethodNotAllowed(pos string) string {
	return fmt.Sprintf("Compago is not a payment method of POS %q. Ask the administrator to allow it there, then request again.", pos)
}

func msgWithdrawnOrderClosed(state string) string {
	return fmt.Sprintf("This order is already %s, so the card payment request was withdrawn from the terminal.", state)
}

// Sentences for Compago's odd answers (see poller.go and creator.go).

func msgCreateMismatch(detail string) string {
	return fmt.Sprintf("Compago answered this payment request with %s, so the connector withdrew it and recorded nothing. Request the payment again; if the customer was charged anyway, tell the back office.", detail)
}

func msgCreateForeign() string {
	return "Compago answered this payment request with another payment's details, so the connector is not following it. Check the terminal: if it shows this order's payment, do not let the customer pay it; then request again. The back office has been alerted."
}

func msgLateCharge(amount int64) string {
	return fmt.Sprintf("The card was charged %s after the payment request had ended; the payment is being recorded. Do not charge again.", MXN(amount))
}

func msgConfirmedWithoutCharge() string {
	return "Compago says the payment is confirmed but has not reported the card as charged; still checking. Do not charge the card another way."
}

func msgPaymentSummary(summary string) string {
	return fmt.Sprintf("The terminal reports the card payment as %s, not as charged; still checking. Do not charge the card another way.", summary)
}

func msgUnknownStatus(status string) string {
	return fmt.Sprintf("Compago reports this payment as %s, which the connector does not know; still checking. Do not charge the card another way.", status)
}

func msgWrongAnswer() string {
	return "Compago answered about another payment instead of this one; still checking. Do not charge the card another way."
}

func msgIntentNotFound() string {
	return "Compago says it does not know this payment request; still checking. Check the terminal, and do not charge the card another way."
}

func msgCompagoUnavailable() string {
	return "Compago is not answering; still checking the payment. Do not charge the card another way."
}

func msgUnsettled() string {
	return "Compago never said whether the card was charged. Check the terminal: if it shows the payment approved, do not charge again and tell the back office; otherwise request the payment again."
}

func msgCancelNotFound() string {
	return "Compago no longer knows this payment request, so it could not be cancelled. Check the terminal: if the card was charged, do not charge again and tell the back office; otherwise request the payment again."
}

func msgHeld(wait string) string {
	return fmt.Sprintf("The previous payment request of this order may still be completing on the terminal; this one is sent in about %s unless that one is charged. Do not charge the card another way.", wait)
}

func msgPreviousCharged(amount int64) string {
	return fmt.Sprintf("The previous payment request of this order was charged %s after all; it is being recorded and this request was not sent. Do not charge again.", MXN(amount))
}

func msgBadTerminal() string {
	return "The terminal code on this order is not a Compago terminal serial (letters, digits and - _ . : / only). Correct it and request again."
}

func msgUnknownUnsettled() string {
	return "The previous card payment request of this order may still be on the terminal, and Compago never told us its id. Check the terminal: do not let the customer pay it. The back office must settle it before this order can be charged by card again."
}
