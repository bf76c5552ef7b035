package connector_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// addonsPath is the version's entry of the addons path in this repository.
func addonsPath(t testing.TB, version string) []string {
	d, err := filepath.Abs(filepath.Join("..", "odoo", "addons", version))
	if err != nil {
		t.Fatal(err)
	}
	return []string{d}
}

// compagoLines reads the order's payment lines with the addon's intent id.
func compagoLines(w *world, orderID int64) []map[string]any {
	w.T.Helper()
	res := w.Exec("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "=", orderID}}},
		map[string]any{"fields": []any{"amount", "transaction_id", "compago_intent_id"}})
	var out []map[string]any
	for _, r := range res.([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// With the addon installed, a charged order is recorded through the
// addon's one call: one line, carrying the intent in compago_intent_id
// (only the addon's record fills it for the daemon's plain bank method),
// the order paid. Calling the addon's record again, as a daemon whose
// answer was lost does, leaves one line.
func TestRealOdooAddonRecordsAChargeOnce(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		o := odootest.Start(t, version, odootest.Options{
			AddonsPath: addonsPath(t, version), Install: []string{"pos_compago_connector"}})
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC})
		w.startDaemon(nil)
		id := w.pendingOrder(100, nil)
		w.approve("TERMINAL-001")
		w.checkPaidOnce(id, 100)
		lines := compagoLines(w, id)
		if len(lines) != 1 || lines[0]["compago_intent_id"] != lines[0]["transaction_id"] {
			t.Fatalf("the daemon did not record through the addon: lines %v", lines)
		}
		intent := lines[0]["transaction_id"].(string)
		order := w.Order(id)
		res := w.Exec("pos.order", "compago_record_payment", []any{id, map[string]any{
			"intent_id": intent, "external_id": order["x_compago_external_id"], "amount": 100.0,
			"payment_method_id": o.PaymentMethodID,
		}}, nil).(map[string]any)
		if res["created"] != false {
			t.Errorf("a second record call created a line: %v", res)
		}
		if n := len(w.Payments(id)); n != 1 {
			t.Fatalf("after a second record call the order has %d payment lines, want 1", n)
		}
		w.CheckInvariants()
	})
}

// setup may run before the addon (the fields exist: the install hook
// leaves them), and uninstalling the addon leaves the daemon working for
// orders flagged through the API, on add_payment again.
func TestRealOdooAddonInstalledAfterSetupAndUninstalled(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		o := odootest.Start(t, version, odootest.Options{AddonsPath: addonsPath(t, version)})
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC}) // runs setup
		mod := moduleID(w)
		w.Exec("ir.module.module", "button_immediate_install", []any{[]any{mod}}, nil)
		w.startDaemon(nil)
		first := w.pendingOrder(100, nil)
		w.approve("TERMINAL-001")
		w.checkPaidOnce(first, 100)
		if l := compagoLines(w, first); len(l) != 1 || l[0]["compago_intent_id"] == false {
			t.Fatalf("with the addon the charge was not recorded through it: %v", l)
		}

		w.Exec("ir.module.module", "button_immediate_uninstall", []any{[]any{mod}}, nil)
		second := w.pendingOrder(50, nil)
		w.approve("TERMINAL-001")
		w.checkPaidOnce(second, 50)
		simworld.WaitFor(t, "the first order still paid", func() bool { return w.Order(first)["state"] == "paid" })
	})
}

func moduleID(w *world) int64 {
	w.T.Helper()
	w.Exec("ir.module.module", "update_list", nil, nil)
	res := w.Exec("ir.module.module", "search", []any{[]any{[]any{"name", "=", "pos_compago_connector"}}}, nil).([]any)
	if len(res) != 1 {
		w.T.Fatalf("the addon is not on the addons path: %v", res)
	}
	return int64(res[0].(float64))
}

// Two daemons (or one whose answer was lost, calling again) send the
// addon's record for one charge at the same moment: Odoo serialises them
// on the order's row and the later finds the earlier's line. One line,
// every call answered.
func TestRealOdooAddonConcurrentRecordsMakeOneLine(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		o := odootest.Start(t, version, odootest.Options{
			AddonsPath: addonsPath(t, version), Install: []string{"pos_compago_connector"}})
		id := o.NewOrder(80, map[string]any{"x_compago_state": "requested"})
		vals := map[string]any{"intent_id": "pi_concurrent_1", "external_id": "sandbox-1-1", "amount": 80.0,
			"payment_method_id": o.PaymentMethodID, "message": "Pagado con tarjeta </script><b>'; DROP TABLE pos_order;--"}
		const callers = 4
		errs := make(chan error, callers)
		created := make(chan bool, callers)
		for range callers {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				res, err := o.Call(ctx, "pos.order", "compago_record_payment", []any{id, vals}, nil)
				if err == nil {
					created <- res.(map[string]any)["created"] == true
				}
				errs <- err
			}()
		}
		n := 0
		for range callers {
			if err := <-errs; err != nil {
				t.Errorf("a record call failed: %v", err)
			}
		}
		close(created)
		for c := range created {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d calls say they created the line, want 1", n)
		}
		lines := o.Exec("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "=", id}}},
			map[string]any{"fields": []any{"amount", "compago_intent_id"}}).([]any)
		if len(lines) != 1 {
			t.Fatalf("the order has %d payment lines after %d concurrent record calls, want 1: %v", len(lines), callers, lines)
		}
		order := o.Exec("pos.order", "read", []any{[]any{id}, []any{"state", "x_compago_state", "x_compago_message"}}, nil).([]any)[0].(map[string]any)
		if order["state"] != "paid" || order["x_compago_state"] != "paid" || order["x_compago_message"] != vals["message"] {
			t.Errorf("the order after the record calls: %v", order)
		}
	})
}

// The POS sent the request (compago_send, with its payment line's uuid)
// and never came back: the daemon records the line at once, leaves the
// order to the POS for the addon's grace period, then completes it itself.
func TestRealOdooAddonCompletesAnAbandonedPOSOrderAfterTheGrace(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		o := odootest.Start(t, version, odootest.Options{
			AddonsPath: addonsPath(t, version), Install: []string{"pos_compago_connector"}})
		// An admin makes the method a Compago terminal before the session
		// opens; Odoo refuses that edit while the template's session is
		// open, so it is made behind Odoo's back.
		if _, err := o.SQL().Exec(`UPDATE pos_payment_method SET use_payment_terminal = 'compago', compago_terminal = 'TERMINAL-001' WHERE id = $1`,
			o.PaymentMethodID); err != nil {
			t.Fatal(err)
		}
		o.Exec("ir.config_parameter", "set_param", []any{"pos_compago_connector.complete_grace_seconds", "4"}, nil)
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC})
		w.startDaemon(nil)
		id := w.NewOrder(100, nil)
		w.Exec("pos.order", "compago_send", []any{id, map[string]any{
			"amount": 100.0, "payment_method_id": o.PaymentMethodID, "payment_uuid": "6f1c2a9e-0000-4000-8000-00000000abcd"}}, nil)
		w.WaitState(id, "pending")
		w.approve("TERMINAL-001")
		o1 := w.WaitState(id, "paid")
		if n := len(w.Payments(id)); n != 1 {
			t.Fatalf("the charged order has %d payment lines, want 1", n)
		}
		if o1["state"] != "draft" {
			t.Errorf("the order was completed at once (%v): the POS gets the grace period to validate it", o1["state"])
		}
		simworld.WaitFor(t, "the order completed by the daemon after the grace", func() bool { return w.Order(id)["state"] == "paid" })
		w.checkPaidOnce(id, 100)
	})
}
