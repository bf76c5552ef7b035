package connector_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// Test timings: fast enough for a quick suite, slow enough for -race on
// two cores.
const (
	testWatch = 20 * time.Millisecond
	testPoll  = 40 * time.Millisecond
	waitLimit = 20 * time.Second
)

// world is Odoo and Compago as simulators on loopback, and the journal on
// a real SQLite file; a daemon (in-process or not) works against them.
type world struct {
	t           testing.TB
	odoo        *odoosim.Server
	odooURL     string
	compago     *compagosim.Server
	compagoURL  string
	journalPath string
	protocol    odoo.Protocol
	seed        odoosim.Seed
}

type worldOptions struct {
	version  int           // Odoo version, default 18
	protocol odoo.Protocol // default auto
}

func newWorld(t testing.TB, opt worldOptions) *world {
	t.Helper()
	if opt.version == 0 {
		opt.version = 18
	}
	w := &world{t: t, protocol: opt.protocol}
	w.odoo = odoosim.New(odoosim.Options{Version: opt.version})
	os := httptest.NewServer(w.odoo)
	t.Cleanup(os.Close)
	w.odooURL = os.URL
	w.compago = compagosim.New(compagosim.Options{})
	cs := httptest.NewServer(w.compago)
	t.Cleanup(cs.Close)
	w.compagoURL = cs.URL
	w.journalPath = filepath.Join(t.TempDir(), "journal.db")
	w.seed = w.odoo.Seed()

	oc := w.odooClient()
	if _, err := connector.EnsureFields(context.Background(), oc, connector.DefaultFields()); err != nil {
		t.Fatalf("setup of the Compago fields: %v", err)
	}
	return w
}

func (w *world) odooClient() *odoo.Client {
	w.t.Helper()
	oc, err := odoo.New(odoo.Config{URL: w.odooURL, Database: "sandbox", Username: "admin",
		Password: "sandbox-api-key", Protocol: w.protocol, Timeout: 5 * time.Second})
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
	cc, err := compago.NewClient(w.compagoURL, "sandbox-key", compago.WithTimeout(2*time.Second),
		compago.WithRetries(3), compago.WithBackoff(5*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		w.t.Fatal(err)
	}
	return cc
}

func engineConfig(log zerolog.Logger) connector.Config {
	return connector.Config{
		PaymentMethod:    "Compago",
		WatchInterval:    testWatch,
		PollInterval:     testPoll,
		MaxPolls:         16,
		ExternalIDPrefix: "sandbox",
		Terminals:        map[string]string{},
		SweepSchedule:    "@every 1h",
		DrainTimeout:     5 * time.Second,
		Logger:           log,
	}
}

// daemon is an engine running in this process.
type daemon struct {
	eng     *connector.Engine
	journal journal.Store
	cancel  context.CancelFunc
	done    chan error
}

// startDaemon runs an engine against the world until the test ends or
// stop is called.
func (w *world) startDaemon(mod func(*connector.Config)) *daemon {
	w.t.Helper()
	j, err := journal.OpenSQLite(context.Background(), w.journalPath, journal.Options{})
	if err != nil {
		w.t.Fatalf("open journal: %v", err)
	}
	return w.startDaemonOn(j, mod)
}

// startDaemonOn runs an engine on the journal j (closed when it stops).
func (w *world) startDaemonOn(j journal.Store, mod func(*connector.Config)) *daemon {
	w.t.Helper()
	cfg := engineConfig(zerolog.New(zerolog.NewTestWriter(w.t)).Level(zerolog.DebugLevel))
	if mod != nil {
		mod(&cfg)
	}
	eng, err := connector.New(cfg, j, w.odooClient(), w.compagoClient())
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{eng: eng, journal: j, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- eng.Run(ctx) }()
	w.t.Cleanup(d.stop)
	return d
}

func (d *daemon) stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
	d.journal.Close()
	d.cancel = nil
}

// exec runs an ORM call on odoosim as the back office would.
func (w *world) exec(model, method string, args []any, kwargs map[string]any) any {
	w.t.Helper()
	res, err := w.odoo.Exec(model, method, args, kwargs)
	if err != nil {
		w.t.Fatalf("odoo %s.%s: %v", model, method, err)
	}
	return res
}

