package journal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/journaltest"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
)

// openPostgres opens the journal in schema of the shared server, closed
// when the test ends.
func openPostgres(t *testing.T, dsn, schema string, now func() time.Time) *journal.Postgres {
	t.Helper()
	p, err := journal.OpenPostgres(context.Background(), dsn, journal.Options{Schema: schema, Now: now})
	if err != nil {
		t.Fatalf("OpenPostgres(schema %s): %v", schema, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPostgresConformance(t *testing.T) {
	dsn := pgtest.Require(t)
	journaltest.RunConformance(t, func(t *testing.T) journal.Journal {
		return openPostgres(t, dsn, pgtest.FreshSchema(t, dsn), nil)
	})
}

// Two daemons on one PostgreSQL journal: two handles, two pools, racing
// for the same rows.
func TestPostgresOwnership(t *testing.T) {
	dsn := pgtest.Require(t)
	journaltest.RunOwnership(t, func(t *testing.T, now func() time.Time) (journal.Journal, journal.Journal) {
		schema := pgtest.FreshSchema(t, dsn)
		return openPostgres(t, dsn, schema, now), openPostgres(t, dsn, schema, now)
	})
}

// Daemons started together all open the journal: the first creates the
// schema, the others wait for it and find it done, and each step is
// recorded once.
func TestPostgresDaemonsStartingTogetherMigrateOnce(t *testing.T) {
	dsn := pgtest.Require(t)
	schema := pgtest.FreshSchema(t, dsn)
	const daemons = 4
	errs := make(chan error, daemons)
	stores := make(chan *journal.Postgres, daemons)
	for range daemons {
		go func() {
			p, err := journal.OpenPostgres(context.Background(), dsn, journal.Options{Schema: schema})
			errs <- err
			stores <- p
		}()
	}
	for range daemons {
		if err := <-errs; err != nil {
			t.Errorf("a daemon starting beside others: %v", err)
		}
		if p := <-stores; p != nil {
			t.Cleanup(func() { p.Close() })
		}
	}
	if got := appliedPostgres(t, dsn, schema); !equalInts(got, allVersions()) {
		t.Fatalf("migrations recorded %v, want each of %v once", got, allVersions())
	}
}

func TestPostgresJournalFromNewerVersionIsRefused(t *testing.T) {
	dsn := pgtest.Require(t)
	schema := pgtest.FreshSchema(t, dsn)
	openPostgres(t, dsn, schema, nil).Close()
	newer := journal.SchemaVersion() + 1
	if err := pgtest.Exec(dsn, `INSERT INTO `+schema+`.schema_migrations (version, name, applied_at) VALUES ($1, 'future.sql', 0)`, newer); err != nil {
		t.Fatal(err)
	}
	_, err := journal.OpenPostgres(context.Background(), dsn, journal.Options{Schema: schema})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a journal written by a newer build: got %v, want a refusal naming it newer", err)
	}
}

// The schema itself keeps one live attempt per order, whatever writes to
// the tables.
func TestPostgresSchemaEnforcesOneLiveAttempt(t *testing.T) {
	dsn := pgtest.Require(t)
	schema := pgtest.FreshSchema(t, dsn)
	p := openPostgres(t, dsn, schema, nil)
	if _, err := p.Begin(context.Background(), journal.NewAttempt{OrderID: 7, Amount: 100, ExternalIDPrefix: "shop"}); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	insert := `INSERT INTO ` + schema + `.attempts (order_id, seq, external_id, amount, state, version, created_at, updated_at)
		VALUES (7, 2, 'raw-7-2', 100, $1, 1, 0, 0)`
	if err := pgtest.Exec(dsn, insert, "pending"); err == nil || !strings.Contains(err.Error(), "attempts_live_order") {
		t.Fatalf("a second live attempt written past the store: got %v, want a violation of attempts_live_order", err)
	}
	if err := pgtest.Exec(dsn, insert, "lost"); err == nil || !strings.Contains(err.Error(), "check") {
		t.Fatalf("an attempt in an unknown state: got %v, want a check violation", err)
	}
	if err := pgtest.Exec(dsn, insert, "expired"); err != nil {
		t.Fatalf("a final attempt beside the live one: %v", err)
	}
}

func TestPostgresCheckFindsABrokenIndex(t *testing.T) {
	dsn := pgtest.Require(t)
	schema := pgtest.FreshSchema(t, dsn)
	p := openPostgres(t, dsn, schema, nil)
	// What a failed CREATE INDEX CONCURRENTLY leaves: an index that no
	// longer guards anything.
	err := pgtest.Exec(dsn, `UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass`, schema+".attempts_live_order")
	if err != nil {
		t.Skipf("cannot mark an index invalid here (needs a superuser): %v", err)
	}
	err = p.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "attempts_live_order") {
		t.Fatalf("Check with the one-live-attempt index broken: got %v, want it named", err)
	}
}

func TestPostgresBadSchemaNameIsRefused(t *testing.T) {
	for _, schema := range []string{"Public", "x; DROP TABLE attempts", "1st", strings.Repeat("a", 64)} {
		_, err := journal.OpenPostgres(context.Background(), "postgres://127.0.0.1:1/x", journal.Options{Schema: schema})
		if err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("schema %q: got %v, want a refusal before connecting", schema, err)
		}
	}
}
