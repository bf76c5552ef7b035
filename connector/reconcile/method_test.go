package reconcile_test

import (
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/simworld"
)

// A charged card whose only line carrying its intent id is a cash line
// (a cashier's line given the pending intent's id, taken as the card's by
// an Odoo that adopts any such line): the order looks paid and the amounts
// match, but the card's money is counted in the cash drawer. The back
// office must see it, not a clean day.
func TestChargeRecordedUnderCashIsReported(t *testing.T) {
	w := newWorld(t)
	j := w.writer()
	order := w.NewOrder(100, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: order, IntentID: "intent-as-cash", Amount: 10000, State: journal.Recorded}, true)
	simworld.ID(t, w.Exec("pos.payment", "create", []any{map[string]any{
		"pos_order_id": order, "amount": 100.0, "payment_method_id": w.Seed.CashPaymentMethodID,
		"transaction_id": "intent-as-cash"}}, nil))

	now := time.Now().Add(time.Hour)
	checkFindings(t, w.report(now.Add(-24*time.Hour), now, false),
		[]finding{{reconcile.PaymentLineOtherMethod, order}})
}
