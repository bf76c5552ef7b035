package odoo_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	odootest.Stop()
	os.Exit(code)
}

// realProtocols are the transports a real Odoo of major version has, with
// the secret each logs in with: JSON-2 needs the API key.
func realProtocols(o *odootest.Odoo) []struct {
	proto  odoo.Protocol
	secret string
} {
	ps := []struct {
		proto  odoo.Protocol
		secret string
	}{{odoo.ProtocolJSONRPC, o.Password}, {odoo.ProtocolXMLRPC, o.Password}}
	if o.Major >= 19 {
		ps = append(ps, struct {
			proto  odoo.Protocol
			secret string
		}{odoo.ProtocolJSON2, o.APIKey}, struct {
			proto  odoo.Protocol
			secret string
		}{odoo.ProtocolAuto, o.APIKey})
	}
	return ps
}

// TestRealOdooTakesTheDaemonsCalls: against real Odoo 17.0, 18.0 and 19.0,
// on each transport the version has, the daemon's client finds the version,
// sets up the Compago fields, reads a draft order, records a card payment
// with add_payment (a None result on every transport) and completes the
// order with the pos.make.payment wizard, as DESIGN.md's contract says: the
// back office then sees the order paid, with its picking on 18+.
func TestRealOdooTakesTheDaemonsCalls(t *testing.T) {
	odootest.Each(t, func(t *testing.T, version string) {
		o := odootest.Start(t, version, odootest.Options{})
		for i, p := range realProtocols(o) {
			t.Run(string(p.proto), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				c, err := odoo.New(odoo.Config{URL: o.URL, Database: o.Database, Username: o.Login,
					Password: p.secret, Protocol: p.proto, Timeout: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Connect(ctx); err != nil {
					t.Fatalf("connect: %v", err)
				}
				if v := c.Version(); v.Major != o.Major || v.Serie != version {
					t.Errorf("version = %+v, want %s", v, version)
				}
				want := p.proto
				if want == odoo.ProtocolAuto {
					want = odoo.ProtocolJSON2 // 19 with an API key
				}
				if c.Protocol() != want {
					t.Errorf("protocol = %s, want %s", c.Protocol(), want)
				}

				// setup: the first transport creates the fields, the others find them.
				res, err := connector.EnsureFields(ctx, c, connector.DefaultFields())
				if err != nil {
					t.Fatalf("setup of the Compago fields: %v", err)
				}
				defs := connector.DefaultFields().Definitions()
				if i == 0 && len(res.Created) != len(defs) || i > 0 && len(res.Present) != len(defs) {
					t.Errorf("setup (transport %d) created %v, found %v; want all %d created first, then found", i, res.Created, res.Present, len(defs))
				}
				fields, err := c.FieldsGet(ctx, "pos.order", []string{"type", "selection"})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range defs {
					if f, ok := fields[d.Name]; !ok || f.Type != d.Type {
						t.Errorf("pos.order.%s = %+v, want a %s field", d.Name, f, d.Type)
					}
				}
				if sel := fields["x_compago_state"].Selection; len(sel) != len(connector.States) || sel[0][0] != connector.StateRequested {
					t.Errorf("x_compago_state selection = %v, want %v", sel, connector.States)
				}

				id := o.NewOrder(350.50, nil)
				if err := c.Write(ctx, "pos.order", []int64{id}, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"}); err != nil {
					t.Fatalf("flag the order: %v", err)
				}
				var orders []struct {
					ID          int64         `json:"id"`
					State       odoo.String   `json:"state"`
					AmountTotal odoo.Float    `json:"amount_total"`
					AmountPaid  odoo.Float    `json:"amount_paid"`
					Session     odoo.Many2One `json:"session_id"`
					Config      odoo.Many2One `json:"config_id"`
					Flag        odoo.String   `json:"x_compago_state"`
					Terminal    odoo.String   `json:"x_compago_terminal"`
					Amount      odoo.Float    `json:"x_compago_amount"`
					Pickings    []int64       `json:"picking_ids"`
				}
				read := func() {
					t.Helper()
					orders = nil
					if err := c.SearchRead(ctx, "pos.order", odoo.Cond("id", "=", id), odoo.Query{Fields: []string{
						"id", "state", "amount_total", "amount_paid", "session_id", "config_id",
						"x_compago_state", "x_compago_terminal", "x_compago_amount", "picking_ids"}}, &orders); err != nil {
						t.Fatalf("read the order: %v", err)
					}
					if len(orders) != 1 {
						t.Fatalf("read the order: %d rows", len(orders))
					}
				}
				read()
				got := orders[0]
				if got.State != "draft" || odoo.Centavos(float64(got.AmountTotal)) != 35050 || got.AmountPaid != 0 ||
					got.Session.ID != o.SessionID || got.Config.ID != o.ConfigID || got.Flag != "requested" ||
					got.Terminal != "TERMINAL-001" || got.Amount != 0 {
					t.Fatalf("the flagged draft reads %+v", got)
				}

				tx := "pi_real_" + version + "_" + string(p.proto)
				err = c.Execute(ctx, odoo.Call{Model: "pos.order", Method: "add_payment", IDs: []int64{id},
					Args: []odoo.Arg{{Name: "data", Value: map[string]any{
						"pos_order_id": id, "amount": 350.50, "payment_method_id": o.PaymentMethodID,
						"transaction_id": tx, "payment_status": "done"}}}}, nil)
				if err != nil {
					t.Fatalf("add_payment (None on every transport) answered an error: %v", err)
				}
				var pays []struct {
					Amount odoo.Float    `json:"amount"`
					Method odoo.Many2One `json:"payment_method_id"`
					Status odoo.String   `json:"payment_status"`
				}
				if err := c.SearchRead(ctx, "pos.payment", odoo.Cond("transaction_id", "=", tx),
					odoo.Query{Fields: []string{"amount", "payment_method_id", "payment_status"}}, &pays); err != nil {
					t.Fatal(err)
				}
				if len(pays) != 1 || pays[0].Amount != 350.5 || pays[0].Method.ID != o.PaymentMethodID || pays[0].Status != "done" {
					t.Fatalf("payment lines of %s = %+v, want one of 350.5 on Compago, done", tx, pays)
				}

				octx := map[string]any{"active_id": id, "active_ids": []int64{id}, "active_model": "pos.order"}
				wiz, err := c.Create(ctx, "pos.make.payment", map[string]any{"amount": 0.0,
					"payment_method_id": o.PaymentMethodID, "config_id": o.ConfigID}, octx)
				if err != nil {
					t.Fatalf("open the payment wizard: %v", err)
				}
				var action map[string]any
				if err := c.Execute(ctx, odoo.Call{Model: "pos.make.payment", Method: "check", IDs: []int64{wiz}, Context: octx}, &action); err != nil {
					t.Fatalf("wizard check: %v", err)
				}
				if action["type"] != "ir.actions.act_window_close" {
					t.Errorf("wizard check on a fully paid draft answered %v, want the window closed", action)
				}
				read()
				got = orders[0]
				if got.State != "paid" || got.AmountPaid != 350.5 {
					t.Errorf("completed order reads %+v, want paid 350.5", got)
				}
				if o.Major >= 18 && len(got.Pickings) == 0 {
					t.Errorf("completed order has no picking on %s", version)
				}

				// A wrong payment method is Odoo's error, not a silent success.
				err = c.Execute(ctx, odoo.Call{Model: "pos.order", Method: "add_payment", IDs: []int64{o.NewOrder(1, nil)},
					Args: []odoo.Arg{{Name: "data", Value: map[string]any{"amount": 1.0, "payment_method_id": 99999,
						"transaction_id": tx + "-bad", "payment_status": "done"}}}}, nil)
				var oe *odoo.Error
				if !errors.As(err, &oe) || odoo.IsOutcomeUnknown(err) {
					t.Errorf("add_payment with an unknown method: %v, want an Odoo error", err)
				}
			})
		}
	})
}
