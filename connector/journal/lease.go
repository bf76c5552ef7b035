package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// checkClaim validates what every claim needs.
func checkClaim(owner, kind string, ttl time.Duration) error {
	switch {
	case owner == "":
		return fmt.Errorf("%w: empty lease owner", ErrInvalid)
	case kind == "":
		return fmt.Errorf("%w: empty kind of work", ErrInvalid)
	case ttl <= 0:
		return fmt.Errorf("%w: lease ttl %s", ErrInvalid, ttl)
	}
	return nil
}

// Claim takes the lease of kind on one attempt when no one holds it: never
// claimed, released, or expired. A takeover bumps the token, which fences
// off the holder that let it expire.
func (s *sqlJournal) Claim(ctx context.Context, attemptID int64, owner, kind string, ttl time.Duration) (Lease, bool, error) {
	if err := checkClaim(owner, kind, ttl); err != nil {
		return Lease{}, false, fmt.Errorf("journal: claim attempt %d: %w", attemptID, err)
	}
	var l Lease
	var ok bool
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM attempts WHERE id = ?`), attemptID).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		}
		l, ok, err = s.claim(ctx, tx, attemptID, owner, kind, s.stamp(), ttl)
		return err
	})
	if err != nil {
		return Lease{}, false, fmt.Errorf("journal: claim %s of attempt %d: %w", kind, attemptID, err)
	}
	return l, ok, nil
}

// claim is Claim inside a transaction. The upsert's condition is checked
// against the row as it stands once locked, so of two daemons claiming at
// once the second finds the first's lease and gets no row back.
func (s *sqlJournal) claim(ctx context.Context, tx *sql.Tx, id int64, owner, kind string, now int64, ttl time.Duration) (Lease, bool, error) {
	expires := now + int64(ttl)
	var token int64
	err := tx.QueryRowContext(ctx, s.q(`INSERT INTO leases (attempt_id, kind, owner, token, expires_at)
		VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (attempt_id, kind) DO UPDATE SET owner = excluded.owner,
			token = leases.token + 1, expires_at = excluded.expires_at
		WHERE leases.owner = '' OR leases.expires_at <= ?
		RETURNING token`), id, kind, owner, expires, now).Scan(&token)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Lease{}, false, nil
	case err != nil:
		return Lease{}, false, err
	}
	return Lease{AttemptID: id, Kind: kind, Owner: owner, Token: token, Expires: fromStamp(expires)}, true, nil
}

// heldBy is the condition "someone holds the attempt's lease of kind",
// with two placeholders: the kind and now.
const heldBy = `EXISTS (SELECT 1 FROM leases WHERE leases.attempt_id = attempts.id
	AND leases.kind = ? AND leases.owner <> '' AND leases.expires_at > ?)`

// ClaimDue claims the first f.Limit attempts matching f that no one holds
// for kind. On PostgreSQL the candidates are locked with SKIP LOCKED, so
// two daemons claiming at once each get other attempts instead of
// queueing on the same ones.
func (s *sqlJournal) ClaimDue(ctx context.Context, owner, kind string, f Filter, ttl time.Duration) ([]Lease, error) {
	if err := checkClaim(owner, kind, ttl); err != nil {
		return nil, fmt.Errorf("journal: claim due %s work: %w", kind, err)
	}
	if f.Limit <= 0 {
		return nil, fmt.Errorf("journal: claim due %s work: %w: a limit is required, got %d", kind, ErrInvalid, f.Limit)
	}
	var out []Lease
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = nil // a retried transaction starts over
		now := s.stamp()
		where, args := filterSQL(f)
		if where == "" {
			where = " WHERE NOT " + heldBy
		} else {
			where += " AND NOT " + heldBy
		}
		args = append(args, kind, now)
		ids, err := s.ids(ctx, tx, `SELECT id FROM attempts`+where+` ORDER BY id LIMIT `+strconv.Itoa(f.Limit)+s.skipLocked, args...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			l, ok, err := s.claim(ctx, tx, id, owner, kind, now, ttl)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: claim due %s work: %w", kind, err)
	}
	return out, nil
}

// ids runs a query of ids and reads them all, so the transaction is free
// for the next statement.
func (s *sqlJournal) ids(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Renew extends the lease to ttl from now while it is still the current
// one (same owner and token). A lease that expired but was not taken over
// is still current, and renews.
func (s *sqlJournal) Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	if err := checkClaim(l.Owner, l.Kind, ttl); err != nil {
		return l, fmt.Errorf("journal: renew %s lease of attempt %d: %w", l.Kind, l.AttemptID, err)
	}
	expires := s.stamp() + int64(ttl)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE leases SET expires_at = ?
			WHERE attempt_id = ? AND kind = ? AND owner = ? AND token = ?`),
			expires, l.AttemptID, l.Kind, l.Owner, l.Token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
	if err != nil {
		return l, fmt.Errorf("journal: renew %s lease %d of attempt %d for %s: %w", l.Kind, l.Token, l.AttemptID, l.Owner, err)
	}
	l.Expires = fromStamp(expires)
	return l, nil
}

