package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

const benchPrefix = "bench"

// bench is one load run: the simulators, the daemon and the load.
type bench struct {
	f       benchFlags
	log     io.Writer
	odoo    *odoosim.Server // nil against a real Odoo
	pos     benchOdoo       // the POS side of the load: odoosim or the real Odoo
	realCfg *config.Config  // the daemon's configuration of the real Odoo
	compago *compagosim.Server
	servers []*http.Server
	odooURL string
	cURL    string
	dir     string
	rng     *rand.Rand

	mu      sync.Mutex
	orders  map[int64]*benchOrder
	byIntID map[string]*benchOrder
	free    []string // idle terminals

	turnedAway int // arrivals that found every terminal busy
}

// benchOrder follows one order through the run.
type benchOrder struct {
	id        int64
	terminal  string
	flagAt    time.Time
	intentAt  time.Time // Compago's createdAt of attempt 1
	intentID  string
	fate      string // "approve", "cancel", "expire"
	approveAt time.Time
	doneAt    time.Time
	final     string // x_compago_state at the end
}

func newBench(f benchFlags, log io.Writer) (*bench, error) {
	b := &bench{f: f, log: log, orders: map[int64]*benchOrder{}, byIntID: map[string]*benchOrder{},
		rng: rand.New(rand.NewPCG(uint64(f.seed), 7))}
	terminals := make([]string, f.terminals)
	for i := range terminals {
		terminals[i] = fmt.Sprintf("BENCH-%04d", i+1)
	}
	b.compago = compagosim.New(compagosim.Options{Seed: f.seed, Orgs: []compagosim.Org{{
		ID: "bench-org", Name: "Bench", APIKey: sandboxCompagoKey, Terminals: terminals}}})
	b.compago.SetFaults(compagosim.Faults{Latency: f.compagoLatency})
	var err error
	if f.odooURL != "" {
		if b.realCfg, err = benchOdooConfig(f, log); err != nil {
			return nil, err
		}
		b.odooURL = b.realCfg.Odoo.URL
	} else {
		b.odoo = odoosim.New(odoosim.Options{Version: f.odooVersion})
		b.odoo.SetLatency(f.odooLatency)
		b.pos = simBenchOdoo{srv: b.odoo, version: f.odooVersion, latency: f.odooLatency}
		if b.odooURL, err = b.serve(b.odoo); err != nil {
			return nil, err
		}
	}
	if b.cURL, err = b.serve(b.compago); err != nil {
		return nil, err
	}
	if b.dir, err = os.MkdirTemp("", "compago-bench-"); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	b.servers = append(b.servers, srv)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

func (b *bench) close() {
	for _, s := range b.servers {
		s.Close()
	}
	os.RemoveAll(b.dir)
}

// config is the daemon's configuration: the real Odoo's as given, or the
// simulator's; the rest is the bench's.
func (b *bench) config() (*config.Config, error) {
	cfg := config.Defaults()
	if b.realCfg != nil {
		c := *b.realCfg
		cfg = &c
	} else {
		cfg.Odoo.URL, cfg.Odoo.Database, cfg.Odoo.Username = b.odooURL, sandboxOdooDB, sandboxOdooUser
		cfg.Odoo.Password = config.Secret(sandboxOdooKey)
	}
	cfg.Compago.BaseURL, cfg.Compago.APIKey = b.cURL, config.Secret(sandboxCompagoKey)
	cfg.Compago.PollInterval, cfg.Connector.WatchInterval = b.f.pollInterval, b.f.watchInterval
	cfg.Connector.ExternalIDPrefix = benchPrefix
	cfg.Store.Driver, cfg.Store.Path, cfg.Store.DSN = "sqlite", filepath.Join(b.dir, "journal.db"), ""
	cfg.Sweep.ReportDir = ""
	cfg.Log.Level, cfg.Log.Format = "warn", "console"
	// The daemon's metrics are where its client's timings are read from.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.HTTP.Addr = ln.Addr().String()
	ln.Close()
	return cfg, nil
}

// daemon is the connector under test: a child process (the same binary's
// `run`), or an engine in this process.
type benchDaemon struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan error // its end: Wait's or the engine's error
}

