// Package simworld gives tests the world the daemon lives in: Odoo and
// Compago as simulators on loopback (odoosim, compagosim), the Compago
// fields set up in Odoo, a path for the journal, and the checks a test ends
// with. Tests of several packages build on it (the engine, the
// reconciliation report), so they agree on what "paid" and "lost" mean.
package simworld

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// WaitLimit bounds every wait: fast enough for a quick suite, slow enough
// for -race on two cores.
const WaitLimit = 20 * time.Second

// Options choose the Odoo the world runs.
type Options struct {
	Version  int           // Odoo version, default 18
	Protocol odoo.Protocol // transport of the clients, default auto
}

// World is Odoo and Compago on loopback, with the Compago fields set up.
type World struct {
	T           testing.TB
	Odoo        *odoosim.Server
	OdooURL     string
	Compago     *compagosim.Server
	CompagoURL  string
	JournalPath string // a fresh path for a SQLite journal
	Protocol    odoo.Protocol
	Seed        odoosim.Seed
}

// New starts the simulators for the test and creates the Compago fields.
func New(t testing.TB, opt Options) *World {
	t.Helper()
	if opt.Version == 0 {
		opt.Version = 18
	}
	w := &World{T: t, Protocol: opt.Protocol}
	w.Odoo = odoosim.New(odoosim.Options{Version: opt.Version})
	os := httptest.NewServer(w.Odoo)
	t.Cleanup(os.Close)
	w.OdooURL = os.URL
	w.Compago = compagosim.New(compagosim.Options{})
	cs := httptest.NewServer(w.Compago)
	t.Cleanup(cs.Close)
	w.CompagoURL = cs.URL
	w.JournalPath = filepath.Join(t.TempDir(), "journal.db")
	w.Seed = w.Odoo.Seed()
	if _, err := connector.EnsureFields(context.Background(), w.OdooClient(), connector.DefaultFields()); err != nil {
		t.Fatalf("setup of the Compago fields: %v", err)
	}
	return w
}

// OdooClient is a connected client of the sandbox admin (API key).
func (w *World) OdooClient() *odoo.Client {
	w.T.Helper()
	oc, err := odoo.New(odoo.Config{URL: w.OdooURL, Database: "sandbox", Username: "admin",
		Password: odoosim.SandboxAPIKey, Protocol: w.Protocol, Timeout: 5 * time.Second})
	if err != nil {
		w.T.Fatal(err)
	}
	if err := oc.Connect(context.Background()); err != nil {
		w.T.Fatalf("connect to odoosim: %v", err)
	}
	return oc
}

// CompagoClient is a client of the sandbox organization, with short
// timeouts and backoff for tests.
func (w *World) CompagoClient() *compago.Client {
	w.T.Helper()
	cc, err := compago.NewClient(w.CompagoURL, compagosim.DefaultAPIKey, compago.WithTimeout(2*time.Second),
		compago.WithRetries(3), compago.WithBackoff(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		w.T.Fatal(err)
	}
	return cc
}

// Exec runs an ORM call on odoosim as the back office would.
func (w *World) Exec(model, method string, args []any, kwargs map[string]any) any {
	w.T.Helper()
	res, err := w.Odoo.Exec(model, method, args, kwargs)
	if err != nil {
		w.T.Fatalf("odoo %s.%s: %v", model, method, err)
	}
	return res
}

// NewOrder creates a draft order of amount (pesos) in the opened session,
// with extra fields in vals (nil for none).
func (w *World) NewOrder(amount float64, vals map[string]any) int64 {
	w.T.Helper()
	v := map[string]any{"session_id": w.Seed.SessionID, "amount_total": amount, "amount_tax": 0.0,
		"amount_paid": 0.0, "amount_return": 0.0}
	for k, x := range vals {
		v[k] = x
	}
	return ID(w.T, w.Exec("pos.order", "create", []any{v}, nil))
}

// Flag writes Compago fields on an order as the POS does.
func (w *World) Flag(orderID int64, vals map[string]any) {
	w.T.Helper()
	w.Exec("pos.order", "write", []any{[]any{orderID}, vals}, nil)
}

// Order reads an order as the back office sees it.
func (w *World) Order(orderID int64) map[string]any {
	w.T.Helper()
	res := w.Exec("pos.order", "read", []any{[]any{orderID}, []any{
		"name", "state", "amount_total", "amount_paid", "payment_ids",
		"x_compago_state", "x_compago_intent_id", "x_compago_external_id", "x_compago_deeplink", "x_compago_message",
	}}, nil)
	rows, ok := res.([]any)
	if !ok || len(rows) != 1 {
		w.T.Fatalf("read order %d: got %#v", orderID, res)
	}
	return rows[0].(map[string]any)
}

// Payments lists the pos.payment rows of an order.
func (w *World) Payments(orderID int64) []map[string]any {
	w.T.Helper()
	res := w.Exec("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "=", orderID}}},
		map[string]any{"fields": []any{"amount", "transaction_id", "payment_status", "payment_method_id"}})
	var out []map[string]any
	for _, r := range res.([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// WaitState waits until the order's x_compago_state is want and returns
// the order as the back office then sees it.
func (w *World) WaitState(orderID int64, want string) map[string]any {
	w.T.Helper()
	var last map[string]any
	deadline := time.Now().Add(WaitLimit)
	for time.Now().Before(deadline) {
		last = w.Order(orderID)
		if last["x_compago_state"] == want {
			return last
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.T.Fatalf("order %d: the cashier never saw x_compago_state %q; last seen: %v", orderID, want, last)
	return nil
}

// WaitFor waits until cond holds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// CheckInvariants holds at the end of every test: no externalId used
// twice, every charged intent has exactly one payment line of its amount,
// no payment line without a charged intent.
func (w *World) CheckInvariants() {
	w.T.Helper()
	seen := map[string]bool{}
	charged := map[string]compagosim.Intent{}
	for _, in := range w.Compago.Intents() {
		if seen[in.ExternalID] {
			w.T.Errorf("invariant: externalId %s used twice", in.ExternalID)
		}
		seen[in.ExternalID] = true
		if in.PaymentStatus == compago.PaymentSuccess {
			charged[in.ID] = in
		}
	}
	res := w.Exec("pos.payment", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"transaction_id", "amount", "pos_order_id"}})
	lines := map[string]int{}
	for _, r := range res.([]any) {
		p := r.(map[string]any)
		tx, _ := p["transaction_id"].(string)
		if tx == "" {
			continue
		}
		lines[tx]++
		in, ok := charged[tx]
		if !ok {
			w.T.Errorf("invariant: payment line %v has no charged Compago intent", p)
			continue
		}
		if got := odoo.Centavos(Float(p["amount"])); got != in.Amount {
			w.T.Errorf("invariant: payment line of intent %s is %d centavos, the card was charged %d", tx, got, in.Amount)
		}
	}
	for id := range charged {
		if lines[id] != 1 {
			w.T.Errorf("invariant: charged intent %s has %d payment lines, want exactly 1", id, lines[id])
		}
	}
}

// ID reads a record id out of an ORM answer (a number, or a list of one).
func ID(t testing.TB, v any) int64 {
	t.Helper()
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	case []any:
		if len(n) == 1 {
			return ID(t, n[0])
		}
	case []int64:
		if len(n) == 1 {
			return n[0]
		}
	}
	t.Fatalf("not an id: %#v", v)
	return 0
}

// Float reads a number out of an ORM answer.
func Float(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return 0
}
