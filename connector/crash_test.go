package connector_test

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// The crash test runs the daemon in a child process (this test binary,
// re-executed) so that it can be killed with SIGKILL like a real one.
const childEnv = "CONNECTOR_TEST_DAEMON"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChildDaemon())
	}
	code := m.Run()
	pgtest.StopShared()
	odootest.Stop()
	os.Exit(code)
}

// runChildDaemon is the daemon of the crash test: the same engine, wired
// from the environment the parent gives.
func runChildDaemon() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := zerolog.New(os.Stderr)
	var j journal.Journal
	var err error
	shared := os.Getenv("JOURNAL_DSN") != ""
	if shared {
		j, err = journal.OpenPostgres(ctx, os.Getenv("JOURNAL_DSN"), journal.Options{Schema: os.Getenv("JOURNAL_SCHEMA")})
	} else {
		j, err = journal.OpenSQLite(ctx, os.Getenv("JOURNAL"), journal.Options{})
	}
	if err != nil {
		log.Error().Err(err).Msg("open journal")
		return 1
	}
	defer j.Close()
	// The stall tests give longer client timeouts (ODOO_TIMEOUT,
	// COMPAGO_TIMEOUT): an answer that waits in a stopped daemon's socket
	// is then read when it resumes, not lost to its timer.
	odooTimeout, compagoTimeout := envDuration("ODOO_TIMEOUT", 5*time.Second), envDuration("COMPAGO_TIMEOUT", 2*time.Second)
	// The Odoo to log into (odoosim's sandbox unless the parent names a
	// real Odoo's database, login, secret and transport).
	oc, err := odoo.New(odoo.Config{URL: os.Getenv("ODOO_URL"), Database: envOr("ODOO_DB", "sandbox"),
		Username: envOr("ODOO_LOGIN", "admin"), Password: envOr("ODOO_SECRET", "sandbox-api-key"),
		Protocol: odoo.Protocol(os.Getenv("ODOO_PROTOCOL")), Timeout: odooTimeout})
	if err == nil {
		err = oc.Connect(ctx)
	}
	if err != nil {
		log.Error().Err(err).Msg("odoo")
		return 1
	}
	cc, err := compago.NewClient(os.Getenv("COMPAGO_URL"), "sandbox-key", compago.WithTimeout(compagoTimeout))
	if err != nil {
		return 1
	}
	cfg := engineConfig(log)
	cfg.OdooTimeout = odooTimeout
	cfg.WatchInterval = envDuration("WATCH_INTERVAL", cfg.WatchInterval)
	cfg.LateCommitWindow = envDuration("LATE_COMMIT_WINDOW", cfg.LateCommitWindow)
	if shared {
		cfg.Shared, cfg.Owner = true, os.Getenv("OWNER")
		cfg.PollLease, cfg.CreateLease, cfg.SyncLease = 2*time.Second, 3*time.Second, 3*time.Second
	}
	eng, err := connector.New(cfg, j, oc, cc)
	if err != nil {
		return 1
	}
	if err := eng.Run(ctx); err != nil {
		log.Error().Err(err).Msg("run")
		return 1
	}
	return 0
}

// envDuration reads a duration from the environment, def when unset.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// envOr reads a string from the environment, def when unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (w *world) startChild() *exec.Cmd {
	w.T.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	login, secret := w.DaemonCredentials()
	cmd.Env = append(os.Environ(), childEnv+"=1", "JOURNAL="+w.JournalPath, "ODOO_URL="+w.DaemonURL, "COMPAGO_URL="+w.CompagoURL,
		"ODOO_DB="+w.Backend.Database(), "ODOO_LOGIN="+login, "ODOO_SECRET="+secret,
		"ODOO_PROTOCOL="+string(w.Protocol), "WATCH_INTERVAL="+w.watchInterval().String())
	if w.Odoo == nil { // a real Odoo on two shared cores: see realOdooTimings
		cmd.Env = append(cmd.Env, "ODOO_TIMEOUT="+realOdooTimeout.String(), "LATE_COMMIT_WINDOW="+realOdooTimeout.String())
	}
	cmd.Stderr = testLogWriter{w.T}
	if err := cmd.Start(); err != nil {
		w.T.Fatal(err)
	}
	w.T.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

type testLogWriter struct{ t testing.TB }

func (l testLogWriter) Write(p []byte) (int, error) {
	l.t.Log(string(p))
	return len(p), nil
}

func TestDaemonKilledWhilePendingRecordsTheCardChargedWhileItWasDown(t *testing.T) {
	eachTransport(t, killedWhilePending)
}

// killedWhilePending: the daemon is killed (SIGKILL) while the customer
// holds the terminal; the card is charged while no daemon runs; the
// restarted daemon records it, once.
func killedWhilePending(t *testing.T, w *world) {
	child := w.startChild()
	id := w.NewOrder(310.10, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(id, connector.StatePending)

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	w.startChild()
	o := w.WaitState(id, connector.StatePaid)
	if o["state"] != "paid" || len(w.Payments(id)) != 1 {
		t.Fatalf("after the restart the order is %v with payments %v, want paid with one line", o, w.Payments(id))
	}
	w.CheckInvariants()
}

func TestDaemonRestartResumesWithoutASecondIntent(t *testing.T) {
	w := newWorld(t, worldOptions{})
	d := w.startDaemon(nil)
	id := w.NewOrder(66, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-003"})
	w.WaitState(id, connector.StatePending)
	d.stop()
	w.startDaemon(nil)
	w.Compago.ApproveTerminal("TERMINAL-003")
	w.WaitState(id, connector.StatePaid)
	if n := len(w.Compago.Intents()); n != 1 {
		t.Errorf("%d intents after a restart, want 1", n)
	}
	w.CheckInvariants()
}