func (b *bench) startDaemon(ctx context.Context, cfg *config.Config) (*benchDaemon, error) {
	if b.f.inProcess {
		ctx, cancel := context.WithCancel(ctx)
		d := &benchDaemon{cancel: cancel, done: make(chan error, 1)}
		log := zerolog.New(b.log).Level(zerolog.WarnLevel)
		go func() { d.done <- runEngine(ctx, cfg, log) }()
		return d, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "run")
	// The child's configuration is exactly the bench's: its environment
	// without the caller's own keys (a password_file there beside the
	// password here would be refused), then every key the bench sets. The
	// secrets go in the environment, which only this user can read.
	env := []string{
		"ODOO__URL=" + cfg.Odoo.URL, "ODOO__DATABASE=" + cfg.Odoo.Database, "ODOO__USERNAME=" + cfg.Odoo.Username,
		"ODOO__PASSWORD=" + cfg.Odoo.Password.Value(), "ODOO__PROTOCOL=" + cfg.Odoo.Protocol,
		"ODOO__TIMEOUT=" + cfg.Odoo.Timeout.String(), "ODOO__LIMIT_TIME_REAL=" + cfg.Odoo.LimitTimeReal.String(),
		"COMPAGO__BASE_URL=" + cfg.Compago.BaseURL,
		"COMPAGO__API_KEY=" + cfg.Compago.APIKey.Value(), "COMPAGO__POLL_INTERVAL=" + cfg.Compago.PollInterval.String(),
		"CONNECTOR__WATCH_INTERVAL=" + cfg.Connector.WatchInterval.String(), "CONNECTOR__PAYMENT_METHOD=" + cfg.Connector.PaymentMethod,
		"CONNECTOR__EXTERNAL_ID_PREFIX=" + benchPrefix, "STORE__PATH=" + cfg.Store.Path, "HTTP__ADDR=" + cfg.HTTP.Addr, "LOG__LEVEL=warn",
	}
	if len(cfg.Connector.Fields) > 0 {
		var pairs []string
		for k, v := range cfg.Connector.Fields {
			pairs = append(pairs, k+"="+v)
		}
		env = append(env, "CONNECTOR__FIELDS="+strings.Join(pairs, ","))
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.EnvPrefix) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for _, e := range env {
		cmd.Env = append(cmd.Env, config.EnvPrefix+e)
	}
	cmd.Stdout, cmd.Stderr = b.log, b.log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the daemon: %w", err)
	}
	d := &benchDaemon{cmd: cmd, done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait() }()
	return d, nil
}

// cpu is the daemon's CPU time so far (0 in process).
func (d *benchDaemon) cpu() time.Duration {
	if d.cmd == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // clock ticks (USER_HZ = 100 on Linux)
}

