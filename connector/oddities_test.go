package connector_test

import (
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/simworld"
)

// Compago's answers about money are believed only when a read of that very
// intent says CONFIRMED with paymentSummary SUCCESS. Each test plays one odd
// but plausible answer (the simulator's oddities) and checks what the
// cashier reads, that the back office is alerted (a warn or error log line
// with the intent and the order, and the anomaly metric), and that Odoo
// holds exactly the money Compago charged.

// Case 1: a cancel answered 400 "already confirmed" while Compago cancelled
// the intent: the cashier reads that the payment was cancelled, not paid.
func TestCancelAnsweredAlreadyConfirmedIsReadBeforeItIsBelieved(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(150, "TERMINAL-001")
	w.arm(compagosim.Oddity{Kind: compagosim.OddCancelSaysConfirmed, Intent: intent})
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	o := w.WaitState(order, connector.StateCancelled)
	if pays := w.Payments(order); len(pays) != 0 || o["state"] == "paid" {
		t.Fatalf("Compago cancelled the intent, yet Odoo shows %v with payment lines %v", o["state"], pays)
	}
	w.wantAnomaly("cancel_said_confirmed", intent, order)
	w.CheckInvariants()
}

// Case 2a: a 201 for another amount: nothing is recorded as money, the
// intent is withdrawn and the cashier is told why.
func TestCreateAnsweredWithAnotherAmountIsWithdrawn(t *testing.T) {
	w := newOddWorld(t, nil)
	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateAmount, Amount: 3505})
	order := w.NewOrder(350.50, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	o := w.WaitState(order, connector.StateCancelled)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "35.05 MXN") || !strings.Contains(msg, "350.50 MXN") {
		t.Errorf("the cashier reads %q, want both amounts and what to do", msg)
	}
	in := w.Compago.Intents()[0]
	if in.Status != compagosim.StatusCancelled {
		t.Errorf("the odd intent is %s at Compago, want it withdrawn (CANCELLED)", in.Status)
	}
	w.wantAnomaly("create_mismatch", in.ID, order)
	w.CheckInvariants()
}

// Case 2b: a 201 carrying another integration's intent: its id is never
// taken as this order's, so its charge can never pay this order.
func TestCreateAnsweredWithAnotherIntegrationsIntentIsNotTaken(t *testing.T) {
	w := newOddWorld(t, nil)
	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateForeign})
	order := w.NewOrder(200, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	o := w.WaitState(order, connector.StateFailed)
	var foreign string
	for _, in := range w.Compago.Intents() {
		if in.ExternalID == "other-pos-77" {
			foreign = in.ID
		}
	}
	if o["x_compago_intent_id"] == foreign {
		t.Fatalf("the order follows another integration's intent %s", foreign)
	}
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "terminal") || !strings.Contains(msg, "back office") {
		t.Errorf("the cashier reads %q, want what to check and whom to tell", msg)
	}
	w.wantAnomaly("create_mismatch", foreign, order)
	w.CheckInvariants()
}

