package journal_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// withParams adds session parameters to a DSN, URL or key=value.
func withParams(dsn string, params map[string]string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		dsn += " " + k + "=" + v
	}
	return dsn
}

// Every journal connection carries the timeouts that keep one stalled
// daemon from blocking the group, unless the DSN sets its own.
func TestPostgresSessionsCarryTimeouts(t *testing.T) {
	dsn := pgtest.Require(t)
	ctx := context.Background()
	p := openPostgres(t, dsn, pgtest.FreshSchema(t, dsn), nil)
	for name, want := range map[string]string{
		"lock_timeout":                        "5s",
		"statement_timeout":                   "30s",
		"idle_in_transaction_session_timeout": "10s",
	} {
		got, err := journal.SessionSetting(ctx, p, name)
		if err != nil || got != want {
			t.Errorf("a journal connection's %s: got %q (%v), want %q", name, got, err, want)
		}
	}
	q := openPostgres(t, withParams(dsn, map[string]string{"lock_timeout": "750ms"}), pgtest.FreshSchema(t, dsn), nil)
	if got, err := journal.SessionSetting(ctx, q, "lock_timeout"); err != nil || got != "750ms" {
		t.Errorf("lock_timeout set in the DSN: got %q (%v), want the DSN's 750ms", got, err)
	}
}

// Daemon A is stopped (SIGSTOP, a frozen VM) inside a journal transaction
// that holds an attempt's row. Daemon B, writing the same attempt, gets an
// error within the lock timeout instead of hanging (it logs it and tries
// again at its next tick); once A has sat idle in its transaction past
// idle_in_transaction_session_timeout, PostgreSQL ends A's session, the row
// is free and B's write goes through. A, resumed, finds its transaction
// gone: nothing it meant to commit lands. It runs on the journal's own
// timeouts (lock 5 s, idle in transaction 10 s), not the DSN's.
func TestPostgresStalledTransactionDoesNotBlockTheGroup(t *testing.T) {
	dsn := pgtest.Require(t)
	ctx := context.Background()
	schema := pgtest.FreshSchema(t, dsn)
	a, b := openPostgres(t, dsn, schema, nil), openPostgres(t, dsn, schema, nil)
	att, err := a.Begin(ctx, journal.NewAttempt{OrderID: 11, Amount: 25000, ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	resumeA, err := journal.HoldAttemptRow(ctx, a, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resumeA() }) // before the schema is dropped, should the test fail

	toPending := func(x *journal.Attempt) error {
		x.State, x.IntentID = journal.Pending, "pi_b"
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	start := time.Now()
	_, err = b.Update(cctx, att.ID, toPending)
	cancel()
	took := time.Since(start)
	if err == nil {
		t.Fatal("B updated a row A's open transaction holds")
	}
	if errors.Is(err, context.DeadlineExceeded) || took > 10*time.Second {
		t.Fatalf("B's update waited %s on the row a stopped daemon holds (%v); want an error within the lock timeout", took.Round(time.Millisecond), err)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = b.Update(ctx, att.ID, toPending)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still cannot write the attempt 30 s after A stopped: %v", err)
		}
	}
	if err := resumeA(); err == nil {
		t.Error("A, resumed, committed a transaction PostgreSQL should have ended")
	}
	got, err := b.Get(ctx, att.ID)
	if err != nil || got.State != journal.Pending || got.IntentID != "pi_b" {
		t.Fatalf("the attempt after the stall: %+v, %v; want pending with B's intent", got, err)
	}
}
