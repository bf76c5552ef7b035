package odoosim

import (
	"fmt"
)

func buildPOSOrder(d *db, table map[string][]tableField) {
	m := d.register(tableModelFrom(table, "pos.order", "Point of Sale Orders", "date_order desc, name desc, id desc"))
	m.override("name", func(f *field) { f.def = func(*tx, map[string]any) any { return "/" } })
	m.override("state", func(f *field) { f.def = func(*tx, map[string]any) any { return "draft" } })
	m.override("date_order", func(f *field) { f.def = func(t *tx, _ map[string]any) any { return t.now.Format(datetimeLayout) } })
	m.override("user_id", func(f *field) { f.def = func(t *tx, _ map[string]any) any { return t.uid } })
	m.override("uuid", func(f *field) { f.def = func(*tx, map[string]any) any { return uuid4() } })
	m.override("payment_ids", inverse("pos_order_id"))
	m.override("config_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			sm, s := t.follow(m, r, "session_id")
			if s == nil {
				return nil
			}
			return t.get(sm, s, "config_id")
		}
	})
	m.override("currency_id", func(f *field) {
		f.compute = func(t *tx, r *record) any {
			cm, c := t.follow(m, r, "config_id")
			if c == nil {
				return companyCurrency(t, t.getID(m, r, "company_id"))
			}
			return t.get(cm, c, "currency_id")
		}
	})
	m.override("currency_rate", func(f *field) { f.compute = func(*tx, *record) any { return 1.0 } })
	m.override("display_name", func(f *field) {
		f.compute = func(t *tx, r *record) any { return t.get(m, r, "name") }
	})
	m.beforeCreate = func(t *tx, vals map[string]any) error { return orderBeforeCreate(t, m, vals) }
	m.afterWrite = func(t *tx, recs []*record, vals map[string]any) error {
		if vals["state"] != "paid" {
			return nil
		}
		for _, r := range recs {
			if t.getString(m, r, "name") == "/" {
				t.setRaw(r, "name", orderName(t, m, r))
			}
		}
		return nil
	}
	m.beforeUnlink = func(t *tx, recs []*record) error {
		for _, r := range recs {
			if st := t.getString(m, r, "state"); st != "draft" && st != "cancel" {
				return userError("In order to delete a sale, it must be new or cancelled.")
			}
		}
		return nil
	}
	m.addMethod(&method{name: "add_payment", qualname: "PosOrder.add_payment", multi: true,
		params: []param{{name: "data", required: true}}, fn: orderAddPayment})
	m.addMethod(&method{name: "action_pos_order_paid", qualname: "PosOrder.action_pos_order_paid", multi: true, fn: orderPaid})
}

// orderBeforeCreate is pos.order.create: the session is mandatory (a
// KeyError without it) and gives the company; 19 numbers the order at once.
func orderBeforeCreate(t *tx, m *model, vals map[string]any) error {
	sv, ok := vals["session_id"]
	if !ok {
		return keyError("session_id")
	}
	sid, _ := sv.(int64)
	sessions := t.model("pos.session")
	s := sessions.recs[sid]
	if s == nil {
		return nil // the foreign key refuses it
	}
	cm, c := t.follow(sessions, s, "config_id")
	if _, ok := vals["company_id"]; !ok && c != nil {
		vals["company_id"] = t.get(cm, c, "company_id")
	}
	if t.db.version >= 19 && c != nil {
		// 19's order_seq_id is a no_gap sequence: a refused create gives
		// its number back (recorded on 19.0).
		seq := t.nextNoGap(fmt.Sprintf("pos.order.%d", c.id))
		if _, ok := vals["sequence_number"]; !ok {
			vals["sequence_number"] = seq
		}
		if _, ok := vals["pos_reference"]; !ok {
			vals["pos_reference"] = fmt.Sprintf("%s0-%d-%06d", t.now.Format("06"), sid, seq)
		}
	}
	if vals["state"] == "paid" && !truthy(vals["name"]) && c != nil {
		vals["name"] = orderNameFor(t, cm, c, vals["sequence_number"])
	}
	return nil
}

// orderName is the name a paid order takes from its config's sequence:
// "Shop/0004" up to 18, "Shop - 000013" (the order's number) from 19.
func orderName(t *tx, m *model, r *record) string {
	cm, c := t.follow(m, r, "config_id")
	if c == nil {
		return "/"
	}
	return orderNameFor(t, cm, c, t.get(m, r, "sequence_number"))
}

func orderNameFor(t *tx, cm *model, c *record, seqNumber any) string {
	name := t.getString(cm, c, "name")
	if t.db.version >= 19 {
		n, _ := seqNumber.(int64)
		return fmt.Sprintf("%s - %06d", name, n)
	}
	return fmt.Sprintf("%s/%04d", name, t.db.nextSeq(fmt.Sprintf("pos.config.%d", c.id)))
}

// orderAddPayment is pos.order.add_payment: create the pos.payment, then set
// amount_paid to the sum of the order's payments. It returns None.
func orderAddPayment(t *tx, m *model, ids []int64, a args) (any, error) {
	if err := ensureOne(m, ids); err != nil {
		return nil, err
	}
	data, ok := a["data"].(map[string]any)
	if !ok {
		return nil, typeError("'%s' object is not iterable", pyType(a["data"]))
	}
	if _, err := t.create(t.model("pos.payment"), data); err != nil {
		return nil, err
	}
	return nil, t.recomputePaid(m, ids[0])
}