// Case 2c: a 201 routed to another terminal than asked is withdrawn.
func TestCreateAnsweredOnAnotherTerminalIsWithdrawn(t *testing.T) {
	w := newOddWorld(t, nil)
	first, _ := w.request(10, "TERMINAL-001") // the daemon learns TERMINAL-001's id
	w.Compago.ApproveTerminal("TERMINAL-001")
	w.WaitState(first, connector.StatePaid)

	w.arm(compagosim.Oddity{Kind: compagosim.OddCreateTerminal})
	order := w.NewOrder(20, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(order, connector.StateCancelled)
	odd := w.Compago.Intents()[1]
	if odd.TerminalCode != "TERMINAL-002" || odd.Status != compagosim.StatusCancelled {
		t.Errorf("the intent routed to %s is %s, want it withdrawn", odd.TerminalCode, odd.Status)
	}
	w.wantAnomaly("create_mismatch", odd.ID, order)
	w.CheckInvariants()
}

// Case 3a: a cancel answered 200 CANCELLED while the intent stays payable:
// when the customer pays, the order is paid, once.
func TestCancelAnsweredCancelledIsCheckedAndALaterChargeIsPaid(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(60, "TERMINAL-001")
	w.arm(compagosim.Oddity{Kind: compagosim.OddCancelLiesCancelled, Intent: intent})
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	simworld.WaitFor(t, "the cancel to be sent", func() bool { return len(w.Compago.Oddities()) == 0 })
	if _, err := w.Compago.Approve(intent); err != nil {
		t.Fatal(err)
	}
	w.WaitState(order, connector.StatePaid)
	w.CheckInvariants()
}

// Case 3b: a cancel answered 200 PENDING, or CONFIRMED without
// paymentSummary: the intent is read, the cancel is not resent every poll,
// and the charge that follows is paid.
func TestCancelAnsweredWithANonFinalStatusReadsTheIntent(t *testing.T) {
	for _, kind := range []string{compagosim.OddCancelAnswersPending, compagosim.OddCancelAnswersConfirmed} {
		t.Run(kind, func(t *testing.T) {
			w := newOddWorld(t, nil)
			order, intent := w.request(70, "TERMINAL-001")
			w.arm(compagosim.Oddity{Kind: kind, Intent: intent, Times: -1})
			before := w.Compago.Requests()
			w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
			simworld.WaitFor(t, "a read after the cancel", func() bool {
				return w.Compago.Requests()["GET /api/payment-intent/{id}"] > before["GET /api/payment-intent/{id}"]
			})
			time.Sleep(20 * testPoll) // what a cancel storm would need to show
			if n := w.Compago.Requests()["POST /api/payment-intent/{id}/cancel"]; n > 6 {
				t.Errorf("%d cancels sent in %v, want a few", n, 20*testPoll)
			}
			w.Compago.Approve(intent)
			w.WaitState(order, connector.StatePaid)
			w.CheckInvariants()
		})
	}
}

// Case 4a: a charge that lands after the 10 minutes is recorded.
func TestChargeLandingAfterExpiryIsRecorded(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(80, "TERMINAL-002")
	w.advance(10*time.Minute + time.Second)
	w.WaitState(order, connector.StateExpired)
	if _, err := w.Compago.ChargeLate(intent); err != nil {
		t.Fatal(err)
	}
	w.WaitState(order, connector.StatePaid)
	w.wantAnomaly("late_charge", intent, order)
	w.CheckInvariants()
}

// Case 4b: a charge that lands after a cancel is recorded.
func TestChargeLandingAfterACancelIsRecorded(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(90, "TERMINAL-002")
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	w.WaitState(order, connector.StateCancelled)
	if _, err := w.Compago.ChargeLate(intent); err != nil {
		t.Fatal(err)
	}
	w.WaitState(order, connector.StatePaid)
	w.wantAnomaly("late_charge", intent, order)
	w.CheckInvariants()
}

// Case 5a: CONFIRMED without paymentSummary is not "waiting for the card"
// forever: the cashier is told, the back office alerted, and past the
// intent's life and the grace period the attempt ends unknown.
func TestConfirmedWithoutPaymentSummaryIsAnAnomalyWithAnEnd(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(40, "TERMINAL-001")
	w.arm(compagosim.Oddity{Kind: compagosim.OddConfirmedNoSummary, Intent: intent, Times: -1})
	w.waitMessage(order, "confirmed", "Do not charge")
	w.wantAnomaly("confirmed_without_summary", intent, order)
	w.advance(20 * time.Minute)
	w.WaitState(order, connector.StateFailed)
	w.waitMessage(order, "back office")
	w.CheckInvariants()
}

// Case 5b: a 429 with a Retry-After of a day (or a date hours ahead) does
// not stop the reads past the intent's life: the charge is recorded.
func TestHugeRetryAfterIsCappedAtTheIntentsLife(t *testing.T) {
	for _, value := range []string{"86400", time.Now().Add(6 * time.Hour).UTC().Format(time.RFC1123)} {
		t.Run(value, func(t *testing.T) {
			w := newOddWorld(t, nil)
			order, intent := w.request(30, "TERMINAL-001")
			w.arm(compagosim.Oddity{Kind: compagosim.OddRateLimited, Intent: intent, Value: strings.Replace(value, "UTC", "GMT", 1)})
			simworld.WaitFor(t, "the 429 to be served", func() bool { return len(w.Compago.Oddities()) == 0 })
			w.Compago.Approve(intent)
			w.offset.Add(int64(10 * time.Minute)) // the daemon's clock only: Compago's intent is paid
			w.WaitState(order, connector.StatePaid)
			w.CheckInvariants()
		})
	}
}

// Case 5c: a paymentSummary other than SUCCESS is not told as "declined"
// unless it says DECLINED.
func TestOtherPaymentSummariesAreNotDeclines(t *testing.T) {
	for _, summary := range []string{"PROCESSING", "APPROVED", "FAILED"} {
		t.Run(summary, func(t *testing.T) {
			w := newOddWorld(t, nil)
			order, intent := w.request(25, "TERMINAL-001")
			w.arm(compagosim.Oddity{Kind: compagosim.OddPaymentSummary, Intent: intent, Value: summary, Times: -1})
			o := w.waitMessage(order, summary)
			if msg, _ := o["x_compago_message"].(string); strings.Contains(msg, "declined") {
				t.Errorf("the cashier reads %q for paymentSummary %s", msg, summary)
			}
			w.wantAnomaly("payment_summary", intent, order)
			w.Compago.ClearOddities()
			w.Compago.Approve(intent)
			w.WaitState(order, connector.StatePaid)
			w.CheckInvariants()
		})
	}
}

// Case 5d: a 404 for an intent that existed is an alert with a true
// sentence; a cancel then ends (the order can be charged again) instead of
// "Cancelling…" forever.
func TestNotFoundForAKnownIntentIsAnAlertWithAnEnd(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(55, "TERMINAL-003")
	w.arm(compagosim.Oddity{Kind: compagosim.OddNotFound, Intent: intent, Times: -1})
	w.waitMessage(order, "does not know")
	w.wantAnomaly("intent_not_found", intent, order)
	w.Flag(order, map[string]any{"x_compago_state": "cancel_requested"})
	o := w.WaitState(order, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "Check the terminal") {
		t.Errorf("the cashier reads %q, want what to check", msg)
	}
	w.CheckInvariants()
}

// Case 5e: a GET naming another intent, and a status the document never
// names, are alerts, and the attempt ends past the intent's life.
func TestAnswersAboutAnotherIntentOrOfUnknownStatusAreAlerts(t *testing.T) {
	for _, c := range []struct{ kind, anomaly string }{
		{compagosim.OddOtherID, "wrong_intent"},
		{compagosim.OddUnknownStatus, "unknown_status"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			w := newOddWorld(t, nil)
			order, intent := w.request(15, "TERMINAL-001")
			w.arm(compagosim.Oddity{Kind: c.kind, Intent: intent, Times: -1})
			w.wantAnomaly(c.anomaly, intent, order)
			w.waitMessage(order, "Do not charge")
			w.advance(20 * time.Minute)
			w.WaitState(order, connector.StateFailed)
			w.CheckInvariants()
		})
	}
}

