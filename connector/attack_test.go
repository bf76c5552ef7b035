package connector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// Attacks on the recording of charged payments: each test puts a cashier,
// a proxy or a restored journal where the recorder trusts something, and
// checks the goal: every charged card is exactly one line on its order,
// and the cashier is never told "paid" on an order that is not paid.

// waitSettled waits until the order's latest attempt is recorded or
// parked for a human, and returns it.
func (w *world) waitSettled(d *daemon, orderID int64) journal.Attempt {
	w.T.Helper()
	var a journal.Attempt
	simworld.WaitFor(w.T, "the charge recorded or parked", func() bool {
		var err error
		a, err = d.journal.Latest(context.Background(), orderID)
		return err == nil && (a.State == journal.Recorded || a.Attention)
	})
	return a
}

// cardLines counts the order's lines of the Compago method.
func (w *world) cardLines(orderID int64) (n int, total float64) {
	for _, p := range w.Payments(orderID) {
		if m, ok := p["payment_method_id"].([]any); ok && len(m) > 0 && simworld.Float(m[0]) == float64(w.Seed.PaymentMethodID) {
			n++
			total += simworld.Float(p["amount"])
		}
	}
	return n, total
}

// Attack: the cashier (or a POS addon) adds a one-centavo cash line whose
// transaction_id is the pending intent's id (shown on the order as
// x_compago_intent_id). The recorder takes any line of the order with that
// text for its own: the 100 MXN card charge is never recorded, yet the
// cashier reads that it was paid by card.
func TestAttackCashierLineCarryingTheIntentIDHidesTheCharge(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	intent := w.intentOf(id)
	w.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{
		"pos_order_id": id, "amount": 0.01, "payment_method_id": w.Seed.CashPaymentMethodID,
		"transaction_id": intent.ID}}, nil)
	w.approve("TERMINAL-001")
	a := w.waitSettled(d, id)
	o := w.Order(id)
	n, total := w.cardLines(id)
	t.Logf("attempt %s attention=%v; cashier sees %v %q; card lines %d (%.2f)", a.State, a.Attention, o["x_compago_state"], o["x_compago_message"], n, total)
	// A line carrying the intent id that is not the charge is a case for a
	// human: parked, never taken for the card's line, never "paid".
	parked := a.Attention && n == 0
	if !parked && (n != 1 || total != 100) {
		t.Errorf("card charged 100.00 MXN but the order has %d card lines totalling %.2f; cashier reads %v %q",
			n, total, o["x_compago_state"], o["x_compago_message"])
	}
	if o["x_compago_state"] == connector.StatePaid && (n != 1 || total != 100) {
		t.Errorf("cashier told paid without the card's line: %q", o["x_compago_message"])
	}
}

// Attack: the card is charged and its line added, the completion fails
// (502), and meanwhile the cashier cancels the order in the back office
// (Odoo's action_pos_order_cancel just writes state cancel). The next pass
// finds the line, skips the completion of a non-draft order, and tells the
// cashier "Paid" on a cancelled order.
func TestAttackOrderCancelledWhileCompletionFailsIsShownPaid(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.make.payment", Method: "check", When: "before", Status: 502, Times: 1000})
	w.approve("TERMINAL-001")
	w.waitLines(id, 1)
	w.waitMessage(id, "The card was charged 100.00 MXN")
	w.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"state": "cancel"}}, nil)
	a := w.waitSettled(d, id)
	var o map[string]any
	simworld.WaitFor(t, "the cashier told the outcome", func() bool {
		o = w.Order(id)
		msg, _ := o["x_compago_message"].(string)
		return (o["x_compago_state"] != connector.StatePending && o["x_compago_state"] != "requested") ||
			strings.Contains(msg, "back office has been alerted")
	})
	t.Logf("attempt %s attention=%v; order state %v; cashier sees %v %q", a.State, a.Attention, o["state"], o["x_compago_state"], o["x_compago_message"])
	if o["x_compago_state"] == connector.StatePaid && o["state"] != "paid" {
		t.Errorf("cashier told %v %q on an order whose state is %v", o["x_compago_state"], o["x_compago_message"], o["state"])
	}
}

// Attack: the cashier lowers the total after the line was added: the order is overpaid, the next pass
// finds the line and must not say paid unless Odoo completed the order.
func TestAttackTotalLoweredAfterTheLineIsNotShownPaid(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.make.payment", Method: "check", When: "before", Status: 502, Times: 3})
	w.approve("TERMINAL-001")
	w.waitLines(id, 1)
	w.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"amount_total": 60.0}}, nil)
	w.waitSettled(d, id)
	o := w.waitMessage(id, "Odoo did not complete the order")
	t.Logf("order state %v; cashier sees %v %q", o["state"], o["x_compago_state"], o["x_compago_message"])
	if o["x_compago_state"] == connector.StatePaid && o["state"] != "paid" {
		t.Errorf("cashier told %v %q on an order whose state is %v", o["x_compago_state"], o["x_compago_message"], o["state"])
	}
}

