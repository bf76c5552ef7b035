package odoosim

// buildBaseModels declares the base and accounting models the POS payment
// path reads: currencies, companies, partners, users and journals.
func buildBaseModels(d *db, _ map[string][]tableField) {
	cur := d.register(newModel("res.currency", "Currency", "active desc, name"))
	cur.addField(spec("name", "char", "Currency", required))
	cur.addField(spec("full_name", "char", "Name"))
	cur.addField(spec("symbol", "char", "Symbol", required))
	cur.addField(spec("rounding", "float", "Rounding Factor", defaultValue(0.01)))
	cur.addField(spec("decimal_places", "integer", "Decimal Places", computed))
	cur.addField(spec("position", "selection", "Symbol Position", selection("after", "After Amount", "before", "Before Amount"), defaultValue("after")))
	cur.addField(spec("active", "boolean", "Active", defaultValue(true)))
	cur.byName["decimal_places"].compute = func(t *tx, r *record) any {
		n := int64(0)
		for x := t.getFloat(cur, r, "rounding"); x > 0 && x < 1; x *= 10 {
			n++
		}
		return n
	}

	partner := d.register(newModel("res.partner", "Contact", "complete_name, id desc"))
	partner.addField(spec("name", "char", "Name"))
	partner.addField(spec("complete_name", "char", "Complete Name", computed))
	partner.addField(spec("email", "char", "Email"))
	partner.addField(spec("is_company", "boolean", "Is a Company"))
	partner.addField(spec("company_id", "many2one", "Company", rel("res.company")))
	partner.addField(spec("active", "boolean", "Active", defaultValue(true)))
	partner.byName["complete_name"].compute = func(t *tx, r *record) any { return t.get(partner, r, "name") }

	company := d.register(newModel("res.company", "Companies", "sequence, name"))
	company.addField(spec("name", "char", "Company Name", required))
	company.addField(spec("sequence", "integer", "Sequence", defaultValue(int64(10))))
	company.addField(spec("currency_id", "many2one", "Currency", rel("res.currency"), required))
	company.addField(spec("partner_id", "many2one", "Partner", rel("res.partner")))
	company.addField(spec("active", "boolean", "Active", defaultValue(true)))

	users := d.register(newModel("res.users", "User", "name, login"))
	users.addField(spec("name", "char", "Name"))
	users.addField(spec("login", "char", "Login", required))
	users.addField(spec("password", "char", "Password", func(f *field) { f.Store = false }))
	users.addField(spec("partner_id", "many2one", "Related Partner", rel("res.partner")))
	users.addField(spec("company_id", "many2one", "Company", rel("res.company"), defaultValue(int64(1))))
	users.addField(spec("company_ids", "many2many", "Companies", rel("res.company")))
	users.addField(spec("lang", "char", "Language", defaultValue("en_US")))
	users.addField(spec("tz", "char", "Timezone"))
	users.addField(spec("share", "boolean", "Share User", computed))
	users.addField(spec("active", "boolean", "Active", defaultValue(true)))
	// Passwords are write-only, as in Odoo: read gives "" and the secret
	// lives outside the records.
	users.byName["password"].compute = func(*tx, *record) any { return "" }
	users.beforeCreate = func(t *tx, vals map[string]any) error {
		return t.takePassword(vals, 0)
	}
	users.afterCreate = func(t *tx, r *record) error {
		if t.pendingPassword != "" {
			t.setPassword(r.id, t.pendingPassword)
			t.pendingPassword = ""
		}
		return nil
	}
	users.beforeWrite = func(t *tx, recs []*record, vals map[string]any) error {
		if pw, ok := vals["password"]; ok {
			delete(vals, "password")
			for _, r := range recs {
				if s, ok := pw.(string); ok && s != "" {
					t.setPassword(r.id, s)
				}
			}
		}
		return nil
	}
	users.addMethod(&method{name: "context_get", qualname: "ResUsers.context_get", fn: usersContextGet})

	// ir.config_parameter: the database's system parameters (key, value),
	// readable and writable by administrators (base.group_system); the
	// daemon keeps in it which journal works this database.
	param := d.register(newModel("ir.config_parameter", "System Parameter", "key"))
	param.recName = "key"
	param.addField(spec("key", "char", "Key", required))
	param.addField(spec("value", "text", "Value", required))
	param.beforeCreate = func(t *tx, vals map[string]any) error {
		key, _ := vals["key"].(string)
		for _, r := range param.recs {
			if t.getString(param, r, "key") == key {
				return validationError("The operation cannot be completed: Key must be unique.")
			}
		}
		return nil
	}

	journal := d.register(newModel("account.journal", "Journal", "sequence, type, code"))
	journal.addField(spec("name", "char", "Journal Name", required))
	journal.addField(spec("code", "char", "Short Code"))
	journal.addField(spec("type", "selection", "Type", required, selection(
		"sale", "Sales", "purchase", "Purchase", "cash", "Cash", "bank", "Bank", "credit", "Credit Card", "general", "Miscellaneous")))
	journal.addField(spec("sequence", "integer", "Sequence", defaultValue(int64(10))))
	journal.addField(spec("company_id", "many2one", "Company", rel("res.company"), defaultValue(int64(1))))
	// A journal in a foreign currency (empty: its company's); a POS whose
	// journal has one sells in it (pos.config's currency_id).
	journal.addField(spec("currency_id", "many2one", "Currency", rel("res.currency")))
	journal.addField(spec("active", "boolean", "Active", defaultValue(true)))
}

func (t *tx) takePassword(vals map[string]any, _ int64) error {
	if pw, ok := vals["password"]; ok {
		delete(vals, "password")
		if s, ok := pw.(string); ok && s != "" {
			t.pendingPassword = s
		}
	}
	return nil
}

func (t *tx) setPassword(uid int64, pw string) {
	old, had := t.db.passwords[uid]
	t.db.passwords[uid] = pw
	t.undo = append(t.undo, func() {
		if had {
			t.db.passwords[uid] = old
		} else {
			delete(t.db.passwords, uid)
		}
	})
}

// usersContextGet answers res.users/context_get: the caller's lang, tz, uid.
func usersContextGet(t *tx, m *model, _ []int64, _ args) (any, error) {
	o := newObj().set("lang", "en_US").set("tz", false).set("uid", t.uid)
	if r := m.recs[t.uid]; r != nil {
		if lang := t.getString(m, r, "lang"); lang != "" {
			o.set("lang", lang)
		}
		if tz := t.getString(m, r, "tz"); tz != "" {
			o.set("tz", tz)
		}
	}
	return o, nil
}
