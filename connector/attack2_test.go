package connector_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
)

// Attacks on the interpretation of Compago's answers. Each test states the
// goal it checks: every card Compago charged is exactly one payment line
// on its order for the amount charged; "no money was taken" only when true;
// no card charged twice for one order.

// chargedFor lists the intents Compago charged whose externalId is one of
// this database's for the order (sandbox-<order>-<n>).
func chargedFor(w *simworld.World, order int64) []compagosim.Intent {
	var out []compagosim.Intent
	for _, in := range w.Compago.Intents() {
		if strings.HasPrefix(in.ExternalID, fmt.Sprintf("sandbox-%d-", order)) && in.PaymentStatus == compagosim.PaymentSuccess {
			out = append(out, in)
		}
	}
	return out
}

// settleFor lets the daemon poll a while (a condition that never comes
// true is what the attack shows, so the wait is bounded by polls).
func settleFor(n int) { time.Sleep(time.Duration(n) * testPoll) }

// Attack 1: a cashier writes into an order another integration's intent id
// (10.00 MXN, expired at Compago) with state pending. The sweep journals it
// as an ended "adopted" attempt, with that intent id. The terminal then
// completes that foreign intent late. The cashier requests the order again:
// the hold reads the "previous attempt" (the foreign one), finds it charged,
// and records it as this order's payment — for the order's amount, 88.00,
// although Compago charged 10.00 on another integration's intent.
func TestAttack2AdoptedForeignIntentChargedLateBecomesThisOrdersMoney(t *testing.T) {
	w := newWorld(t, worldOptions{})
	id := w.NewOrder(88, nil)
	foreign := w.createAtCompago("other-pos-9", "TERMINAL-003", 1000)
	if _, err := w.Compago.Expire(foreign.ID); err != nil {
		t.Fatal(err)
	}
	w.Flag(id, map[string]any{"x_compago_state": "pending", "x_compago_intent_id": foreign.ID, "x_compago_terminal": "TERMINAL-003"})
	d := w.startDaemon(nil)
	if _, err := d.eng.SweepOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.WaitState(id, connector.StateExpired)
	if _, err := w.Compago.ChargeLate(foreign.ID); err != nil { // the foreign terminal completes it
		t.Fatal(err)
	}
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	settleFor(30)
	n, total := w.cardLines(id)
	o := w.Order(id)
	if n != 0 {
		t.Errorf("another integration's 10.00 MXN charge became %d card line(s) totalling %.2f on order %d (cashier reads %v %q); an intent the journal did not create must never be money",
			n, total, id, o["x_compago_state"], o["x_compago_message"])
	}
}

// Attack 1b: same adopted foreign intent, but the daemon restarts within
// the grace period: the restart plans grace reads of every ended attempt
// with an intent id, the adopted one included, and its late charge is
// recorded as this order's payment.
func TestAttack2AdoptedForeignIntentReadAfterRestartBecomesMoney(t *testing.T) {
	w := newWorld(t, worldOptions{})
	id := w.NewOrder(88, nil)
	foreign := w.createAtCompago("other-pos-10", "TERMINAL-003", 1000)
	if _, err := w.Compago.Expire(foreign.ID); err != nil {
		t.Fatal(err)
	}
	w.Flag(id, map[string]any{"x_compago_state": "pending", "x_compago_intent_id": foreign.ID, "x_compago_terminal": "TERMINAL-003"})
	d := w.startDaemon(nil)
	if _, err := d.eng.SweepOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.WaitState(id, connector.StateExpired)
	d.stop()
	if _, err := w.Compago.ChargeLate(foreign.ID); err != nil {
		t.Fatal(err)
	}
	w.startDaemon(nil)
	settleFor(30)
	if n, total := w.cardLines(id); n != 0 {
		o := w.Order(id)
		t.Errorf("after a restart, another integration's 10.00 MXN charge became %d card line(s) totalling %.2f on order %d (cashier reads %v %q)",
			n, total, id, o["x_compago_state"], o["x_compago_message"])
	}
}

// Attack 2: the cashier cancels; the daemon reads CANCELLED and tells the
// cashier "No money was taken"; the terminal completes the charge after the
// grace period. Compago charged the card; the order never gets its line.
func TestAttack2ChargeLandingAfterTheGracePeriodIsLost(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(90, "TERMINAL-002")
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	w.WaitState(order, connector.StateCancelled)
	w.advance(3 * time.Minute)
	if _, err := w.Compago.ChargeLate(intent); err != nil {
		t.Fatal(err)
	}
	settleFor(40)
	o := w.Order(order)
	if n, _ := w.cardLines(order); n != 1 {
		t.Errorf("Compago charged 90.00 MXN on the order's intent 3 minutes after the cancel; the order has %d card lines and the cashier reads %v %q",
			n, o["x_compago_state"], o["x_compago_message"])
	}
}

