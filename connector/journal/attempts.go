package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// liveStates is the SQL list of non-final states; it must match the partial
// index attempts_live_order.
const liveStates = `('creating', 'pending', 'cancelling', 'confirmed')`

// Begin records a new attempt in state Creating before anything is asked of
// Compago. Seq is one more than any attempt number the order ever had, even
// a pruned one.
func (s *sqlJournal) Begin(ctx context.Context, n NewAttempt) (Attempt, error) {
	if n.OrderID <= 0 {
		return Attempt{}, fmt.Errorf("%w: order id %d", ErrInvalid, n.OrderID)
	}
	if n.Amount <= 0 {
		return Attempt{}, fmt.Errorf("%w: amount %d centavos for order %d", ErrInvalid, n.Amount, n.OrderID)
	}
	now := fromStamp(s.stamp())
	a := Attempt{
		OrderID:   n.OrderID,
		Terminal:  n.Terminal,
		Amount:    n.Amount,
		State:     Creating,
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
		Actor:     n.Actor,
	}
	if a.Actor == "" {
		a.Actor = ActorCashier // a write-ahead answers a cashier's request
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOrder(ctx, tx, n.OrderID); err != nil {
			return err
		}
		if err := s.checkNoLive(ctx, tx, n.OrderID, 0); err != nil {
			return err
		}
		if n.CheckLatest {
			var latest int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(seq), 0) FROM attempts WHERE order_id = ?`),
				n.OrderID).Scan(&latest); err != nil {
				return err
			}
			if latest != n.LatestSeq {
				return fmt.Errorf("%w: latest attempt is %d, the caller read %d", ErrStale, latest, n.LatestSeq)
			}
		}
		seq, err := s.nextSeq(ctx, tx, n.OrderID)
		if err != nil {
			return err
		}
		a.Seq = max(seq, n.AfterSeq+1)
		a.ExternalID = fmt.Sprintf("%s-%d-%d", n.ExternalIDPrefix, n.OrderID, a.Seq)
		return s.insertAttempt(ctx, tx, &a)
	})
	if err != nil {
		return Attempt{}, fmt.Errorf("journal: begin attempt for order %d: %w", n.OrderID, err)
	}
	return a, nil
}

// Insert adopts an attempt known from Odoo. Version defaults to 1; the
// caller may set SyncedVersion to Version when Odoo already shows it.
// CreatedAt is kept when given, UpdatedAt is now.
func (s *sqlJournal) Insert(ctx context.Context, a Attempt) (Attempt, error) {
	if err := checkInsert(a); err != nil {
		return Attempt{}, fmt.Errorf("journal: insert attempt %s: %w", a.ExternalID, err)
	}
	now := fromStamp(s.stamp())
	if a.Version == 0 {
		a.Version = 1
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	a.CreatedAt = fromStamp(toStamp(a.CreatedAt))
	a.SyncedAt = fromStamp(toStamp(a.SyncedAt))
	a.UpdatedAt = now
	// A settlement is a human's, made with Settle, never adopted.
	a.Settled, a.SettledAt, a.SettledBy, a.SettleNote = "", time.Time{}, "", ""
	parkUnknown(&a)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if !a.State.Final() {
			if err := s.lockOrder(ctx, tx, a.OrderID); err != nil {
				return err
			}
			if err := s.checkNoLive(ctx, tx, a.OrderID, 0); err != nil {
				return err
			}
		}
		return s.insertAttempt(ctx, tx, &a)
	})
	if err != nil {
		return Attempt{}, fmt.Errorf("journal: insert attempt %s: %w", a.ExternalID, err)
	}
	return a, nil
}

// checkNoLive gives ErrLiveAttempt when the order has a live attempt other
// than except. The partial unique index enforces the same; this check only
// makes the error plain.
func (s *sqlJournal) checkNoLive(ctx context.Context, tx *sql.Tx, orderID, except int64) error {
	var id int64
	err := tx.QueryRowContext(ctx,
		s.q(`SELECT id FROM attempts WHERE order_id = ? AND id <> ? AND state IN `+liveStates+` LIMIT 1`),
		orderID, except).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: attempt %d of order %d", ErrLiveAttempt, id, orderID)
}

func (s *sqlJournal) nextSeq(ctx context.Context, tx *sql.Tx, orderID int64) (int, error) {
	var seq int
	err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(s), 0) + 1 FROM (
			SELECT last_seq AS s FROM order_seqs WHERE order_id = ?
			UNION ALL
			SELECT MAX(seq) AS s FROM attempts WHERE order_id = ?) AS known`),
		orderID, orderID).Scan(&seq)
	return seq, err
}

// insertAttempt writes a new row, its first event and the order's highest
// attempt number, and sets a.ID.
func (s *sqlJournal) insertAttempt(ctx context.Context, tx *sql.Tx, a *Attempt) error {
	err := tx.QueryRowContext(ctx, s.q(`INSERT INTO attempts (order_id, seq, external_id, intent_id,
			terminal, amount, state, reason, message, version, synced_version, sync_failures,
			last_error, attention, created_at, updated_at, synced_at, add_payment_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.OrderID, a.Seq, a.ExternalID, nullable(a.IntentID), a.Terminal, a.Amount, string(a.State),
		a.Reason, a.Message, a.Version, a.SyncedVersion, a.SyncFailures, a.LastError, a.Attention,
		toStamp(a.CreatedAt), toStamp(a.UpdatedAt), toStamp(a.SyncedAt), toStamp(a.AddPaymentUntil)).Scan(&a.ID)
	if err != nil {
		return s.classify(err)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO order_seqs (order_id, last_seq) VALUES (?, ?)
		ON CONFLICT (order_id) DO UPDATE SET last_seq = CASE WHEN excluded.last_seq > order_seqs.last_seq
			THEN excluded.last_seq ELSE order_seqs.last_seq END`),
		a.OrderID, a.Seq)
	if err != nil {
		return err
	}
	err = s.insertEvent(ctx, tx, a.ID, toStamp(a.UpdatedAt), "", *a)
	a.Actor, a.Answer = "", ""
	return err
}

func (s *sqlJournal) insertEvent(ctx context.Context, tx *sql.Tx, id, at int64, from State, a Attempt) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (attempt_id, at, from_state, to_state, reason, message, actor, answer)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), id, at, string(from), string(a.State), a.Reason, a.Message, a.Actor, bounded(a.Answer))
	return err
}

// bounded keeps an answer kept for the audit trail to a sane size: a
// hostile or broken server cannot fill the journal through it.
func bounded(s string) string {
	const max = 1000
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
