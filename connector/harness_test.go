package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// Engine timings in tests: fast enough for a quick suite, slow enough for
// -race on two cores.
const (
	testWatch = 20 * time.Millisecond
	testPoll  = 40 * time.Millisecond
	// realOdooWatch: a real Odoo on two shared cores is watched at a
	// human pace.
	realOdooWatch = 100 * time.Millisecond
	// realOdooTimeout bounds a call to a real Odoo, and is the window in
	// which a call given up on may still commit.
	realOdooTimeout = time.Minute
)

// world is Odoo and Compago as simulators on loopback (simworld), and the
// journal on a real SQLite file; a daemon (in-process or not) works
// against them.
type world struct {
	*simworld.World
}

type worldOptions struct {
	version  int            // odoosim's Odoo version, default 18
	protocol odoo.Protocol  // default auto
	real     *odootest.Odoo // a real Odoo instead of odoosim
	// dedicated: the daemon logs in as the dedicated user setup makes
	// (a real Odoo only), not as the administrator.
	dedicated bool
	// daemon: the daemon logs in as this dedicated user, made already
	// (newSetUpWorld).
	daemon *simworld.Credentials
}

func newWorld(t testing.TB, opt worldOptions) *world {
	t.Helper()
	so := simworld.Options{Version: opt.version, Protocol: opt.protocol, DaemonUser: opt.dedicated, Daemon: opt.daemon}
	if opt.real != nil {
		so.Odoo = simworld.Real(opt.real)
	}
	return &world{simworld.New(t, so)}
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
		OdooTimeout:      5 * time.Second, // the test clients' own timeout
		// odoosim commits late only when a test arms it to: a short window
		// keeps a killed daemon's lost add_payment from stalling a test.
		LateCommitWindow: time.Second,
		Logger:           log,
	}
}

// daemon is an engine running in this process.
type daemon struct {
	eng     *connector.Engine
	journal journal.Journal
	cancel  context.CancelFunc
	done    chan error
}

// startDaemon runs an engine against the world until the test ends or
// stop is called.
func (w *world) startDaemon(mod func(*connector.Config)) *daemon {
	w.T.Helper()
	j, err := journal.OpenSQLite(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		w.T.Fatalf("open journal: %v", err)
	}
	return w.startDaemonOn(j, mod)
}

// startDaemonOn runs an engine on the journal j (closed when it stops).
func (w *world) startDaemonOn(j journal.Journal, mod func(*connector.Config)) *daemon {
	w.T.Helper()
	cfg := engineConfig(zerolog.New(zerolog.NewTestWriter(w.T)).Level(zerolog.DebugLevel))
	w.realOdooTimings(&cfg)
	if mod != nil {
		mod(&cfg)
	}
	eng, err := connector.New(cfg, j, w.DaemonOdooClient(), w.CompagoClient())
	if err != nil {
		w.T.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{eng: eng, journal: j, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- eng.Run(ctx) }()
	w.T.Cleanup(d.stop)
	return d
}

// realOdooTimings gives the daemon of a real-Odoo world its watch interval
// and Odoo timings. A real Odoo on two shared cores may take seconds to
// answer, and a threaded Odoo has no limit_time_real: a call the daemon
// gave up on may still commit. The window must cover that, or on 17 and 18
// (no unique payment uuid) a slow add_payment sent again would be a second
// line. The timeout is the test clients' own (simworld).
func (w *world) realOdooTimings(cfg *connector.Config) {
	cfg.WatchInterval = w.watchInterval()
	if w.Odoo != nil { // odoosim
		return
	}
	cfg.OdooTimeout, cfg.LateCommitWindow = realOdooTimeout, realOdooTimeout
}

// watchInterval is how often the daemon asks Odoo for flagged orders:
// odoosim at testWatch; a real Odoo, where each look costs a search_read of
// a few milliseconds on a shared core, less often. Polls read compagosim,
// at testPoll in both worlds.
func (w *world) watchInterval() time.Duration {
	if w.Odoo != nil { // odoosim
		return testWatch
	}
	return realOdooWatch
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

// intentOf returns the simulator's view of the order's current intent.
func (w *world) intentOf(orderID int64) compagosim.Intent {
	w.T.Helper()
	id, _ := w.Order(orderID)["x_compago_intent_id"].(string)
	for _, in := range w.Compago.Intents() {
		if in.ID == id {
			return in
		}
	}
	w.T.Fatalf("order %d: no Compago intent %q", orderID, id)
	return compagosim.Intent{}
}
