package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// Update changes one attempt under the write lock: read, fn, write with
// Version+1 and UpdatedAt now, plus an event when the state changed, then
// commit. fn's error aborts the update and is returned as is, with the
// attempt as it stands committed (as on any other error once the attempt
// was read; the zero Attempt when it could not be). The store
// refuses (ErrImmutable) changes to the identity (ID, OrderID, Seq,
// ExternalID), to an IntentID once set, and to the fields it keeps itself
// (versions, sync bookkeeping, times, a settlement); and a move out of
// Confirmed to anything but Recorded, or out of Recorded (ErrTransition).
// An attempt left Unknown and unsettled is written with Attention set,
// whatever fn did (parkUnknown); one that leaves Unknown has that
// Attention cleared (unparkKnown).
func (s *sqlJournal) Update(ctx context.Context, id int64, fn func(a *Attempt) error) (Attempt, error) {
	return s.update(ctx, id, nil, fn)
}

// UpdateFenced is Update for the holder of a lease on the attempt: it
// changes nothing and returns ErrLeaseLost unless the lease is still the
// current one of its kind (same owner, same token), checked in the same
// transaction as the write. fn is not called when the lease is lost.
func (s *sqlJournal) UpdateFenced(ctx context.Context, l Lease, fn func(a *Attempt) error) (Attempt, error) {
	return s.update(ctx, l.AttemptID, &l, fn)
}

func (s *sqlJournal) update(ctx context.Context, id int64, fence *Lease, fn func(a *Attempt) error) (Attempt, error) {
	var committed, out Attempt
	var fnErr error
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		before, err := s.getAttempt(ctx, tx, s.forUpdate, `id = ?`, id)
		if err != nil {
			return err
		}
		committed = before
		if fence != nil {
			if err := s.checkFence(ctx, tx, *fence); err != nil {
				return err
			}
		}
		after := before
		if fnErr = fn(&after); fnErr != nil {
			return fnErr
		}
		if err := checkUpdate(before, after); err != nil {
			return err
		}
		unparkKnown(before, &after)
		parkUnknown(&after)
		if after.State != before.State && before.State.Final() && !after.State.Final() {
			if err := s.lockOrder(ctx, tx, after.OrderID); err != nil {
				return err
			}
			if err := s.checkNoLive(ctx, tx, after.OrderID, after.ID); err != nil {
				return err
			}
		}
		after.Version++
		after.UpdatedAt = fromStamp(s.stamp())
		if err := s.writeAttempt(ctx, tx, after); err != nil {
			return err
		}
		if after.State != before.State {
			if err := s.insertEvent(ctx, tx, after.ID, toStamp(after.UpdatedAt), before.State, after); err != nil {
				return err
			}
		}
		out = after
		out.Actor, out.Answer = "", ""
		return nil
	})
	switch {
	case fnErr != nil:
		return committed, fnErr
	case err != nil:
		return committed, fmt.Errorf("journal: update attempt %d: %w", id, err)
	}
	return out, nil
}

func (s *sqlJournal) writeAttempt(ctx context.Context, tx *sql.Tx, a Attempt) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE attempts SET intent_id = ?, terminal = ?, amount = ?,
			state = ?, reason = ?, message = ?, version = ?, last_error = ?, attention = ?,
			updated_at = ?, add_payment_until = ?
		WHERE id = ?`),
		nullable(a.IntentID), a.Terminal, a.Amount, string(a.State), a.Reason, a.Message,
		a.Version, a.LastError, a.Attention, toStamp(a.UpdatedAt), toStamp(a.AddPaymentUntil), a.ID)
	return s.classify(err)
}

// MarkSynced records that Odoo has seen the attempt at version: the sync
// failure count and last error are cleared. SyncedVersion never goes back,
// so a slow, older write acknowledged late cannot make Odoo look up to date
// with a version it never saw. Version itself is not bumped.
func (s *sqlJournal) MarkSynced(ctx context.Context, id, version int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		a, err := s.getAttempt(ctx, tx, s.forUpdate, `id = ?`, id)
		if err != nil {
			return err
		}
		if version < 1 || version > a.Version {
			return fmt.Errorf("%w: version %d not in 1..%d", ErrInvalid, version, a.Version)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE attempts SET
				synced_version = CASE WHEN ? > synced_version THEN ? ELSE synced_version END,
				sync_failures = 0, last_error = '', synced_at = ?
			WHERE id = ?`), version, version, s.stamp(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("journal: mark attempt %d synced at version %d: %w", id, version, err)
	}
	return nil
}

// SyncFailed counts a failed write to Odoo and keeps its error text. With
// attention it parks the attempt for a human; it never unparks one (only
// Update clears Attention), so a later, ordinary failure cannot hide an
// attempt that needs someone. Version is not bumped.
func (s *sqlJournal) SyncFailed(ctx context.Context, id int64, errText string, attention bool) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE attempts SET sync_failures = sync_failures + 1,
				last_error = ?, attention = (attention OR ?)
			WHERE id = ?`), errText, attention, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: record sync failure of attempt %d: %w", id, err)
	}
	return nil
}
