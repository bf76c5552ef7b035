package connector_test

import (
	"testing"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// The dedicated user holds the group's rights and nothing an attacker
// holding its key could turn against the merchant: Odoo refuses it users,
// settings (where secrets such as mail passwords live) and the data model,
// and what of the POS the daemon never does (creating or deleting orders,
// deleting payment lines). It is not in Settings or Access Rights.
func TestRealOdooTheDedicatedUserIsRefusedWhatItDoesNotNeed(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		w, o := newSetUpWorld(t, version, odoo.ProtocolJSONRPC)
		oc := w.OdooClient()
		ctx := t.Context()
		var admins []struct {
			ID int64 `json:"id"`
		}
		if err := w.AdminClient().SearchRead(ctx, "res.users", odoo.Cond("login", "=", o.Login), odoo.Query{Fields: []string{"id"}}, &admins); err != nil || len(admins) != 1 {
			t.Fatalf("find the admin: %v", err)
		}
		system, err := grant.XMLID(ctx, w.AdminClient(), "base", "group_system")
		if err != nil || system == 0 {
			t.Fatalf("find base.group_system: %v", err)
		}
		var params []struct {
			ID int64 `json:"id"`
		}
		if err := w.AdminClient().SearchRead(ctx, "ir.config_parameter", odoo.Cond("key", "=", "database.secret"), odoo.Query{Fields: []string{"id"}}, &params); err != nil || len(params) != 1 {
			t.Fatalf("find database.secret: %v", err)
		}
		secretParam := params[0].ID
		groups := "groups_id"
		if o.Major >= 19 {
			groups = "group_ids"
		}
		var settings []map[string]any
		var fields []map[string]any
		refused := []struct {
			what string
			err  error
		}{
			{"rename the administrator", oc.Write(ctx, "res.users", []int64{admins[0].ID}, map[string]any{"name": "owned"})},
			{"put itself in another group", oc.Write(ctx, "res.users", []int64{oc.UID()}, map[string]any{groups: []any{[]any{4, system}}})},
			{"read the system parameter database.secret", oc.Read(ctx, "ir.config_parameter", []int64{secretParam}, []string{"key", "value"}, &settings)},
			{"read ir.model.fields", oc.SearchRead(ctx, "ir.model.fields", nil, odoo.Query{Fields: []string{"name"}, Limit: 1}, &fields)},
			{"create an ir.model.fields", func() error {
				_, err := oc.Create(ctx, "ir.model.fields", map[string]any{"name": "x_owned", "model": "pos.order", "ttype": "char"}, nil)
				return err
			}()},
			{"create a user", func() error {
				_, err := oc.Create(ctx, "res.users", map[string]any{"name": "owned", "login": "owned"}, nil)
				return err
			}()},
			{"create a pos.order", func() error {
				_, err := oc.Create(ctx, "pos.order", map[string]any{"session_id": o.SessionID, "amount_total": 1.0,
					"amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0}, nil)
				return err
			}()},
			{"delete a pos.order", oc.Unlink(ctx, "pos.order", []int64{w.NewOrder(1, nil)})},
		}
		for _, r := range refused {
			if !odoo.IsAccessDenied(r.err) {
				t.Errorf("the dedicated user could %s (err %v), want an access error", r.what, r.err)
			}
		}
		for _, g := range []string{"base.group_system", "base.group_erp_manager", "point_of_sale.group_pos_user", "point_of_sale.group_pos_manager", "account.group_account_invoice", "stock.group_stock_user"} {
			var yes bool
			call := odoo.Call{Model: "res.users", Method: "has_group", Args: []odoo.Arg{{Name: "group_ext_id", Value: g}}}
			if o.Major >= 18 {
				call.IDs = []int64{oc.UID()}
			}
			if err := oc.Execute(ctx, call, &yes); err != nil || yes {
				t.Errorf("dedicated user in %s: %v (err %v), want not", g, yes, err)
			}
		}
	})
}

// The one system parameter the dedicated user keeps is the worker record
// (which journal works this Odoo database): the daemon running as that
// user writes it at start, so that a second daemon with another journal is
// refused, and sees no other parameter.
func TestRealOdooTheDedicatedUserKeepsTheWorkerRecordOnly(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel() // with the other real-Odoo tests, bounded by odootest's servers at once
		w, _ := newSetUpWorld(t, version, odoo.ProtocolJSONRPC)
		w.startDaemon(func(c *connector.Config) { c.JournalID = "the-daemons-journal" })
		admin := w.AdminClient()
		simworld.WaitFor(t, "the daemon, as the dedicated user, to record that it works the database", func() bool {
			var rows []map[string]any
			err := admin.SearchRead(t.Context(), "ir.config_parameter", odoo.Cond("key", "=", connector.WorksiteKey), odoo.Query{Fields: []string{"value"}}, &rows)
			return err == nil && len(rows) == 1
		})
		var seen []struct {
			Key string `json:"key"`
		}
		if err := w.OdooClient().SearchRead(t.Context(), "ir.config_parameter", nil, odoo.Query{Fields: []string{"key"}}, &seen); err != nil {
			t.Fatalf("the dedicated user lists the system parameters: %v", err)
		}
		for _, p := range seen {
			if p.Key != connector.WorksiteKey {
				t.Errorf("the dedicated user sees the system parameter %q, want only %s", p.Key, connector.WorksiteKey)
			}
		}
	})
}
