package odootest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// Options shape one test's Odoo.
type Options struct {
	// Workers > 0 starts Odoo multi-worker (--workers=N, prefork) instead
	// of threaded: requests then run in separate processes, as in most
	// production setups.
	Workers int
	// LimitTimeReal is --limit-time-real with Workers (default 120s): a
	// request running longer is killed.
	LimitTimeReal time.Duration
	// AddonsPath adds directories (e.g. the repository's
	// odoo/addons/<version>) to Odoo's addons path.
	AddonsPath []string
	// Install lists modules installed (odoo-bin -i) into the test's copy
	// of the template before it is served.
	Install []string
	// Shared serves the test's database from the version's shared
	// odoo-bin (threaded, one per version and test binary) instead of one
	// of its own: a registry load instead of a process start, seconds of
	// a core saved per test. Not with Workers; not for a test that stops,
	// starves or reconfigures its Odoo, or whose browser must land on its
	// database without naming it (the shared server holds several).
	Shared bool
	// Layer, when set, makes the test's database a copy of the version's
	// template with the layer applied: built once per version and test
	// binary, then copied like the template.
	Layer *Layer
}

// Layer is a setup shared by many tests, put on the template once instead
// of on every copy: e.g. the custom fields an integration creates, each of
// which makes Odoo reload its registry (seconds on a loaded machine).
type Layer struct {
	// Name identifies the layer; Layers of the same Name are one layer.
	Name string
	// Setup applies the layer to a served copy of the template through
	// the external API (o.Call, or a client of o.URL with o's login).
	Setup func(ctx context.Context, o *Odoo) error
}

// Odoo is one test's real Odoo: its own copy of the version's template,
// served by its own odoo-bin.
type Odoo struct {
	URL      string // http://127.0.0.1:PORT
	Database string
	Login    string // admin
	Password string // admin's password
	APIKey   string // 19: a key of scope rpc for admin; empty before 19
	Version  string // "17.0"
	Major    int
	Shop            // the ids of the Mexican-shop setup
	LogFile  string // Odoo's log
	DSN      string // the test's database, as PostgreSQL's superuser

	t   testing.TB
	rpc *rpc
	seq int
}

// Require skips t (fails it with $EnvRequired set) unless real Odoo tests
// are enabled; Start calls it.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvSrc) != "" {
		return
	}
	skip(t, fmt.Errorf("%s is not set", EnvSrc))
}

func skip(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequired) != "" {
		t.Fatalf("real Odoo is required (%s is set): %v", EnvRequired, err)
	}
	state.mu.Lock()
	state.skipped = append(state.skipped, t.Name())
	state.mu.Unlock()
	t.Skipf("no real Odoo: %v (%s)", err, howTo)
}

// Each runs f as one subtest per version, in order.
func Each(t *testing.T, f func(t *testing.T, version string)) {
	t.Helper()
	for _, v := range Versions {
		t.Run(v, func(t *testing.T) { f(t, v) })
	}
}

