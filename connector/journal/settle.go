package journal

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/compago-odoo/connector/connector/timefmt"
)

// Settle records a human's word on an Unknown attempt (see Journal). The
// settlement, the cleared Attention and the event commit together; the
// attempt's Version, state and message stay, so Odoo is not rewritten
// and an attempt whose outcome is settled still reads "unknown": what
// the daemon knew. Prune keeps it for the retention after SettledAt.
func (s *sqlJournal) Settle(ctx context.Context, id int64, st Settlement) (Attempt, error) {
	st.Note = strings.TrimSpace(st.Note)
	switch {
	case !st.Outcome.Valid():
		return Attempt{}, fmt.Errorf("journal: settle attempt %d: %w: outcome %q, want %s or %s", id, ErrInvalid, st.Outcome, OutcomeCharged, OutcomeNotCharged)
	case st.Note == "":
		return Attempt{}, fmt.Errorf("journal: settle attempt %d: %w: say what was checked (an empty note)", id, ErrInvalid)
	}
	var out Attempt
	err := s.settleTx(ctx, func(tx *sql.Tx) error {
		a, err := s.getAttempt(ctx, tx, s.forUpdate, `id = ?`, id)
		if err != nil {
			return err
		}
		switch {
		case a.State != Unknown:
			return fmt.Errorf("%w: only an unknown outcome is settled; the attempt is %s", ErrTransition, a.State)
		case a.Settled != "":
			return fmt.Errorf("%w: as %s on %s by %s: %s", ErrSettled, a.Settled,
				timefmt.Human(a.SettledAt), orDash(a.SettledBy), a.SettleNote)
		}
		now := s.stamp()
		a.Settled, a.SettledAt, a.SettledBy, a.SettleNote, a.Attention = st.Outcome, fromStamp(now), st.By, st.Note, false
		_, err = tx.ExecContext(ctx, s.q(`UPDATE attempts SET settled = ?, settled_at = ?, settled_by = ?,
				settle_note = ?, attention = FALSE
			WHERE id = ?`), string(st.Outcome), now, st.By, st.Note, id)
		if err != nil {
			return err
		}
		msg := st.Note
		if st.By != "" {
			msg += " (by " + st.By + ")"
		}
		ev := a
		ev.Reason, ev.Message, ev.Actor = "settled_"+string(st.Outcome), msg, ActorAdmin
		if err := s.insertEvent(ctx, tx, id, now, Unknown, ev); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return Attempt{}, fmt.Errorf("journal: settle attempt %d: %w", id, err)
	}
	return out, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
