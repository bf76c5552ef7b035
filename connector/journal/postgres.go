package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the journal in a PostgreSQL schema, shared by every daemon
// that opens it. It implements Journal.
type Postgres struct {
	sqlJournal
	schema string
}

var _ Journal = (*Postgres)(nil)

// DefaultSchema holds the journal's tables when Options.Schema is empty.
const DefaultSchema = "compago_connector"

// Pool bounds: a daemon's writes are short transactions, so a few
// connections serve it, and a fleet of daemons stays well inside
// PostgreSQL's max_connections.
const (
	pgMaxConns       = 8
	pgConnectTimeout = 10 * time.Second
)

// sessionTimeouts are set on every connection of the pool (a DSN that sets
// one keeps its own value). A journal transaction is a few statements on
// a few rows and never waits on Odoo or Compago inside it, so:
//   - lock_timeout 5 s: a lock held that long belongs to a stalled daemon
//     (SIGSTOP, a frozen VM, swap); the waiter gets an error and retries
//     at its next tick instead of hanging with the group behind it.
//   - idle_in_transaction_session_timeout 10 s: a daemon stopped inside a
//     transaction loses its session, its transaction rolls back and its
//     row locks go; resumed, its commit fails, so nothing it decided
//     before the stall lands.
//   - statement_timeout 30 s: far above the longest statement (Prune, a
//     day's listing), it bounds one gone wrong without cutting real work.
var sessionTimeouts = map[string]string{
	"lock_timeout":                        "5s",
	"idle_in_transaction_session_timeout": "10s",
	"statement_timeout":                   "30s",
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPostgres connects to the database of dsn (a postgres:// URL or
// key=value pairs, as libpq takes them), creates the journal's schema when
// missing and brings it up to date. Several daemons may open the same
// journal at once: that is what the driver is for. Nothing of dsn, its
// password above all, appears in an error.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*Postgres, error) {
	schema := opts.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("journal: %w: schema %q: want lowercase letters, digits and _, not starting with a digit", ErrInvalid, schema)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords only on a best-effort basis: say nothing
		// of the string at all.
		return nil, errors.New("journal: the PostgreSQL connection string does not parse: want postgres://user:password@host:port/db or key=value pairs")
	}
	cfg.RuntimeParams["search_path"] = schema
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "compago-connector"
	}
	for name, v := range sessionTimeouts {
		if cfg.RuntimeParams[name] == "" {
			cfg.RuntimeParams[name] = v
		}
	}
	if cfg.ConnectTimeout == 0 {
		// Without connect_timeout in the DSN, a dial to a dead host would
		// wait as long as the caller's context allows.
		d := &net.Dialer{Timeout: pgConnectTimeout, KeepAlive: 30 * time.Second}
		cfg.ConnectTimeout = pgConnectTimeout
		cfg.DialFunc = d.DialContext
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	p := &Postgres{schema: schema}
	p.sqlJournal = sqlJournal{
		db:         db,
		now:        opts.Now,
		writeTx:    p.inWrite,
		settleTx:   p.inWrite,
		classify:   classifyPostgres,
		lockOrder:  p.lockOrder,
		numbered:   true,
		forUpdate:  " FOR NO KEY UPDATE",
		skipLocked: " FOR NO KEY UPDATE SKIP LOCKED",
		forShare:   " FOR SHARE",
	}
	if p.now == nil {
		p.now = defaultNow
	}
	if err := p.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: postgres schema %s: %w", schema, err)
	}
	return p, nil
}

// Schema is the PostgreSQL schema holding the journal.
func (p *Postgres) Schema() string { return p.schema }

// Close closes the daemon's connections; the journal stays for the others.
func (p *Postgres) Close() error {
	p.reads.close()
	if err := p.db.Close(); err != nil {
		return fmt.Errorf("journal: close postgres schema %s: %w", p.schema, err)
	}
	return nil
}

// inWrite runs fn in one READ COMMITTED transaction and commits it: every
// write locks what it reads to decide (the attempt row, the order, the
// lease row), so the default isolation is enough and nothing is retried.
func (p *Postgres) inWrite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return commitTx(ctx, p.db, fn)
}

// lockOrder takes a transaction-scoped advisory lock on the order, so two
// daemons beginning an attempt for one order queue instead of both
// numbering theirs 1. The key is a hash of the schema and the order, so
// journals in other schemas of the same database do not contend.
func (p *Postgres) lockOrder(ctx context.Context, tx *sql.Tx, orderID int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		fmt.Sprintf("compago-connector/%s/order/%d", p.schema, orderID))
	return err
}

// classifyPostgres turns a uniqueness violation into ErrLiveAttempt or
// ErrDuplicate, told apart by the constraint's name.
func classifyPostgres(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return err
	}
	if pe.ConstraintName == "attempts_live_order" {
		return fmt.Errorf("%w: %v", ErrLiveAttempt, err)
	}
	return fmt.Errorf("%w: %v", ErrDuplicate, err)
}

// Check verifies what PostgreSQL does not guard by itself: the schema is
// this build's, no index is left invalid (a failed concurrent build would
// let a second live attempt in), and no event or lease lost its attempt.
func (p *Postgres) Check(ctx context.Context) error {
	var problems []string
	v, err := p.schemaVersion(ctx, p.db)
	if err != nil {
		return fmt.Errorf("journal: check schema %s: %w", p.schema, err)
	}
	if v != SchemaVersion() {
		problems = append(problems, fmt.Sprintf("schema version %d, this build's is %d", v, SchemaVersion()))
	}
	var invalid []string
	rows, err := p.db.QueryContext(ctx, `SELECT c.relname FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND NOT (i.indisvalid AND i.indisready) ORDER BY c.relname`, p.schema)
	if err != nil {
		return fmt.Errorf("journal: check schema %s: %w", p.schema, err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("journal: check schema %s: %w", p.schema, err)
		}
		invalid = append(invalid, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("journal: check schema %s: %w", p.schema, err)
	}
	if len(invalid) > 0 {
		problems = append(problems, "invalid indexes "+strings.Join(invalid, ", "))
	}
	var orphans int
	err = p.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.id = e.attempt_id)) +
		(SELECT COUNT(*) FROM leases l WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.id = l.attempt_id))`).Scan(&orphans)
	if err != nil {
		return fmt.Errorf("journal: check schema %s: %w", p.schema, err)
	}
	if orphans > 0 {
		problems = append(problems, fmt.Sprintf("%d rows lost their attempt", orphans))
	}
	if len(problems) > 0 {
		return fmt.Errorf("journal: postgres schema %s is damaged: %s", p.schema, strings.Join(problems, "; "))
	}
	return nil
}
