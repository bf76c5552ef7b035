package connector_test

import (
	"testing"

	"github.com/compago-odoo/connector/connector"
)

// The card is charged but parked (the order changed under it: a human
// must decide). The cashier, seeing no "paid", presses Cancel. The card
// cannot be un-charged: the order must not go on saying cancel_requested
// ("Cancelling…") over a charged card. The cancel's sentence is written
// to the journal only (setMessage on the Confirmed attempt); its sync
// fails again on the parked charge, and a parked attempt's sentence is
// written to Odoo only the first time: Odoo kept the cashier's flag. Now
// the order shows again what it showed before the cancel.
func TestCancelOfAParkedChargeIsAnswered(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.pendingOrder(100, nil)
	w.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{
		"pos_order_id": id, "amount": 40.0, "payment_method_id": w.Seed.CashPaymentMethodID}}, nil)
	w.approve("TERMINAL-001")
	w.waitParked(d, id, "the order changed while the card was being charged")
	w.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"x_compago_state": connector.StateCancelRequested}}, nil)
	w.WaitFor("the cashier's cancel answered over the charged card", func() bool {
		return w.Order(id)["x_compago_state"] != connector.StateCancelRequested
	})
	o := w.waitMessage(id, "the order changed while the card was being charged")
	if o["x_compago_state"] != connector.StatePending {
		t.Errorf("the parked charge shows %v after the cancel, want pending (charged, a human decides)", o["x_compago_state"])
	}
}
