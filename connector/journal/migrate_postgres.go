package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// migrate brings the schema up to date. Daemons starting together would
// race to create the same tables, so each step runs under an advisory lock
// on the schema and re-reads the version once it holds it: the first daemon
// applies the step, the others find it done. PostgreSQL's DDL is
// transactional, so a step and its schema_migrations row commit together.
func (p *Postgres) migrate(ctx context.Context) error {
	ms := migrations("postgres")
	for {
		done, err := p.migrateStep(ctx, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next missing step and reports whether none was
// missing.
func (p *Postgres) migrateStep(ctx context.Context, ms []migration) (done bool, err error) {
	err = p.inWrite(ctx, func(tx *sql.Tx) error {
		// A step may take longer than a journal write, and the daemons
		// starting together wait here for the first: the session's lock
		// and statement timeouts are for the running group, not for this
		// (ctx bounds it; a stalled migrator still loses its session to
		// idle_in_transaction_session_timeout).
		if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"compago-connector/"+p.schema+"/migrate"); err != nil {
			return err
		}
		// The name was checked against schemaName: safe to splice in.
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+p.schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at BIGINT  NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		current, err := p.schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case current > len(ms):
			return errNewer(current, len(ms))
		case current == len(ms):
			done = true
			return nil
		}
		m := ms[current]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, p.stamp())
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		return nil
	})
	return done, err
}

func (p *Postgres) schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}
