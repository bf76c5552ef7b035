package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector/simworld"
)

// A cashier cannot turn someone else's 1-peso charge into a 5,000-peso
// card payment by writing its intent id on an order: the sweep follows
// the intent the journal never created, but money is never recorded for
// it; the order says a person must check it, and reconcile exits 1 naming
// the order.
func TestAnIntentIDWrittenOnAnOrderByHandIsNeverRecordedAsMoney(t *testing.T) {
	w := startAdminWorldSweeping(t, "@every 1s")
	// With the organization's key (another store, another system, or an
	// old sale whose journal rows were pruned): a 1.00 MXN charge.
	cc, err := compago.NewClient(w.compagoURL, compagosim.DefaultAPIKey, compago.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	in, err := cc.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "otherstore-77-1", TerminalCode: "TERMINAL-002"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.compago.Approve(in.ID); err != nil {
		t.Fatal(err)
	}
	// The cashier's 5,000.00 order, hand-flagged pending on that intent.
	id := w.exec("pos.order", "create", []any{map[string]any{"session_id": w.seed.SessionID, "amount_total": 5000.0,
		"amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
		"x_compago_state": "pending", "x_compago_intent_id": in.ID}}, nil)
	order := simworld.ID(t, id)

	w.waitFlag(order, "failed")
	if n := len(w.exec("pos.payment", "search", []any{[]any{[]any{"pos_order_id", "=", order}}}, nil).([]any)); n != 0 {
		t.Fatalf("order %d got %d payment lines for a charge this daemon never made", order, n)
	}
	rows := w.exec("pos.order", "read", []any{[]any{order}, []any{"state", "x_compago_message"}}, nil).([]any)
	o := rows[0].(map[string]any)
	if o["state"] != "draft" {
		t.Errorf("order %d is %v, want still draft: nothing paid it", order, o["state"])
	}
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "back office") || strings.Contains(msg, "Paid") {
		t.Errorf("the cashier reads %q; want to be told the back office must check the charge", msg)
	}

	out, errOut, code := w.admin("reconcile", "--since", "1h", "--refresh")
	if code != 1 || !strings.Contains(out, "unverified_intent") || !strings.Contains(out, fmt.Sprintf("order %d", order)) {
		t.Fatalf("reconcile after a hand-written intent id: exit %d, want 1 naming order %d as unverified_intent\n%s%s", code, order, out, errOut)
	}
}
