package connector

import (
	"context"
	"errors"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
)

// pollLoop reads each pending intent when it is due, at most MaxPolls at a
// time. It uses wall time for waiting; the due times come from cfg.Now.
func (e *Engine) pollLoop(stop, work context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due, next := e.polls.popDue(e.cfg.Now())
		for _, id := range due {
			e.startPoll(stop, work, id)
		}
		e.cfg.Observer.Tick("poll")
		// Wake at least every second so that the loop's liveness shows.
		wait := time.Second
		if !next.IsZero() {
			wait = min(max(next.Sub(e.cfg.Now()), time.Millisecond), time.Second)
		}
		timer.Reset(wait)
		select {
		case <-stop.Done():
			return
		case <-e.polls.wake:
		case <-timer.C:
		}
	}
}

func (e *Engine) startPoll(stop, work context.Context, id int64) {
	if !e.busy.tryAcquire(id) {
		// A create or cancel of the same attempt is in flight: look again
		// soon.
		e.polls.schedule(id, e.cfg.Now().Add(min(e.cfg.PollInterval/4, 100*time.Millisecond)+time.Millisecond))
		return
	}
	if !e.goWork(stop, func() {
		defer e.busy.release(id)
		if !e.holdPoll(work, id) {
			return // another daemon polls this intent
		}
		if err := e.PollIntent(work, id); err != nil {
			e.log.Debug().Err(err).Int64("attempt_id", id).Msg("poll")
		}
	}) {
		e.busy.release(id)
	}
}

// PollIntent reads the attempt's intent once and records what it says; it
// plans the next read unless the intent reached a final state.
func (e *Engine) PollIntent(ctx context.Context, id int64) error {
	a, err := e.attempt(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case a.IntentID == "":
		return nil
	case a.State == journal.Cancelling:
		return e.CancelIntent(ctx, id)
	case a.State != journal.Pending:
		e.dropPoll(ctx, id)
		return nil
	}
	intent, err := e.compago.Get(ctx, a.IntentID)
	if err != nil {
		if errors.Is(err, compago.ErrIntentNotFound) {
			e.log.Error().Int64("order", a.OrderID).Str("intent", a.IntentID).
				Msg("ATTENTION: Compago says this intent does not exist; still watching it")
		}
		at := e.pollBackoff.failed(id, e.cfg.Now(), max(retryAfter(err), e.cfg.PollInterval))
		e.polls.schedule(id, at)
		return err
	}
	e.pollBackoff.forget(id)
	if err := e.applyIntent(ctx, a, intent); err != nil {
		// The journal could not take the answer (a full disk, say): ask
		// Compago again later rather than forget the intent.
		e.polls.schedule(id, e.pollBackoff.failed(id, e.cfg.Now(), e.cfg.PollInterval))
		e.log.Warn().Err(err).Int64("order", a.OrderID).Str("intent", a.IntentID).Bool("charged", intent.Charged()).
			Msg("the journal cannot record what Compago said; asking again later")
		return err
	}
	return nil
}

// applyIntent records what Compago says of the attempt's intent.
func (e *Engine) applyIntent(ctx context.Context, a journal.Attempt, intent *compago.Intent) error {
	switch {
	case intent.Charged():
		_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.State != journal.Pending && x.State != journal.Cancelling {
				return errNoChange
			}
			reason, msg := "charged", msgCharged(x.Amount)
			if x.State == journal.Cancelling {
				reason, msg = "charged_before_cancel", msgAlreadyConfirmed(x.Amount)
			}
			x.State, x.Reason, x.Message = journal.Confirmed, reason, msg
			return nil
		})
		if err == nil {
			crashPoint(CrashAfterConfirmed)
		}
		return err
	case intent.Status == compago.StatusCancelled:
		reason, msg := e.cancelCause(ctx, a)
		_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.State != journal.Pending && x.State != journal.Cancelling {
				return errNoChange
			}
			if x.State == journal.Cancelling {
				reason, msg = "cashier", msgCancelled()
			}
			x.State, x.Reason, x.Message = journal.Cancelled, reason, msg
			return nil
		})
		return err
	case intent.Expired:
		_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.State != journal.Pending && x.State != journal.Cancelling {
				return errNoChange
			}
			x.State, x.Reason, x.Message = journal.Expired, "expired", msgExpired()
			return nil
		})
		return err
	}
	if intent.PaymentStatus != "" && a.Reason != "declined" {
		if err := e.setMessage(ctx, a.ID, "declined", msgDeclined()); err != nil {
			return err
		}
	}
	e.polls.schedule(a.ID, e.cfg.Now().Add(pollDelay(e.cfg.PollInterval)))
	return nil
}

// cancelCause tells why Compago cancelled an intent we did not cancel: a
// newer intent on the same terminal replaced it, or someone cancelled it
// on the terminal.
func (e *Engine) cancelCause(ctx context.Context, a journal.Attempt) (reason, msg string) {
	if a.Terminal != "" {
		newer, err := e.journal.List(ctx, journal.Filter{Terminal: a.Terminal, CreatedAfter: a.CreatedAt, Limit: 1})
		if err == nil && len(newer) > 0 {
			return "replaced", msgReplaced(a.Terminal)
		}
	}
	return "terminal", msgCancelledOnTerminal()
}

// schedulePollsFromJournal plans a read of every intent that is pending or
// being cancelled, right away: used at start.
func (e *Engine) schedulePollsFromJournal(ctx context.Context) error {
	list, err := e.journal.List(ctx, journal.Filter{States: []journal.State{journal.Pending, journal.Cancelling}})
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	for _, a := range list {
		if a.IntentID != "" {
			e.polls.schedule(a.ID, now)
		}
	}
	return nil
}
