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
	return "Compago already has this payment request but never told us its id. Check the terminal: if the card was charged, do not charge again and tell the back office; otherwise request again."
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
