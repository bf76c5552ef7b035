package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrReadOnly is what a write to a journal opened with OpenSQLiteReadOnly
// returns.
var ErrReadOnly = errors.New("journal: opened read-only")

// OpenSQLiteReadOnly opens an existing journal for reading, beside the
// daemon that holds it. It takes no lock (the single-instance lock guards
// writers; WAL lets readers run beside the one writer), creates nothing,
// applies no migration, and refuses a journal whose schema this build does
// not know. Every write method returns ErrReadOnly. The admin commands
// (reconcile, intents) use it, so they never need the daemon stopped and
// never become a second writer.
func OpenSQLiteReadOnly(ctx context.Context, path string, opts Options) (*SQLite, error) {
	return openBeside(ctx, path, opts, false)
}

// OpenSQLiteSettle is OpenSQLiteReadOnly that also allows Settle, the one
// write a human makes (intents settle): a short BEGIN IMMEDIATE
// transaction, which SQLite serializes with the daemon's writes (the
// busy timeout waits out the daemon's, and the daemon's its). It takes no
// lock either: it is not a second engine, and every other write is
// refused (ErrReadOnly).
func OpenSQLiteSettle(ctx context.Context, path string, opts Options) (*SQLite, error) {
	return openBeside(ctx, path, opts, true)
}

func openBeside(ctx context.Context, path string, opts Options, settles bool) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("journal: empty path")
	}
	// A missing file would be SQLite's vague "unable to open database
	// file": name the file and the cause instead.
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("journal: open %s read-only: %w", path, err)
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	dsn := "file:" + esc.Replace(path) + "?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)"
	if settles {
		dsn = "file:" + esc.Replace(path) + "?mode=rw&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := newSQLite(db, path, opts)
	s.readOnly, s.settles = true, settles
	if err := s.checkReadableSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// checkReadableSchema refuses a file that is not a journal, and one from a
// newer build, whose columns this build cannot interpret.
func (s *SQLite) checkReadableSchema(ctx context.Context) error {
	v, err := s.schemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("journal: open %s read-only: not a journal, or not readable: %w", s.path, err)
	}
	switch {
	case v == 0:
		return fmt.Errorf("journal: open %s read-only: the journal has no schema yet (the daemon never started on it)", s.path)
	case v > SchemaVersion():
		return fmt.Errorf("journal: open %s read-only: schema version %d is newer than this build knows (%d): upgrade compago-connector", s.path, v, SchemaVersion())
	case v < SchemaVersion():
		return fmt.Errorf("journal: open %s read-only: schema version %d is older than this build's (%d): start the daemon once to migrate it", s.path, v, SchemaVersion())
	}
	return nil
}
