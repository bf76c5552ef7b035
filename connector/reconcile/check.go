package reconcile

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
)

type checkParams struct {
	now    time.Time
	grace  time.Duration
	fields connector.Fields
}

// charged reports whether the journal holds the card as charged.
func charged(a journal.Attempt) bool {
	return a.State == journal.Confirmed || a.State == journal.Recorded
}

// check builds the report's rows and finds the discrepancies of w.
func check(w *world, rep *Report, p checkParams) {
	byIntent := map[string][]PaymentLine{}
	for _, l := range sortedLines(w.lines) {
		if l.TransactionID != "" {
			byIntent[l.TransactionID] = append(byIntent[l.TransactionID], l)
		}
	}
	accounted := map[int64]bool{} // payment lines an attempt explains
	for _, a := range w.sortedAttempts() {
		lines := byIntent[a.IntentID]
		if a.IntentID == "" {
			lines = nil
		}
		row := newRow(w, a, lines)
		found := checkAttempt(w, a, lines, p)
		if charged(a) {
			for _, l := range lines {
				accounted[l.ID] = true
			}
		}
		for _, d := range found {
			row.Problems = appendKind(row.Problems, d.Kind)
		}
		rep.Rows = append(rep.Rows, row)
		rep.Discrepancies = append(rep.Discrepancies, found...)
	}
	rep.Discrepancies = append(rep.Discrepancies, strayLines(w, byIntent, accounted)...)
	rep.Discrepancies = append(rep.Discrepancies, leftFlagged(w, p)...)
}

func newRow(w *world, a journal.Attempt, lines []PaymentLine) Row {
	o := w.orders[a.OrderID]
	row := Row{
		AttemptID: a.ID, OrderID: a.OrderID, Order: o.Name, OrderState: o.State, Flag: o.Flag,
		ExternalID: a.ExternalID, IntentID: a.IntentID, Terminal: a.Terminal, Amount: Money(a.Amount),
		State: a.State, Payments: lines, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Problems: []Kind{},
	}
	if row.Payments == nil {
		row.Payments = []PaymentLine{}
	}
	if w.intents != nil && a.IntentID != "" {
		row.Compago = describeIntent(w.intents[a.IntentID])
	}
	return row
}