// Start gives t a real Odoo of version (one of Versions), configured as a
// Mexican shop, and stops it and drops its database when t ends.
func Start(t testing.TB, version string, opt Options) *Odoo {
	t.Helper()
	Require(t)
	ctx := context.Background()
	// A slot among the binary's servers, given back after everything below
	// is stopped and dropped (cleanups run last-registered first).
	takeSlot()
	t.Cleanup(giveSlot)
	p, tmpl, db, copied := copyTemplate(t, version, opt.Layer)
	logFile := filepath.Join(p.logDir, db+".log")
	if len(opt.Install) > 0 {
		installStart := time.Now()
		if err := p.install(ctx, tmpl.tree, db, logFile, opt.AddonsPath, opt.Install, ""); err != nil {
			t.Fatalf("real Odoo %s: %v", version, err)
		}
		t.Logf("real Odoo %s: installed %s in %s", version, strings.Join(opt.Install, ","), time.Since(installStart).Round(10*time.Millisecond))
	}

	serveStart := time.Now()
	var s *server
	var err error
	if opt.Shared && opt.Workers == 0 && len(opt.AddonsPath) == 0 {
		// The version's shared server: it loads this database's registry
		// at the log-in below.
		if s, err = p.sharedServer(ctx, tmpl); err != nil {
			t.Fatalf("real Odoo %s: %v", version, err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				state.mu.Lock()
				state.failed = true
				state.mu.Unlock()
				t.Logf("Odoo %s log (the version's shared server, database %s): %s", version, db, s.logFile)
			}
		})
	} else {
		s, err = p.serve(ctx, tmpl.tree, db, logFile, serveOptions{workers: opt.Workers, limitTimeReal: opt.LimitTimeReal, addonsPath: opt.AddonsPath})
		if err != nil {
			t.Fatalf("real Odoo %s: %v", version, err)
		}
		t.Cleanup(func() {
			s.stop()
			if t.Failed() {
				t.Logf("Odoo %s log: %s", version, logFile)
			} else {
				os.Remove(logFile)
			}
		})
	}
	o := &Odoo{
		URL: s.url, Database: db, Login: AdminLogin, Password: AdminPassword, APIKey: tmpl.shop.APIKey,
		Version: version, Major: tmpl.tree.major, Shop: tmpl.shop, LogFile: s.logFile,
		DSN: p.dsnAs("postgres", db), t: t,
	}
	o.rpc = &rpc{url: s.url, db: db, user: AdminLogin, password: AdminPassword}
	lctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := o.rpc.login(lctx); err != nil {
		t.Fatalf("real Odoo %s: log in: %v", version, err)
	}
	t.Logf("real Odoo %s at %s, database %s (template %s; copied in %s, serving in %s)", version, s.url, db,
		tmpl.built, copied.Round(10*time.Millisecond), time.Since(serveStart).Round(10*time.Millisecond))
	return o
}