// Release frees the lease for anyone to claim at once. The row stays, with
// no owner, so the next claim's token is still higher than this one.
func (s *sqlJournal) Release(ctx context.Context, l Lease) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE leases SET owner = '', expires_at = 0
			WHERE attempt_id = ? AND kind = ? AND owner = ? AND token = ?`),
			l.AttemptID, l.Kind, l.Owner, l.Token)
		return err
	})
	if err != nil {
		return fmt.Errorf("journal: release %s lease %d of attempt %d: %w", l.Kind, l.Token, l.AttemptID, err)
	}
	return nil
}

// checkFence gives ErrLeaseLost unless l is the attempt's current lease of
// its kind. The row stays locked (shared) until the transaction ends, so a
// claim cannot take it over between this check and the write it guards.
func (s *sqlJournal) checkFence(ctx context.Context, tx *sql.Tx, l Lease) error {
	var owner string
	var token int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT owner, token FROM leases WHERE attempt_id = ? AND kind = ?`+s.forShare),
		l.AttemptID, l.Kind).Scan(&owner, &token)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: attempt %d has no %s lease", ErrLeaseLost, l.AttemptID, l.Kind)
	case err != nil:
		return err
	case owner != l.Owner || token != l.Token:
		return fmt.Errorf("%w: %s lease %d of attempt %d held by %s is now lease %d", ErrLeaseLost, l.Kind, l.Token, l.AttemptID, l.Owner, token)
	}
	return nil
}

// TryLeader takes or keeps the singleton job name for owner. The holder
// keeps it by calling again before ttl runs out; anyone takes it once the
// holder's time is up or it resigned.
func (s *sqlJournal) TryLeader(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if name == "" {
		return false, fmt.Errorf("journal: lead: %w: empty job name", ErrInvalid)
	}
	if err := checkClaim(owner, name, ttl); err != nil {
		return false, fmt.Errorf("journal: lead %s: %w", name, err)
	}
	var ok bool
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		var got string
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO leaders (name, owner, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			WHERE leaders.owner = excluded.owner OR leaders.owner = '' OR leaders.expires_at <= ?
			RETURNING owner`), name, owner, now+int64(ttl), now).Scan(&got)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			ok = false
			return nil
		case err != nil:
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("journal: lead %s as %s: %w", name, owner, err)
	}
	return ok, nil
}

// ResignLeader hands the job back if owner holds it.
func (s *sqlJournal) ResignLeader(ctx context.Context, name, owner string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE leaders SET owner = '', expires_at = 0 WHERE name = ? AND owner = ?`), name, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("journal: resign %s as %s: %w", name, owner, err)
	}
	return nil
}
