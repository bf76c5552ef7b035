package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const attemptColumns = `id, order_id, seq, external_id, COALESCE(intent_id, ''), terminal, amount,
	state, reason, message, version, synced_version, sync_failures, last_error, attention,
	created_at, updated_at, synced_at, add_payment_until, settled, settled_at, settled_by, settle_note`

// queryer is what reads need: the pool or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type scanner interface{ Scan(dest ...any) error }

func scanAttempt(r scanner) (Attempt, error) {
	var a Attempt
	var state string
	var created, updated, synced, addUntil, settledAt int64
	var settled string
	err := r.Scan(&a.ID, &a.OrderID, &a.Seq, &a.ExternalID, &a.IntentID, &a.Terminal, &a.Amount,
		&state, &a.Reason, &a.Message, &a.Version, &a.SyncedVersion, &a.SyncFailures, &a.LastError,
		&a.Attention, &created, &updated, &synced, &addUntil, &settled, &settledAt, &a.SettledBy, &a.SettleNote)
	if err != nil {
		return Attempt{}, err
	}
	a.State, a.Settled = State(state), Outcome(settled)
	a.CreatedAt, a.UpdatedAt, a.SyncedAt = fromStamp(created), fromStamp(updated), fromStamp(synced)
	a.AddPaymentUntil = fromStamp(addUntil)
	a.SettledAt = fromStamp(settledAt)
	return a, nil
}

// getAttempt reads the one attempt matching where (a condition with
// placeholders); several match only for Latest, which orders them. lock is
// the row lock to take ("" for a plain read).
func (s *sqlJournal) getAttempt(ctx context.Context, q queryer, lock, where string, args ...any) (Attempt, error) {
	a, err := scanAttempt(q.QueryRowContext(ctx,
		s.q(`SELECT `+attemptColumns+` FROM attempts WHERE `+where+` ORDER BY seq DESC LIMIT 1`+lock), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Attempt{}, ErrNotFound
	}
	return a, err
}

func (s *sqlJournal) get(ctx context.Context, what, where string, arg any) (Attempt, error) {
	a, err := s.getAttempt(ctx, s.reader(), "", where, arg)
	if err != nil {
		return Attempt{}, fmt.Errorf("journal: attempt %s: %w", what, err)
	}
	return a, nil
}

// Get reads one attempt by id; ErrNotFound if there is none.
func (s *sqlJournal) Get(ctx context.Context, id int64) (Attempt, error) {
	return s.get(ctx, fmt.Sprint(id), `id = ?`, id)
}

// Latest reads the order's attempt with the highest Seq.
func (s *sqlJournal) Latest(ctx context.Context, orderID int64) (Attempt, error) {
	return s.get(ctx, fmt.Sprintf("of order %d", orderID), `order_id = ?`, orderID)
}

// ByIntent reads the attempt holding a Compago intent id.
func (s *sqlJournal) ByIntent(ctx context.Context, intentID string) (Attempt, error) {
	if intentID == "" {
		return Attempt{}, fmt.Errorf("journal: attempt by intent: empty intent id: %w", ErrNotFound)
	}
	return s.get(ctx, "with intent "+intentID, `intent_id = ?`, intentID)
}

// ByExternalID reads the attempt with an externalId.
func (s *sqlJournal) ByExternalID(ctx context.Context, externalID string) (Attempt, error) {
	return s.get(ctx, "with external id "+externalID, `external_id = ?`, externalID)
}

// List returns the attempts matching f, ordered by id.
func (s *sqlJournal) List(ctx context.Context, f Filter) ([]Attempt, error) {
	where, args := filterSQL(f)
	q := `SELECT ` + attemptColumns + ` FROM attempts` + where + ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.reader().QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("journal: list attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: list attempts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: list attempts: %w", err)
	}
	return out, nil
}

