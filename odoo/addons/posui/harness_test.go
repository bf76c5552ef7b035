package posui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

const (
	// envScreenshots names the directory the steps' PNGs are written to
	// (docs/ for the cashier's guide); unset, they stay in a temporary one.
	envScreenshots = "COMPAGO_POSUI_SCREENSHOTS"

	terminal  = "TERMINAL-001"
	itemPrice = 350.50 // the shop's one product, so an order of one item is due 350.50
	// waitLimit bounds one wait in the browser: a real Odoo on two shared
	// cores, the POS's bundle and a 2 s poll.
	waitLimit = 40 * time.Second
	// loadLimit bounds the loading of the POS.
	loadLimit = 8 * time.Minute
)

func TestMain(m *testing.M) {
	code := m.Run()
	odootest.Stop()
	os.Exit(code)
}

// shop is one version's real Odoo with the addon, a "Compago" method of
// terminal type compago routed to TERMINAL-001, compagosim and the daemon.
type shop struct {
	t       *testing.T
	version string
	major   int
	o       *odootest.Odoo
	w       *simworld.World
	browser string // Chromium's path
}

// findBrowser returns a Chromium-family browser, or skips t saying how to get one.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("COMPAGO_TEST_BROWSER_REQUIRED") != "" {
		t.Fatal("no browser on PATH (chromium, chromium-browser or google-chrome) and COMPAGO_TEST_BROWSER_REQUIRED is set")
	}
	t.Skip("no browser on PATH (chromium, chromium-browser or google-chrome): install one (Debian: apt-get install -y chromium)")
	return ""
}

func addonsDir(t *testing.T, version string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", version))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pos_compago_connector", "__manifest__.py")); err != nil {
		t.Fatalf("the addon of %s is not there: %v", version, err)
	}
	return dir
}

// startShop starts version's shop for t and its subtests.
func startShop(t *testing.T, version string) *shop {
	t.Helper()
	browser := findBrowser(t)
	odootest.Require(t)
	o := odootest.Start(t, version, odootest.Options{
		AddonsPath: []string{addonsDir(t, version)},
		Install:    []string{"pos_compago_connector"},
	})
	s := &shop{t: t, version: version, major: o.Major, o: o, browser: browser}
	// Odoo refuses to change a method of an opened session through the
	// ORM ("close and validate the open sessions"); the template has one
	// opened, so the method becomes a Compago terminal behind Odoo's back,
	// as the back office's form would have made it before opening.
	sets := `use_payment_terminal = 'compago', compago_terminal = $2, compago_same_device = true`
	if o.Major >= 18 {
		sets += `, payment_method_type = 'terminal'`
	}
	if _, err := o.SQL().Exec(`UPDATE pos_payment_method SET `+sets+` WHERE id = $1`, o.PaymentMethodID, terminal); err != nil {
		t.Fatalf("make the method a Compago terminal: %v", err)
	}
	o.Exec("product.product", "write", []any{[]any{o.ProductID}, map[string]any{"list_price": itemPrice}}, nil)
	s.w = simworld.New(t, simworld.Options{Odoo: simworld.Real(o), Protocol: odoo.ProtocolJSONRPC})
	s.startDaemon()
	s.buildAssets()
	return s
}

// posURL is the POS's page of the shop's register.
func (s *shop) posURL() string {
	if s.major >= 19 {
		return fmt.Sprintf("%s/pos/ui/%d", s.o.URL, s.o.ConfigID)
	}
	return fmt.Sprintf("%s/pos/ui?config_id=%d", s.o.URL, s.o.ConfigID)
}

// buildAssets asks Odoo for the POS page's bundles before any browser
// does, so that Odoo builds them now: a POS page whose bundles were built
// while it loaded them often never starts on two loaded cores (its loader
// turns forever, without an error).
func (s *shop) buildAssets() {
	t := s.t
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "params": map[string]any{
		"db": s.o.Database, "login": s.o.Login, "password": s.o.Password}})
	get := func(what string, req *http.Request, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("build the POS's assets: %s: %v", what, err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("build the POS's assets: %s: %v", what, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("build the POS's assets: %s: %s %v", what, resp.Status, err)
		}
		return b
	}
	req, err := http.NewRequest(http.MethodPost, s.o.URL+"/web/session/authenticate", bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
	}
	get("log in", req, err)
	req, err = http.NewRequest(http.MethodGet, s.posURL(), nil)
	page := get("the POS page", req, err)
	start := time.Now()
	bundles := regexp.MustCompile(`(?:src|href)="(/web/assets/[^"]+)"`).FindAllSubmatch(page, -1)
	for _, m := range bundles {
		req, err := http.NewRequest(http.MethodGet, s.o.URL+string(m[1]), nil)
		get(string(m[1]), req, err)
	}
	t.Logf("real Odoo %s: the POS's %d bundles built in %v", s.version, len(bundles), time.Since(start).Round(time.Millisecond))
}

