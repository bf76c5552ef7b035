package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
)

// An amount of 0 in Compago's answer is Compago's word, not a missing
// amount: a charge of 0 against a journal of 25.00 is a mismatch.
func TestCompagoAmountOfZeroIsCompared(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	in, err := w.CompagoClient().Create(ctx, compago.CreateParams{Amount: 2500, ExternalID: "sandbox-1-1", TerminalCode: "TERMINAL-001"})
	if err != nil {
		t.Fatal(err)
	}
	w.Compago.Approve(in.ID)
	order := w.NewOrder(25, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: order, IntentID: in.ID, Amount: 2500, State: journal.Recorded}, true)
	w.paymentLine(order, 25, in.ID)
	w.Compago.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 200,
		Body: `{"id":"` + in.ID + `","status":"CONFIRMED","paymentSummary":{"status":"SUCCESS"},"amount":0}`})
	now := time.Now()
	checkFindings(t, w.report(now.Add(-24*time.Hour), now, true), []finding{{reconcile.AmountMismatch, order}})
}

// Without --refresh, Compago is still asked about every attempt that ended
// without a recorded charge: a charge that landed after a cancel is found.
func TestEndedAttemptsAreAskedAbout(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	j := w.writer()
	in, err := w.CompagoClient().Create(ctx, compago.CreateParams{Amount: 2500, ExternalID: "sandbox-1-1", TerminalCode: "TERMINAL-001"})
	if err != nil {
		t.Fatal(err)
	}
	order := w.NewOrder(25, map[string]any{"x_compago_state": "cancelled"})
	plant(t, j, journal.Attempt{OrderID: order, IntentID: in.ID, Amount: 2500, State: journal.Cancelled}, true)
	if _, err := w.Compago.ChargeLate(in.ID); err != nil {
		t.Fatal(err)
	}
	ro, err := journal.OpenSQLiteReadOnly(ctx, w.JournalPath, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	r, err := reconcile.New(reconcile.Config{PaymentMethod: "Compago", Grace: 2 * time.Minute, AskEnded: true},
		ro, w.OdooClient(), w.CompagoClient())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rep, err := r.Run(ctx, now.Add(-24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	checkFindings(t, rep, []finding{{reconcile.CompagoDisagrees, order}})
}
