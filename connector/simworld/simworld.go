// Package simworld gives tests the world the daemon lives in: Odoo and
// Compago on loopback (compagosim, and odoosim or a real Odoo), the Compago
// fields set up in Odoo, a path for the journal, and the checks a test ends
// with. Tests of several packages build on it (the engine, the
// reconciliation report), so they agree on what "paid" and "lost" mean.
//
// The Odoo side is an OdooWorld: odoosim by default, or a real Odoo from
// odoo/odootest (Options.Odoo = Real(o)), so that one scenario runs
// against both without a copy per world. What a scenario does to the world
// works in both: an Odoo outage (SetOdooDown) is odoosim's own on odoosim,
// and on a real Odoo a loopback TCP proxy between the daemon and Odoo that
// resets every connection (the back office's calls go around it, as
// odoosim's Exec does). Tests that steer odoosim itself (call counts,
// faults of one method) use World.Odoo, which is nil on a real Odoo.
package simworld

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// WaitLimit bounds every wait: fast enough for a quick suite, slow enough
// for -race on two cores.
const WaitLimit = 20 * time.Second

// Options choose the Odoo the world runs.
type Options struct {
	Version  int           // odoosim's Odoo version, default 18
	Protocol odoo.Protocol // transport of the clients, default auto
	Odoo     OdooWorld     // a real Odoo (Real); nil for odoosim
	// DaemonUser makes the daemon (OdooClient) log in as the dedicated
	// user that setup makes (group "Compago connector", an API key)
	// instead of the administrator. A real Odoo only: odoosim has no
	// access rights.
	DaemonUser bool
	// Daemon is the dedicated user made already (by setup on the
	// database's template): the daemon logs in with it, and New makes
	// none. Its login and API key.
	Daemon *Credentials
}

// Credentials are a dedicated user's login and API key.
type Credentials struct{ Login, Key string }

// OdooWorld is the Odoo a world runs against, as a test sees it: where the
// daemon logs in, and the back office's calls.
type OdooWorld interface {
	URL() string
	Database() string
	Login() string
	// Secret is what a client of protocol logs in with: a password, or
	// the API key JSON-2 needs.
	Secret(p odoo.Protocol) string
	// Exec runs an ORM call as the back office would.
	Exec(model, method string, args []any, kwargs map[string]any) (any, error)
	// NewOrder creates a draft order of amount (pesos) in the opened
	// session, with extra fields in vals.
	NewOrder(amount float64, vals map[string]any) (int64, error)
}

// World is Odoo and Compago on loopback, with the Compago fields set up.
type World struct {
	T       testing.TB
	Odoo    *odoosim.Server // nil on a real Odoo
	Backend OdooWorld
	OdooURL string
	// DaemonURL is where the daemon reaches Odoo: OdooURL on odoosim, a
	// loopback proxy to it on a real Odoo (SetOdooDown cuts it).
	DaemonURL   string
	Compago     *compagosim.Server
	CompagoURL  string
	JournalPath string // a fresh path for a SQLite journal
	Protocol    odoo.Protocol
	Seed        odoosim.Seed // odoosim's ids; zero on a real Odoo
	// WaitLimit bounds the world's waits: WaitLimit, longer on a real Odoo.
	WaitLimit time.Duration
	// DaemonLogin and DaemonKey are the dedicated user's, with
	// Options.DaemonUser; empty otherwise (the daemon is the admin).
	DaemonLogin, DaemonKey string

	proxy *toxiproxy.Proxy // between the daemon and a real Odoo
}

