package connector_test

import (
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// Money rules the daemon enforces before and after a charge (issue 14).

// A POS whose journal is in US dollars sells in dollars: its orders'
// currency is the config's (pos.order.currency_id is related to
// config_id.currency_id, itself the journal's currency or its company's).
// Compago takes pesos only, so the cashier is told so and nothing reaches
// Compago: charging "25.00" as pesos would take the wrong money.
func TestOrderInAnotherCurrencyIsRefusedWithoutAnIntent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	usdJournal := simworld.ID(t, w.Exec("account.journal", "create", []any{map[string]any{
		"name": "Dollar sales", "code": "USD1", "type": "sale", "currency_id": 1}}, nil))
	w.Exec("pos.config", "write", []any{[]any{w.Seed.ConfigID}, map[string]any{"journal_id": usdJournal}}, nil)
	w.startDaemon(nil)

	order := w.NewOrder(25, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	o := w.WaitState(order, connector.StateFailed)
	msg, _ := o["x_compago_message"].(string)
	if !strings.Contains(msg, "USD") || !strings.Contains(msg, "MXN") {
		t.Errorf("the cashier reads %q, want the order's currency (USD) and that Compago takes MXN only", msg)
	}
	if ins := w.Compago.Intents(); len(ins) != 0 {
		t.Fatalf("a USD order reached Compago: %+v", ins)
	}
	if pays := w.Payments(order); len(pays) != 0 {
		t.Fatalf("a USD order got payment lines %v", pays)
	}
}

// 33.34 of 100.00 charged: the order is not paid, and the cashier must see
// at a glance that 66.66 is still due: a state of its own, not "paid".
func TestPartialPaymentIsShownAsPartlyPaid(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	order := w.NewOrder(100, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001", "x_compago_amount": 33.34})
	w.WaitState(order, connector.StatePending)
	w.Compago.ApproveTerminal("TERMINAL-001")
	o := w.WaitState(order, connector.StatePartiallyPaid)
	msg, _ := o["x_compago_message"].(string)
	if !strings.Contains(msg, "33.34 MXN") || !strings.Contains(msg, "66.66 MXN") || !strings.Contains(msg, "still due") {
		t.Errorf("the cashier reads %q, want what was paid and what is still due", msg)
	}
	if o["state"] != "draft" {
		t.Errorf("the order is %v after a partial payment, want it still draft", o["state"])
	}

	// The rest, requested with amount 0 (= what is due), pays the order.
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_amount": 0})
	w.WaitState(order, connector.StatePending)
	w.Compago.ApproveTerminal("TERMINAL-001")
	o = w.WaitState(order, connector.StatePaid)
	if o["state"] != "paid" {
		t.Errorf("the order is %v once fully paid, want paid", o["state"])
	}
	w.CheckInvariants()
}

// Another request (not journaled here: another POS, another integration)
// went to the terminal, so Compago withdrew this order's: nobody cancelled
// it on the terminal, and the cashier is not told they did.
func TestReplacedRequestDoesNotBlameTheTerminal(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	order := w.NewOrder(40, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(order, connector.StatePending)
	if _, err := w.CompagoClient().Create(t.Context(), compago.CreateParams{
		Amount: 999, ExternalID: "other-pos-1", TerminalCode: "TERMINAL-001"}); err != nil {
		t.Fatal(err)
	}
	o := w.WaitState(order, connector.StateCancelled)
	msg, _ := o["x_compago_message"].(string)
	if strings.Contains(msg, "cancelled on the terminal") {
		t.Errorf("the cashier reads %q: it blames the terminal, yet another request went to it", msg)
	}
	if !strings.Contains(msg, "TERMINAL-001") || !strings.Contains(msg, "No money was taken") {
		t.Errorf("the cashier reads %q, want the terminal named and that no money was taken", msg)
	}
}

// A negative amount is refused by the connector itself: Compago was never
// called, so the sentence must not say Compago refused it.
func TestNegativeAmountIsRefusedByTheConnector(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.startDaemon(nil)
	order := w.NewOrder(40, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001", "x_compago_amount": -5})
	o := w.WaitState(order, connector.StateFailed)
	msg, _ := o["x_compago_message"].(string)
	if strings.Contains(msg, "Compago refused") || !strings.Contains(msg, "negative") {
		t.Errorf("the cashier reads %q, want the connector's refusal of a negative amount", msg)
	}
	if ins := w.Compago.Intents(); len(ins) != 0 {
		t.Fatalf("a negative amount reached Compago: %+v", ins)
	}
}

// A database set up by an older build has x_compago_state without
// partially_paid: Odoo refuses to store a value its selection lacks, so
// `setup` run again after the upgrade adds it, and a partial payment is
// then shown.
func TestSetupAddsTheNewStateToAnOlderSelection(t *testing.T) {
	w := newWorld(t, worldOptions{})
	var ids []any
	for _, id := range w.Exec("ir.model.fields.selection", "search", []any{[]any{
		[]any{"field_id.name", "=", "x_compago_state"}, []any{"value", "=", connector.StatePartiallyPaid}}}, nil).([]any) {
		ids = append(ids, id)
	}
	if len(ids) != 1 {
		t.Fatalf("setup made %d partially_paid options, want 1", len(ids))
	}
	w.Exec("ir.model.fields.selection", "unlink", []any{ids}, nil)
	order := w.NewOrder(10, nil)
	if _, err := w.Backend.Exec("pos.order", "write", []any{[]any{order}, map[string]any{"x_compago_state": connector.StatePartiallyPaid}}, nil); err == nil {
		t.Fatal("the older selection took partially_paid: the test does not play an older database")
	}
	res, err := connector.EnsureFields(t.Context(), w.OdooClient(), connector.DefaultFields())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StatesAdded) != 1 || res.StatesAdded[0] != connector.StatePartiallyPaid {
		t.Errorf("setup added %v, want [partially_paid]", res.StatesAdded)
	}
	w.Flag(order, map[string]any{"x_compago_state": connector.StatePartiallyPaid})
	if res, err := connector.EnsureFields(t.Context(), w.OdooClient(), connector.DefaultFields()); err != nil || len(res.StatesAdded) != 0 {
		t.Errorf("setup again added %v (%v), want nothing", res.StatesAdded, err)
	}
}

// On real Odoo: the order's currency is read, a partial payment is shown
// as partially_paid (the selection setup made takes it), and the daemon
// records in a system parameter which journal works the database.
func TestRealOdooPartialPaymentAndTheWorkerRecord(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		o := odootest.Start(t, version, odootest.Options{Layer: compagoSetup, Shared: true})
		w := newWorld(t, worldOptions{real: o, protocol: odoo.ProtocolJSONRPC})
		j, id := openJournal(t, w.JournalPath)
		w.startDaemonOn(j, func(c *connector.Config) { c.JournalID = id })
		simworld.WaitFor(t, "the daemon's record in Odoo", func() bool {
			v := w.worker()
			return v != nil && v["journal"] == id
		})
		order := w.NewOrder(100, nil)
		w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001", "x_compago_amount": 33.34})
		w.WaitState(order, connector.StatePending)
		w.Compago.ApproveTerminal("TERMINAL-001")
		got := w.WaitState(order, connector.StatePartiallyPaid)
		if msg, _ := got["x_compago_message"].(string); !strings.Contains(msg, "66.66 MXN") {
			t.Errorf("the cashier reads %q, want 66.66 MXN still due", msg)
		}
	})
}
