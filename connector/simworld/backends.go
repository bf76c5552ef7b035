package simworld

import (
	"context"
	"fmt"
	"time"

	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// simOdoo is odoosim as an OdooWorld: the sandbox database, its admin with
// the API key (which every protocol takes).
type simOdoo struct {
	srv *odoosim.Server
	url string
}

func (s *simOdoo) URL() string                 { return s.url }
func (s *simOdoo) Database() string            { return "sandbox" }
func (s *simOdoo) Login() string               { return "admin" }
func (s *simOdoo) Secret(odoo.Protocol) string { return odoosim.SandboxAPIKey }

func (s *simOdoo) Exec(model, method string, args []any, kwargs map[string]any) (any, error) {
	return s.srv.Exec(model, method, args, kwargs)
}

func (s *simOdoo) NewOrder(amount float64, vals map[string]any) (int64, error) {
	v := map[string]any{"session_id": s.srv.Seed().SessionID, "amount_total": amount, "amount_tax": 0.0,
		"amount_paid": 0.0, "amount_return": 0.0}
	for k, x := range vals {
		v[k] = x
	}
	res, err := s.srv.Exec("pos.order", "create", []any{v}, nil)
	if err != nil {
		return 0, err
	}
	return idOf(res)
}

// idOf reads a record id out of an ORM answer (a number, or a list of one).
func idOf(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case float64:
		return int64(n), nil
	case []any:
		if len(n) == 1 {
			return idOf(n[0])
		}
	case []int64:
		if len(n) == 1 {
			return n[0], nil
		}
	}
	return 0, fmt.Errorf("not a record id: %#v", v)
}

// realOdoo is a real Odoo from odootest as an OdooWorld.
type realOdoo struct{ o *odootest.Odoo }

// Real makes a real Odoo (odootest.Start) the world's Odoo.
func Real(o *odootest.Odoo) OdooWorld { return realOdoo{o} }

func (r realOdoo) URL() string      { return r.o.URL }
func (r realOdoo) Database() string { return r.o.Database }
func (r realOdoo) Login() string    { return r.o.Login }

// Secret: JSON-2, and auto on 19+ (which picks JSON-2 for a key), log in
// with the API key; the RPC transports with the password.
func (r realOdoo) Secret(p odoo.Protocol) string {
	if p == odoo.ProtocolJSON2 || (p == odoo.ProtocolAuto || p == "") && r.o.APIKey != "" {
		return r.o.APIKey
	}
	return r.o.Password
}

// MakesPickings: 18+ makes the paid order's picking from its lines (the
// harness's orders have one line of a consumable); 17 does too for stock
// products, but its wizard completion was only ever checked for the state.
func (r realOdoo) MakesPickings() bool { return r.o.Major >= 18 }

func (r realOdoo) Exec(model, method string, args []any, kwargs map[string]any) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return r.o.Call(ctx, model, method, args, kwargs)
}

func (r realOdoo) NewOrder(amount float64, vals map[string]any) (int64, error) {
	return r.o.NewOrder(amount, vals), nil
}
