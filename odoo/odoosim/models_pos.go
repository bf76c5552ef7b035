package odoosim

import (
	"fmt"
	"strings"
)

// buildPOSModels declares the Point of Sale models from the recorded field
// tables, then gives the fields the payment path relies on their behaviour
// (defaults, related and computed values) and the models their methods.
func buildPOSModels(d *db, table map[string][]tableField) {
	buildPOSConfig(d, table)
	buildPOSSession(d, table)
	buildPOSPaymentMethod(d, table)
	buildPOSOrder(d, table)
	buildPOSPayment(d, table)
	buildMakePayment(d)
}

func companyCurrency(t *tx, companyID int64) any {
	company := t.model("res.company")
	if r := company.recs[companyID]; r != nil {
		return t.get(company, r, "currency_id")
	}
	return nil
}

func buildPOSConfig(d *db, table map[string][]tableField) {
	m := d.register(tableModelFrom(table, "pos.config", "Point of Sale Configuration", "id"))
	m.override("company_id", func(f *field) { f.def = func(*tx, map[string]any) any { return int64(1) } })
	m.override("active", func(f *field) { f.def = func(*tx, map[string]any) any { return true } })
	m.override("iface_tax_included", func(f *field) { f.def = func(*tx, map[string]any) any { return "total" } })
	m.override("picking_policy", func(f *field) { f.def = func(*tx, map[string]any) any { return "direct" } })
	m.override("uuid", func(f *field) { f.def = func(*tx, map[string]any) any { return uuid4() } })
	// pos.config._compute_currency (17.0-19.0): the journal's currency,
	// else the journal's company's, else the config's company's. A POS's
	// orders are in that currency (pos.order.currency_id is related to it).
	m.override("currency_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			if jm, j := t.follow(m, r, "journal_id"); j != nil {
				if c := t.get(jm, j, "currency_id"); truthy(c) {
					return c
				}
				return companyCurrency(t, t.getID(jm, j, "company_id"))
			}
			return companyCurrency(t, t.getID(m, r, "company_id"))
		}
	})
	m.override("session_ids", inverse("config_id"))
	current := func(t *tx, r *record) *record {
		sessions := t.model("pos.session")
		for _, id := range t.one2manyIDs(m.byName["session_ids"], r.id) {
			s := sessions.recs[id]
			if t.getString(sessions, s, "state") != "closed" && !truthy(t.get(sessions, s, "rescue")) {
				return s
			}
		}
		return nil
	}
	m.override("current_session_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			if s := current(t, r); s != nil {
				return s.id
			}
			return nil
		}
	})
	m.override("current_session_state", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			if s := current(t, r); s != nil {
				return t.get(t.model("pos.session"), s, "state")
			}
			return nil
		}
	})
	m.override("has_active_session", func(f *field) {
		f.compute = func(t *tx, r *record) any { return current(t, r) != nil }
	})
	m.displayName = func(t *tx, r *record) string {
		name := t.getString(m, r, "name")
		if t.db.version >= 18 {
			return name
		}
		// 16-17: the config is labelled with the user of its last session.
		sessions := t.model("pos.session")
		ids := t.sortByDefault(sessions, t.one2manyIDs(m.byName["session_ids"], r.id))
		if len(ids) == 0 || t.getString(sessions, sessions.recs[ids[0]], "state") == "closed" {
			return name + " (not used)"
		}
		users := t.model("res.users")
		_, u := t.follow(sessions, sessions.recs[ids[0]], "user_id")
		if u == nil {
			return name + " ()"
		}
		return fmt.Sprintf("%s (%s)", name, t.getString(users, u, "name"))
	}
}

