package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/timefmt"
)

// openSettleJournal opens the journal for intents settle: SQLite beside
// the running daemon allowing that one write (no lock: settling is not a
// second engine), or the shared PostgreSQL journal. As root on a journal
// the service user owns it refuses: SQLite could leave root's WAL files
// behind, which the service could not open.
func openSettleJournal(ctx context.Context, cfg *config.Config) (journal.Journal, error) {
	if cfg.Store.Driver == "postgres" {
		return openJournal(ctx, cfg)
	}
	if info, err := os.Stat(cfg.Store.Path); err == nil {
		if owner, ok := fileOwner(info); ok && os.Geteuid() == 0 && owner != 0 {
			return nil, fmt.Errorf("%s belongs to uid %d: run settle as that user (sudo -u compago-connector compago-connector intents settle ...)", cfg.Store.Path, owner)
		}
	}
	j, err := journal.OpenSQLiteSettle(ctx, cfg.Store.Path, journal.Options{})
	if err != nil {
		return nil, fmt.Errorf("open the journal (store.path): %w", err)
	}
	return j, nil
}

// settle records a human's word on an unknown outcome.
func (c *intentsCmd) settle(ctx context.Context, pos []string) error {
	var outcome journal.Outcome
	switch {
	case c.flags.charged == c.flags.notCharged:
		return errors.New("settle: say what you found: --charged or --not-charged (one of them)")
	case c.flags.charged:
		outcome = journal.OutcomeCharged
	default:
		outcome = journal.OutcomeNotCharged
	}
	if c.flags.note == "" {
		return errors.New(`settle: say what you checked: --note "..." (the terminal, Compago's dashboard, a refund made)`)
	}
	a, err := c.resolve(ctx, pos)
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	got, err := c.j.Settle(ctx, a.ID, journal.Settlement{Outcome: outcome, Note: c.flags.note, By: whoAmI()})
	switch {
	case errors.Is(err, journal.ErrSettled):
		return c.refused("attempt %d (%s) is already settled: %v", a.ID, a.ExternalID, err)
	case errors.Is(err, journal.ErrTransition):
		return c.refused("attempt %d (%s) is %s, not unknown: only an unknown outcome is settled; the daemon knows how this one ended", a.ID, a.ExternalID, a.State)
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "attempt %d (%s, %s MXN, order %d) settled as %s: %s\n", got.ID, got.ExternalID,
		reconcile.Money(got.Amount), got.OrderID, outcomeLabel(outcome), got.SettleNote)
	if outcome == journal.OutcomeCharged {
		fmt.Fprintln(c.stdout, "the daemon records nothing for it: the payment belongs in Odoo by hand (or the charge refunded in Compago)")
	}
	fmt.Fprintln(c.stdout, "reconcile no longer lists it; the journal keeps it for sweep.retention from now")
	return nil
}

func outcomeLabel(o journal.Outcome) string {
	if o == journal.OutcomeNotCharged {
		return "not charged"
	}
	return string(o)
}

func settledLabel(a journal.Attempt) string {
	if a.Settled == "" {
		if a.State == journal.Unknown {
			return "no: check the terminal and Compago, then `compago-connector intents settle`"
		}
		return "-"
	}
	return fmt.Sprintf("%s on %s by %s: %s", outcomeLabel(a.Settled), timefmt.Human(a.SettledAt), dashed(a.SettledBy), a.SettleNote)
}

// whoAmI names the account settling, for the journal's record.
func whoAmI() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
