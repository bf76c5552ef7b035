package faulttest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// runsEnv turns the suite on and says how many crash runs to make.
const runsEnv = "COMPAGO_FAULT_RUNS"

// Credentials of the simulators; the suite checks they never leak.
const (
	compagoKey   = "fault-compago-key-5d1e9"
	odooDB       = "sandbox"
	odooUser     = "admin"
	odooPassword = "sandbox-api-key"
	prefix       = "fault"
)

// daemonBin is the daemon built by TestMain when the suite runs.
var daemonBin string

func TestMain(m *testing.M) {
	if os.Getenv(runsEnv) == "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "faulttest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		os.Exit(1)
	}
	daemonBin = filepath.Join(dir, "compago-connector")
	build := exec.Command("go", "build", "-o", daemonBin, "github.com/compago-odoo/connector/cmd/compago-connector")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: build the daemon:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// crashRuns is the number of crash runs asked for; the test is skipped
// when the suite is off.
func crashRuns(t *testing.T) int {
	t.Helper()
	v := os.Getenv(runsEnv)
	if v == "" {
		t.Skip("fault suite off: set COMPAGO_FAULT_RUNS=30 (CI) or 200 (long mode) to run the real daemon through crashes and outages")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number of runs", runsEnv, v)
	}
	return n
}

// world is one Odoo, one Compago (each behind a TCP proxy), a journal
// directory and the daemons run against them.
type world struct {
	t         *testing.T
	odoo      *odoosim.Server
	compago   *compagosim.Server
	odooTCP   *toxiproxy.Proxy
	compTCP   *toxiproxy.Proxy
	dir       string
	journal   string
	session   int64
	terminals []string

	mu      sync.Mutex
	orders  []int64
	logs    []string // log file of every daemon started, in order
	started int
}

type worldOptions struct {
	journalDir string // default: a new temporary directory
	terminals  int    // default 4
	version    int    // odoosim's Odoo version; default 18
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	if o.terminals == 0 {
		o.terminals = 4
	}
	w := &world{t: t, dir: t.TempDir()}
	for i := range o.terminals {
		w.terminals = append(w.terminals, fmt.Sprintf("FAULT-%03d", i+1))
	}
	w.odoo = odoosim.New(odoosim.Options{Version: o.version})
	w.compago = compagosim.New(compagosim.Options{Seed: 7, Orgs: []compagosim.Org{{
		ID: "fault-org", Name: "Fault", APIKey: compagoKey, Terminals: w.terminals}}})
	odooSrv, compSrv := httptest.NewServer(w.odoo), httptest.NewServer(w.compago)
	t.Cleanup(odooSrv.Close)
	t.Cleanup(compSrv.Close)

	tp := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	w.odooTCP = startProxy(t, tp, "odoo", odooSrv.Listener.Addr().String())
	w.compTCP = startProxy(t, tp, "compago", compSrv.Listener.Addr().String())

	jdir := o.journalDir
	if jdir == "" {
		jdir = filepath.Join(w.dir, "state")
	}
	if err := os.MkdirAll(jdir, 0o700); err != nil {
		t.Fatal(err)
	}
	w.journal = filepath.Join(jdir, "journal.db")
	w.session = w.odoo.Seed().SessionID
	w.ensureFields(odooSrv.URL)
	t.Cleanup(w.checkSecretsInLogs)
	t.Cleanup(w.keepLogs)
	return w
}

func startProxy(t *testing.T, tp *toxiproxy.ApiServer, name, upstream string) *toxiproxy.Proxy {
	t.Helper()
	p := toxiproxy.NewProxy(tp, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("start the %s proxy: %v", name, err)
	}
	t.Cleanup(p.Stop)
	return p
}

// ensureFields is the admin's `compago-connector setup`: the order fields.
func (w *world) ensureFields(url string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := odoo.New(odoo.Config{URL: url, Database: odooDB, Username: odooUser, Password: odooPassword})
	if err == nil {
		err = c.Connect(ctx)
	}
	if err == nil {
		_, err = connector.EnsureFields(ctx, c, connector.DefaultFields())
	}
	if err != nil {
		w.t.Fatalf("setup of the Odoo fields: %v", err)
	}
}

// env is the daemon's configuration, as an admin would set it in a unit
// file; extra entries (KEY=VALUE) come last and win.
func (w *world) env(extra ...string) []string {
	cfg := []string{
		"ODOO__URL=http://" + w.odooTCP.Listen, "ODOO__DATABASE=" + odooDB,
		"ODOO__USERNAME=" + odooUser, "ODOO__PASSWORD=" + odooPassword, "ODOO__TIMEOUT=2s",
		// odoosim commits a call while it answers it, unless a late call
		// fault says otherwise: a few seconds cover every fault here, and
		// keep a payment whose add_payment a SIGKILL cut from waiting
		// Odoo's 120 s default before it is added again.
		"ODOO__LIMIT_TIME_REAL=3s",
		"COMPAGO__BASE_URL=http://" + w.compTCP.Listen, "COMPAGO__API_KEY=" + compagoKey,
		"COMPAGO__TIMEOUT=2s", "COMPAGO__POLL_INTERVAL=1s",
		"CONNECTOR__WATCH_INTERVAL=250ms", "CONNECTOR__EXTERNAL_ID_PREFIX=" + prefix,
		"SWEEP__SCHEDULE=@every 2s", "SWEEP__STUCK_AFTER=5s",
		// The cashier's sentences the checks read (parkedView) are English.
		"CONNECTOR__LANGUAGE=en",
		"STORE__PATH=" + w.journal, "HTTP__ADDR=127.0.0.1:0", "LOG__LEVEL=debug", "LOG__FORMAT=json",
	}
	env := []string{"HOME=" + w.dir, "PATH=" + os.Getenv("PATH")}
	for _, kv := range cfg {
		env = append(env, "COMPAGO_CONNECTOR_"+kv)
	}
	return append(env, extra...)
}