func buildPOSSession(d *db, table map[string][]tableField) {
	m := d.register(tableModelFrom(table, "pos.session", "Point of Sale Session", "id desc"))
	m.override("user_id", func(f *field) { f.def = func(t *tx, _ map[string]any) any { return t.uid } })
	m.override("state", func(f *field) { f.def = func(*tx, map[string]any) any { return "opening_control" } })
	m.override("sequence_number", func(f *field) { f.def = func(*tx, map[string]any) any { return int64(1) } })
	m.override("order_ids", inverse("session_id"))
	configOf := func(t *tx, r *record) (*model, *record) { return t.follow(m, r, "config_id") }
	m.override("currency_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			cm, c := configOf(t, r)
			if c == nil {
				return nil
			}
			return t.get(cm, c, "currency_id")
		}
	})
	m.override("company_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			cm, c := configOf(t, r)
			if c == nil {
				return nil
			}
			return t.get(cm, c, "company_id")
		}
	})
	m.override("payment_method_ids", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			cm, c := configOf(t, r)
			if c == nil {
				return []int64(nil)
			}
			return t.get(cm, c, "payment_method_ids")
		}
	})
	m.beforeCreate = func(t *tx, vals map[string]any) error {
		cid, _ := vals["config_id"].(int64)
		configs := t.model("pos.config")
		c := configs.recs[cid]
		if c == nil {
			return nil // the foreign key refuses it
		}
		if truthy(t.get(configs, c, "current_session_id")) && !truthy(vals["rescue"]) {
			return userError("Another session is already opened for this point of sale.")
		}
		if _, ok := vals["name"]; !ok {
			if t.db.version >= 19 {
				n := t.db.nextSeq(fmt.Sprintf("pos.session.%d", cid))
				vals["name"] = fmt.Sprintf("%s/%05d", t.getString(configs, c, "name"), n)
			} else {
				vals["name"] = fmt.Sprintf("POS/%05d", t.db.nextSeq("pos.session"))
			}
		}
		return nil
	}
	open := func(t *tx, m *model, ids []int64, a args) (any, error) {
		if err := ensureOne(m, ids); err != nil {
			return nil, err
		}
		vals := map[string]any{"state": "opened", "start_at": t.now.Format(datetimeLayout)}
		if amount, ok := number(a["cashbox_value"]); ok {
			vals["cash_register_balance_start"] = amount
		}
		if notes, ok := a["notes"].(string); ok && m.byName["opening_notes"] != nil {
			vals["opening_notes"] = notes
		}
		return nil, t.write(m, ids, vals)
	}
	sig := []param{{name: "cashbox_value", required: true}, {name: "notes", required: true}}
	m.addMethod(&method{name: "set_cashbox_pos", qualname: "PosSession.set_cashbox_pos", multi: true, params: sig, until: 17, fn: open})
	m.addMethod(&method{name: "set_opening_control", qualname: "PosSession.set_opening_control", multi: true, params: sig, since: 18, fn: open})
}

func buildPOSPaymentMethod(d *db, table map[string][]tableField) {
	m := d.register(tableModelFrom(table, "pos.payment.method", "Point of Sale Payment Methods", "sequence, id"))
	m.override("active", func(f *field) { f.def = func(*tx, map[string]any) any { return true } })
	m.override("company_id", func(f *field) { f.def = func(*tx, map[string]any) any { return int64(1) } })
	m.override("payment_method_type", func(f *field) { f.def = func(*tx, map[string]any) any { return "none" } })
	m.override("config_ids", func(f *field) { f.via = "payment_method_ids" })
	m.override("type", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			jm, j := t.follow(m, r, "journal_id")
			if j == nil {
				return "pay_later"
			}
			if t.getString(jm, j, "type") == "cash" {
				return "cash"
			}
			return "bank"
		}
	})
	m.override("is_cash_count", func(f *field) {
		f.compute = func(t *tx, r *record) any { return t.get(m, r, "type") == "cash" }
	})
	m.override("open_session_ids", func(f *field) {
		f.compute = func(t *tx, r *record) any { return openSessionsUsing(t, r.id) }
	})
	m.beforeWrite = func(t *tx, recs []*record, vals map[string]any) error {
		if len(vals) == 1 && vals["sequence"] != nil {
			return nil // the one field Odoo lets change under an open session
		}
		var names []string
		sessions := t.model("pos.session")
		for _, r := range recs {
			for _, sid := range openSessionsUsing(t, r.id) {
				names = append(names, t.getString(sessions, sessions.recs[sid], "name"))
			}
		}
		if len(names) > 0 {
			return userError("Please close and validate the following open PoS Sessions before modifying this payment method.\nOpen sessions: %s", strings.Join(names, " "))
		}
		return nil
	}
}

