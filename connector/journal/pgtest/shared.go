package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Environment that steers the tests.
const (
	// EnvDSN names a server to use instead of starting one; the tests
	// create and drop schemas of their own in its database.
	EnvDSN = "COMPAGO_TEST_POSTGRES_DSN"
	// EnvRequired, when set to anything, makes a missing PostgreSQL a test
	// failure instead of a skip: CI sets it, so the tests cannot silently
	// stop running there.
	EnvRequired = "COMPAGO_TEST_POSTGRES_REQUIRED"
)

var shared struct {
	once sync.Once
	srv  *Server
	dsn  string
	err  error
}

// Shared returns the DSN of this test binary's PostgreSQL: $EnvDSN when
// set, else a cluster started on the first call and kept for the others.
func Shared() (string, error) {
	shared.once.Do(func() {
		if dsn := os.Getenv(EnvDSN); dsn != "" {
			shared.dsn = dsn
			return
		}
		shared.srv, shared.err = Start(context.Background())
		if shared.err == nil {
			shared.dsn = shared.srv.DSN()
		}
	})
	return shared.dsn, shared.err
}

// StopShared stops the cluster Shared started, if it did. Call it from
// TestMain once m.Run returns.
func StopShared() {
	if shared.srv != nil {
		shared.srv.Stop()
	}
}

// Require returns the shared DSN, or skips t saying why there is none
// (fails it when $EnvRequired is set).
func Require(t testing.TB) string {
	t.Helper()
	dsn, err := Shared()
	if err != nil {
		if os.Getenv(EnvRequired) != "" {
			t.Fatalf("PostgreSQL is required (%s is set) but none could be had: %v", EnvRequired, err)
		}
		t.Skipf("no PostgreSQL to test against: %v", err)
	}
	return dsn
}

var (
	schemaSeq  atomic.Int64
	schemaSalt = salt()
)

func salt() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// FreshSchema names a schema no one uses yet, in the database of dsn, and
// drops it with everything in it when t ends. The name is unique across
// test binaries sharing one server.
func FreshSchema(t testing.TB, dsn string) string {
	t.Helper()
	name := fmt.Sprintf("test_%s_%d", schemaSalt, schemaSeq.Add(1))
	t.Cleanup(func() {
		if err := Exec(dsn, `DROP SCHEMA IF EXISTS `+name+` CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// Exec runs one statement in the database of dsn, on a connection of its
// own: for tests that go behind the journal's back.
func Exec(dsn, statement string, args ...any) error {
	db, err := Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, statement, args...)
	return err
}

// Open opens the database of dsn through pgx's database/sql driver.
func Open(dsn string) (*sql.DB, error) {
	cfg, err := pgxConfig(dsn)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}