// daemon is one `compago-connector run` process.
type daemon struct {
	w       *world
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// start runs the daemon with the world's configuration plus extra
// variables; it does not wait for it.
func (w *world) start(extra ...string) *daemon {
	w.t.Helper()
	w.mu.Lock()
	w.started++
	logPath := filepath.Join(w.dir, fmt.Sprintf("daemon-%03d.log", w.started))
	w.logs = append(w.logs, logPath)
	w.mu.Unlock()
	f, err := os.Create(logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command(daemonBin, "run")
	cmd.Env = w.env(extra...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		w.t.Fatalf("start the daemon: %v", err)
	}
	d := &daemon{w: w, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		f.Close()
		close(d.exited)
	}()
	w.t.Cleanup(d.kill)
	return d
}

// startReady starts the daemon and waits until its engine runs.
func (w *world) startReady(extra ...string) *daemon {
	w.t.Helper()
	d := w.start(extra...)
	d.waitLog("engine started", 20*time.Second)
	return d
}

// waitLog waits for a log line containing text; it fails the test if the
// daemon exits first.
func (d *daemon) waitLog(text string, within time.Duration) {
	d.w.t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(d.logText(), text) {
		select {
		case <-d.exited:
			d.w.t.Fatalf("the daemon exited (%v) before logging %q:\n%s", d.cmd.ProcessState, text, tail(d.logText(), 3000))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.w.t.Fatalf("the daemon did not log %q within %s:\n%s", text, within, tail(d.logText(), 3000))
		}
	}
}

func (d *daemon) logText() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

// kill ends the daemon with SIGKILL, as a power cut would.
func (d *daemon) kill() {
	if d.cmd.Process != nil {
		d.cmd.Process.Kill()
	}
	<-d.exited
}

// stop ends the daemon with SIGTERM and fails the test unless it drains
// and exits 0 within 30 s.
func (d *daemon) stop() {
	d.w.t.Helper()
	d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.kill()
		d.w.t.Fatalf("the daemon did not stop within 30 s of SIGTERM")
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		d.w.t.Errorf("the daemon exited %d after SIGTERM:\n%s", code, tail(d.logText(), 2000))
	}
}

// waitExit waits for the daemon to exit by itself; false if it is still
// running after within.
func (d *daemon) waitExit(within time.Duration) bool {
	select {
	case <-d.exited:
		return true
	case <-time.After(within):
		return false
	}
}

// killedBySignal reports whether the daemon died of SIGKILL.
func (d *daemon) killedBySignal() bool {
	st := d.cmd.ProcessState
	return st != nil && !st.Exited() && strings.Contains(st.String(), "killed")
}

// healthURL is the daemon's health listener, once it logged it.
func (d *daemon) healthURL() string {
	for _, line := range strings.Split(d.logText(), "\n") {
		if strings.Contains(line, `"health and metrics listening"`) {
			if i := strings.Index(line, `"url":"`); i >= 0 {
				rest := line[i+len(`"url":"`):]
				return rest[:strings.IndexByte(rest, '"')]
			}
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// waitFor polls cond every 25 ms until it holds; false at the deadline.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(25 * time.Millisecond)
	}
	return true
}

// checkSecretsInLogs fails the test if the API key or the Odoo password
// appears in any daemon's log (they run at debug level).
func (w *world) checkSecretsInLogs() {
	w.mu.Lock()
	logs := slices.Clone(w.logs)
	w.mu.Unlock()
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		for _, secret := range []string{compagoKey, odooPassword} {
			if strings.Contains(string(b), secret) {
				w.t.Errorf("a secret appears in the daemon's log %s", filepath.Base(p))
			}
		}
	}
}

// keepLogs copies the daemons' logs to COMPAGO_FAULT_LOGS/<test>/ when set.
func (w *world) keepLogs() {
	dest := os.Getenv("COMPAGO_FAULT_LOGS")
	if dest == "" {
		return
	}
	dir := filepath.Join(dest, strings.ReplaceAll(w.t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		w.t.Logf("keep logs: %v", err)
		return
	}
	w.mu.Lock()
	logs := slices.Clone(w.logs)
	w.mu.Unlock()
	for _, p := range logs {
		if b, err := os.ReadFile(p); err == nil {
			os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
		}
	}
}

// felt counts the log lines of every daemon that carry an error (at any
// level, debug included) and those at level warn or error: the proof
// that a fault reached the daemon.
func (w *world) felt() (withError, warnOrWorse int) {
	w.mu.Lock()
	logs := slices.Clone(w.logs)
	w.mu.Unlock()
	for _, p := range logs {
		b, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"error":`) {
				withError++
			}
			if strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`) {
				warnOrWorse++
			}
		}
	}
	return withError, warnOrWorse
}

func (w *world) logFelt() {
	withError, warnOrWorse := w.felt()
	w.t.Logf("the daemons logged %d lines with an error (%d at warn or error level)", withError, warnOrWorse)
}
