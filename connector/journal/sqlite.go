package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the journal in one SQLite file, for one daemon. It implements
// Journal.
type SQLite struct {
	sqlJournal
	path string
	lock io.Closer
	// slot serializes this process's write transactions, so that they queue
	// here (honouring ctx) instead of spinning in SQLite's busy handler.
	slot chan struct{}
	// readOnly: opened by OpenSQLiteReadOnly or OpenSQLiteSettle; every
	// write is refused, but Settle when settles is set.
	readOnly, settles bool
}

var _ Journal = (*SQLite)(nil)

// maxConns bounds the pool: one writer at a time plus WAL readers.
const maxConns = 4

// OpenSQLite opens (creating if needed) the journal at path, takes the
// single-instance lock on the database file itself (acquireLock) and
// brings the schema up to date. A journal held by another store, in this
// process or another, under this name or any other, gives ErrLocked.
func OpenSQLite(ctx context.Context, path string, opts Options) (*SQLite, error) {
	return openSQLite(ctx, path, opts, nil)
}

// openSQLite takes extra pragmas, so tests can shrink the database's size
// limit and see how a full disk is handled.
func openSQLite(ctx context.Context, path string, opts Options, pragmas []string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("journal: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: create directory: %w", err)
	}
	lock, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	s, err := openLocked(ctx, path, opts, pragmas)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// openLocked opens the database acquireLock created and locked.
func openLocked(ctx context.Context, path string, opts Options, pragmas []string) (*SQLite, error) {
	db, err := sql.Open("sqlite", dsn(path, pragmas))
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(0)
	s := newSQLite(db, path, opts)
	if err := s.verifyPragmas(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, s); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: %s: %w", path, err)
	}
	return s, nil
}

// newSQLite wraps an open database.
func newSQLite(db *sql.DB, path string, opts Options) *SQLite {
	s := &SQLite{path: path, slot: make(chan struct{}, 1)}
	s.sqlJournal = sqlJournal{
		db:       db,
		now:      opts.Now,
		writeTx:  s.inWrite,
		settleTx: s.inSettle,
		classify: classifySQLite,
		// Writes are serialized whole: nothing more to lock.
		lockOrder: func(context.Context, *sql.Tx, int64) error { return nil },
	}
	if s.now == nil {
		s.now = defaultNow
	}
	return s
}

// dsn builds the modernc.org/sqlite data source name. The path is a URI
// path, so the characters SQLite's URI parser treats specially are escaped.
func dsn(path string, extra []string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	q := []string{
		"_pragma=busy_timeout(5000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_txlock=immediate",
	}
	for _, p := range extra {
		q = append(q, "_pragma="+p)
	}
	return "file:" + esc.Replace(path) + "?" + strings.Join(q, "&")
}

// verifyPragmas refuses a journal that did not get WAL or full sync: a
// silently weaker journal could lose a confirmed payment on power loss.
func (s *SQLite) verifyPragmas(ctx context.Context) error {
	var mode string
	var sync int
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("journal: open %s: %w", s.path, err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("journal: open %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") || sync != 2 {
		return fmt.Errorf("journal: open %s: got journal_mode %s, synchronous %d; want wal, 2 (full)", s.path, mode, sync)
	}
	return nil
}

// Path is the journal's database file.
func (s *SQLite) Path() string { return s.path }

// Close closes the database and releases the single-instance lock.
func (s *SQLite) Close() error {
	s.reads.close()
	err := s.db.Close()
	if s.lock != nil {
		if lerr := s.lock.Close(); err == nil {
			err = lerr
		}
		s.lock = nil
	}
	if err != nil {
		return fmt.Errorf("journal: close %s: %w", s.path, err)
	}
	return nil
}

// inWrite runs fn in one immediate write transaction and commits it. An
// error from fn (or from the commit) rolls everything back.
func (s *SQLite) inWrite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	return s.commitQueued(ctx, fn)
}

// inSettle is inWrite for Settle, which a journal opened beside its daemon
// (OpenSQLiteSettle) allows.
func (s *SQLite) inSettle(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly && !s.settles {
		return ErrReadOnly
	}
	return s.commitQueued(ctx, fn)
}

func (s *SQLite) commitQueued(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slot }()

	return commitTx(ctx, s.db, fn) // BEGIN IMMEDIATE through _txlock
}

// classifySQLite turns a uniqueness violation into ErrLiveAttempt or
// ErrDuplicate. The constraint is told apart by the columns SQLite names in
// its message.
func classifySQLite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "attempts.order_id") && !strings.Contains(msg, "attempts.seq") {
		return fmt.Errorf("%w: %v", ErrLiveAttempt, err)
	}
	return fmt.Errorf("%w: %v", ErrDuplicate, err)
}

// Check runs SQLite's integrity and foreign-key checks and reports every
// problem found.
func (s *SQLite) Check(ctx context.Context) error {
	var problems []string
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("journal: check %s: %w", s.path, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("journal: check %s: %w", s.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("journal: check %s: %w", s.path, err)
	}
	var orphans int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&orphans); err != nil {
		return fmt.Errorf("journal: check %s: %w", s.path, err)
	}
	if orphans > 0 {
		problems = append(problems, fmt.Sprintf("%d rows break foreign keys", orphans))
	}
	if len(problems) > 0 {
		return fmt.Errorf("journal: %s is damaged: %s", s.path, strings.Join(problems, "; "))
	}
	return nil
}