// Case 5f: a 5xx storm is an alert, not a debug line, and the charge made
// during it is recorded once Compago answers again.
func TestServerErrorStormIsAnAlert(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(35, "TERMINAL-001")
	w.Compago.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 503})
	w.wantAnomaly("compago_unavailable", intent, order)
	w.Compago.Approve(intent)
	w.Compago.ClearFaults()
	w.WaitState(order, connector.StatePaid)
	w.CheckInvariants()
}

// Case 4c: a new request of the order while the expired attempt is in its
// grace period is held, not sent: when the late charge lands, the order is
// paid once and no second intent was ever created.
func TestNewRequestDuringTheGracePeriodCannotChargeTwice(t *testing.T) {
	w := newOddWorld(t, nil)
	order, intent := w.request(120, "TERMINAL-002")
	w.advance(10*time.Minute + time.Second)
	w.WaitState(order, connector.StateExpired)
	w.Flag(order, map[string]any{"x_compago_state": "requested"})
	w.waitMessage(order, "previous payment request", "Do not charge")
	if n := len(w.Compago.Intents()); n != 1 {
		t.Fatalf("%d intents at Compago while the first may still be charged, want 1", n)
	}
	if _, err := w.Compago.ChargeLate(intent); err != nil {
		t.Fatal(err)
	}
	// The order is paid by the first intent; the held request, never sent,
	// tells the cashier so.
	simworld.WaitFor(t, "the order to be paid by the late charge", func() bool { return w.Order(order)["state"] == "paid" })
	w.waitMessage(order, "charged 120.00 MXN", "Do not charge again")
	if n := len(w.Compago.Intents()); n != 1 {
		t.Errorf("%d intents at Compago, want only the one the customer paid", n)
	}
	w.CheckInvariants()
}

// Case 4d: once the grace period is over without a charge, the held
// request is sent and can be paid.
func TestHeldRequestIsSentAfterTheGracePeriod(t *testing.T) {
	w := newOddWorld(t, nil)
	order, _ := w.request(130, "TERMINAL-002")
	w.advance(10*time.Minute + time.Second)
	w.WaitState(order, connector.StateExpired)
	w.Flag(order, map[string]any{"x_compago_state": "requested"})
	w.waitMessage(order, "previous payment request")
	w.offset.Add(int64(3 * time.Minute)) // the daemon's clock: the grace period is over
	simworld.WaitFor(t, "the held request to be sent", func() bool { return len(w.Compago.Intents()) == 2 })
	w.WaitState(order, connector.StatePending)
	w.Compago.ApproveTerminal("TERMINAL-002")
	w.WaitState(order, connector.StatePaid)
	w.CheckInvariants()
}