// openSessionsUsing lists the sessions not closed whose config offers the method.
func openSessionsUsing(t *tx, methodID int64) []int64 {
	sessions := t.model("pos.session")
	var out []int64
	for _, id := range sessions.sortedIDs() {
		s := sessions.recs[id]
		if t.getString(sessions, s, "state") == "closed" {
			continue
		}
		ids, _ := t.get(sessions, s, "payment_method_ids").([]int64)
		for _, x := range ids {
			if x == methodID {
				out = append(out, id)
			}
		}
	}
	return out
}

func buildPOSPayment(d *db, table map[string][]tableField) {
	m := d.register(tableModelFrom(table, "pos.payment", "Point of Sale Payments", "id desc"))
	m.override("payment_date", func(f *field) { f.def = func(t *tx, _ map[string]any) any { return t.now.Format(datetimeLayout) } })
	m.override("uuid", func(f *field) { f.def = func(*tx, map[string]any) any { return uuid4() } })
	if d.version >= 19 {
		// 19's models.Constraint('unique (uuid)'): the IntegrityError becomes
		// the ValidationError odoo/service/model.py makes of it.
		m.beforeCreate = func(t *tx, vals map[string]any) error {
			u, _ := vals["uuid"].(string)
			if u == "" {
				return nil
			}
			for _, r := range m.recs {
				if r.vals["uuid"] == u {
					return validationError("The operation cannot be completed: A payment with this uuid already exists")
				}
			}
			return nil
		}
	}
	fromOrder := func(name string) func(f *field) {
		return func(f *field) {
			f.compute = func(t *tx, r *record) any {
				om, o := t.follow(m, r, "pos_order_id")
				if o == nil {
					return f.emptyValue()
				}
				return t.get(om, o, name)
			}
		}
	}
	m.override("session_id", fromOrder("session_id"))
	m.override("company_id", fromOrder("company_id"))
	m.override("currency_id", fromOrder("currency_id"))
	m.override("partner_id", fromOrder("partner_id"))
	m.override("user_id", fromOrder("user_id"))
	m.override("currency_rate", func(f *field) { f.compute = func(*tx, *record) any { return 1.0 } })
	m.displayName = func(t *tx, r *record) string {
		amount := formatMoney(t.getFloat(m, r, "amount"))
		if name := t.getString(m, r, "name"); name != "" {
			return name + " " + amount
		}
		return amount
	}
	m.constraints = append(m.constraints, func(t *tx, r *record) error {
		sm, s := t.follow(m, r, "session_id")
		var allowed []int64
		if s != nil {
			allowed, _ = t.get(sm, s, "payment_method_ids").([]int64)
		}
		pm := t.getID(m, r, "payment_method_id")
		for _, id := range allowed {
			if id == pm {
				return nil
			}
		}
		return validationError("The payment method selected is not allowed in the config of the POS session.")
	})
	m.beforeWrite = func(t *tx, recs []*record, _ map[string]any) error {
		for _, r := range recs {
			om, o := t.follow(m, r, "pos_order_id")
			if o != nil {
				if st := t.getString(om, o, "state"); st == "done" || st == "invoiced" {
					return userError("You cannot edit a payment for a posted order.")
				}
			}
		}
		return nil
	}
}

// formatMoney is formatLang for MXN: "$ 1,350.50".
func formatMoney(x float64) string {
	s := fmt.Sprintf("%.2f", floatRound(x, 0.01))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := "$\u00a0" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}