// startDaemon runs the daemon's engine against the shop until t ends.
func (s *shop) startDaemon() {
	t := s.t
	j, err := journal.OpenSQLite(context.Background(), s.w.JournalPath, journal.Options{})
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	cfg := connector.Config{
		PaymentMethod:    "Compago",
		WatchInterval:    250 * time.Millisecond,
		PollInterval:     250 * time.Millisecond,
		MaxPolls:         16,
		ExternalIDPrefix: "posui",
		Terminals:        map[string]string{},
		SweepSchedule:    "@every 1h",
		DrainTimeout:     5 * time.Second,
		OdooTimeout:      30 * time.Second,
		// A request made again after an attempt ended uncharged (expired,
		// replaced, cancelled) is held this long in case the ended intent is
		// charged late (compago.late_charge_grace, default 2 minutes): the
		// scenarios retry at once and cannot wait minutes.
		LateChargeGrace: 2 * time.Second,
		Logger:          zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel),
	}
	eng, err := connector.New(cfg, j, s.w.OdooClient(), s.w.CompagoClient())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
		j.Close()
	})
}

// pos is one cashier's browser on the shop's POS.
type pos struct {
	t      *testing.T
	s      *shop
	ctx    context.Context
	cancel context.CancelFunc
	shots  int

	mu      sync.Mutex
	console []string // the page's errors and console errors, for a failure
}

// openPOS starts a browser with a fresh profile (dir, or a new one), logs
// the cashier in and opens the register.
func (s *shop) openPOS(t *testing.T, profile string) *pos {
	t.Helper()
	fresh := profile == ""
	if fresh {
		profile = t.TempDir()
	}
	p := s.launch(t, profile)
	if !p.open() && fresh {
		// Chromium's IndexedDB sometimes never answers the first page of a
		// new profile on two loaded cores (Odoo's localization service waits
		// on it before it asks for the translations: the page shows the
		// POS's loader forever, and a reload in that profile hangs the
		// same way). A cashier would restart the browser: so do we.
		p.t.Logf("the POS did not start within %v (%s): start a new browser", firstLoadLimit, p.probeIndexedDB())
		p.close()
		p = s.launch(t, t.TempDir())
		if !p.open() {
			p.fail("the POS did not start in a second browser either (%s)", p.probeIndexedDB())
		}
	}
	p.openRegister()
	return p
}

// firstLoadLimit bounds the first load of the POS in a browser: the first
// after the install also builds the POS's assets (seconds, a minute on two loaded
// cores).
const firstLoadLimit = 60 * time.Second

// launch starts a browser on profile and logs the cashier in.
func (s *shop) launch(t *testing.T, profile string) *pos {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(s.browser),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelAll := context.WithTimeout(ctx, 15*time.Minute)
	p := &pos{t: t, s: s, ctx: ctx}
	p.cancel = func() { cancelAll(); cancelTab(); cancelAlloc() }
	t.Cleanup(p.close)
	if err := chromedp.Listen(ctx, p.listen); err != nil {
		t.Fatalf("watch the page's console: %v", err)
	}
	p.do("open Odoo's login page", chromedp.Navigate(s.o.URL+"/web/login"))
	body := map[string]any{"jsonrpc": "2.0", "method": "call", "params": map[string]any{
		"db": s.o.Database, "login": s.o.Login, "password": s.o.Password}}
	b, _ := json.Marshal(body)
	if !eval[bool](p, fmt.Sprintf(`fetch("/web/session/authenticate", {method: "POST", headers: {"Content-Type": "application/json"}, body: %s}).then((r) => r.ok)`,
		js(string(b)))) {
		p.fail("log in as %s: refused", s.o.Login)
	}
	return p
}

// open loads the POS in the tab and reports whether it started.
func (p *pos) open() bool {
	p.t.Helper()
	p.do("open the POS", chromedp.Navigate(p.s.posURL()))
	p.do("watch for script errors", chromedp.Evaluate[chromedp.Void](
		`window.__errors = []; window.addEventListener("error", (e) => window.__errors.push(String(e.message)));`))
	return p.shows(`!!document.querySelector(".open-register-btn") || !!document.querySelector(".product-list")`, firstLoadLimit)
}

// openRegister opens the register of a started POS (18.0 and later ask
// first) and waits for its products.
func (p *pos) openRegister() {
	p.t.Helper()
	if p.s.major >= 18 {
		eval[bool](p, `document.querySelector(".open-register-btn")?.click(), true`)
	}
	p.waitJSFor("the POS shows its products", `!!document.querySelector(".product-list")`, loadLimit)
}