// newOrder creates a draft order of amount (pesos) in the opened session.
func (w *world) newOrder(amount float64) int64 {
	w.t.Helper()
	id := w.exec("pos.order", "create", []any{map[string]any{
		"session_id": w.seed.SessionID, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
	}}, nil)
	return toInt64(w.t, id)
}

// flag writes Compago fields on an order as the POS does.
func (w *world) flag(orderID int64, vals map[string]any) {
	w.t.Helper()
	w.exec("pos.order", "write", []any{[]any{orderID}, vals}, nil)
}

// order reads an order's fields as the back office sees them.
func (w *world) order(orderID int64) map[string]any {
	w.t.Helper()
	res := w.exec("pos.order", "read", []any{[]any{orderID}, []any{
		"name", "state", "amount_total", "amount_paid", "payment_ids",
		"x_compago_state", "x_compago_intent_id", "x_compago_external_id", "x_compago_deeplink", "x_compago_message",
	}}, nil)
	rows, ok := res.([]any)
	if !ok || len(rows) != 1 {
		w.t.Fatalf("read order %d: got %#v", orderID, res)
	}
	return rows[0].(map[string]any)
}

// payments lists the pos.payment rows of an order.
func (w *world) payments(orderID int64) []map[string]any {
	w.t.Helper()
	res := w.exec("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "=", orderID}}},
		map[string]any{"fields": []any{"amount", "transaction_id", "payment_status", "payment_method_id"}})
	var out []map[string]any
	for _, r := range res.([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// waitState waits until the order's x_compago_state is want and returns
// the order as the back office then sees it.
func (w *world) waitState(orderID int64, want string) map[string]any {
	w.t.Helper()
	var last map[string]any
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		last = w.order(orderID)
		if last["x_compago_state"] == want {
			return last
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.t.Fatalf("order %d: the cashier never saw x_compago_state %q; last seen: %v", orderID, want, last)
	return nil
}

// waitFor waits until cond holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// intentOf returns the simulator's view of the order's current intent.
func (w *world) intentOf(orderID int64) compagosim.Intent {
	w.t.Helper()
	id, _ := w.order(orderID)["x_compago_intent_id"].(string)
	for _, in := range w.compago.Intents() {
		if in.ID == id {
			return in
		}
	}
	w.t.Fatalf("order %d: no Compago intent %q", orderID, id)
	return compagosim.Intent{}
}

// checkInvariants holds after every test: no externalId used twice, every
// charged intent has exactly one payment line, no payment line without a
// charged intent.
func (w *world) checkInvariants() {
	w.t.Helper()
	seen := map[string]bool{}
	charged := map[string]compagosim.Intent{}
	for _, in := range w.compago.Intents() {
		if seen[in.ExternalID] {
			w.t.Errorf("invariant: externalId %s used twice", in.ExternalID)
		}
		seen[in.ExternalID] = true
		if in.PaymentStatus == "SUCCESS" {
			charged[in.ID] = in
		}
	}
	res := w.exec("pos.payment", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"transaction_id", "amount", "pos_order_id"}})
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
			w.t.Errorf("invariant: payment line %v has no charged Compago intent", p)
			continue
		}
		if got := odoo.Centavos(toFloat(p["amount"])); got != in.Amount {
			w.t.Errorf("invariant: payment line of intent %s is %d centavos, the card was charged %d", tx, got, in.Amount)
		}
	}
	for id := range charged {
		if lines[id] != 1 {
			w.t.Errorf("invariant: charged intent %s has %d payment lines, want exactly 1", id, lines[id])
		}
	}
}

func toInt64(t testing.TB, v any) int64 {
	t.Helper()
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	t.Fatalf("not an id: %#v", v)
	return 0
}

func toFloat(v any) float64 {
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

func ids(v any) []int64 {
	var out []int64
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, int64(toFloat(x)))
		}
	}
	if l, ok := v.([]int64); ok {
		out = l
	}
	return out
}

var _ = fmt.Sprintf
