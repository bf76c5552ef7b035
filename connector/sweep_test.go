package connector_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
)

// createAtCompago creates an intent directly, as if our create had reached
// Compago and its answer had been lost.
func (w *world) createAtCompago(externalID, terminal string, amount int64) *compago.Intent {
	w.T.Helper()
	in, err := w.CompagoClient().Create(context.Background(), compago.CreateParams{Amount: amount, ExternalID: externalID, TerminalCode: terminal})
	if err != nil {
		w.T.Fatal(err)
	}
	return in
}

func TestCreateWhoseAnswerWasLostEndsUnknownAndTellsTheCashierToCheckTheTerminal(t *testing.T) {
	eachTransport(t, lostCreateAnswer)
}

// lostCreateAnswer: a create reached Compago and its answer was lost with
// the daemon; the cashier is told to check the terminal, a new request
// waits for the back office, and once it settles the order is paid once.
func lostCreateAnswer(t *testing.T, w *world) {
	id := w.NewOrder(150, nil)
	// A previous run recorded the write-ahead, sent the create, and died
	// before the answer: Compago has the intent, the journal has no id.
	j, err := journal.OpenSQLite(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := j.Begin(context.Background(), journal.NewAttempt{OrderID: id, Amount: 15000, Terminal: "TERMINAL-001", ExternalIDPrefix: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	w.createAtCompago(a.ExternalID, "TERMINAL-001", 15000)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})

	d := w.startDaemon(nil)
	o := w.WaitState(id, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "Check the terminal") {
		t.Errorf("cashier message = %q, want to be told to check the terminal", msg)
	}
	got, err := d.journal.Get(context.Background(), a.ID)
	if err != nil || got.State != journal.Unknown {
		t.Fatalf("journal attempt = %+v, %v; want unknown (the intent exists, its id does not)", got, err)
	}
	if n := len(w.Compago.Intents()); n != 1 {
		t.Errorf("%d intents at Compago, want 1: the retry must reuse the externalId", n)
	}

	// The cashier requests again: refused while no one has checked the
	// terminal, since the orphan may have been paid already and nothing
	// can read it.
	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	o = w.waitMessage(id, "The back office must settle it")
	if o["x_compago_state"] != connector.StateFailed || len(w.Compago.Intents()) != 1 {
		t.Fatalf("a second request was sent while the first may be paid: %v, %d intents", o, len(w.Compago.Intents()))
	}
	// The back office checks the terminal (nothing was paid) and settles
	// it; now the request goes: a new externalId, and Compago withdraws
	// the orphan from the terminal.
	if _, err := d.journal.Settle(context.Background(), a.ID, journal.Settlement{
		Outcome: journal.OutcomeNotCharged, Note: "terminal shows nothing paid", By: "test"}); err != nil {
		t.Fatal(err)
	}
	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	w.WaitFor("attempt 2 pending", func() bool {
		o := w.Order(id)
		return o["x_compago_state"] == connector.StatePending && o["x_compago_external_id"] == fmt.Sprintf("sandbox-%d-2", id)
	})
	for _, in := range w.Compago.Intents() {
		if in.ExternalID == a.ExternalID && in.Status != "CANCELLED" {
			t.Errorf("the orphan intent is %s, want CANCELLED by the newer intent on its terminal", in.Status)
		}
	}
	w.Compago.ApproveTerminal("TERMINAL-001")
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
}

func TestCompagoOutageDuringCreateIsRetriedWithTheSameExternalID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.Compago.SetFaults(compagosim.Faults{ErrorRate: 1, Status: http.StatusServiceUnavailable, When: "before"})
	w.startDaemon(nil)
	id := w.NewOrder(42, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	simworld.WaitFor(t, "the cashier to be told Compago is not answering", func() bool {
		msg, _ := w.Order(id)["x_compago_message"].(string)
		return strings.Contains(msg, "not answering")
	})
	w.Compago.ClearFaults()
	o := w.WaitState(id, connector.StatePending)
	if o["x_compago_external_id"] != fmt.Sprintf("sandbox-%d-1", id) {
		t.Errorf("externalId = %v, want attempt 1's", o["x_compago_external_id"])
	}
	w.Compago.ApproveTerminal("TERMINAL-002")
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
}

// An order Odoo shows pending on an intent the journal never created (a
// journal restored from an old backup, or a cashier's hand) is followed,
// but its charge is never recorded as money: the cashier is told the back
// office must check it, and the attempt is parked for a person.
func TestSweepFollowsAnIntentItDidNotCreateButNeverRecordsItsCharge(t *testing.T) {
	w := newWorld(t, worldOptions{})
	id := w.NewOrder(88, nil)
	in := w.createAtCompago(fmt.Sprintf("sandbox-%d-1", id), "TERMINAL-003", 8800)
	w.Flag(id, map[string]any{"x_compago_state": "pending", "x_compago_intent_id": in.ID,
		"x_compago_external_id": fmt.Sprintf("sandbox-%d-1", id), "x_compago_terminal": "TERMINAL-003"})
	lost := w.NewOrder(12, nil)
	w.Flag(lost, map[string]any{"x_compago_state": "pending"})
	other := w.NewOrder(30, nil)
	w.Flag(other, map[string]any{"x_compago_state": "pending", "x_compago_intent_id": "=HYPERLINK(\"x\")\x1b[2J"})

	d := w.startDaemon(nil)
	r, err := d.eng.SweepOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Adopted != 1 || r.Cleared != 2 {
		t.Fatalf("sweep report %+v, want 1 followed and 2 cleared", r)
	}
	if o := w.WaitState(lost, connector.StateFailed); !strings.Contains(o["x_compago_message"].(string), "no record") {
		t.Errorf("the order pending without an intent reads %q", o["x_compago_message"])
	}
	if o := w.WaitState(other, connector.StateFailed); !strings.Contains(o["x_compago_message"].(string), "not a Compago payment") {
		t.Errorf("the order pending on garbage reads %q", o["x_compago_message"])
	}
	if msg := w.Order(id)["x_compago_message"].(string); !strings.Contains(msg, "did not start") {
		t.Errorf("the followed order reads %q, want to be told it is being checked", msg)
	}
	if _, err := d.journal.Latest(context.Background(), id); err == nil {
		t.Errorf("a pending foreign intent was journaled: the poller would record its charge")
	}

	w.Compago.ApproveTerminal("TERMINAL-003")
	if _, err := d.eng.SweepOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	o := w.WaitState(id, connector.StateFailed)
	if pays := w.Payments(id); len(pays) != 0 || o["state"] != "draft" {
		t.Fatalf("a charge the journal did not create was recorded: order %v, lines %v", o, pays)
	}
	a, err := d.journal.Latest(context.Background(), id)
	if err != nil || a.State != journal.Failed || !a.Attention || a.Reason != connector.ReasonForeignCharged || a.IntentID != in.ID {
		t.Fatalf("journal attempt %+v, %v; want failed, parked, reason %s", a, err, connector.ReasonForeignCharged)
	}
	if a.ExternalID != fmt.Sprintf("sandbox-%d-1", id) {
		t.Errorf("externalId %q; want Odoo's, which has this database's shape", a.ExternalID)
	}
}

func TestSweepPrunesOnlySettledAttemptsPastTheRetention(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(func(c *connector.Config) { c.Retention = time.Nanosecond })
	paid := w.NewOrder(10, nil)
	w.Flag(paid, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(paid, connector.StatePending)
	w.Compago.ApproveTerminal("TERMINAL-001")
	w.WaitState(paid, connector.StatePaid)
	live := w.NewOrder(20, nil)
	w.Flag(live, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	w.WaitState(live, connector.StatePending)
	simworld.WaitFor(t, "the paid attempt to be synced", func() bool {
		a, err := d.journal.Latest(context.Background(), paid)
		return err == nil && a.SyncedVersion == a.Version && a.State == journal.Recorded
	})

	r, err := d.eng.SweepOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Pruned != 1 {
		t.Errorf("pruned %d attempts, want 1 (the recorded one)", r.Pruned)
	}
	if _, err := d.journal.Latest(context.Background(), live); err != nil {
		t.Errorf("the pending attempt was pruned: %v", err)
	}
}