// checkAttempt finds what does not match for one attempt.
func checkAttempt(w *world, a journal.Attempt, lines []PaymentLine, p checkParams) []Discrepancy {
	var out []Discrepancy
	add := func(k Kind, paymentID int64, format string, args ...any) {
		out = append(out, Discrepancy{Kind: k, AttemptID: a.ID, OrderID: a.OrderID, IntentID: a.IntentID,
			PaymentID: paymentID, Detail: fmt.Sprintf(format, args...)})
	}
	settled := p.now.Sub(a.UpdatedAt) > p.grace // the daemon had its chance
	switch {
	case a.IntentID == "" || len(lines) > 0:
	case a.State == journal.Recorded:
		add(ChargedWithoutPaymentLine, 0, "the journal says the payment of %s was recorded, but order %d has no payment line with transaction id %s", Money(a.Amount), a.OrderID, a.IntentID)
	case a.State == journal.Confirmed && settled:
		add(ChargedWithoutPaymentLine, 0, "the card was charged %s %s ago and order %d still has no payment line for it", Money(a.Amount), age(p.now, a.UpdatedAt), a.OrderID)
	}
	if len(lines) > 1 {
		add(DuplicatePaymentLine, lines[1].ID, "%d payment lines for one charge of %s (ids %s)", len(lines), Money(a.Amount), lineIDs(lines))
	}
	var sum Money
	for _, l := range lines {
		sum += l.Amount
		if l.OrderID != a.OrderID {
			add(PaymentLineOnOtherOrder, l.ID, "payment line %d of intent %s is on order %d, the attempt is for order %d", l.ID, a.IntentID, l.OrderID, a.OrderID)
		}
		if charged(a) && !w.methodIDs[l.MethodID] {
			// Amounts may match and the order look paid, but the card's
			// money is counted under another method (cash, a cashier's line
			// given the intent's id).
			add(PaymentLineOtherMethod, l.ID, "payment line %d of intent %s (%s) is under payment method %d, not a Compago method: the card's money is counted as something else", l.ID, a.IntentID, l.Amount, l.MethodID)
		}
		if !charged(a) {
			add(PaymentLineWithoutCharge, l.ID, "payment line %d (%s) credits an intent the journal holds as %s, not charged", l.ID, l.Amount, a.State)
		}
	}
	if len(lines) > 0 && sum != Money(a.Amount) {
		add(AmountMismatch, lines[0].ID, "the journal charged %s, Odoo's payment lines say %s", Money(a.Amount), sum)
	}
	switch {
	case a.State == journal.Unknown && a.Settled != "":
		// a human checked and settled it (intents settle): nothing to do
	case a.State == journal.Unknown:
		add(OutcomeUnknown, 0, "Compago has an intent for externalId %s whose id was never received: check the terminal and Compago for a charge, then settle it: compago-connector intents settle %d --charged|--not-charged --note \"what you found\"", a.ExternalID, a.ID)
	case a.State == journal.Creating && p.now.Sub(a.CreatedAt) > p.grace:
		add(OutcomeUnknown, 0, "payment request %s still without Compago's answer after %s", a.ExternalID, age(p.now, a.CreatedAt))
	}
	if connector.IsForeign(a) {
		add(UnverifiedIntent, 0, "%s", foreignDetail(a))
	}
	if a.Attention && a.State != journal.Unknown { // an unknown outcome is reported above, once
		add(NeedsAttention, 0, "parked by the daemon: %s", orDefault(a.LastError, a.Message))
	}
	if a.Unsynced() && settled {
		add(OdooBehind, 0, "Odoo has not seen this attempt's last change (%s) for %s; %d failed writes, last: %s",
			a.State, age(p.now, a.UpdatedAt), a.SyncFailures, orDefault(a.LastError, "none"))
	}
	if w.intents != nil && a.IntentID != "" {
		out = append(out, compareCompago(a, w.intents[a.IntentID])...)
	}
	return out
}

// compareCompago compares what Compago says now with the journal.
func compareCompago(a journal.Attempt, info intentInfo) []Discrepancy {
	d := Discrepancy{Kind: CompagoDisagrees, AttemptID: a.ID, OrderID: a.OrderID, IntentID: a.IntentID}
	in := info.intent
	switch {
	case info.notFound:
		d.Detail = "Compago does not know intent " + a.IntentID
	case in == nil:
		return nil
	case in.Charged() && !charged(a):
		d.Detail = fmt.Sprintf("Compago says the card was charged; the journal holds the attempt as %s", a.State)
	case !in.Charged() && charged(a):
		d.Detail = fmt.Sprintf("the journal holds the card as charged; Compago says %s", describeIntent(info))
	case in.AmountKnown && in.Amount != a.Amount: // 0 is an amount too, when Compago says it
		return []Discrepancy{{Kind: AmountMismatch, AttemptID: a.ID, OrderID: a.OrderID, IntentID: a.IntentID,
			Detail: fmt.Sprintf("the journal says %s, Compago says %s", Money(a.Amount), Money(in.Amount))}}
	default:
		return nil
	}
	return []Discrepancy{d}
}

// strayLines finds the Compago payment lines no charged attempt explains.
func strayLines(w *world, byIntent map[string][]PaymentLine, accounted map[int64]bool) []Discrepancy {
	journaled := map[string]bool{}
	for _, a := range w.attempts {
		if a.IntentID != "" {
			journaled[a.IntentID] = true
		}
	}
	var out []Discrepancy
	for _, l := range sortedLines(w.lines) {
		if accounted[l.ID] || !w.methodIDs[l.MethodID] {
			continue
		}
		if journaled[l.TransactionID] {
			continue // an attempt not charged holds it: reported with the attempt
		}
		d := Discrepancy{Kind: PaymentLineWithoutCharge, OrderID: l.OrderID, IntentID: l.TransactionID, PaymentID: l.ID}
		if l.TransactionID == "" {
			d.Detail = fmt.Sprintf("payment line %d of %s on order %d has no transaction id: no Compago charge backs it", l.ID, l.Amount, l.OrderID)
		} else {
			d.Detail = fmt.Sprintf("payment line %d of %s on order %d names intent %s, which the journal does not know", l.ID, l.Amount, l.OrderID, l.TransactionID)
		}
		out = append(out, d)
	}
	return out
}