// stop ends the daemon with SIGTERM and returns its peak RSS in bytes.
func (d *benchDaemon) stop() (int64, error) {
	if d.cmd == nil {
		d.cancel()
		return 0, <-d.done
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	err := <-d.done
	var rss int64
	if ru, ok := d.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return rss, err
}

// run prepares Odoo, starts the daemon, sends the load, waits for every
// order to settle, measures an idle window and collects the figures.
func (b *bench) run(ctx context.Context) (*benchResult, error) {
	cfg, err := b.config()
	if err != nil {
		return nil, err
	}
	if b.realCfg != nil {
		r, err := prepareRealOdoo(ctx, cfg)
		if err != nil {
			return nil, err
		}
		b.pos = r
	} else {
		oc, err := newOdooClient(cfg)
		if err != nil {
			return nil, err
		}
		if err := oc.Connect(ctx); err != nil {
			return nil, err
		}
		if _, err := connector.EnsureFields(ctx, oc, connector.DefaultFields()); err != nil {
			return nil, err
		}
	}
	d, err := b.startDaemon(ctx, cfg)
	if err != nil {
		return nil, err
	}
	metricsURL := "http://" + cfg.HTTP.Addr + "/metrics"
	m0, err := b.waitEngine(ctx, d, metricsURL)
	if err != nil {
		d.stop()
		return nil, err
	}
	if b.odoo != nil {
		b.odoo.ResetStats()
	}
	cpu0, start := d.cpu(), time.Now()
	stopMonitor := b.monitor(ctx)
	if err := b.load(ctx); err != nil {
		stopMonitor()
		d.stop()
		return nil, err
	}
	pendingWindow := b.measurePending(ctx, d)
	b.settle(ctx, b.f.cardMax+30*time.Second+b.f.pollInterval*3)
	stopMonitor()
	loadTime, loadCPU := time.Since(start), d.cpu()-cpu0
	m1, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("bench: read the daemon's metrics: %w", err)
	}
	var odooLoad int
	if b.odoo != nil {
		odooLoad = sumStats(b.odoo.Stats())
		b.odoo.ResetStats()
	}
	compagoLoad := sumStats(b.compago.Requests())

	// Idle: nothing flagged, nothing pending.
	c0 := sumStats(b.compago.Requests())
	cpu1, idleStart := d.cpu(), time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(b.f.idle):
	}
	idleTime, idleCPU := time.Since(idleStart), d.cpu()-cpu1
	m2, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("bench: read the daemon's metrics: %w", err)
	}
	idleCompago := sumStats(b.compago.Requests()) - c0
	rss, err := d.stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(b.log, "daemon exited: %v\n", err)
	}
	res, err := b.collect(ctx)
	if err != nil {
		return nil, err
	}
	res.f, res.turnedAway, res.odooName = b.f, b.turnedAway, b.pos.describe()
	res.pendingWindow = pendingWindow
	res.loadTime, res.loadCPU, res.idleTime, res.idleCPU, res.rss = loadTime, loadCPU, idleTime, idleCPU, rss
	res.calls, res.idleCalls = m1.calls.sub(m0.calls), m2.calls.sub(m1.calls)
	// The watcher reads Odoo once a pass whatever happens: its reads are
	// taken out of the payments' calls, counted in its passes (with a slow
	// Odoo it makes fewer than one per interval) times what a pass costs
	// when idle, its time at the load's mean search_read time.
	loadPasses, idlePasses := m1.watchPasses-m0.watchPasses, max(m2.watchPasses-m1.watchPasses, 1)
	idleN, idleSeconds := res.idleCalls.total()
	loadN, loadSeconds := res.calls.total()
	idleOdoo := float64(idleN)
	if b.odoo != nil {
		// odoosim counts every request it served; a real Odoo is counted
		// by the daemon's client.
		idleOdoo = float64(sumStats(b.odoo.Stats()))
	} else {
		odooLoad = int(loadN)
	}
	res.odooPerIdleTick = idleOdoo / idlePasses
	res.odooTimePerIdleTick = time.Duration(idleSeconds / idlePasses * float64(time.Second))
	res.compagoIdle, res.watchPasses = idleCompago, loadPasses
	if res.paid > 0 {
		watcherCalls := loadPasses * float64(idleN) / idlePasses
		res.watcherCalls = watcherCalls
		res.odooPerOrder = (float64(odooLoad) - loadPasses*res.odooPerIdleTick) / float64(res.paid)
		watcherSeconds := watcherCalls * res.calls["pos.order.search_read"].mean().Seconds()
		res.odooTimePerOrder = time.Duration((loadSeconds - watcherSeconds) / float64(res.paid) * float64(time.Second))
		res.compagoPerOrder = float64(compagoLoad) / float64(res.paid)
	}
	res.journalBytes = fileSize(cfg.Store.Path) + fileSize(cfg.Store.Path+"-wal")
	return res, nil
}