// Attack 3: the order expired; the cashier requests again; the request is
// held through the grace period, the old intent read once more (not
// charged) and the new one sent. The old terminal's charge then completes
// (late), and the customer also pays the new intent: two charges, one line.
func TestAttack2LateChargeJustAfterTheHoldIsReleasedChargesTwice(t *testing.T) {
	w := newOddWorld(t, nil)
	order, old := w.request(130, "TERMINAL-002")
	w.advance(10*time.Minute + time.Second)
	w.WaitState(order, connector.StateExpired)
	w.Flag(order, map[string]any{"x_compago_state": "requested"})
	w.waitMessage(order, "previous payment request")
	w.offset.Add(int64(3 * time.Minute))
	simworld.WaitFor(t, "the held request to be sent", func() bool { return len(w.Compago.Intents()) == 2 })
	w.WaitState(order, connector.StatePending)
	if _, err := w.Compago.ChargeLate(old); err != nil {
		t.Fatal(err)
	}
	w.Compago.ApproveTerminal("TERMINAL-002")
	w.WaitState(order, connector.StatePaid)
	// The old intent was cancelled before the new one was sent, and still
	// charged: only Compago can do that. Nothing prevents it; the charge
	// must then be found and set aside for a refund, never lost.
	charged := chargedFor(w.World, order)
	simworld.WaitFor(t, "the second charge found and parked for a human", func() bool {
		// The ended attempt is read ever more rarely: let the daemon's
		// clock run until its next read.
		w.offset.Add(int64(10 * time.Second))
		list, err := w.d.journal.List(t.Context(), journal.Filter{OrderIDs: []int64{order}})
		if err != nil {
			return false
		}
		parked := 0
		for _, a := range list {
			if a.Attention && a.State == journal.Confirmed {
				parked++
			}
		}
		n, _ := w.cardLines(order)
		return n+parked == len(charged)
	})
	if n, total := w.cardLines(order); n != 1 || total != 130 {
		t.Errorf("order %d has %d card line(s) totalling %.2f, want the one 130.00 line", order, n, total)
	}
}

// Attack 4: the create is answered with another integration's intent
// (create_foreign): our own intent exists on the terminal, its id never
// told. The customer pays it. The charge never reaches the order; the
// cashier requests again, the new intent is sent at once (no hold: the
// ended attempt has no intent id) and is paid too.
func TestAttack2CreateAnsweredForeignThenHiddenIntentPaidChargesTwice(t *testing.T) {
	w := newOddWorld(t, nil)
	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateForeign})
	order := w.NewOrder(200, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(order, connector.StateFailed)
	var hidden string
	for _, in := range w.Compago.Intents() {
		if in.ExternalID == fmt.Sprintf("sandbox-%d-1", order) {
			hidden = in.ID
		}
	}
	if hidden == "" {
		t.Fatal("our own intent was not created")
	}
	if _, err := w.Compago.Approve(hidden); err != nil { // the customer pays what the terminal shows
		t.Fatal(err)
	}
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	simworld.WaitFor(t, "a second request to reach Compago or be held", func() bool {
		msg, _ := w.Order(order)["x_compago_message"].(string)
		return len(w.Compago.Intents()) == 3 || strings.Contains(msg, "previous")
	})
	if len(w.Compago.Intents()) == 3 {
		w.WaitState(order, connector.StatePending)
		w.Compago.ApproveTerminal("TERMINAL-001")
		w.WaitState(order, connector.StatePaid)
	}
	settleFor(20)
	// The hidden intent's charge cannot be recorded (no one knows its id):
	// it waits for a human, who settles it. What must not happen is a
	// second charge for the order meanwhile.
	charged := chargedFor(w.World, order)
	n, total := w.cardLines(order)
	if len(charged) > 1 {
		t.Errorf("Compago charged the card %d times for order %d (%v), the order has %d card line(s) totalling %.2f",
			len(charged), order, ids(charged), n, total)
	}
}

