package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// With the shared PostgreSQL journal down, the daemon starts no payment
// (no write-ahead, no intent), records nothing it cannot journal, and once
// PostgreSQL is back it catches up: the card charged during the outage is
// paid exactly once and the order flagged during it goes ahead.
func TestPostgresDownStopsNewPaymentsAndLosesNothing(t *testing.T) {
	pgtest.Require(t) // skips, saying why, when no PostgreSQL can be had
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatalf("start a PostgreSQL of this test's own: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })
	j, err := journal.OpenPostgres(ctx, srv.DSN(), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, worldOptions{})
	w.startDaemonOn(j, func(c *connector.Config) {
		c.Shared = true
		c.PollLease, c.CreateLease, c.SyncLease = 2*time.Second, 3*time.Second, 3*time.Second
	})
	charged := w.NewOrder(120, nil)
	w.Flag(charged, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(charged, connector.StatePending)

	if err := srv.Halt(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	during := w.NewOrder(80, nil)
	w.Flag(during, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	// Watch a few seconds of outage: nothing may be started or written.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n := len(w.Compago.Intents()); n != 1 {
			t.Fatalf("%d intents at Compago while the journal is down, want still 1 (no create without a write-ahead)", n)
		}
		if s := w.Order(charged)["x_compago_state"]; s != connector.StatePending {
			t.Fatalf("the charged order shows %v while the journal is down; want pending until the journal holds the charge", s)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := srv.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	w.WaitState(charged, connector.StatePaid)
	w.WaitState(during, connector.StatePending)
	w.Compago.ApproveTerminal("TERMINAL-002")
	w.WaitState(during, connector.StatePaid)
	w.CheckInvariants()
}