// Attack: Odoo 17/18 (no uuid constraint). A journal backup is taken while
// the card is pending; add_payment is then held by Odoo (a row lock), the
// daemon stops, and the backup is restored: the restored attempt has no
// AddPaymentUntil, the lookup finds nothing, and a second add_payment is
// sent while the first can still commit.
func TestAttackRestoredJournalWhileAddPaymentIsHeld(t *testing.T) {
	for _, version := range []int{17, 18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			if version < 19 {
				// Known gap (docs/RELIABILITY.md, "Exactly once"): a restored
				// journal forgets the deadline of a call still in flight, and
				// Odoo 17/18 have no constraint to refuse its late line.
				t.Skip("Odoo 17/18 without the POS addon: a journal restored while an add_payment is in flight can double it")
			}
			w := newWorld(t, worldOptions{version: version})
			short := func(c *connector.Config) {
				c.OdooTimeout = 300 * time.Millisecond
				c.LateCommitWindow = 3 * time.Second
			}
			d := w.startDaemon(short)
			id := w.pendingOrder(100, nil)
			d.stop()
			backup := filepath.Join(t.TempDir(), "backup.db")
			copyJournal(t, w.JournalPath, backup)

			d = w.startDaemon(short)
			w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late"})
			w.approve("TERMINAL-001")
			simworld.WaitFor(t, "add_payment held by Odoo", func() bool { return w.Odoo.Holding() == 1 })
			d.stop()

			copyJournal(t, backup, w.JournalPath)
			d = w.startDaemon(short)
			// Within the late-commit window the restored daemon must not
			// add a line the held call may still add.
			time.Sleep(time.Second)
			w.Odoo.ReleaseHeld()
			w.waitSettled(d, id)
			time.Sleep(500 * time.Millisecond)
			if lines := w.Payments(id); len(lines) != 1 {
				t.Errorf("order has %d payment lines for one card charge: %v", len(lines), lines)
			}
			w.CheckInvariants()
		})
	}
}

// Attack: the daemon is stopped while Odoo holds its add_payment, and a
// new one starts on the same journal with a shorter OdooTimeout: the
// journaled deadline must still be honoured.
func TestAttackRestartWhileAddPaymentIsHeld(t *testing.T) {
	w := newWorld(t, worldOptions{version: 17})
	d := w.startDaemon(func(c *connector.Config) {
		c.OdooTimeout = 300 * time.Millisecond
		c.LateCommitWindow = 3 * time.Second
	})
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late"})
	w.approve("TERMINAL-001")
	simworld.WaitFor(t, "add_payment held by Odoo", func() bool { return w.Odoo.Holding() == 1 })
	d.stop()
	d = w.startDaemon(func(c *connector.Config) {
		c.OdooTimeout = 300 * time.Millisecond
		c.LateCommitWindow = 3 * time.Second
	})
	time.Sleep(time.Second)
	if n := len(w.Payments(id)); n != 0 {
		t.Errorf("restarted daemon added %d lines while the first call may still commit", n)
	}
	w.Odoo.ReleaseHeld()
	w.checkPaidOnce(id, 100)
	_ = d
}

// Attack: Odoo 17, add_payment held by Odoo, the daemon stops and its
// journal is lost; a new daemon starts on an empty journal while the held
// call can still commit. Whatever it does, one line at the end, and never
// a second card charged for the order.
func TestAttackLostJournalWhileAddPaymentIsHeld(t *testing.T) {
	w := newWorld(t, worldOptions{version: 17})
	short := func(c *connector.Config) {
		c.OdooTimeout = 300 * time.Millisecond
		c.LateCommitWindow = 3 * time.Second
	}
	d := w.startDaemon(short)
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late"})
	w.approve("TERMINAL-001")
	simworld.WaitFor(t, "add_payment held by Odoo", func() bool { return w.Odoo.Holding() == 1 })
	d.stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(w.JournalPath + suffix)
	}
	d = w.startDaemon(short)
	time.Sleep(time.Second)
	w.Odoo.ReleaseHeld()
	time.Sleep(time.Second)
	o := w.Order(id)
	t.Logf("order state %v; cashier sees %v %q; lines %v", o["state"], o["x_compago_state"], o["x_compago_message"], w.Payments(id))
	if n := len(w.Payments(id)); n > 1 {
		t.Errorf("order has %d payment lines for one card charge", n)
	}
	if o["x_compago_state"] == connector.StatePaid && o["state"] != "paid" {
		t.Errorf("cashier told paid on an order whose state is %v", o["state"])
	}
	w.CheckInvariants()
	_ = d
}
