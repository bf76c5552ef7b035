package connector

import (
	"fmt"
	"strings"
)

// The sentences the cashier reads in x_compago_message: one table, each
// sentence in English and in Mexican Spanish. Each says what happened, who
// did it and what to do; none carries a stack trace or a secret. The
// daemon writes the configured language (connector.language); a sentence
// is written once, in the language configured when it was written.
//
// A sentence names the party that acted: "Compago refused" only for an
// answer from Compago, "the connector" for what this program refused
// before calling anyone.

// Lang is the language of the cashier's sentences.
type Lang string

const (
	English Lang = "en"
	Spanish Lang = "es_MX"
)

// ParseLang accepts the values of connector.language.
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case English, Spanish:
		return Lang(s), nil
	}
	return "", fmt.Errorf("unknown language %q: want %s or %s", s, English, Spanish)
}

// sentence is one cashier sentence. Both languages take the same
// arguments, by position (%[n]s when the order differs).
type sentence struct{ en, es string }

// sentences is the table. The key names the situation.
var sentences = map[string]sentence{
	"any_terminal":     {"any Compago terminal", "cualquier terminal Compago"},
	"terminal":         {"terminal %s", "la terminal %s"},
	"the_terminal":     {"the terminal", "la terminal"},
	"unknown_currency": {"an unknown currency", "una moneda desconocida"},

	"waiting": {
		"Waiting for the card on %s (%s).",
		"Esperando la tarjeta en %s (%s)."},
	"create_retrying": {
		"Compago is not answering yet; the payment request is being retried. Do not charge the card another way.",
		"Compago aún no responde; se reintenta la solicitud de pago. No cobre la tarjeta de otra forma."},
	"paid": {
		"Paid %s by card.",
		"Pagado %s con tarjeta."},
	"partially_paid": {
		"Paid %s by card; %s is still due. Request the rest, or take it another way.",
		"Pagado %s con tarjeta; aún se deben %s. Solicite el resto o cóbrelo de otra forma."},
	"charged": {
		"The card was charged %s; recording the payment in Odoo.",
		"Se cobró %s a la tarjeta; se está registrando el pago en Odoo."},
	"cancelled": {
		"Payment cancelled. No money was taken.",
		"Pago cancelado. No se cobró nada."},
	"cancelling": {
		"Cancelling the payment request on the terminal…",
		"Cancelando la solicitud de pago en la terminal…"},
	"replaced": {
		"Replaced: a newer payment request of this POS was sent to %s, so Compago withdrew this one. No money was taken. Request it again to retry.",
		"Reemplazada: se envió a %s una solicitud de pago más reciente de este punto de venta, y Compago retiró esta. No se cobró nada. Solicítela de nuevo para reintentar."},
	"withdrawn": {
		"Compago withdrew this payment request: another payment request was sent to %s, or it was cancelled outside this POS. No money was taken. Request it again to retry.",
		"Compago retiró esta solicitud de pago: se envió otra solicitud a %s, o se canceló fuera de este punto de venta. No se cobró nada. Solicítela de nuevo para reintentar."},
	"expired": {
		"The payment request expired (10 minutes) before the card was charged. Request it again to retry.",
		"La solicitud de pago venció (10 minutos) antes de cobrar la tarjeta. Solicítela de nuevo para reintentar."},
	"declined": {
		"The card was declined. The customer can try another card on the terminal, or cancel.",
		"La tarjeta fue rechazada. El cliente puede intentar con otra tarjeta en la terminal, o cancelar."},
	"already_confirmed": {
		"Too late to cancel: the card was already charged %s. The payment is being recorded.",
		"Demasiado tarde para cancelar: ya se cobró %s a la tarjeta. Se está registrando el pago."},
	"nothing_to_cancel": {
		"There was no Compago payment in progress to cancel.",
		"No había ningún pago Compago en curso que cancelar."},
	"cannot_cancel_paid": {
		"This order's Compago payment is already paid; it cannot be cancelled here. Refund it from Compago.",
		"El pago Compago de esta orden ya está pagado; no se puede cancelar aquí. Reembólselo desde Compago."},
	"not_draft": {
		"This order is already %s; nothing to charge.",
		"Esta orden ya está en estado %s; no hay nada que cobrar."},
	"nothing_due": {
		"Nothing is due on this order; nothing to charge.",
		"Esta orden no tiene saldo pendiente; no hay nada que cobrar."},
	"too_much": {
		"The amount to charge (%s) is more than what is due (%s). Correct the amount and request again.",
		"El monto a cobrar (%s) es mayor que el saldo pendiente (%s). Corrija el monto y solicite de nuevo."},
	"negative_amount": {
		"The amount to charge (%s) is negative, so the connector did not send it to Compago. Correct the amount (0 charges what is due) and request again.",
		"El monto a cobrar (%s) es negativo, así que el conector no lo envió a Compago. Corrija el monto (0 cobra el saldo pendiente) y solicite de nuevo."},
	"wrong_currency": {
		"This order is in %s, and Compago charges Mexican pesos (MXN) only, so the connector did not send it. Take this payment another way, or ask the administrator.",
		"Esta orden está en %s y Compago solo cobra pesos mexicanos (MXN), así que el conector no la envió. Cobre este pago de otra forma o consulte al administrador."},
	"session_closed": {
		"The POS session of this order is closed. Open a session and request again.",
		"La sesión del punto de venta de esta orden está cerrada. Abra una sesión y solicite de nuevo."},
	"terminal_not_found": {
		"Compago does not know terminal %q. Check the terminal serial and request again.",
		"Compago no conoce la terminal %q. Revise el número de serie de la terminal y solicite de nuevo."},
	"refused": {
		"Compago refused the payment request: %s. Request again after correcting it, or ask the administrator.",
		"Compago rechazó la solicitud de pago: %s. Solicite de nuevo después de corregirlo, o consulte al administrador."},
	"unauthorized": {
		"Compago rejected the connector's API key. Ask the administrator to check the configuration.",
		"Compago rechazó la clave de API del conector. Pida al administrador que revise la configuración."},
	"unknown": {
		"Compago already has this payment request but never told us its id. Check the terminal and tell the back office: the order can be charged by card again once they have settled it (if the card was charged, do not charge again).",
		"Compago ya tiene esta solicitud de pago pero nunca nos dio su id. Revise la terminal y avise a la oficina: la orden podrá cobrarse con tarjeta de nuevo cuando la hayan resuelto (si se cobró la tarjeta, no cobre otra vez)."},
	"attention": {
		"The card was charged but the payment could not be added to the order: %s. The back office has been alerted.",
		"Se cobró la tarjeta pero el pago no se pudo agregar a la orden: %s. Se avisó a la oficina."},
	"lost_track": {
		"The connector has no record of this payment request. Check the terminal, then request again.",
		"El conector no tiene registro de esta solicitud de pago. Revise la terminal y después solicite de nuevo."},
	"duplicate_lines": {
		"The card was charged %s once, but this order has %d payment lines for it. Do not charge again; the back office has been alerted to remove the extra line.",
		"Se cobró %s a la tarjeta una sola vez, pero esta orden tiene %d líneas de pago por ello. No cobre otra vez; se avisó a la oficina para quitar la línea de más."},
	"not_completed": {
		"The card payment of %s is on the order, but Odoo did not complete the order: %s. The back office has been alerted.",
		"El pago con tarjeta de %s está en la orden, pero Odoo no completó la orden: %s. Se avisó a la oficina."},
	"method_not_allowed": {
		"Compago is not a payment method of POS %q. Ask the administrator to allow it there, then request again.",
		"Compago no es un método de pago del punto de venta %q. Pida al administrador que lo habilite ahí y solicite de nuevo."},
	"withdrawn_order_closed": {
		"This order is already %s, so the card payment request was withdrawn from the terminal.",
		"Esta orden ya está en estado %s, así que la solicitud de pago con tarjeta se retiró de la terminal."},
	"create_mismatch": {
		"Compago answered this payment request with %s, so the connector withdrew it and recorded nothing. Request the payment again; if the customer was charged anyway, tell the back office.",
		"Compago respondió a esta solicitud de pago con %s, así que el conector la retiró y no registró nada. Solicite el pago de nuevo; si aun así se cobró al cliente, avise a la oficina."},
	"create_foreign": {
		"Compago answered this payment request with another payment's details, so the connector is not following it. Check the terminal: if it shows this order's payment, do not let the customer pay it; then request again. The back office has been alerted.",
		"Compago respondió a esta solicitud de pago con los datos de otro pago, así que el conector no le da seguimiento. Revise la terminal: si muestra el pago de esta orden, no deje que el cliente lo pague; después solicite de nuevo. Se avisó a la oficina."},
	"late_charge": {
		"The card was charged %s after the payment request had ended; the payment is being recorded. Do not charge again.",
		"Se cobró %s a la tarjeta después de que terminó la solicitud de pago; se está registrando el pago. No cobre otra vez."},
	"confirmed_without_charge": {
		"Compago says the payment is confirmed but has not reported the card as charged; still checking. Do not charge the card another way.",
		"Compago dice que el pago está confirmado pero no ha informado el cobro a la tarjeta; se sigue revisando. No cobre la tarjeta de otra forma."},
	"payment_summary": {
		"The terminal reports the card payment as %s, not as charged; still checking. Do not charge the card another way.",
		"La terminal informa el pago con tarjeta como %s, no como cobrado; se sigue revisando. No cobre la tarjeta de otra forma."},
	"unknown_status": {
		"Compago reports this payment as %s, which the connector does not know; still checking. Do not charge the card another way.",
		"Compago informa este pago como %s, que el conector no conoce; se sigue revisando. No cobre la tarjeta de otra forma."},
	"wrong_answer": {
		"Compago answered about another payment instead of this one; still checking. Do not charge the card another way.",
		"Compago respondió sobre otro pago en lugar de este; se sigue revisando. No cobre la tarjeta de otra forma."},
	"intent_not_found": {
		"Compago says it does not know this payment request; still checking. Check the terminal, and do not charge the card another way.",
		"Compago dice que no conoce esta solicitud de pago; se sigue revisando. Revise la terminal y no cobre la tarjeta de otra forma."},
	"compago_unavailable": {
		"Compago is not answering; still checking the payment. Do not charge the card another way.",
		"Compago no responde; se sigue revisando el pago. No cobre la tarjeta de otra forma."},
	"unsettled": {
		"Compago never said whether the card was charged. Check the terminal: if it shows the payment approved, do not charge again and tell the back office; otherwise request the payment again.",
		"Compago nunca dijo si se cobró la tarjeta. Revise la terminal: si muestra el pago aprobado, no cobre otra vez y avise a la oficina; si no, solicite el pago de nuevo."},
	"cancel_not_found": {
		"Compago no longer knows this payment request, so it could not be cancelled. Check the terminal: if the card was charged, do not charge again and tell the back office; otherwise request the payment again.",
		"Compago ya no conoce esta solicitud de pago, así que no se pudo cancelar. Revise la terminal: si se cobró la tarjeta, no cobre otra vez y avise a la oficina; si no, solicite el pago de nuevo."},
	"held": {
		"The previous payment request of this order may still be completing on the terminal; this one is sent in about %s unless that one is charged. Do not charge the card another way.",
		"La solicitud de pago anterior de esta orden puede estar terminando en la terminal; esta se envía en unos %s salvo que aquella se cobre. No cobre la tarjeta de otra forma."},
	"previous_charged": {
		"The previous payment request of this order was charged %s after all; it is being recorded and this request was not sent. Do not charge again.",
		"La solicitud de pago anterior de esta orden sí se cobró (%s); se está registrando y esta solicitud no se envió. No cobre otra vez."},
	"bad_terminal": {
		"The terminal code on this order is not a Compago terminal serial (letters, digits and - _ . : / only). Correct it and request again.",
		"El código de terminal de esta orden no es un número de serie de terminal Compago (solo letras, dígitos y - _ . : /). Corríjalo y solicite de nuevo."},
	"unknown_unsettled": {
		"The previous card payment request of this order may still be on the terminal, and Compago never told us its id. Check the terminal: do not let the customer pay it. The back office must settle it before this order can be charged by card again.",
		"La solicitud de pago con tarjeta anterior de esta orden puede seguir en la terminal, y Compago nunca nos dio su id. Revise la terminal: no deje que el cliente la pague. La oficina debe resolverla antes de volver a cobrar esta orden con tarjeta."},

	// An order that names a Compago intent this connector did not create
	// (see followForeign).
	"foreign_pending": {
		"This order names a card payment the connector did not start. It is being checked; if the card is charged, the back office must confirm it before the order counts as paid.",
		"Esta orden menciona un pago con tarjeta que el conector no inició. Se está revisando; si se cobra la tarjeta, la oficina debe confirmarlo antes de que la orden cuente como pagada."},
	"foreign_charged": {
		"Compago says payment %s was charged, but the connector did not start it, so it was not added to this order. The back office must check that charge before this order counts as paid; do not charge the card again until they have.",
		"Compago dice que el pago %s se cobró, pero el conector no lo inició, así que no se agregó a esta orden. La oficina debe revisar ese cobro antes de que la orden cuente como pagada; no cobre la tarjeta otra vez hasta que lo hagan."},
	"foreign_not_found": {
		"Compago does not know the payment this order names; nothing was charged through it. Request the payment again.",
		"Compago no conoce el pago que menciona esta orden; no se cobró nada con él. Solicite el pago de nuevo."},
	"foreign_invalid": {
		"This order names something that is not a Compago payment; nothing was charged through it. Request the payment again.",
		"Esta orden menciona algo que no es un pago Compago; no se cobró nada con ello. Solicite el pago de nuevo."},
	"foreign_other_order": {
		"This order names the card payment of another order; it was not added here. Request the payment again, or ask the back office.",
		"Esta orden menciona el pago con tarjeta de otra orden; no se agregó aquí. Solicite el pago de nuevo o consulte a la oficina."},
}