func filterSQL(f Filter) (string, []any) {
	var conds []string
	var args []any
	if len(f.States) > 0 {
		conds = append(conds, "state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if len(f.OrderIDs) > 0 {
		conds = append(conds, "order_id IN ("+placeholders(len(f.OrderIDs))+")")
		for _, id := range f.OrderIDs {
			args = append(args, id)
		}
	}
	if f.Terminal != "" {
		conds = append(conds, "terminal = ?")
		args = append(args, f.Terminal)
	}
	if f.Unsynced {
		conds = append(conds, "version > synced_version")
	}
	if f.Attention {
		conds = append(conds, "attention = TRUE")
	}
	if !f.CreatedAfter.IsZero() {
		conds = append(conds, "created_at > ?")
		args = append(args, f.CreatedAfter.UnixNano())
	}
	if !f.UpdatedBefore.IsZero() {
		conds = append(conds, "updated_at < ?")
		args = append(args, f.UpdatedBefore.UnixNano())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Events returns the attempt's state changes, oldest first.
func (s *sqlJournal) Events(ctx context.Context, attemptID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT attempt_id, at, from_state, to_state, reason, message, actor, answer
		FROM events WHERE attempt_id = ? ORDER BY id`), attemptID)
	if err != nil {
		return nil, fmt.Errorf("journal: events of attempt %d: %w", attemptID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var from, to string
		if err := rows.Scan(&e.AttemptID, &at, &from, &to, &e.Reason, &e.Message, &e.Actor, &e.Answer); err != nil {
			return nil, fmt.Errorf("journal: events of attempt %d: %w", attemptID, err)
		}
		e.At, e.From, e.To = fromStamp(at), State(from), State(to)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: events of attempt %d: %w", attemptID, err)
	}
	return out, nil
}

// Audit returns the events in [since, until) with their attempts, oldest
// first; ids break ties of one instant in the order they were written.
func (s *sqlJournal) Audit(ctx context.Context, since, until time.Time) ([]AuditEvent, error) {
	query := `SELECT e.attempt_id, e.at, e.from_state, e.to_state, e.reason, e.message, e.actor, e.answer,
			a.order_id, a.seq, a.external_id, COALESCE(a.intent_id, ''), a.terminal, a.amount
		FROM events e JOIN attempts a ON a.id = e.attempt_id
		WHERE e.at >= ?`
	args := []any{toStamp(since)}
	if !until.IsZero() {
		query += ` AND e.at < ?`
		args = append(args, toStamp(until))
	}
	query += ` ORDER BY e.at, e.id`
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("journal: audit events: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		var from, to string
		if err := rows.Scan(&e.AttemptID, &at, &from, &to, &e.Reason, &e.Message, &e.Actor, &e.Answer,
			&e.OrderID, &e.Seq, &e.ExternalID, &e.IntentID, &e.Terminal, &e.Amount); err != nil {
			return nil, fmt.Errorf("journal: audit events: %w", err)
		}
		e.At, e.From, e.To = fromStamp(at), State(from), State(to)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: audit events: %w", err)
	}
	return out, nil
}

// Identity reads the journal's name, made by its migration 5.
func (s *sqlJournal) Identity(ctx context.Context) (string, error) {
	var id string
	if err := s.db.QueryRowContext(ctx, `SELECT id FROM journal_identity`).Scan(&id); err != nil {
		return "", fmt.Errorf("journal: identity: %w", err)
	}
	return id, nil
}

// prunable selects what Prune may delete: final, fully synced, not parked
// for a human, untouched since the cutoff, and, for an unknown outcome
// (the only record of a possibly charged intent), settled by a human
// before the cutoff; the state is checked as well as Attention, so a row
// parked by no rule (an older build's) is kept too.
const prunable = `state NOT IN ` + liveStates + ` AND version <= synced_version
	AND attention = FALSE AND updated_at < ?
	AND (state <> 'unknown' OR (settled <> '' AND settled_at < ?))`

// Prune deletes old final attempts Odoo has fully seen; their events and
// leases go with them (ON DELETE CASCADE), in the same statement, so an
// attempt changed concurrently is either kept whole or deleted whole. A
// live, unsynced or parked attempt is never deleted, however old.
func (s *sqlJournal) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM attempts WHERE `+prunable), before.UnixNano(), before.UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("journal: prune before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}