// probeIndexedDB says whether the page's IndexedDB answers an open within
// five seconds: what a POS that never started was waiting on.
func (p *pos) probeIndexedDB() string {
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((done) => {
		const r = indexedDB.open("compago-probe");
		r.onsuccess = () => done("IndexedDB answers");
		r.onerror = () => done("IndexedDB fails: " + r.error);
		setTimeout(() => done("IndexedDB does not answer"), 5000);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		return "the page does not answer: " + err.Error()
	}
	return v
}

// reload reloads the tab, as a cashier pressing F5.
func (p *pos) reload() {
	p.t.Helper()
	p.do("reload the POS", chromedp.Reload())
	if p.s.major >= 18 {
		p.waitJS("the POS shows Open Register or its screen",
			`!!document.querySelector(".open-register-btn") || !!document.querySelector(".pos-content")`)
		eval[bool](p, `document.querySelector(".open-register-btn")?.click(), true`)
	}
	p.waitJS("the POS is loaded", `!!window.posmodel && !!document.querySelector(".pos-content")`)
}

// listen keeps the page's uncaught exceptions and console errors.
func (p *pos) listen(ev any) {
	var line string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		line = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			line += " " + e.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeWarning {
			return
		}
		line = "console." + string(e.Type) + ":"
		for _, a := range e.Args {
			if a.Description != "" {
				line += " " + a.Description
			} else {
				line += " " + string(a.Value)
			}
		}
	default:
		return
	}
	p.mu.Lock()
	p.console = append(p.console, line)
	p.mu.Unlock()
}

func (p *pos) close() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// unreachable cuts the POS off from Odoo (or gives it back): every
// request of the page fails as with a dead server, while the browser still
// believes it is online, the hardest case for the POS.
func (p *pos) unreachable(cut bool) {
	p.t.Helper()
	var patterns []*network.BlockPattern
	if cut {
		patterns = []*network.BlockPattern{{URLPattern: p.s.o.URL + "/*", Block: true}}
	}
	if _, err := chromedp.Call(p.ctx, network.Enable, network.EnableParams{}); err != nil {
		p.fail("enable the network domain: %v", err)
	}
	if _, err := chromedp.Call(p.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
		p.fail("block Odoo: %v", err)
	}
}

func (p *pos) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.fail("%s: %v", what, err)
	}
}

func (p *pos) waitJS(what, expr string) {
	p.t.Helper()
	p.waitJSFor(what, expr, waitLimit)
}

// shows reports whether expr became true within limit.
func (p *pos) shows(expr string, limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(p.ctx, limit)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(200*time.Millisecond),
		chromedp.WithPollingTimeout(limit)))
	return err == nil
}

// waitJSFor is waitJS with its own limit.
func (p *pos) waitJSFor(what, expr string, limit time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, limit)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(limit))); err != nil {
		p.fail("the POS never showed that %s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (a promise is awaited) on the page.
func eval[T any](p *pos, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// fail stops the test with what the cashier saw.
func (p *pos) fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if lines := strings.Split(text, "\n"); len(lines) > 40 {
		text = "…\n" + strings.Join(lines[len(lines)-40:], "\n")
	}
	lines, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { try {
		const o = window.posmodel && (posmodel.getOrder ? posmodel.getOrder() : posmodel.get_order());
		const ls = o ? (o.payment_ids || o.paymentlines) : [];
		return JSON.stringify([...ls].map((l) => ({uuid: l.uuid || l.cid, status: l.payment_status, amount: l.amount,
			selected: l.isSelected ? l.isSelected() : l.selected, order: !!(l.pos_order_id || l.order), compago: l.compago || null})));
	} catch (e) { return String(e); } })()`))
	text += "\n--- its order's payment lines: " + lines
	p.mu.Lock()
	console := strings.Join(p.console, "\n")
	p.mu.Unlock()
	p.t.Fatalf(format+"\n--- the POS showed:\n%s\n--- its console:\n%s", append(args, text, console)...)
}

// shot saves a PNG of the screen as <version>-<scenario>-<n>-<step>.png.
func (p *pos) shot(step string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot: %v", err)
	}
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		dir = p.t.TempDir()
	}
	p.shots++
	scenario := strings.ReplaceAll(filepath.Base(p.t.Name()), "_", "-")
	name := fmt.Sprintf("pos-%s-%s-%d-%s.png", p.s.version, scenario, p.shots, step)
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		p.t.Fatalf("save the screenshot: %v", err)
	}
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