// MXN formats centavos as the cashier reads them: "1,234.50 MXN" (the
// same in Mexico: comma for thousands, point for decimals).
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

// say writes the cashier's sentences in one language.
type say struct{ lang Lang }

// f renders the sentence key; a missing key is a programming error caught
// by the table's test, and renders as the key rather than panicking.
func (s say) f(key string, args ...any) string {
	st, ok := sentences[key]
	if !ok {
		return key
	}
	format := st.en
	if s.lang == Spanish {
		format = st.es
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

func (s say) terminalPhrase(terminal string) string {
	if terminal == "" {
		return s.f("any_terminal")
	}
	return s.f("terminal", terminal)
}

// theTerminal names the terminal an intent was on, "the terminal" when it
// was unrouted.
func (s say) theTerminal(terminal string) string {
	if terminal == "" {
		return s.f("the_terminal")
	}
	return s.f("terminal", terminal)
}

func (s say) Waiting(amount int64, terminal string) string {
	return s.f("waiting", s.terminalPhrase(terminal), MXN(amount))
}
func (s say) CreateRetrying() string { return s.f("create_retrying") }

// Paid is the sentence of a recorded payment; with money still due it is
// the partially_paid one, so that the cashier does not read "paid" alone.
func (s say) Paid(amount, stillDue int64) string {
	if stillDue > 0 {
		return s.f("partially_paid", MXN(amount), MXN(stillDue))
	}
	return s.f("paid", MXN(amount))
}
func (s say) Charged(amount int64) string { return s.f("charged", MXN(amount)) }
func (s say) Cancelled() string           { return s.f("cancelled") }
func (s say) Cancelling() string          { return s.f("cancelling") }

// Replaced is said when this connector sent a newer request to the same
// terminal: Compago withdrew the older one.
func (s say) Replaced(terminal string) string { return s.f("replaced", s.terminalPhrase(terminal)) }

// Withdrawn is said when Compago cancelled an intent this connector did not
// cancel and knows of no newer request of its own: another request went to
// the terminal (another POS, another integration) or someone cancelled it
// through Compago. The terminal's user did nothing, so they are not blamed.
func (s say) Withdrawn(terminal string) string { return s.f("withdrawn", s.theTerminal(terminal)) }
func (s say) Expired() string                  { return s.f("expired") }
func (s say) Declined() string                 { return s.f("declined") }
func (s say) AlreadyConfirmed(amount int64) string {
	return s.f("already_confirmed", MXN(amount))
}
func (s say) NothingToCancel() string      { return s.f("nothing_to_cancel") }
func (s say) CannotCancelPaid() string     { return s.f("cannot_cancel_paid") }
func (s say) NotDraft(state string) string { return s.f("not_draft", state) }
func (s say) NothingDue() string           { return s.f("nothing_due") }
func (s say) TooMuch(amount, due int64) string {
	return s.f("too_much", MXN(amount), MXN(due))
}

// NegativeAmount is the connector's own refusal: Compago was never called.
func (s say) NegativeAmount(amount int64) string { return s.f("negative_amount", MXN(amount)) }

// WrongCurrency is the connector's own refusal of an order not in pesos.
func (s say) WrongCurrency(currency string) string {
	return s.f("wrong_currency", s.currencyLabel(currency))
}
func (s say) SessionClosed() string { return s.f("session_closed") }
func (s say) TerminalNotFound(terminal string) string {
	return s.f("terminal_not_found", terminal)
}

// Refused is Compago's refusal of a create, with its reason.
func (s say) Refused(reason string) string { return s.f("refused", reason) }
func (s say) Unauthorized() string         { return s.f("unauthorized") }
func (s say) Unknown() string              { return s.f("unknown") }
func (s say) Attention(what string) string { return s.f("attention", what) }
func (s say) LostTrack() string            { return s.f("lost_track") }
func (s say) DuplicateLines(amount int64, lines int) string {
	return s.f("duplicate_lines", MXN(amount), lines)
}
func (s say) NotCompleted(amount int64, why string) string {
	return s.f("not_completed", MXN(amount), why)
}
func (s say) MethodNotAllowed(pos string) string { return s.f("method_not_allowed", pos) }
func (s say) WithdrawnOrderClosed(state string) string {
	return s.f("withdrawn_order_closed", state)
}

// Sentences for Compago's odd answers (see poller.go and creator.go).

func (s say) CreateMismatch(detail string) string { return s.f("create_mismatch", detail) }
func (s say) CreateForeign() string               { return s.f("create_foreign") }
func (s say) LateCharge(amount int64) string      { return s.f("late_charge", MXN(amount)) }
func (s say) ConfirmedWithoutCharge() string      { return s.f("confirmed_without_charge") }
func (s say) PaymentSummary(summary string) string {
	return s.f("payment_summary", summary)
}
func (s say) UnknownStatus(status string) string { return s.f("unknown_status", status) }
func (s say) WrongAnswer() string                { return s.f("wrong_answer") }
func (s say) IntentNotFound() string             { return s.f("intent_not_found") }
func (s say) CompagoUnavailable() string         { return s.f("compago_unavailable") }
func (s say) Unsettled() string                  { return s.f("unsettled") }
func (s say) CancelNotFound() string             { return s.f("cancel_not_found") }
func (s say) Held(wait string) string            { return s.f("held", wait) }
func (s say) PreviousCharged(amount int64) string {
	return s.f("previous_charged", MXN(amount))
}
func (s say) BadTerminal() string      { return s.f("bad_terminal") }
func (s say) UnknownUnsettled() string { return s.f("unknown_unsettled") }

func (s say) ForeignPending() string { return s.f("foreign_pending") }
func (s say) ForeignCharged(intentID string) string {
	return s.f("foreign_charged", intentID)
}
func (s say) ForeignNotFound() string   { return s.f("foreign_not_found") }
func (s say) ForeignInvalid() string    { return s.f("foreign_invalid") }
func (s say) ForeignOtherOrder() string { return s.f("foreign_other_order") }

// currencyLabel shows a currency name read from Odoo in a sentence: Odoo's
// codes are three letters; anything else (an empty or hostile name) is
// shown as unknown rather than copied into the cashier's screen.
func (s say) currencyLabel(name string) string {
	if len(name) == 3 && strings.IndexFunc(name, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		return name
	}
	return s.f("unknown_currency")
}
