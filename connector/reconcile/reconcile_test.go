package reconcile_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/simworld"
)

// startEngine runs the real engine against the world until the test ends.
func (w *world) startEngine() {
	w.T.Helper()
	j := w.writer()
	eng, err := connector.New(connector.Config{
		PaymentMethod: "Compago", WatchInterval: 20 * time.Millisecond, PollInterval: 40 * time.Millisecond,
		ExternalIDPrefix: "sandbox", SweepSchedule: "@every 1h", DrainTimeout: 5 * time.Second,
		Logger: zerolog.New(zerolog.NewTestWriter(w.T)).Level(zerolog.InfoLevel),
	}, j, w.OdooClient(), w.CompagoClient())
	if err != nil {
		w.T.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	w.T.Cleanup(func() { cancel(); <-done })
}

func (w *world) waitFlag(orderID int64, want string) {
	w.T.Helper()
	simworld.WaitFor(w.T, fmt.Sprintf("order %d to show %s", orderID, want), func() bool { return w.orderFlag(orderID) == want })
}

// waitSeen waits until the journal knows Odoo has seen the order's last
// change: Odoo shows a write a moment before the daemon records that it
// landed, and an unrecorded landing is, an hour later, Odoo behind.
func (w *world) waitSeen(orderID int64) {
	w.T.Helper()
	simworld.WaitFor(w.T, fmt.Sprintf("the journal to record that Odoo saw order %d", orderID), func() bool {
		j, err := journal.OpenSQLiteReadOnly(context.Background(), w.JournalPath, journal.Options{})
		if err != nil {
			return false
		}
		defer j.Close()
		a, err := j.Latest(context.Background(), orderID)
		return err == nil && !a.Unsynced()
	})
}

func TestCleanDayThroughTheRealEngineHasNoDiscrepancy(t *testing.T) {
	w := newWorld(t)
	w.startEngine()

	paid := w.NewOrder(350.50, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.waitFlag(paid, "pending")
	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatalf("the customer taps the card: %v", err)
	}
	w.waitFlag(paid, "paid")

	cancelled := w.NewOrder(120, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	w.waitFlag(cancelled, "pending")
	w.Flag(cancelled, map[string]any{"x_compago_state": "cancel_requested"})
	w.waitFlag(cancelled, "cancelled")
	w.waitSeen(paid)
	w.waitSeen(cancelled)

	now := time.Now()
	rep := w.report(now.Add(-24*time.Hour), now, true)
	if !rep.Clean() {
		t.Fatalf("back office sees discrepancies on a clean day: %+v", rep.Discrepancies)
	}
	got := map[int64]string{}
	for _, r := range rep.Rows {
		got[r.OrderID] = fmt.Sprintf("%s %s %s lines=%d", r.State, r.Amount, r.Compago, len(r.Payments))
	}
	want := map[int64]string{
		paid:      "recorded 350.50 CONFIRMED SUCCESS lines=1",
		cancelled: "cancelled 120.00 CANCELLED lines=0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the day's attempts as back office sees them (-want +got):\n%s", diff)
	}
	// An hour later nothing has become a discrepancy either.
	if rep := w.report(now.Add(-24*time.Hour), now.Add(time.Hour), false); !rep.Clean() {
		t.Fatalf("an hour later: %+v", rep.Discrepancies)
	}
}

// plant adds an attempt to the journal as the daemon would have left it.
func plant(t *testing.T, j *journal.SQLite, a journal.Attempt, synced bool) journal.Attempt {
	t.Helper()
	if a.Seq == 0 {
		a.Seq = 1
	}
	if a.ExternalID == "" {
		a.ExternalID = fmt.Sprintf("sandbox-%d-%d", a.OrderID, a.Seq)
	}
	a.Version = 1
	if synced {
		a.SyncedVersion = 1
	}
	got, err := j.Insert(context.Background(), a)
	if err != nil {
		t.Fatalf("plant %+v: %v", a, err)
	}
	return got
}

type finding struct {
	Kind  reconcile.Kind
	Order int64
}

func findings(rep *reconcile.Report) []finding {
	var out []finding
	for _, d := range rep.Discrepancies {
		out = append(out, finding{d.Kind, d.OrderID})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func TestEveryPlantedDiscrepancyIsFound(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	var want []finding
	expect := func(k reconcile.Kind, order int64) { want = append(want, finding{k, order}) }

	// A payment recorded in the journal whose line is missing in Odoo.
	noLine := w.NewOrder(100, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: noLine, IntentID: "intent-no-line", Amount: 10000, State: journal.Recorded}, true)
	expect(reconcile.ChargedWithoutPaymentLine, noLine)

	// Compago payment lines nobody charged: one without a transaction id,
	// one naming an intent the journal does not know.
	manual := w.NewOrder(80, nil)
	w.paymentLine(manual, 80, "")
	expect(reconcile.PaymentLineWithoutCharge, manual)
	stray := w.NewOrder(90, nil)
	w.paymentLine(stray, 90, "intent-nobody-knows")
	expect(reconcile.PaymentLineWithoutCharge, stray)

	// A line for an intent the journal holds as expired.
	expiredPaid := w.NewOrder(70, map[string]any{"x_compago_state": "expired"})
	plant(t, j, journal.Attempt{OrderID: expiredPaid, IntentID: "intent-expired", Amount: 7000, State: journal.Expired}, true)
	w.paymentLine(expiredPaid, 70, "intent-expired")
	expect(reconcile.PaymentLineWithoutCharge, expiredPaid)

	// The line says another amount than the charge.
	short := w.NewOrder(200, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: short, IntentID: "intent-short", Amount: 20000, State: journal.Recorded}, true)
	w.paymentLine(short, 150, "intent-short")
	expect(reconcile.AmountMismatch, short)

	// Two lines for one charge.
	twice := w.NewOrder(50, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: twice, IntentID: "intent-twice", Amount: 2500, State: journal.Recorded}, true)
	w.paymentLine(twice, 25, "intent-twice")
	w.paymentLine(twice, 25, "intent-twice")
	expect(reconcile.DuplicatePaymentLine, twice)
	expect(reconcile.AmountMismatch, twice)

	// The line of a charge sits on another order.
	owner := w.NewOrder(30, map[string]any{"x_compago_state": "paid"})
	other := w.NewOrder(30, nil)
	plant(t, j, journal.Attempt{OrderID: owner, IntentID: "intent-moved", Amount: 3000, State: journal.Recorded}, true)
	w.paymentLine(other, 30, "intent-moved")
	expect(reconcile.PaymentLineOnOtherOrder, owner)

	// Outcome unknown: Compago has the externalId, we never got the id;
	// and a write-ahead that never got an answer.
	unknown := w.NewOrder(40, map[string]any{"x_compago_state": "failed"})
	plant(t, j, journal.Attempt{OrderID: unknown, Amount: 4000, State: journal.Unknown}, true)
	expect(reconcile.OutcomeUnknown, unknown)
	stuck := w.NewOrder(45, map[string]any{"x_compago_state": "requested"})
	if _, err := j.Begin(ctx, journal.NewAttempt{OrderID: stuck, Amount: 4500, ExternalIDPrefix: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	expect(reconcile.OutcomeUnknown, stuck)
	expect(reconcile.OdooBehind, stuck) // Begin is a change Odoo has not acknowledged

	// Orders left flagged: pending while the attempt expired long ago, and
	// requested with no attempt at all (the daemon is not running).
	leftPending := w.NewOrder(60, map[string]any{"x_compago_state": "pending", "x_compago_intent_id": "intent-left"})
	plant(t, j, journal.Attempt{OrderID: leftPending, IntentID: "intent-left", Amount: 6000, State: journal.Expired}, true)
	expect(reconcile.OrderLeftFlagged, leftPending)
	orphan := w.NewOrder(65, map[string]any{"x_compago_state": "requested"})
	expect(reconcile.OrderLeftFlagged, orphan)

	// A charged payment the daemon parked (its session was closed).
	parked := w.NewOrder(55, map[string]any{"x_compago_state": "pending"})
	a := plant(t, j, journal.Attempt{OrderID: parked, IntentID: "intent-parked", Amount: 5500, State: journal.Pending}, true)
	if _, err := j.Update(ctx, a.ID, func(x *journal.Attempt) error { x.State = journal.Confirmed; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := j.SyncFailed(ctx, a.ID, "its POS session is closed", true); err != nil {
		t.Fatal(err)
	}
	expect(reconcile.ChargedWithoutPaymentLine, parked)
	expect(reconcile.NeedsAttention, parked)
	expect(reconcile.OdooBehind, parked)

	// A clean payment among them stays clean.
	fine := w.NewOrder(10, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: fine, IntentID: "intent-fine", Amount: 1000, State: journal.Recorded}, true)
	w.paymentLine(fine, 10, "intent-fine")

	now := time.Now().Add(time.Hour) // everything planted is an hour old: past the grace period
	checkFindings(t, w.report(now.Add(-24*time.Hour), now, false), want)
}

func checkFindings(t *testing.T, rep *reconcile.Report, want []finding) {
	t.Helper()
	sort.Slice(want, func(i, k int) bool {
		if want[i].Order != want[k].Order {
			return want[i].Order < want[k].Order
		}
		return want[i].Kind < want[k].Kind
	})
	if diff := cmp.Diff(want, findings(rep)); diff != "" {
		for _, d := range rep.Discrepancies {
			t.Logf("%s order %d: %s", d.Kind, d.OrderID, d.Detail)
		}
		t.Fatalf("discrepancies back office sees (-planted +found):\n%s", diff)
	}
	if rep.Clean() {
		t.Fatal("a report with discrepancies says it is clean")
	}
}

func TestRefreshFindsWhatOnlyCompagoKnows(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	cc := w.CompagoClient()
	create := func(order int64, amount int64, terminal string) *compago.Intent {
		t.Helper()
		in, err := cc.Create(ctx, compago.CreateParams{Amount: amount, ExternalID: fmt.Sprintf("sandbox-%d-1", order), TerminalCode: terminal})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	var want []finding

	// The card was charged after the journal gave the intent up.
	surprise := w.NewOrder(25, map[string]any{"x_compago_state": "cancelled"})
	in := create(surprise, 2500, "TERMINAL-001")
	plant(t, j, journal.Attempt{OrderID: surprise, IntentID: in.ID, Amount: 2500, State: journal.Cancelled}, true)
	if _, err := w.Compago.Approve(in.ID); err != nil {
		t.Fatal(err)
	}
	want = append(want, finding{reconcile.CompagoDisagrees, surprise})

	// The journal holds as recorded a charge Compago never made.
	notCharged := w.NewOrder(35, map[string]any{"x_compago_state": "paid"})
	in = create(notCharged, 3500, "TERMINAL-002")
	plant(t, j, journal.Attempt{OrderID: notCharged, IntentID: in.ID, Amount: 3500, State: journal.Recorded}, true)
	w.paymentLine(notCharged, 35, in.ID)
	want = append(want, finding{reconcile.CompagoDisagrees, notCharged})

	// An intent id Compago does not know.
	ghost := w.NewOrder(15, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: ghost, IntentID: "00000000-0000-4000-8000-000000000000", Amount: 1500, State: journal.Recorded}, true)
	w.paymentLine(ghost, 15, "00000000-0000-4000-8000-000000000000")
	want = append(want, finding{reconcile.CompagoDisagrees, ghost})

	// A charge all three agree on.
	fine := w.NewOrder(10, map[string]any{"x_compago_state": "paid"})
	in = create(fine, 1000, "TERMINAL-003")
	if _, err := w.Compago.Approve(in.ID); err != nil {
		t.Fatal(err)
	}
	plant(t, j, journal.Attempt{OrderID: fine, IntentID: in.ID, Amount: 1000, State: journal.Recorded}, true)
	w.paymentLine(fine, 10, in.ID)

	now := time.Now()
	if rep := w.report(now.Add(-24*time.Hour), now, false); !rep.Clean() {
		t.Fatalf("without asking Compago the journal and Odoo agree, yet: %+v", rep.Discrepancies)
	}
	rep := w.report(now.Add(-24*time.Hour), now, true)
	checkFindings(t, rep, want)
	for _, r := range rep.Rows {
		if r.OrderID == surprise && r.Compago != "CONFIRMED SUCCESS" {
			t.Errorf("the Compago column of the surprise charge says %q, want CONFIRMED SUCCESS", r.Compago)
		}
	}
}

func TestRecentWorkIsNotYetADiscrepancy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	// A card charged a moment ago whose line the daemon is about to add,
	// a write-ahead just sent, and a retry the cashier just asked for.
	charged := w.NewOrder(55, map[string]any{"x_compago_state": "pending"})
	a := plant(t, j, journal.Attempt{OrderID: charged, IntentID: "intent-now", Amount: 5500, State: journal.Pending}, true)
	if _, err := j.Update(ctx, a.ID, func(x *journal.Attempt) error { x.State = journal.Confirmed; return nil }); err != nil {
		t.Fatal(err)
	}
	sent := w.NewOrder(45, map[string]any{"x_compago_state": "requested"})
	if _, err := j.Begin(ctx, journal.NewAttempt{OrderID: sent, Amount: 4500, ExternalIDPrefix: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	retry := w.NewOrder(65, map[string]any{"x_compago_state": "expired"})
	plant(t, j, journal.Attempt{OrderID: retry, IntentID: "intent-old", Amount: 6500, State: journal.Expired}, true)
	w.Flag(retry, map[string]any{"x_compago_state": "requested"})

	now := time.Now()
	if rep := w.report(now.Add(-24*time.Hour), now, false); !rep.Clean() {
		t.Fatalf("work the daemon is still doing is reported: %+v", rep.Discrepancies)
	}
	later := w.report(now.Add(-24*time.Hour), now.Add(10*time.Minute), false)
	checkFindings(t, later, []finding{
		{reconcile.ChargedWithoutPaymentLine, charged}, {reconcile.OdooBehind, charged},
		{reconcile.OutcomeUnknown, sent}, {reconcile.OdooBehind, sent},
		{reconcile.OrderLeftFlagged, retry},
	})
}

// An unknown outcome (the customer may have been charged) stays on every
// day's report, however old, until a human settles it with `intents
// settle`; once settled it is no discrepancy, even in its own day's window.
func TestUnknownOutcomeIsListedUntilSettled(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	order := w.NewOrder(40, map[string]any{"x_compago_state": "failed"})
	u := plant(t, j, journal.Attempt{OrderID: order, Amount: 4000, State: journal.Unknown}, true)

	nextWeek := time.Now().Add(7 * 24 * time.Hour)
	checkFindings(t, w.report(nextWeek.Add(-24*time.Hour), nextWeek, false), []finding{{reconcile.OutcomeUnknown, order}})

	if _, err := j.Settle(ctx, u.ID, journal.Settlement{Outcome: journal.OutcomeNotCharged, Note: "no charge at Compago"}); err != nil {
		t.Fatal(err)
	}
	for _, since := range []time.Time{nextWeek.Add(-24 * time.Hour), time.Now().Add(-time.Hour)} {
		if rep := w.report(since, nextWeek, false); !rep.Clean() {
			t.Fatalf("after a human settled the unknown outcome, the report since %s still says: %+v", since.Format(time.DateTime), rep.Discrepancies)
		}
	}
}