// Attack 5: a restart while a new request is held: the hold is only in
// memory (backoff); the restarted daemon must hold again, and the late
// charge of the old intent is the order's one line.
func TestAttack2RestartWhileHeldStillHolds(t *testing.T) {
	w := newOddWorld(t, nil)
	order, old := w.request(120, "TERMINAL-002")
	w.advance(10*time.Minute + time.Second)
	w.WaitState(order, connector.StateExpired)
	w.Flag(order, map[string]any{"x_compago_state": "requested"})
	w.waitMessage(order, "previous payment request")
	w.d.stop()
	clock := func() time.Time { return time.Now().Add(time.Duration(w.offset.Load())).UTC() }
	j, err := journal.OpenSQLite(t.Context(), w.JournalPath, journal.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	w.d = w.startDaemonOn(j, func(c *connector.Config) { c.Now = clock; c.Observer = w.obs })
	settleFor(10)
	if n := len(w.Compago.Intents()); n != 1 {
		t.Fatalf("%d intents at Compago after a restart while held, want 1", n)
	}
	if _, err := w.Compago.ChargeLate(old); err != nil {
		t.Fatal(err)
	}
	simworld.WaitFor(t, "the order paid by the late charge", func() bool { return w.Order(order)["state"] == "paid" })
	if n, _ := w.cardLines(order); n != 1 || len(w.Compago.Intents()) != 1 {
		t.Errorf("%d card lines, %d intents; want 1 and 1", n, len(w.Compago.Intents()))
	}
}

// Attack 6: a cancel answered 400 "already confirmed" on an intent that had
// expired (the simulator leaves it expired) while the terminal completes it
// late: the read after the cancel decides, and the late charge is the line.
func TestAttack2CancelSaysConfirmedThenLateChargeIsOneLine(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(45, "TERMINAL-003")
	w.arm(compagosim.Oddity{Kind: compagosim.OddCancelSaysConfirmed, Intent: intent, Times: -1})
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	w.WaitState(order, connector.StateCancelled)
	if _, err := w.Compago.ChargeLate(intent); err != nil {
		t.Fatal(err)
	}
	w.WaitState(order, connector.StatePaid)
	settleFor(10)
	if n, total := w.cardLines(order); n != 1 || total != 45 {
		t.Errorf("%d card lines totalling %.2f, want one of 45.00", n, total)
	}
}

func ids(ins []compagosim.Intent) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID+" "+in.ExternalID)
	}
	return out
}

// Attack 7: the create is answered for 500.00 MXN instead of 350.50
// (create_amount) and every cancel is answered 200 CANCELLED while the
// intent stays payable (cancel_lies_cancelled). The customer pays the
// 500.00 the terminal shows: Compago charged 500.00, so the order must end
// with one line of 500.00, or be parked for a person with no false
// "no money was taken".
func TestAttack2CreateForAnotherAmountPaidBeforeTheWithdrawalLands(t *testing.T) {
	w := newOddWorld(t, nil)
	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateAmount, Amount: 50000})
	w.arm(compagosim.Oddity{Kind: compagosim.OddCancelLiesCancelled, Times: -1})
	order := w.NewOrder(350.50, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	simworld.WaitFor(t, "the withdrawal to be sent", func() bool {
		return w.Compago.Requests()["POST /api/payment-intent/{id}/cancel"] > 0
	})
	in := w.Compago.Intents()[0]
	if _, err := w.Compago.Approve(in.ID); err != nil {
		t.Fatal(err)
	}
	var a journal.Attempt
	simworld.WaitFor(t, "the charge recorded or parked", func() bool {
		a = w.latest(order)
		return a.State == journal.Recorded || a.Attention
	})
	settleFor(10)
	o := w.Order(order)
	n, total := w.cardLines(order)
	msg, _ := o["x_compago_message"].(string)
	if strings.Contains(msg, "No money was taken") {
		t.Errorf("the cashier reads %q after a 500.00 MXN charge", msg)
	}
	if !a.Attention && (n != 1 || total != 500) {
		t.Errorf("Compago charged 500.00 MXN; the order has %d card lines totalling %.2f (attempt %s, cashier reads %v %q)",
			n, total, a.State, o["x_compago_state"], msg)
	}
	t.Logf("attempt %s attention=%v reason=%s; %d lines %.2f; cashier reads %v %q", a.State, a.Attention, a.Reason, n, total, o["x_compago_state"], msg)
}

// Attack 8: a create answered routed to another terminal is the first
// answer for TERMINAL-001, so its terminalId is learned as TERMINAL-001's.
// Found: every later, correct answer for TERMINAL-001 was then "another
// terminal" and withdrawn until a restart. Now one is, and the terminal
// takes cards again after it.
func TestAttack2FirstCreateOnAnotherTerminalPoisonsTheLearnedTerminal(t *testing.T) {
	w := newOddWorld(t, nil)
	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateTerminal})
	first, _ := w.request(10, "TERMINAL-001")
	if got := w.Compago.Intents()[0].TerminalCode; got != "TERMINAL-002" {
		t.Fatalf("the oddity routed to %s", got)
	}
	w.Flag(first, map[string]any{"x_compago_state": "cancel_requested"})
	w.WaitState(first, connector.StateCancelled)
	// The odd first answer cannot be told from a right one; the next right
	// answer disagrees with it and is withdrawn (alerted), and what was
	// learned is forgotten: from the one after, TERMINAL-001 takes cards
	// again, without a restart.
	var last map[string]any
	for range 2 {
		next := w.NewOrder(20, nil)
		w.Flag(next, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
		simworld.WaitFor(t, "the request answered", func() bool {
			last = w.Order(next)
			s, _ := last["x_compago_state"].(string)
			return s == connector.StatePending || s == connector.StateCancelled || s == connector.StateFailed
		})
	}
	if last["x_compago_state"] != connector.StatePending {
		t.Errorf("TERMINAL-001 still refused after one odd first answer: the cashier reads %v %q", last["x_compago_state"], last["x_compago_message"])
	}
}