// New starts the simulators for the test and creates the Compago fields.
func New(t testing.TB, opt Options) *World {
	t.Helper()
	if opt.Version == 0 {
		opt.Version = 18
	}
	w := &World{T: t, Protocol: opt.Protocol, Backend: opt.Odoo, WaitLimit: WaitLimit}
	if w.Backend == nil {
		w.Odoo = odoosim.New(odoosim.Options{Version: opt.Version})
		os := httptest.NewServer(w.Odoo)
		t.Cleanup(os.Close)
		w.Backend = &simOdoo{srv: w.Odoo, url: os.URL}
		w.Seed = w.Odoo.Seed()
	} else {
		w.WaitLimit = 3 * WaitLimit // a real Odoo on two shared cores
	}
	w.OdooURL = w.Backend.URL()
	w.DaemonURL = w.OdooURL
	if w.Odoo == nil {
		w.startProxy()
	}
	w.Compago = compagosim.New(compagosim.Options{})
	cs := httptest.NewServer(w.Compago)
	t.Cleanup(cs.Close)
	w.CompagoURL = cs.URL
	w.JournalPath = filepath.Join(t.TempDir(), "journal.db")
	admin := w.AdminClient()
	if _, err := connector.EnsureFields(context.Background(), admin, connector.DefaultFields()); err != nil {
		t.Fatalf("setup of the Compago fields: %v", err)
	}
	switch {
	case opt.Daemon != nil:
		w.DaemonLogin, w.DaemonKey = opt.Daemon.Login, opt.Daemon.Key
	case opt.DaemonUser:
		w.setupDaemonUser(admin)
	}
	return w
}

// startProxy puts a TCP proxy between the daemon and a real Odoo.
func (w *World) startProxy() {
	w.T.Helper()
	u, err := url.Parse(w.OdooURL)
	if err != nil {
		w.T.Fatalf("Odoo URL %q: %v", w.OdooURL, err)
	}
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	w.proxy = toxiproxy.NewProxy(api, "odoo", "127.0.0.1:0", u.Host)
	if err := w.proxy.Start(); err != nil {
		w.T.Fatalf("start the proxy to Odoo: %v", err)
	}
	w.T.Cleanup(w.proxy.Stop)
	w.DaemonURL = "http://" + w.proxy.Listen
}

// SetOdooDown starts (true) or ends an Odoo outage as the daemon sees it.
// On odoosim it is odoosim's outage (every connection closed without an
// answer). On a real Odoo the proxy stops: connections open at that moment
// are cut and new ones refused, as when Odoo's process is down; it listens
// again on the same address when the outage ends.
//
// Why not close after the request, as odoosim does: against a threaded
// Odoo, which has no limit_time_real, a request the daemon saw no answer
// to holds a 17 or 18 payment back for the whole late-commit window (a
// minute in the real-Odoo tests): a refused connection is known not sent.
func (w *World) SetOdooDown(down bool) {
	w.T.Helper()
	if w.Odoo != nil {
		w.Odoo.SetDown(down)
		return
	}
	if down {
		w.proxy.Stop()
		return
	}
	if err := w.proxy.Start(); err != nil {
		w.T.Fatalf("Odoo back up: the proxy cannot listen again on %s: %v", w.proxy.Listen, err)
	}
}

// setupDaemonUser does what `setup` does with an administrator's login:
// the group, the dedicated user, its API key.
func (w *World) setupDaemonUser(admin *odoo.Client) {
	w.T.Helper()
	if w.Odoo != nil {
		w.T.Fatal("simworld: DaemonUser needs a real Odoo (odoosim has no access rights)")
	}
	res, err := grant.Setup(context.Background(), admin, admin.Version().Major,
		grant.Web{URL: w.OdooURL, Database: w.Backend.Database()}, grant.UserLogin, false)
	if err != nil {
		w.T.Fatalf("setup of the dedicated user: %v", err)
	}
	w.DaemonLogin, w.DaemonKey = res.User.Login, res.Key
}

// OdooClient is a connected client of the daemon's Odoo user: the admin
// (on odoosim with its API key), or the dedicated user with
// Options.DaemonUser.
func (w *World) OdooClient() *odoo.Client {
	w.T.Helper()
	return w.daemonClient(w.OdooURL)
}

// DaemonOdooClient is OdooClient through DaemonURL: the daemon's, which an
// outage (SetOdooDown) cuts.
func (w *World) DaemonOdooClient() *odoo.Client {
	w.T.Helper()
	return w.daemonClient(w.DaemonURL)
}

func (w *World) daemonClient(url string) *odoo.Client {
	w.T.Helper()
	login, secret := w.DaemonCredentials()
	return w.client(url, login, secret)
}