func (t *tx) recomputePaid(m *model, id int64) error {
	r := m.recs[id]
	if r == nil {
		return t.missing(m, []int64{id})
	}
	payments := t.model("pos.payment")
	sum := 0.0
	for _, pid := range t.one2manyIDs(m.byName["payment_ids"], id) {
		sum += t.getFloat(payments, payments.recs[pid], "amount")
	}
	return t.write(m, []int64{id}, map[string]any{"amount_paid": sum})
}

// isPaid compares total and paid at the currency's rounding, as
// action_pos_order_paid does without cash rounding.
func (t *tx) isPaid(m *model, r *record) bool {
	rounding := 0.01
	if cm, c := t.follow(m, r, "currency_id"); c != nil {
		if x := t.getFloat(cm, c, "rounding"); x > 0 {
			rounding = x
		}
	}
	return floatIsZero(t.getFloat(m, r, "amount_total")-t.getFloat(m, r, "amount_paid"), rounding)
}

func orderPaid(t *tx, m *model, ids []int64, _ args) (any, error) {
	if err := ensureOne(m, ids); err != nil {
		return nil, err
	}
	r := m.recs[ids[0]]
	if r == nil {
		return nil, t.missing(m, ids)
	}
	if !t.isPaid(m, r) {
		return nil, userError("Order %s is not fully paid.", t.getString(m, r, "name"))
	}
	if err := t.write(m, ids, map[string]any{"state": "paid"}); err != nil {
		return nil, err
	}
	return true, nil
}

// buildMakePayment declares the back-office payment wizard.
func buildMakePayment(d *db) {
	m := d.register(newModel("pos.make.payment", "Point of Sale Make Payment Wizard", "id"))
	m.transient = true
	activeOrder := func(t *tx) (*model, *record) {
		orders := t.model("pos.order")
		id, _ := t.ctx["active_id"].(int64)
		return orders, orders.recs[id]
	}
	m.addField(spec("config_id", "many2one", "Point of Sale Configuration", rel("pos.config"), required, func(f *field) {
		f.def = func(t *tx, _ map[string]any) any {
			om, o := activeOrder(t)
			if o == nil {
				return nil
			}
			return t.get(om, o, "config_id")
		}
	}))
	m.addField(spec("amount", "float", "Amount", required, func(f *field) {
		f.def = func(t *tx, _ map[string]any) any {
			om, o := activeOrder(t)
			if o == nil {
				return 0.0
			}
			return t.getFloat(om, o, "amount_total") - t.getFloat(om, o, "amount_paid")
		}
	}))
	m.addField(spec("payment_method_id", "many2one", "Payment Method", rel("pos.payment.method"), required, func(f *field) {
		f.def = func(t *tx, vals map[string]any) any {
			configs := t.model("pos.config")
			cid, _ := vals["config_id"].(int64)
			if c := configs.recs[cid]; c != nil {
				if ids, _ := t.get(configs, c, "payment_method_ids").([]int64); len(ids) > 0 {
					return t.sortByDefault(t.model("pos.payment.method"), ids)[0]
				}
			}
			return nil
		}
	}))
	m.addField(spec("payment_name", "char", "Payment Reference"))
	m.addField(spec("payment_date", "datetime", "Payment Date", required, func(f *field) {
		f.def = func(t *tx, _ map[string]any) any { return t.now.Format(datetimeLayout) }
	}))
	m.displayName = func(_ *tx, r *record) string { return fmt.Sprintf("pos.make.payment,%d", r.id) }
	m.addMethod(&method{name: "check", qualname: "PosMakePayment.check", multi: true, fn: makePaymentCheck})
}

// makePaymentCheck is pos.make.payment.check: add the wizard's amount if not
// zero, then complete a fully paid draft order (state paid, name from the
// sequence; picking and invoice are not simulated) and close the wizard, or
// answer the wizard's action again.
func makePaymentCheck(t *tx, m *model, ids []int64, _ args) (any, error) {
	if err := ensureOne(m, ids); err != nil {
		return nil, err
	}
	w := m.recs[ids[0]]
	if w == nil {
		return nil, t.missing(m, ids)
	}
	orders := t.model("pos.order")
	oid, _ := t.ctx["active_id"].(int64)
	o := orders.recs[oid]
	if o == nil {
		return nil, t.missing(orders, []int64{oid})
	}
	methods := t.model("pos.payment.method")
	pmID := t.getID(m, w, "payment_method_id")
	if pm := methods.recs[pmID]; pm != nil && truthy(t.get(methods, pm, "split_transactions")) && t.getID(orders, o, "partner_id") == 0 {
		return nil, userError("Customer is required for %s payment method.", t.getString(methods, pm, "name"))
	}
	if amount := t.getFloat(m, w, "amount"); !floatIsZero(amount, 0.01) {
		data := map[string]any{"pos_order_id": oid, "amount": amount, "payment_method_id": pmID,
			"name": t.get(m, w, "payment_name")}
		if _, err := orderAddPayment(t, orders, []int64{oid}, args{"data": data}); err != nil {
			return nil, err
		}
	}
	if t.getString(orders, o, "state") == "draft" && t.isPaid(orders, o) {
		if _, err := orderPaid(t, orders, []int64{oid}, nil); err != nil {
			return nil, err
		}
		return newObj().set("type", "ir.actions.act_window_close"), nil
	}
	return newObj().set("name", "Payment").set("view_mode", "form").set("res_model", "pos.make.payment").
		set("view_id", false).set("target", "new").set("views", false).
		set("type", "ir.actions.act_window").set("context", ctxObj(t.ctx)), nil
}

// ctxObj renders the call's context as Odoo echoes it back.
func ctxObj(ctx map[string]any) any {
	o := newObj()
	for _, k := range sortedKeys(ctx) {
		o.set(k, ctx[k])
	}
	return o
}