// copyTemplate gives t its own copy of the version's template database
// (with layer applied, when set) and its filestore, dropped when t ends.
func copyTemplate(t testing.TB, version string, layer *Layer) (*process, *template, string, time.Duration) {
	t.Helper()
	Require(t)
	ctx := context.Background()
	state.mu.Lock()
	p, tmpl, err := templateFor(ctx, version)
	state.mu.Unlock()
	if err != nil {
		if isMissing(err) {
			skip(t, err)
		}
		t.Fatalf("real Odoo %s: %v", version, err)
	}
	src := tmpl.db
	if layer != nil {
		if src, err = p.layerFor(ctx, tmpl, layer); err != nil {
			t.Fatalf("real Odoo %s: %v", version, err)
		}
	}
	state.mu.Lock()
	state.dbSeq++
	db := fmt.Sprintf("compago_%s_%d_%s", strings.ReplaceAll(version, ".", "_"), state.dbSeq, salt)
	copyStart := time.Now()
	err = pgtest.Exec(p.pgDSN, `CREATE DATABASE `+db+` TEMPLATE `+src+` OWNER `+odooRole)
	state.mu.Unlock()
	if err != nil {
		t.Fatalf("real Odoo %s: copy the template: %v", version, err)
	}
	filestore := filepath.Join(p.dataDir, "filestore", db)
	if err := copyDir(filepath.Join(p.dataDir, "filestore", src), filestore); err != nil {
		t.Fatalf("real Odoo %s: copy the filestore: %v", version, err)
	}
	copied := time.Since(copyStart)
	t.Cleanup(func() {
		if err := pgtest.Exec(p.pgDSN, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`); err != nil {
			t.Logf("drop %s: %v", db, err)
		}
		os.RemoveAll(filestore)
	})
	return p, tmpl, db, copied
}

// RunModuleTests installs modules from addonsPath into a copy of the
// version's template and runs their tests with Odoo's own test runner
// (odoo-bin -i ... --test-tags), failing t with Odoo's log when a test
// fails or none ran.
func RunModuleTests(t testing.TB, version string, addonsPath []string, modules ...string) {
	t.Helper()
	p, tmpl, db, _ := copyTemplate(t, version, nil)
	logFile := filepath.Join(p.logDir, db+".log")
	tags := make([]string, len(modules))
	for i, m := range modules {
		tags[i] = "/" + m
	}
	start := time.Now()
	err := p.install(context.Background(), tmpl.tree, db, logFile, addonsPath, modules, strings.Join(tags, ","))
	logText, _ := os.ReadFile(logFile)
	defer func() {
		if t.Failed() {
			t.Logf("Odoo %s log: %s", version, logFile)
		} else {
			os.Remove(logFile)
		}
	}()
	if err != nil {
		t.Fatalf("Odoo %s tests of %s: %v\n%s", version, strings.Join(modules, ","), err, failures(string(logText)))
	}
	m := testsRan.FindStringSubmatch(string(logText))
	if m == nil {
		t.Fatalf("Odoo %s: no test of %s ran (log %s):\n%s", version, strings.Join(modules, ","), logFile, tail(string(logText)))
	}
	if m[1] != "0" || m[2] != "0" {
		t.Fatalf("Odoo %s: %s\n%s", version, m[0], failures(string(logText)))
	}
	t.Logf("Odoo %s: %s tests of %s passed in %s", version, m[3], strings.Join(modules, ","), time.Since(start).Round(100*time.Millisecond))
}

// testsRan matches Odoo's summary line of a test run.
var testsRan = regexp.MustCompile(`(\d+) failed, (\d+) error\(s\) of (\d+) tests`)

// failures keeps the ERROR and FAIL parts of an Odoo log.
func failures(log string) string {
	var out []string
	keep := 0
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, " ERROR ") || strings.Contains(line, " FAIL") {
			keep = 40
		}
		if keep > 0 {
			out = append(out, line)
			keep--
		}
	}
	if len(out) > 300 {
		out = out[len(out)-300:]
	}
	return strings.Join(out, "\n")
}

// servers bounds the Odoo servers of this test binary running at once:
// parallel tests wait for a slot in Start. Each server is a Python process
// whose requests take a share of the machine's cores.
var servers struct {
	once  sync.Once
	slots chan struct{}
}

// maxServers is $EnvServers, else DefaultServers.
func maxServers() int {
	if n, err := strconv.Atoi(os.Getenv(EnvServers)); err == nil && n > 0 {
		return n
	}
	return DefaultServers
}

func takeSlot() {
	servers.once.Do(func() { servers.slots = make(chan struct{}, maxServers()) })
	servers.slots <- struct{}{}
}

func giveSlot() { <-servers.slots }

// salt keeps database names apart across test binaries sharing a log directory.
var salt = func() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

// Call runs an ORM method as admin over JSON-RPC (the harness's own small
// caller, not the client under test) and returns the decoded result:
// numbers are float64, records maps, None nil.
func (o *Odoo) Call(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	return o.rpc.exec(ctx, model, method, args, kwargs)
}

// Exec is Call that fails the test on an error.
func (o *Odoo) Exec(model, method string, args []any, kwargs map[string]any) any {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := o.Call(ctx, model, method, args, kwargs)
	if err != nil {
		o.t.Fatalf("odoo %s: %v", o.Version, err)
	}
	return res
}

// NewOrder creates a draft order of amount (pesos) in the open session
// with what the POS itself writes: a receipt reference, a uuid (18+), and
// one line of the shop's product at that price, so the POS UI can load it
// and completing it makes a picking. vals adds or overrides fields.
func (o *Odoo) NewOrder(amount float64, vals map[string]any) int64 {
	o.t.Helper()
	o.seq++
	line := map[string]any{"product_id": o.ProductID, "qty": 1, "price_unit": amount,
		"price_subtotal": amount, "price_subtotal_incl": amount, "discount": 0,
		"full_product_name": "Compago test item", "tax_ids": []any{}}
	v := map[string]any{
		"session_id": o.SessionID, "amount_total": amount, "amount_tax": 0.0,
		"amount_paid": 0.0, "amount_return": 0.0, "sequence_number": o.seq,
		"pos_reference": fmt.Sprintf("Order %05d-001-%04d", o.SessionID, o.seq),
		"lines":         []any{[]any{0, 0, line}},
	}
	if o.Major >= 17 {
		line["uuid"] = newUUID()
	}
	if o.Major >= 18 {
		v["uuid"] = newUUID()
	}
	for k, x := range vals {
		v[k] = x
	}
	id, err := id(o.Exec("pos.order", "create", []any{v}, nil))
	if err != nil {
		o.t.Fatalf("odoo %s: create an order: %v", o.Version, err)
	}
	return id
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// SQL opens the test's database as PostgreSQL's superuser, behind Odoo's
// back: e.g. to hold an order's row lock (SELECT ... FOR UPDATE) so that
// an Odoo call on it waits. Closed when the test ends.
func (o *Odoo) SQL() *sql.DB {
	o.t.Helper()
	db, err := pgtest.Open(o.DSN)
	if err != nil {
		o.t.Fatal(err)
	}
	o.t.Cleanup(func() { db.Close() })
	return db
}
