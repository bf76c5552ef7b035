package connector

import (
	"context"
	"errors"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
)

// cancelRequested handles an order the cashier flagged cancel_requested.
func (e *Engine) cancelRequested(ctx context.Context, o order, readStart time.Time) error {
	latest, err := e.journal.Latest(ctx, o.ID)
	if errors.Is(err, journal.ErrNotFound) {
		return e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{
			e.cfg.Fields.State: StateCancelled, e.cfg.Fields.Message: msgNothingToCancel(),
		})
	}
	if err != nil {
		return err
	}
	// Synced before the read started: Odoo really shows the cashier's flag
	// over our last write, so showing the outcome again is right.
	synced := latest.SyncedVersion >= latest.Version && latest.SyncedAt.Before(readStart)
	switch latest.State {
	case journal.Creating, journal.Pending:
		a, changed, err := e.transition(ctx, latest.ID, func(a *journal.Attempt) error {
			if a.State != journal.Creating && a.State != journal.Pending {
				return errNoChange
			}
			a.State, a.Reason, a.Message = journal.Cancelling, "cashier", msgCancelling()
			return nil
		})
		if err != nil || !changed {
			return err
		}
		if a.IntentID != "" {
			e.polls.schedule(a.ID, e.cfg.Now()) // the poller sends the cancel at once
		}
		// Without an intent id, the create in flight (or its retry) sees
		// Cancelling and cancels what it creates.
		return nil
	case journal.Cancelling:
		return nil
	case journal.Confirmed:
		return e.setMessage(ctx, latest.ID, "charged_before_cancel", msgAlreadyConfirmed(latest.Amount))
	case journal.Recorded:
		if synced {
			return e.touch(ctx, latest.ID, msgCannotCancelPaid())
		}
		return nil
	default:
		// Cancelled, expired, failed, unknown: show that final state again.
		if synced {
			return e.touch(ctx, latest.ID, "")
		}
		return nil
	}
}

// CancelIntent sends the cancel of an attempt the cashier cancelled and
// records the answer. "Already confirmed" means the customer paid: the
// payment is recorded like any other.
func (e *Engine) CancelIntent(ctx context.Context, id int64) error {
	a, err := e.journal.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.State != journal.Cancelling || a.IntentID == "" {
		return nil
	}
	intent, err := e.compago.Cancel(ctx, a.IntentID)
	var answer *compago.Intent
	switch {
	case err == nil:
		answer = intent
		if answer == nil || answer.ID == "" {
			answer = &compago.Intent{ID: a.IntentID, Status: compago.StatusCancelled}
		}
		if answer.Status == "" {
			answer.Status = compago.StatusCancelled
		}
	case errors.Is(err, compago.ErrAlreadyConfirmed):
		answer = &compago.Intent{ID: a.IntentID, Status: compago.StatusConfirmed, PaymentStatus: compago.PaymentSuccess}
	}
	if answer != nil {
		if err := e.applyIntent(ctx, a, answer); err != nil {
			// Recorded nowhere yet: the next try cancels again (a cancelled
			// intent answers the same) or learns of the charge.
			e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.cfg.PollInterval))
			return err
		}
		return nil
	}
	// Any other answer: ask Compago what the intent is now. A cancel of an
	// intent that expired or was cancelled meanwhile ends here too.
	truth, gerr := e.compago.Get(ctx, a.IntentID)
	if gerr != nil || !truth.Final() {
		at := e.pollBackoff.failed(id, e.cfg.Now(), max(retryAfter(err), e.cfg.PollInterval))
		e.polls.schedule(id, at)
		return err
	}
	e.pollBackoff.forget(id)
	if err := e.applyIntent(ctx, a, truth); err != nil {
		e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.cfg.PollInterval))
		return err
	}
	return nil
}