// DaemonCredentials are the login and secret the daemon uses: the
// dedicated user's with Options.DaemonUser, else the admin's.
func (w *World) DaemonCredentials() (login, secret string) {
	if w.DaemonLogin != "" {
		return w.DaemonLogin, w.DaemonKey
	}
	return w.Backend.Login(), w.Backend.Secret(w.Protocol)
}

// AdminClient is a connected client of the admin (on odoosim with its API key).
func (w *World) AdminClient() *odoo.Client {
	w.T.Helper()
	return w.client(w.OdooURL, w.Backend.Login(), w.Backend.Secret(w.Protocol))
}

func (w *World) client(url, login, secret string) *odoo.Client {
	w.T.Helper()
	timeout := 5 * time.Second
	if w.Odoo == nil {
		timeout = time.Minute
	}
	oc, err := odoo.New(odoo.Config{URL: url, Database: w.Backend.Database(), Username: login,
		Password: secret, Protocol: w.Protocol, Timeout: timeout})
	if err != nil {
		w.T.Fatal(err)
	}
	if err := oc.Connect(context.Background()); err != nil {
		w.T.Fatalf("connect to Odoo: %v", err)
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
	res, err := w.Backend.Exec(model, method, args, kwargs)
	if err != nil {
		w.T.Fatalf("odoo %s.%s: %v", model, method, err)
	}
	return res
}

// NewOrder creates a draft order of amount (pesos) in the opened session,
// with extra fields in vals (nil for none).
func (w *World) NewOrder(amount float64, vals map[string]any) int64 {
	w.T.Helper()
	id, err := w.Backend.NewOrder(amount, vals)
	if err != nil {
		w.T.Fatalf("create an order of %.2f: %v", amount, err)
	}
	return id
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
	deadline := time.Now().Add(w.WaitLimit)
	for time.Now().Before(deadline) {
		last = w.Order(orderID)
		if last["x_compago_state"] == want {
			return last
		}
		time.Sleep(w.pause())
	}
	w.T.Fatalf("order %d: the cashier never saw x_compago_state %q; last seen: %v", orderID, want, last)
	return nil
}

// pause is the time between two looks at Odoo: not a tight loop, as each
// read of a real Odoo costs it a few milliseconds of a shared core.
func (w *World) pause() time.Duration {
	return 50 * time.Millisecond
}

// WaitFor waits until cond holds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitFor(t, WaitLimit, 5*time.Millisecond, what, cond)
}

// WaitFor waits until cond holds, within the world's WaitLimit and at the
// world's pace: for conditions that read Odoo.
func (w *World) WaitFor(what string, cond func() bool) {
	w.T.Helper()
	waitFor(w.T, w.WaitLimit, w.pause(), what, cond)
}

func waitFor(t testing.TB, limit, pause time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(pause)
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
	w.checkCompleted()
}

// checkCompleted: an order the cashier sees paid is completed in Odoo
// (state paid or later), with its picking where Odoo makes one from the
// order's lines (a real Odoo 18+; odoosim keeps no stock).
func (w *World) checkCompleted() {
	w.T.Helper()
	fields := []any{"name", "state", "amount_total", "amount_paid", "x_compago_message"}
	pickings := false
	if p, ok := w.Backend.(interface{ MakesPickings() bool }); ok && p.MakesPickings() {
		fields, pickings = append(fields, "picking_ids"), true
	}
	res := w.Exec("pos.order", "search_read", []any{[]any{[]any{"x_compago_state", "=", "paid"}}},
		map[string]any{"fields": fields})
	for _, r := range res.([]any) {
		o := r.(map[string]any)
		msg, _ := o["x_compago_message"].(string)
		partial := o["state"] == "draft" && Float(o["amount_paid"]) < Float(o["amount_total"]) && strings.Contains(msg, "still due")
		if st, _ := o["state"].(string); st != "paid" && st != "done" && st != "invoiced" && !partial {
			w.T.Errorf("invariant: order %v shows Compago paid but Odoo has it %v", o["id"], o["state"])
		}
		if ps, _ := o["picking_ids"].([]any); pickings && len(ps) == 0 {
			w.T.Errorf("invariant: paid order %v has no picking", o["id"])
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
