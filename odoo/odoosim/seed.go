package odoosim

import "fmt"

// SandboxAPIKey is the seed admin's API key; its password is "admin".
const SandboxAPIKey = "sandbox-api-key"

// seedCreate creates a record with a chosen id through the ORM, so seed data
// gets the same defaults and checks as data created over RPC.
func seedCreate(t *tx, model string, id int64, vals map[string]any) (int64, error) {
	m := t.model(model)
	if m == nil {
		return 0, fmt.Errorf("seed: no model %s", model)
	}
	if id != 0 {
		if m.recs[id] != nil || id < m.nextID {
			return 0, fmt.Errorf("seed: %s id %d already used", model, id)
		}
		m.nextID = id
	}
	r, err := t.create(m, normalize(vals).(map[string]any))
	if err != nil {
		return 0, fmt.Errorf("seed %s: %w", model, err)
	}
	return r.id, nil
}

type seedStep struct {
	model string
	id    int64
	vals  map[string]any
}

func runSeed(s *Server, uid int64, steps []seedStep) error {
	t := s.db.begin(uid, nil)
	for _, st := range steps {
		if _, err := seedCreate(t, st.model, st.id, st.vals); err != nil {
			t.rollback()
			return err
		}
	}
	return nil
}

// seedSandbox is the sandbox of DESIGN.md: admin/admin with an API key, an
// MXN company, a POS config "Shop" with an opened session and an older
// closed one, and the "Cash" and "Compago" payment methods allowed in it.
func seedSandbox(s *Server) error {
	if err := seedCore(s); err != nil {
		return err
	}
	err := runSeed(s, 2, []seedStep{
		{"account.journal", 1, map[string]any{"name": "Cash", "code": "CSH1", "type": "cash"}},
		{"account.journal", 2, map[string]any{"name": "Bank", "code": "BNK1", "type": "bank"}},
		{"account.journal", 3, map[string]any{"name": "Compago", "code": "CMPG", "type": "bank"}},
		{"pos.payment.method", 1, map[string]any{"name": "Cash", "journal_id": 1}},
		{"pos.payment.method", 2, map[string]any{"name": "Compago", "journal_id": 3}},
		{"pos.config", 1, map[string]any{"name": "Shop", "payment_method_ids": []any{[]any{6, 0, []any{1, 2}}}}},
		{"pos.session", 1, map[string]any{"config_id": 1, "state": "closed",
			"start_at": s.opts.Now().UTC().AddDate(0, 0, -1).Format(datetimeLayout),
			"stop_at":  s.opts.Now().UTC().AddDate(0, 0, -1).Add(8 * 3600e9).Format(datetimeLayout)}},
		{"pos.session", 2, map[string]any{"config_id": 1, "state": "opened",
			"start_at": s.opts.Now().UTC().Format(datetimeLayout)}},
	})
	if err != nil {
		return err
	}
	s.seed = Seed{UserID: 2, CompanyID: 1, CurrencyID: 33, ConfigID: 1, SessionID: 2,
		ClosedSessionID: 1, PaymentMethodID: 2, CashPaymentMethodID: 1}
	return nil
}

// seedCore is what every database has: currencies, the company, the admin.
func seedCore(s *Server) error {
	err := runSeed(s, 1, []seedStep{
		{"res.currency", 1, map[string]any{"name": "USD", "full_name": "United States dollar", "symbol": "$", "position": "before"}},
		{"res.currency", 33, map[string]any{"name": "MXN", "full_name": "Mexican Peso", "symbol": "$", "position": "before"}},
		{"res.partner", 1, map[string]any{"name": "My Company", "is_company": true}},
		{"res.partner", 2, map[string]any{"name": "OdooBot", "active": false}},
		{"res.partner", 3, map[string]any{"name": "Administrator"}},
		{"res.company", 1, map[string]any{"name": "My Company", "currency_id": 33, "partner_id": 1}},
		{"res.users", 1, map[string]any{"name": "OdooBot", "login": "__system__", "partner_id": 2, "active": false}},
		{"res.users", 2, map[string]any{"name": "Administrator", "login": "admin", "partner_id": 3,
			"password": "admin", "company_ids": []any{[]any{6, 0, []any{1}}}}},
	})
	if err != nil {
		return err
	}
	s.db.apiKeys[SandboxAPIKey] = 2
	s.seed.UserID = 2
	return nil
}
