package connector

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
)

// cancelRequested handles an order the cashier flagged cancel_requested.
func (e *Engine) cancelRequested(ctx context.Context, o order, readStart time.Time) error {
	latest, err := e.journal.Latest(ctx, o.ID)
	if errors.Is(err, journal.ErrNotFound) {
		return e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{
			e.cfg.Fields.State: StateCancelled, e.cfg.Fields.Message: e.say.NothingToCancel(),
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
			a.State, a.Reason, a.Message = journal.Cancelling, "cashier", e.say.Cancelling()
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
		if latest.Attention {
			// Parked for a human: its sync fails until one acts, and the
			// cashier's flag would stay over a charged card. Show again
			// what the order showed before the cancel: the card is
			// charged and the back office must act (not "being recorded").
			return e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{
				e.cfg.Fields.State: StatePending, e.cfg.Fields.Message: e.say.Attention(latest.LastError),
			})
		}
		return e.setMessage(ctx, latest.ID, journal.Confirmed, "charged_before_cancel", e.say.AlreadyConfirmed(latest.Amount))
	case journal.Recorded:
		if synced {
			return e.touch(ctx, latest.ID, e.say.CannotCancelPaid())
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

// CancelIntent sends the cancel of an attempt the cashier cancelled (or
// the connector withdrew), then reads the intent: only that read decides.
// Compago's answer to the cancel is a claim, whatever it says: "already
// confirmed" may come for a cancelled intent, and 200 CANCELLED for one a
// terminal still charges. The next try is planned with backoff, so an
// answer that is never final costs one cancel and one read per round, and
// past the intent's life the attempt ends unknown.
func (e *Engine) CancelIntent(ctx context.Context, id int64) error {
	a, err := e.journal.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.State != journal.Cancelling || a.IntentID == "" {
		return nil
	}
	cctx, done, err := e.act(ctx, id, "cancel the Compago intent", journal.KindPoll, journal.KindCreate)
	if err != nil {
		return err
	}
	answer, cerr := e.compago.Cancel(cctx, a.IntentID)
	done()
	switch {
	case cerr == nil, errors.Is(cerr, compago.ErrAlreadyConfirmed), errors.Is(cerr, compago.ErrIntentNotFound):
	default:
		// No answer (or a refusal the document does not list): try again.
		e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.readWait(a, cerr)))
		return cerr
	}
	truth, gerr := e.compago.Get(ctx, a.IntentID)
	if gerr != nil {
		if errors.Is(gerr, compago.ErrIntentNotFound) {
			return e.cancelNotFound(ctx, a, cerr)
		}
		return e.readFailed(ctx, a, gerr)
	}
	switch {
	case errors.Is(cerr, compago.ErrAlreadyConfirmed) && !truth.Charged():
		e.anomaly(zerolog.ErrorLevel, "cancel_said_confirmed", a, "",
			"Compago answered the cancel \"already confirmed\" but the intent reads "+describe(truth)+": not recorded as paid")
	case cerr == nil && answer != nil && answer.Status != compago.StatusCancelled && !truth.Final():
		e.anomaly(zerolog.WarnLevel, "cancel_not_final", a, "",
			"Compago answered the cancel with status "+string(answer.Status)+" and the intent reads "+describe(truth)+"; reading again")
	case cerr == nil && answer != nil && answer.Status == compago.StatusCancelled && !truth.Final():
		e.anomaly(zerolog.WarnLevel, "cancel_not_final", a, "",
			"Compago answered the cancel CANCELLED but the intent reads "+describe(truth)+"; reading again")
	}
	if err := e.applyIntent(ctx, a, truth); err != nil {
		e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.cfg.PollInterval))
		return err
	}
	if truth.Charged() || truth.Final() {
		return nil
	}
	if e.pastLife(a) {
		return e.endUnsettled(ctx, a, "the cancel never took effect: the intent reads "+describe(truth))
	}
	e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.cfg.PollInterval))
	return nil
}

// cancelNotFound ends a cancel of an intent Compago says it does not know
// (to the cancel or to the read that followed): nothing more can be asked
// of it, and nothing proves that no money was taken.
func (e *Engine) cancelNotFound(ctx context.Context, a journal.Attempt, cerr error) error {
	e.anomaly(zerolog.ErrorLevel, "intent_not_found", a, "", "Compago says an intent it created does not exist; the cancel ends unknown")
	_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State != journal.Cancelling {
			return errNoChange
		}
		x.State, x.Reason, x.Message = journal.Unknown, "intent_not_found", e.say.CancelNotFound()
		return nil
	})
	if err == nil {
		e.polls.schedule(a.ID, e.cfg.Now().Add(e.cfg.PollInterval)) // grace reads
	}
	return err
}

// describe is what a read said, for a log line.
func describe(in *compago.Intent) string {
	s := string(in.Status)
	if in.Expired {
		s += " expired"
	}
	if in.PaymentStatus != "" {
		s += " " + in.PaymentStatus
	}
	return s
}
