package journal_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// PostgreSQL goes down under a running daemon: every call fails promptly
// (the daemon can report not-ready and stop taking work) instead of
// hanging, nothing committed is lost, and the same store works again once
// the server is back, without reopening.
func TestPostgresOutageFailsFastAndRecovers(t *testing.T) {
	if os.Getenv(pgtest.EnvDSN) != "" {
		t.Skip("needs a server of its own to stop, not the one " + pgtest.EnvDSN + " names")
	}
	pgtest.Require(t) // skips, saying why, where no server can be started
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatalf("a second throwaway PostgreSQL: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })
	p := openPostgres(t, srv.DSN(), "", nil)
	paid, err := p.Begin(ctx, journal.NewAttempt{OrderID: 7, Amount: 35050, ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	paid, err = p.Update(ctx, paid.ID, func(a *journal.Attempt) error {
		a.State, a.IntentID = journal.Confirmed, "pi_paid"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	srv.Halt()
	for name, call := range map[string]func(ctx context.Context) error{
		"Ping": p.Ping,
		"Begin": func(ctx context.Context) error {
			_, err := p.Begin(ctx, journal.NewAttempt{OrderID: 8, Amount: 100, ExternalIDPrefix: "shop"})
			return err
		},
		"Get": func(ctx context.Context) error { _, err := p.Get(ctx, paid.ID); return err },
		"ClaimDue": func(ctx context.Context) error {
			_, err := p.ClaimDue(ctx, "daemon-a", journal.KindSync, journal.Filter{Unsynced: true, Limit: 5}, time.Minute)
			return err
		},
	} {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		start := time.Now()
		err := call(cctx)
		cancel()
		if err == nil {
			t.Errorf("%s succeeded with PostgreSQL down", name)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with PostgreSQL down hung until its deadline (%s) instead of failing", name, time.Since(start))
		}
	}

	if err := srv.Resume(ctx); err != nil {
		t.Fatalf("bring PostgreSQL back: %v", err)
	}
	if err := p.Ping(ctx); err != nil {
		t.Fatalf("Ping once PostgreSQL is back: %v", err)
	}
	got, err := p.Get(ctx, paid.ID)
	if err != nil || got.State != journal.Confirmed || got.IntentID != "pi_paid" || got.Version != paid.Version {
		t.Fatalf("the confirmed payment after the outage: %+v, %v; want it as committed", got, err)
	}
	if _, err := p.Begin(ctx, journal.NewAttempt{OrderID: 8, Amount: 100, ExternalIDPrefix: "shop"}); err != nil {
		t.Fatalf("Begin once PostgreSQL is back: %v", err)
	}
}

// A DSN carries the database password: no error may show it, whether the
// string is malformed or the server cannot be reached.
func TestPostgresErrorsNeverShowTheDSNPassword(t *testing.T) {
	const password = "pw-0454-secret"
	for what, dsn := range map[string]string{
		"a malformed URL":        "postgres://compago:" + password + "@db:notaport/compago",
		"malformed pairs":        "host=db password=" + password + " port=x",
		"an unreachable server":  "postgres://compago:" + password + "@127.0.0.1:1/compago?connect_timeout=2",
		"an unreachable by pair": "host=127.0.0.1 port=1 user=compago password='" + password + "' dbname=compago connect_timeout=2",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := journal.OpenPostgres(ctx, dsn, journal.Options{})
		cancel()
		if err == nil {
			t.Errorf("%s: OpenPostgres succeeded", what)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%s: the error shows the password: %v", what, err)
		}
	}
}
