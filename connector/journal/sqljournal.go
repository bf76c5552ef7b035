package journal

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// sqlJournal is the journal written once in SQL for both drivers. Statements use
// ? placeholders and portable SQL; the few things SQLite and PostgreSQL do
// differently are the fields below, which each driver fills at open.
type sqlJournal struct {
	db  *sql.DB
	now func() time.Time
	// writeTx runs fn in one write transaction and commits it; an error
	// from fn or from the commit rolls everything back.
	writeTx func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// settleTx is writeTx for Settle, the one write an admin makes; a
	// SQLite journal opened beside its daemon (OpenSQLiteSettle) allows it
	// and no other.
	settleTx func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// classify turns a uniqueness violation into ErrLiveAttempt or
	// ErrDuplicate and leaves other errors alone.
	classify func(err error) error
	// lockOrder serializes, until tx ends, the writes that decide whether
	// an order has a live attempt and which number comes next.
	lockOrder func(ctx context.Context, tx *sql.Tx, orderID int64) error
	// numbered placeholders ($1, $2, ...) instead of ?.
	numbered bool
	// Row locks appended to a SELECT: forUpdate on the attempt a write
	// changes, skipLocked on the attempts a claim takes (passing over those
	// another claim holds), forShare on the lease a fenced write relies on.
	// Empty on SQLite, whose writes are serialized whole.
	forUpdate, skipLocked, forShare string
	// reads keeps the frequent reads prepared (see stmtcache.go).
	reads stmtCache
}

// reader is the pool, reading through prepared statements.
func (s *sqlJournal) reader() queryer { return cachedDB{db: s.db, cache: &s.reads} }

// q adapts a statement written with ? placeholders to the driver. The
// statements hold no ? inside string literals.
func (s *sqlJournal) q(query string) string {
	if !s.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Ping reports whether the journal's database answers: the readiness of a
// daemon whose journal is a server that can be down.
func (s *sqlJournal) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("journal: ping: %w", err)
	}
	return nil
}

// stamp is the clock reading as stored: UTC, nanosecond unix time.
func (s *sqlJournal) stamp() int64 { return s.now().UnixNano() }

func fromStamp(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func toStamp(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func defaultNow() time.Time { return time.Now().UTC() }

// commitTx runs fn in one transaction of db and commits it; an error from
// fn or from the commit rolls everything back.
func commitTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: begin transaction: %w", err)
	}
	// Deferred, so that a panic in fn still ends the transaction; after a
	// commit it does nothing.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: commit: %w", err)
	}
	return nil
}
