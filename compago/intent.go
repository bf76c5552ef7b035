package compago

import (
	"net/url"
	"time"
)

// Currency is the only currency Compago payment intents accept.
const Currency = "MXN"

// Status is the status of a payment intent.
type Status string

// The document's three statuses.
const (
	StatusPending   Status = "PENDING"
	StatusConfirmed Status = "CONFIRMED"
	StatusCancelled Status = "CANCELLED"
)

// Intent is a payment intent as Compago last described it. GET answers a
// short shape, so fields it does not carry are zero.
type Intent struct {
	ID             string
	Status         Status
	Expired        bool
	Amount         int64 // centavos; 0 when the answer was the short shape
	AmountKnown    bool  // the answer carried an amount (0 included): Amount is Compago's word
	Currency       string
	ExternalID     string
	OrganizationID string
	TerminalID     string // "" when unrouted / not taken
	PaymentStatus  string // paymentSummary.status ("SUCCESS", "DECLINED", ...), "" when absent
	CreatedAt      time.Time
	UpdatedAt      time.Time // zero when absent
}

// PaymentSuccess is the paymentSummary.status of a charged card.
const PaymentSuccess = "SUCCESS"

// Charged reports whether the card was charged: status CONFIRMED with
// paymentSummary.status SUCCESS, the document's description of a completed
// payment. SUCCESS beside another status, or CONFIRMED without SUCCESS, is
// an answer the document does not show: not a charge, to be read again.
func (i *Intent) Charged() bool {
	return i.Status == StatusConfirmed && i.PaymentStatus == PaymentSuccess
}

// Final reports whether polling can stop: charged, cancelled or expired.
// A charge wins over every other signal.
func (i *Intent) Final() bool {
	return i.Charged() || i.Status == StatusCancelled || i.Expired
}

// DeepLink is the link that opens the Compago POS app on this intent
// (same-device flow).
func DeepLink(intentID string) string {
	return "compago-pos-app:///charge/payment-intent/" + url.PathEscape(intentID)
}

// CreateParams is what a payment intent is created from.
type CreateParams struct {
	Amount       int64  // centavos, > 0
	ExternalID   string // unique per organization; reuse it only to retry the same attempt
	TerminalCode string // terminal serial; "" = unrouted, any terminal may take it
}