// leftFlagged finds the orders whose Compago flag nobody will act on: the
// order's last attempt is over (or there is none) and Odoo has been told.
func leftFlagged(w *world, p checkParams) []Discrepancy {
	var out []Discrepancy
	for _, id := range w.flagged {
		o := w.orders[id]
		if why, ok := w.foreign[id]; ok {
			out = append(out, Discrepancy{Kind: UnverifiedIntent, OrderID: id, IntentID: o.IntentID,
				Detail: fmt.Sprintf("order %d is %s on intent %s, but %s: no payment is recorded for it without a person", id, o.Flag, o.IntentID, why)})
			continue
		}
		a, ok := w.latest[id]
		since := o.WriteDate
		d := Discrepancy{Kind: OrderLeftFlagged, OrderID: id, IntentID: o.IntentID}
		switch {
		case !ok:
			d.Detail = fmt.Sprintf("order %d is %s and the journal has no attempt for it: is the daemon running?", id, o.Flag)
		case !a.State.Final() || a.Unsynced():
			continue // live, or Odoo is behind (reported with the attempt)
		default:
			since = latestTime(since, a.UpdatedAt, a.SyncedAt)
			d.AttemptID = a.ID
			d.Detail = fmt.Sprintf("order %d is still %s, but its attempt %s ended %s", id, o.Flag, a.ExternalID, a.State)
		}
		if p.now.Sub(since) <= p.grace {
			continue // the daemon may not have seen it yet
		}
		d.Detail += fmt.Sprintf(" (for %s)", age(p.now, since))
		out = append(out, d)
	}
	return out
}

// foreignDetail says what the sweep did with an intent it did not create.
func foreignDetail(a journal.Attempt) string {
	switch a.Reason {
	case connector.ReasonForeignCharged:
		return fmt.Sprintf("order %d named intent %s, which the journal did not create; Compago says it was charged, and no payment was recorded: "+
			"check at Compago that its amount and externalId are this order's (it claims %s) before adding the payment by hand", a.OrderID, a.IntentID, Money(a.Amount))
	case connector.ReasonForeignNotFound:
		return fmt.Sprintf("order %d named intent %s, which the journal did not create and Compago does not know; nothing was recorded", a.OrderID, a.IntentID)
	}
	return fmt.Sprintf("order %d named intent %s, which the journal did not create; it ended %s without a charge, nothing was recorded", a.OrderID, a.IntentID, a.State)
}

func describeIntent(info intentInfo) string {
	in := info.intent
	switch {
	case info.notFound:
		return "not found"
	case in == nil:
		return ""
	}
	parts := []string{string(in.Status)}
	if in.Expired {
		parts = append(parts, "expired")
	}
	if in.PaymentStatus != "" {
		parts = append(parts, in.PaymentStatus)
	}
	return strings.Join(parts, " ")
}

func sortedLines(m map[int64]PaymentLine) []PaymentLine {
	out := make([]PaymentLine, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func lineIDs(lines []PaymentLine) string {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = fmt.Sprint(l.ID)
	}
	return strings.Join(ids, ", ")
}

func appendKind(ks []Kind, k Kind) []Kind {
	for _, x := range ks {
		if x == k {
			return ks
		}
	}
	return append(ks, k)
}

func latestTime(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// age is how long ago t was, to the second.
func age(now, t time.Time) time.Duration { return now.Sub(t).Round(time.Second) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
