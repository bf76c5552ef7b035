package reconcile_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// world is Odoo and Compago as simulators on loopback and the journal in a
// real SQLite file, as the daemon and the back office share them.
type world struct {
	t           *testing.T
	odoo        *odoosim.Server
	odooURL     string
	compago     *compagosim.Server
	compagoURL  string
	journalPath string
	seed        odoosim.Seed
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, odoo: odoosim.New(odoosim.Options{}), compago: compagosim.New(compagosim.Options{})}
	os := httptest.NewServer(w.odoo)
	t.Cleanup(os.Close)
	cs := httptest.NewServer(w.compago)
	t.Cleanup(cs.Close)
	w.odooURL, w.compagoURL = os.URL, cs.URL
	w.journalPath = filepath.Join(t.TempDir(), "journal.db")
	w.seed = w.odoo.Seed()
	if _, err := connector.EnsureFields(context.Background(), w.odooClient(), connector.DefaultFields()); err != nil {
		t.Fatalf("setup of the Compago fields: %v", err)
	}
	return w
}

func (w *world) odooClient() *odoo.Client {
	w.t.Helper()
	oc, err := odoo.New(odoo.Config{URL: w.odooURL, Database: "sandbox", Username: "admin",
		Password: "sandbox-api-key", Timeout: 5 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := oc.Connect(context.Background()); err != nil {
		w.t.Fatalf("connect to odoosim: %v", err)
	}
	return oc
}

func (w *world) compagoClient() *compago.Client {
	w.t.Helper()
	cc, err := compago.NewClient(w.compagoURL, compagosim.DefaultAPIKey, compago.WithTimeout(2*time.Second),
		compago.WithRetries(3), compago.WithBackoff(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		w.t.Fatal(err)
	}
	return cc
}

// writer opens the journal as the daemon does (locked, read-write).
func (w *world) writer() *journal.SQLite {
	w.t.Helper()
	j, err := journal.OpenSQLite(context.Background(), w.journalPath, journal.Options{})
	if err != nil {
		w.t.Fatalf("open journal: %v", err)
	}
	w.t.Cleanup(func() { j.Close() })
	return j
}

// report runs the reconciliation as the back office does: journal opened
// read-only beside the daemon.
func (w *world) report(since, now time.Time, refresh bool) *reconcile.Report {
	w.t.Helper()
	j, err := journal.OpenSQLiteReadOnly(context.Background(), w.journalPath, journal.Options{})
	if err != nil {
		w.t.Fatalf("open journal read-only: %v", err)
	}
	defer j.Close()
	r, err := reconcile.New(reconcile.Config{PaymentMethod: "Compago", Grace: 2 * time.Minute, Refresh: refresh},
		j, w.odooClient(), w.compagoClient())
	if err != nil {
		w.t.Fatal(err)
	}
	rep, err := r.Run(context.Background(), since, now)
	if err != nil {
		w.t.Fatalf("reconcile: %v", err)
	}
	return rep
}

func (w *world) exec(model, method string, args []any, kwargs map[string]any) any {
	w.t.Helper()
	res, err := w.odoo.Exec(model, method, args, kwargs)
	if err != nil {
		w.t.Fatalf("odoo %s.%s: %v", model, method, err)
	}
	return res
}

// newOrder creates a draft order of amount (pesos) in the opened session,
// with the Compago fields in vals.
func (w *world) newOrder(amount float64, vals map[string]any) int64 {
	w.t.Helper()
	v := map[string]any{"session_id": w.seed.SessionID, "amount_total": amount, "amount_tax": 0.0,
		"amount_paid": 0.0, "amount_return": 0.0}
	for k, x := range vals {
		v[k] = x
	}
	return toID(w.t, w.exec("pos.order", "create", []any{v}, nil))
}

// paymentLine adds a pos.payment of the Compago method to an order, as a
// cashier (or a bug) would.
func (w *world) paymentLine(orderID int64, amount float64, transactionID string) int64 {
	w.t.Helper()
	v := map[string]any{"pos_order_id": orderID, "amount": amount, "payment_method_id": w.seed.PaymentMethodID}
	if transactionID != "" {
		v["transaction_id"] = transactionID
	}
	return toID(w.t, w.exec("pos.payment", "create", []any{v}, nil))
}

func (w *world) flag(orderID int64, vals map[string]any) {
	w.t.Helper()
	w.exec("pos.order", "write", []any{[]any{orderID}, vals}, nil)
}

func (w *world) orderFlag(orderID int64) string {
	w.t.Helper()
	rows := w.exec("pos.order", "read", []any{[]any{orderID}, []any{"x_compago_state"}}, nil).([]any)
	s, _ := rows[0].(map[string]any)["x_compago_state"].(string)
	return s
}

func toID(t *testing.T, v any) int64 {
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
			return toID(t, n[0])
		}
	case []int64:
		if len(n) == 1 {
			return n[0]
		}
	}
	t.Fatalf("not an id: %#v", v)
	return 0
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