// waitEngine waits until the daemon's engine runs (its watch loop has made
// a pass, seen in its metrics) and returns its Odoo calls so far, so that
// the figures leave out the start: connecting, logging in, the first reads.
func (b *bench) waitEngine(ctx context.Context, d *benchDaemon, metricsURL string) (daemonMetrics, error) {
	deadline := time.Now().Add(time.Minute)
	var last error
	for {
		m, err := scrapeMetrics(ctx, metricsURL)
		if err == nil && m.watchPasses > 0 {
			return m, nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			return m, fmt.Errorf("bench: the daemon did not start watching Odoo within a minute (its log is above): %v", last)
		}
		select {
		case <-ctx.Done():
			return m, ctx.Err()
		case err := <-d.done:
			d.done <- err
			return m, fmt.Errorf("bench: the daemon stopped before it started watching Odoo (its log is above): %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pendingWindow is the daemon's cost while many intents wait on their
// terminals and nothing else happens: all created, none approved yet.
type pendingWindow struct {
	pending   int
	wall, cpu time.Duration
	compago   int
}

// measurePending measures a pending window when the card times leave one
// (--card-min well beyond the arrivals): from 5 s after the last arrival
// to 5 s before the first card can be approved.
func (b *bench) measurePending(ctx context.Context, d *benchDaemon) pendingWindow {
	var w pendingWindow
	b.mu.Lock()
	var first time.Time
	for _, o := range b.orders {
		if first.IsZero() || o.flagAt.Before(first) {
			first = o.flagAt
		}
	}
	n := len(b.orders)
	b.mu.Unlock()
	end := first.Add(b.f.cardMin - 5*time.Second)
	start := time.Now().Add(5 * time.Second)
	if n == 0 || end.Sub(start) < 5*time.Second {
		return w
	}
	select {
	case <-ctx.Done():
		return w
	case <-time.After(time.Until(start)):
	}
	c0, cpu0 := sumStats(b.compago.Requests()), d.cpu()
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(end)):
	}
	w.pending, w.wall, w.cpu, w.compago = n, time.Since(start), d.cpu()-cpu0, sumStats(b.compago.Requests())-c0
	return w
}

func sumStats(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// load makes orders arrive at the set rate on free terminals, and plays the
// customers: approve after the card time, or cancel, or let it expire.
func (b *bench) load(ctx context.Context) error {
	free := make([]string, 0, b.f.terminals)
	for i := b.f.terminals; i >= 1; i-- {
		free = append(free, fmt.Sprintf("BENCH-%04d", i))
	}
	b.mu.Lock()
	b.free = free
	b.mu.Unlock()
	interval := time.Duration(float64(time.Second) / b.f.rate)
	deadline := time.Now().Add(b.f.duration)
	next := time.Now()
	for n := 0; b.f.orders == 0 || n < b.f.orders; {
		if b.f.orders == 0 && time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
		// Poisson arrivals: cashiers press the button at random moments,
		// not in step with the daemon's watch ticks.
		b.mu.Lock()
		gap := time.Duration(b.rng.ExpFloat64() * float64(interval))
		b.mu.Unlock()
		next = next.Add(gap)
		terminal := b.takeTerminal()
		if terminal == "" {
			b.mu.Lock()
			b.turnedAway++ // every terminal busy: this arrival is lost to the load
			b.mu.Unlock()
			continue
		}
		n++
		amount := float64(50+b.rng.IntN(5000)) + float64(b.rng.IntN(100))/100
		id, err := b.pos.newOrder(ctx, amount)
		if err != nil {
			return fmt.Errorf("bench: create an order: %w", err)
		}
		o := &benchOrder{id: id, terminal: terminal, fate: b.fate()}
		b.mu.Lock()
		b.orders[id] = o
		o.flagAt = time.Now()
		b.mu.Unlock()
		if err := b.pos.write(ctx, id, map[string]any{
			"x_compago_state": connector.StateRequested, "x_compago_terminal": terminal}); err != nil {
			return fmt.Errorf("bench: flag order %d: %w", id, err)
		}
	}
	return nil
}

func toID(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

func (b *bench) fate() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rng.Float64()
	switch {
	case r < b.f.cancelShare:
		return "cancel"
	case r < b.f.cancelShare+b.f.expireShare:
		return "expire"
	}
	return "approve"
}

func (b *bench) cardTime() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.f.cardMin + time.Duration(b.rng.Int64N(int64(b.f.cardMax-b.f.cardMin)+1))
}

func (b *bench) takeTerminal() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.free) == 0 {
		return ""
	}
	t := b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
	return t
}
