package reconcile

import (
	"fmt"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// Kind names a discrepancy. The names are a public interface (scripts, the
// CSV and JSON reports use them): they do not change.
type Kind string

// The discrepancies the report looks for.
const (
	// The journal says the card was charged (recorded, or confirmed for
	// longer than the grace period) and Odoo has no payment line for it.
	ChargedWithoutPaymentLine Kind = "charged_without_payment_line"
	// A payment line of the Compago method that no charged attempt
	// accounts for: no transaction id, an intent the journal does not
	// know, or an intent the journal does not hold as charged.
	PaymentLineWithoutCharge Kind = "payment_line_without_charge"
	// More than one payment line for one intent: the order was credited twice.
	DuplicatePaymentLine Kind = "duplicate_payment_line"
	// The payment line (or Compago) says another amount than the journal.
	AmountMismatch Kind = "amount_mismatch"
	// The payment line of an intent sits on another order than its attempt's.
	PaymentLineOnOtherOrder Kind = "payment_line_on_other_order"
	// The payment line of a charged intent is not under a Compago payment
	// method (the configured one or the addon's terminal methods): the
	// card's money is counted as cash, or as another method's.
	PaymentLineOtherMethod Kind = "payment_line_other_method"
	// The intent may exist and its outcome is not known: state unknown, or
	// a write-ahead without Compago's answer for longer than the grace period.
	OutcomeUnknown Kind = "outcome_unknown"
	// The order still shows requested, pending or cancel_requested while its
	// last attempt is over (or there is none), for longer than the grace period.
	OrderLeftFlagged Kind = "order_left_flagged"
	// The daemon parked the attempt: a human must act.
	NeedsAttention Kind = "needs_attention"
	// Odoo has not seen the attempt's last change for longer than the grace period.
	OdooBehind Kind = "odoo_behind"
	// An order names a Compago intent this journal did not create: the
	// daemon never records money for it (a cashier can write any intent id
	// on an order). Listed while the order is flagged on it and for every
	// attempt the sweep journaled for it; a charged one needs a person to
	// compare the charge with the order at Compago. No grace period.
	UnverifiedIntent Kind = "unverified_intent"
	// With --refresh: Compago says otherwise than the journal (charged or
	// not), or does not know the intent.
	CompagoDisagrees Kind = "compago_disagrees"
)

// Discrepancy is one thing that does not match, said for a person.
type Discrepancy struct {
	Kind      Kind   `json:"kind"`
	AttemptID int64  `json:"attempt_id,omitempty"`
	OrderID   int64  `json:"order_id,omitempty"`
	IntentID  string `json:"intent_id,omitempty"`
	PaymentID int64  `json:"payment_id,omitempty"`
	Detail    string `json:"detail"`
}

// PaymentLine is one pos.payment as Odoo holds it.
type PaymentLine struct {
	ID            int64     `json:"id"`
	OrderID       int64     `json:"order_id"`
	MethodID      int64     `json:"payment_method_id"`
	Amount        Money     `json:"amount"`
	TransactionID string    `json:"transaction_id,omitempty"`
	Date          time.Time `json:"payment_date"`
}

// Row is one payment attempt, as the journal, Odoo and (with refresh)
// Compago see it.
type Row struct {
	AttemptID  int64         `json:"attempt_id"`
	OrderID    int64         `json:"order_id"`
	Order      string        `json:"order"`       // the order's name in Odoo, "" if Odoo does not have it
	OrderState string        `json:"order_state"` // draft, paid, done, invoiced, cancel; "" if unknown
	Flag       string        `json:"flag"`        // x_compago_state in Odoo
	ExternalID string        `json:"external_id"`
	IntentID   string        `json:"intent_id,omitempty"`
	Terminal   string        `json:"terminal,omitempty"`
	Amount     Money         `json:"amount"`
	State      journal.State `json:"state"`
	Compago    string        `json:"compago,omitempty"` // with refresh: what Compago says now
	Payments   []PaymentLine `json:"payment_lines"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	Problems   []Kind        `json:"problems"`
}

// Report is the reconciliation of a time window.
type Report struct {
	Since         time.Time     `json:"since"`
	Until         time.Time     `json:"until"`
	Refreshed     bool          `json:"refreshed"` // Compago was asked about every intent
	Rows          []Row         `json:"rows"`
	Discrepancies []Discrepancy `json:"discrepancies"`
}

// Clean reports whether nothing was found to be wrong.
func (r *Report) Clean() bool { return len(r.Discrepancies) == 0 }

// Money is an amount in centavos. It prints, and marshals to JSON, as
// pesos with exactly two decimals (350.50), computed without floats.
type Money int64

func (m Money) String() string {
	sign := ""
	n := int64(m)
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// MarshalJSON writes the amount as a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }
