package connector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

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

// lateChargeGrace is how long an attempt that ended without a charge
// (expired, cancelled, or ended unknown) is still read: a terminal that
// started a charge just before the end may complete it after, and Compago
// then says CONFIRMED/SUCCESS on an intent we had given up. Card
// authorisations complete within a minute or so; two minutes covers that
// with margin. While an attempt is in its grace period, a new request of
// the same order is held (see CreateIntent): a second intent could be paid
// too, and the journal could not take the late charge beside a live one.
const defaultLateChargeGrace = 2 * time.Minute

// maxReadWait bounds the wait between two reads of a live intent, whatever
// Compago's Retry-After says: the customer may pay meanwhile.
const maxReadWait = 30 * time.Second

// unavailableAlert is how many reads in a row may fail before the back
// office is alerted.
const unavailableAlert = 3

// graceable reports whether a's intent may still be read after the attempt
// ended: it ended without a charge, with an intent Compago knows.
func graceable(a journal.Attempt) bool {
	if IsForeign(a) {
		return false // an intent this journal did not create is never money
	}
	switch a.State {
	case journal.Expired, journal.Cancelled, journal.Unknown, journal.Failed:
		return a.IntentID != ""
	}
	return false
}

// graceEnd is when the frequent reads of an ended attempt stop: the grace
// period after it ended (its last change).
func (e *Engine) graceEnd(a journal.Attempt) time.Time { return a.UpdatedAt.Add(e.cfg.LateChargeGrace) }

// lateReadHorizon is how long after it ended an attempt's intent is still
// read, ever more rarely, once the grace period is over: no reading period
// rules out a charge that lands later still, but one found is recorded (or
// parked for a human if the order was paid since) and the cashier's "no
// money was taken" corrected, instead of waiting for the daily report.
// The reads double the attempt's age each time: about ten in a day.
const lateReadHorizon = 24 * time.Hour

// nextEndedRead is when an ended attempt's intent is read next: every
// poll interval in its grace period, then at twice its age, until
// lateReadHorizon; ok is false once it is not read any more.
func (e *Engine) nextEndedRead(a journal.Attempt) (at time.Time, ok bool) {
	now := e.cfg.Now()
	if !graceable(a) || !now.Before(a.UpdatedAt.Add(lateReadHorizon)) {
		return time.Time{}, false
	}
	if now.Before(e.graceEnd(a)) {
		return now.Add(pollDelay(e.cfg.PollInterval)), true
	}
	return now.Add(max(now.Sub(a.UpdatedAt), e.cfg.LateChargeGrace)), true
}

// pastLife reports whether a live attempt is past its intent's 10 minutes
// and the grace period: an answer that is still not final then is not
// waited for any longer.
func (e *Engine) pastLife(a journal.Attempt) bool {
	return e.cfg.Now().After(a.CreatedAt.Add(intentLifetime + e.cfg.LateChargeGrace))
}

// readWait is how long to wait before reading a's intent again after a
// failed read: the backoff, at least Compago's Retry-After, but never
// beyond the intent's remaining life nor maxReadWait.
func (e *Engine) readWait(a journal.Attempt, err error) time.Duration {
	ra := retryAfter(err)
	capped := min(maxReadWait, max(a.CreatedAt.Add(intentLifetime).Sub(e.cfg.Now()), e.cfg.PollInterval))
	if ra > capped {
		e.anomaly(zerolog.WarnLevel, "retry_after_capped", a, "",
			fmt.Sprintf("Compago asked to wait %s before the next read; reading again in %s, the customer may pay meanwhile", ra, capped))
		ra = capped
	}
	return max(ra, e.cfg.PollInterval)
}

// PollIntent reads the attempt's intent once and records what it says; it
// plans the next read unless the attempt is over (final, and its grace
// period ended).
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
	case a.State == journal.Pending:
	case graceable(a) && e.cfg.Now().Before(a.UpdatedAt.Add(lateReadHorizon)):
	default:
		e.pollBackoff.forget(id)
		e.dropPoll(ctx, id)
		return nil
	}
	intent, err := e.compago.Get(ctx, a.IntentID)
	if err != nil {
		return e.readFailed(ctx, a, err)
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

// readFailed handles a read of a's intent that brought no usable answer:
// an alert for what Compago should never answer about a known intent, an
// end once the intent's life and the grace period are over, and the next
// read otherwise.
func (e *Engine) readFailed(ctx context.Context, a journal.Attempt, err error) error {
	live := a.State == journal.Pending || a.State == journal.Cancelling
	var reason, msg, what string
	switch {
	case errors.Is(err, compago.ErrIntentNotFound):
		reason, msg, what = "intent_not_found", e.say.IntentNotFound(), "Compago says an intent it created does not exist"
	case errors.Is(err, compago.ErrWrongIntent):
		reason, msg, what = "wrong_intent", e.say.WrongAnswer(), "Compago answered a read of this intent about another intent"
	}
	if reason != "" {
		if live && e.pastLife(a) {
			return e.endUnsettled(ctx, a, reason+": "+err.Error())
		}
		if !live || a.Reason != reason {
			e.anomaly(zerolog.ErrorLevel, reason, a, "", what)
		}
		if a.State == journal.Pending && a.Reason != reason {
			if serr := e.setMessage(ctx, a.ID, journal.Pending, reason, msg); serr != nil {
				return serr
			}
		}
	} else if n := e.pollBackoff.failures(a.ID) + 1; live && n >= unavailableAlert && a.Reason != "compago_unavailable" {
		e.anomaly(zerolog.WarnLevel, "compago_unavailable", a, "", fmt.Sprintf("%d reads of this intent in a row failed: %v", n, err))
		if a.State == journal.Pending {
			if serr := e.setMessage(ctx, a.ID, journal.Pending, "compago_unavailable", e.say.CompagoUnavailable()); serr != nil {
				return serr
			}
		}
	}
	e.polls.schedule(a.ID, e.pollBackoff.failed(a.ID, e.cfg.Now(), e.readWait(a, err)))
	return err
}

// endUnsettled ends a live attempt whose intent never got a trustworthy
// final answer within its life and the grace period: unknown, for a human
// (the daily report asks Compago about it again).
func (e *Engine) endUnsettled(ctx context.Context, a journal.Attempt, why string) error {
	e.anomaly(zerolog.ErrorLevel, "unsettled", a, "", "no trustworthy answer from Compago within the intent's life: "+why+"; ended unknown")
	_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State != journal.Pending && x.State != journal.Cancelling {
			return errNoChange
		}
		x.State, x.Reason, x.Message = journal.Unknown, "unsettled", e.say.Unsettled()
		return nil
	})
	if err == nil {
		e.polls.schedule(a.ID, e.cfg.Now().Add(e.cfg.PollInterval)) // the grace reads
	}
	return err
}

// applyIntent records what a read of the attempt's intent says. Money is
// recorded only when the read says CONFIRMED with paymentSummary SUCCESS;
// "no money taken" (cancelled, expired) only when it says CANCELLED or
// expired without SUCCESS. Anything else is an anomaly, read again until
// the intent's life and the grace period are over.
func (e *Engine) applyIntent(ctx context.Context, a journal.Attempt, intent *compago.Intent) error {
	if intent.Charged() {
		return e.recordCharge(WithAnswer(ctx, compagoAnswer(intent)), a)
	}
	if !(a.State == journal.Pending || a.State == journal.Cancelling) {
		// An ended attempt, still not charged: read it again later.
		if at, ok := e.nextEndedRead(a); ok {
			e.polls.schedule(a.ID, at)
		}
		return nil
	}
	switch {
	case intent.PaymentStatus == compago.PaymentSuccess:
		return e.oddAnswer(ctx, a, "success_not_confirmed", e.say.ConfirmedWithoutCharge(),
			fmt.Sprintf("Compago says paymentSummary SUCCESS with status %s: not recorded as a charge", intent.Status))
	case intent.Status == compago.StatusCancelled:
		return e.ended(WithAnswer(ctx, compagoAnswer(intent)), a, journal.Cancelled)
	case intent.Expired && (intent.Status == compago.StatusPending || intent.Status == ""):
		return e.ended(WithAnswer(ctx, compagoAnswer(intent)), a, journal.Expired)
	case intent.Status == compago.StatusConfirmed && intent.PaymentStatus == "":
		return e.oddAnswer(ctx, a, "confirmed_without_summary", e.say.ConfirmedWithoutCharge(),
			"Compago says CONFIRMED without paymentSummary: not recorded as a charge")
	case intent.Status != compago.StatusPending && intent.Status != compago.StatusConfirmed:
		return e.oddAnswer(ctx, a, "unknown_status", e.say.UnknownStatus(string(intent.Status)),
			fmt.Sprintf("Compago says status %q, which the document does not name", intent.Status))
	case intent.PaymentStatus == "DECLINED":
		if a.State == journal.Pending && a.Reason != "declined" {
			if err := e.setMessage(ctx, a.ID, journal.Pending, "declined", e.say.Declined()); err != nil {
				return err
			}
		}
	case intent.PaymentStatus != "":
		return e.oddAnswer(ctx, a, "payment_summary", e.say.PaymentSummary(intent.PaymentStatus),
			fmt.Sprintf("Compago says paymentSummary %s with status %s: neither a charge nor a decline", intent.PaymentStatus, intent.Status))
	case a.State == journal.Pending && a.Reason != "" && a.Reason != "adopted" && a.Reason != "declined":
		// PENDING again after an odd answer: the cashier waits for the card.
		if err := e.setMessage(ctx, a.ID, journal.Pending, "", e.say.Waiting(a.Amount, a.Terminal)); err != nil {
			return err
		}
	}
	if a.State == journal.Pending {
		e.polls.schedule(a.ID, e.cfg.Now().Add(pollDelay(e.cfg.PollInterval)))
	}
	return nil
}

// recordCharge records the charge Compago confirmed on a's intent. A charge
// on an attempt that had ended (expired, cancelled, unknown) is a late
// charge: recorded too, and the back office is alerted.
func (e *Engine) recordCharge(ctx context.Context, a journal.Attempt) error {
	late := false
	_, changed, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State == journal.Confirmed || x.State == journal.Recorded || x.IntentID == "" {
			return errNoChange
		}
		reason, msg := "charged", e.say.Charged(x.Amount)
		switch {
		case x.State == journal.Cancelling:
			reason, msg = "charged_before_cancel", e.say.AlreadyConfirmed(x.Amount)
		case x.State != journal.Pending:
			reason, msg, late = "late_charge", e.say.LateCharge(x.Amount), true
		}
		x.State, x.Reason, x.Message = journal.Confirmed, reason, msg
		return nil
	})
	if errors.Is(err, journal.ErrLiveAttempt) {
		// A newer attempt of the order is live: the journal keeps one live
		// attempt per order. A held one (never sent) gives way; otherwise
		// the back office must settle it, and the charge is read again.
		if e.yieldHeld(ctx, a) {
			return e.recordCharge(ctx, a)
		}
		e.anomaly(zerolog.ErrorLevel, "late_charge_blocked", a, "",
			"the card was charged on an ended attempt while a newer attempt of the order is live; reading again until it can be recorded")
		e.polls.schedule(a.ID, e.pollBackoff.failed(a.ID, e.cfg.Now(), e.cfg.PollInterval))
		return nil
	}
	if err != nil || !changed {
		return err
	}
	if late {
		e.anomaly(zerolog.ErrorLevel, "late_charge", a, "", "Compago confirmed a charge on an attempt that had ended "+string(a.State)+"; recording it")
	}
	e.dropPoll(ctx, a.ID)
	crashPoint(CrashAfterConfirmed)
	return nil
}

// ended records that Compago says the intent was cancelled or expired
// without a charge, and plans the grace period's reads.
func (e *Engine) ended(ctx context.Context, a journal.Attempt, to journal.State) error {
	reason, msg := "expired", e.say.Expired()
	if to == journal.Cancelled {
		reason, msg = e.cancelCause(ctx, a)
	}
	_, changed, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State != journal.Pending && x.State != journal.Cancelling {
			return errNoChange
		}
		if x.State == journal.Cancelling && to == journal.Cancelled {
			reason, msg = "cashier", e.say.Cancelled()
			if x.Reason == "create_mismatch" {
				reason, msg = x.Reason, x.Message // the cashier was told why it was withdrawn
			}
		}
		x.State, x.Reason, x.Message = to, reason, msg
		return nil
	})
	if err == nil && changed {
		e.pollBackoff.forget(a.ID)
		e.polls.schedule(a.ID, e.cfg.Now().Add(pollDelay(e.cfg.PollInterval)))
	}
	return err
}

// oddAnswer handles a read that is neither a charge nor a final state the
// document describes: alert (once per attempt and kind), tell the cashier
// what is known, read again, and end unknown past the intent's life.
func (e *Engine) oddAnswer(ctx context.Context, a journal.Attempt, kind, msg, what string) error {
	if e.pastLife(a) {
		return e.endUnsettled(ctx, a, what)
	}
	if a.Reason != kind {
		e.anomaly(zerolog.WarnLevel, kind, a, "", what)
	}
	if a.State != journal.Pending {
		return nil // a cancel in progress keeps its sentence; CancelIntent plans the next try
	}
	if a.Reason != kind {
		if err := e.setMessage(ctx, a.ID, journal.Pending, kind, msg); err != nil {
			return err
		}
	}
	e.polls.schedule(a.ID, e.cfg.Now().Add(pollDelay(e.cfg.PollInterval)))
	return nil
}

// cancelCause tells why Compago cancelled an intent we did not cancel: a
// newer intent of ours on the same terminal replaced it, or (Compago does
// not say which) another POS's request went to that terminal or someone
// cancelled it through Compago: nobody is blamed for what we cannot know.
func (e *Engine) cancelCause(ctx context.Context, a journal.Attempt) (reason, msg string) {
	if a.Terminal != "" {
		newer, err := e.journal.List(ctx, journal.Filter{Terminal: a.Terminal, CreatedAfter: a.CreatedAt, Limit: 1})
		if err == nil && len(newer) > 0 {
			return "replaced", e.say.Replaced(a.Terminal)
		}
	}
	return "withdrawn", e.say.Withdrawn(a.Terminal)
}

// schedulePollsFromJournal plans a read of every intent that is pending or
// being cancelled, or that ended in its grace period, right away: used at
// start.
func (e *Engine) schedulePollsFromJournal(ctx context.Context) error {
	list, err := e.journal.List(ctx, journal.Filter{States: []journal.State{journal.Pending, journal.Cancelling}})
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	ended, err := e.journal.List(ctx, journal.Filter{
		States:       []journal.State{journal.Expired, journal.Cancelled, journal.Unknown, journal.Failed},
		CreatedAfter: now.Add(-(intentLifetime + lateReadHorizon)),
	})
	if err != nil {
		return err
	}
	for _, a := range ended {
		if _, ok := e.nextEndedRead(a); ok {
			list = append(list, a)
		}
	}
	for _, a := range list {
		if a.IntentID != "" {
			e.polls.schedule(a.ID, now)
		}
	}
	return nil
}
