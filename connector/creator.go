package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
)

// startCreate runs CreateIntent for the attempt in the background unless a
// goroutine already works on it.
func (e *Engine) startCreate(stop context.Context, id int64) {
	if !e.busy.tryAcquire(id) {
		return
	}
	// The work context outlives stop so that a create already sent is
	// answered and recorded; stop only prevents starting new ones.
	work := context.WithoutCancel(stop)
	release, ok := e.claim(work, id, journal.KindCreate, e.own.createTT)
	if !ok {
		e.busy.release(id) // another daemon creates it
		return
	}
	if !e.goWork(stop, func() {
		defer e.busy.release(id)
		defer release()
		if err := e.CreateIntent(work, id); err != nil {
			e.log.Warn().Err(err).Int64("attempt_id", id).Msg("create payment intent")
		}
	}) {
		release()
		e.busy.release(id)
	}
}

// CreateIntent sends the Compago create of a write-ahead attempt, with its
// externalId, and records the answer. Calling it again for the same attempt
// is safe: Compago refuses a second intent with the same externalId.
func (e *Engine) CreateIntent(ctx context.Context, id int64) error {
	a, err := e.journal.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.IntentID != "" || (a.State != journal.Creating && a.State != journal.Cancelling) {
		return nil
	}
	if held, err := e.holdForPrevious(ctx, a); held || err != nil {
		return err
	}
	cctx, done, err := e.act(ctx, id, "create the Compago intent", journal.KindCreate)
	if err != nil {
		return err
	}
	intent, err := e.compago.Create(cctx, compago.CreateParams{
		Amount: a.Amount, ExternalID: a.ExternalID, TerminalCode: a.Terminal,
	})
	done()
	if err != nil {
		return e.createFailed(ctx, a, err)
	}
	if why := e.createMismatch(a, intent); why != "" {
		return e.withdrawMismatch(ctx, a, intent, why)
	}
	crashPoint(CrashAfterCreate)
	e.createBackoff.forget(id)
	a, err = e.learnIntent(ctx, id, intent.ID)
	if err != nil {
		return err
	}
	if a.State.Final() {
		// Ended meanwhile (parked, see learnIntent): its intent is read
		// through the grace period all the same.
		e.polls.schedule(id, e.cfg.Now())
		return nil
	}
	crashPoint(CrashAfterPending)
	if a.State == journal.Cancelling {
		return e.CancelIntent(ctx, id) // the cashier cancelled while we created
	}
	e.polls.schedule(id, e.cfg.Now().Add(e.cfg.PollInterval))
	if a.Terminal != "" {
		e.pollTerminalNow(ctx, a)
	}
	return nil
}

// learnIntent journals the id of the intent Compago created for the
// attempt. The answer may come late: another daemon may have retried the
// create meanwhile (this one was frozen, or its answer slow), met
// "duplicate", and ended the attempt unknown. The intent is live on the
// terminal all the same, so the attempt is reopened, pending, and watched:
// a tap is then recorded, and the cashier reads "waiting for the card"
// instead of "request again". When the order already has a newer live
// attempt (the cashier requested again), the journal allows one live
// attempt per order: the late intent is cancelled at Compago and the
// attempt stays unknown with its intent id, for a human (a charge of it
// is found by the grace reads, the daily report and reconcile).
func (e *Engine) learnIntent(ctx context.Context, id int64, intentID string) (journal.Attempt, error) {
	reopen := func(a *journal.Attempt) error {
		if a.IntentID != "" {
			return errNoChange
		}
		a.IntentID = intentID
		switch {
		case a.State == journal.Creating:
			a.State, a.Reason, a.Message = journal.Pending, "", e.say.Waiting(a.Amount, a.Terminal)
			a.Answer = "Compago: created " + intentID
		case a.State == journal.Unknown && a.Settled == "":
			a.State, a.Reason, a.Message = journal.Pending, "late_create_answer", e.say.Waiting(a.Amount, a.Terminal)
			a.Attention = false
		}
		return nil
	}
	// The id is the only handle on a live intent: a journal that refuses
	// the write for a moment (a lock held by a frozen daemon until its
	// session times out) is tried again, never given up at the first error.
	a, changed, err := e.transition(ctx, id, reopen)
	for try, wait := 1, 200*time.Millisecond; err != nil && !errors.Is(err, journal.ErrLiveAttempt) && try < learnTries; try, wait = try+1, min(2*wait, 5*time.Second) {
		select {
		case <-ctx.Done():
			try = learnTries
			continue
		case <-time.After(wait):
		}
		a, changed, err = e.transition(ctx, id, reopen)
	}
	if err != nil && !errors.Is(err, journal.ErrLiveAttempt) {
		e.log.Error().Err(err).Int64("attempt_id", id).Str("intent", intentID).
			Msg("ATTENTION: Compago created this intent but the journal could not record its id; check the terminal")
		return a, err
	}
	if err == nil && changed && a.Reason == "late_create_answer" {
		e.log.Warn().Int64("order", a.OrderID).Int64("attempt_id", id).Str("intent", intentID).
			Msg("the create's answer came after the attempt ended unknown: its intent is live, watching it again")
	}
	if !errors.Is(err, journal.ErrLiveAttempt) {
		return a, err
	}
	// A newer attempt of the order is live: keep the id, stay unknown.
	a, _, err = e.transition(ctx, id, func(a *journal.Attempt) error {
		if a.IntentID != "" {
			return errNoChange
		}
		a.IntentID = intentID
		return nil
	})
	if err != nil {
		return a, err
	}
	e.log.Error().Int64("order", a.OrderID).Int64("attempt_id", id).Str("intent", intentID).
		Msg("ATTENTION: an intent whose create answer came late is live beside a newer request of the order; cancelling it at Compago, check the terminal")
	cctx, done, err := e.act(ctx, id, "cancel the late intent", journal.KindCreate)
	if err != nil {
		return a, err
	}
	defer done()
	if _, err := e.compago.Cancel(cctx, intentID); err != nil {
		e.log.Error().Err(err).Str("intent", intentID).Msg("ATTENTION: cancel of the late intent failed; cancel it on the terminal")
	}
	e.polls.schedule(id, e.cfg.Now()) // grace reads find a charge of it
	return a, nil
}

// learnTries bounds the journal writes of a create's answer (about 30 s
// with backoff).
const learnTries = 10

// createMismatch compares a create answer with the request: amount,
// currency, externalId and terminal. It returns what differs, "" when
// nothing does. The terminal is compared by the terminalId Compago gave
// for the same serial before (the request names a serial, the answer an
// id): a first answer for a serial cannot be checked, and is learned.
func (e *Engine) createMismatch(a journal.Attempt, in *compago.Intent) string {
	switch {
	case in.ExternalID != a.ExternalID:
		return fmt.Sprintf("externalId %q instead of %q", in.ExternalID, a.ExternalID)
	case !in.AmountKnown:
		return fmt.Sprintf("no amount instead of %s", MXN(a.Amount))
	case in.Amount != a.Amount:
		return fmt.Sprintf("an amount of %s instead of %s", MXN(in.Amount), MXN(a.Amount))
	case in.Currency != compago.Currency:
		return fmt.Sprintf("currency %q instead of %s", in.Currency, compago.Currency)
	}
	if a.Terminal == "" || in.TerminalID == "" {
		return ""
	}
	known, ok := e.terminalIDs.Load(a.Terminal)
	if ok && known != in.TerminalID {
		// What was learned came from one answer: if that one was the odd
		// one, keeping it would refuse every right answer after it.
		// Forget it; the next answer is learned afresh.
		e.terminalIDs.Delete(a.Terminal)
		return fmt.Sprintf("another terminal than %s", a.Terminal)
	}
	owner := ""
	e.terminalIDs.Range(func(code, id any) bool {
		if id == in.TerminalID && code != a.Terminal {
			owner = code.(string)
		}
		return owner == ""
	})
	if owner != "" {
		return fmt.Sprintf("terminal %s instead of %s", owner, a.Terminal)
	}
	e.terminalIDs.Store(a.Terminal, in.TerminalID)
	return ""
}

// withdrawMismatch handles a create answer that is not what was asked:
// nothing is recorded as money and the back office is alerted. An intent
// of this attempt (its externalId) is withdrawn: the attempt takes its id
// and the amount Compago holds (should the customer pay it before the
// cancel lands, that is the charge to record) and is cancelled. Another
// integration's intent is never followed nor cancelled: the attempt ends
// unknown, since ours may exist with an id nobody told us.
func (e *Engine) withdrawMismatch(ctx context.Context, a journal.Attempt, in *compago.Intent, why string) error {
	e.createBackoff.forget(a.ID)
	e.anomaly(zerolog.ErrorLevel, "create_mismatch", a, in.ID, "Compago answered the create with "+why+"; nothing recorded")
	if in.ExternalID != a.ExternalID {
		_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.IntentID != "" || x.State.Final() {
				return errNoChange
			}
			x.State, x.Reason, x.Message = journal.Unknown, "create_mismatch", e.say.CreateForeign()
			return nil
		})
		return err
	}
	_, changed, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.IntentID != "" {
			return errNoChange
		}
		x.IntentID = in.ID
		if in.Amount > 0 {
			x.Amount = in.Amount
		}
		x.State, x.Reason, x.Message = journal.Cancelling, "create_mismatch", e.say.CreateMismatch(why)
		return nil
	})
	if err != nil || !changed {
		return err
	}
	return e.CancelIntent(ctx, a.ID)
}

// holdForPrevious keeps a new attempt from being sent while an earlier
// attempt of the same order is in its grace period: a late charge of the
// earlier intent and a charge of the new one would take the customer's
// money twice. The earlier intent is read now: charged, it is recorded and
// the new attempt ends without being sent; otherwise the new one waits
// until the grace period is over (the cashier is told), and is read once
// more then. A cancel of a held attempt ends it at once: nothing was sent.
func (e *Engine) holdForPrevious(ctx context.Context, a journal.Attempt) (bool, error) {
	if a.Seq <= 1 {
		return false, nil
	}
	list, err := e.journal.List(ctx, journal.Filter{OrderIDs: []int64{a.OrderID}})
	if err != nil {
		return true, err
	}
	now := e.cfg.Now()
	for _, p := range list {
		// The previous attempt, and any still in its grace period.
		if p.ID == a.ID || !graceable(p) || (p.Seq != a.Seq-1 && !now.Before(e.graceEnd(p))) {
			continue
		}
		in, err := e.compago.Get(ctx, p.IntentID)
		if err != nil && !errors.Is(err, compago.ErrIntentNotFound) {
			e.createBackoff.failed(a.ID, now, e.cfg.PollInterval)
			return true, err
		}
		if err == nil && in.Charged() {
			return true, e.previousCharged(ctx, a, p)
		}
		if !now.Before(e.graceEnd(p)) {
			if err == nil && in.Status != compago.StatusCancelled {
				// An intent that only expired can still be completed on
				// its terminal: withdraw it before a second one is sent.
				if held, err := e.withdrawPrevious(ctx, a, p); held || err != nil {
					return true, err
				}
			}
			continue
		}
		if a.State == journal.Cancelling {
			_, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
				if x.IntentID != "" || x.State != journal.Cancelling {
					return errNoChange
				}
				x.State, x.Reason, x.Message = journal.Cancelled, "cashier", e.say.Cancelled() // nothing was sent
				return nil
			})
			return true, err
		}
		wait := e.graceEnd(p).Sub(now)
		e.createBackoff.failed(a.ID, now, wait)
		return true, e.setMessage(ctx, a.ID, a.State, "held", e.say.Held(wait.Round(time.Second).String()))
	}
	return false, nil
}

// withdrawPrevious cancels the earlier attempt p's intent before the new
// attempt a is sent, and reads it: the cancel's answer is not believed.
// Charged, p's charge is recorded and a ends unsent; not yet known to be
// cancelled, a waits (held reports it).
func (e *Engine) withdrawPrevious(ctx context.Context, a, p journal.Attempt) (held bool, err error) {
	now := e.cfg.Now()
	// Through the one door, under the create lease of the new attempt:
	// the work of sending it is what this cancel belongs to.
	cctx, done, err := e.act(ctx, a.ID, "withdraw the previous intent", journal.KindCreate)
	if err != nil {
		return true, err
	}
	_, err = e.compago.Cancel(cctx, p.IntentID)
	done()
	if err != nil && !errors.Is(err, compago.ErrAlreadyConfirmed) && !errors.Is(err, compago.ErrIntentNotFound) {
		e.createBackoff.failed(a.ID, now, e.cfg.PollInterval)
		return true, nil
	}
	in, err := e.compago.Get(ctx, p.IntentID)
	switch {
	case errors.Is(err, compago.ErrIntentNotFound):
		return false, nil
	case err != nil:
		e.createBackoff.failed(a.ID, now, e.cfg.PollInterval)
		return true, nil
	case in.Charged():
		return true, e.previousCharged(ctx, a, p)
	case in.Status != compago.StatusCancelled:
		e.createBackoff.failed(a.ID, now, e.cfg.PollInterval)
		return true, nil
	}
	return false, nil
}

// previousCharged ends the new attempt a, never sent, and records the
// charge of the earlier attempt p.
func (e *Engine) previousCharged(ctx context.Context, a, p journal.Attempt) error {
	if !e.endHeld(ctx, a, p.Amount) {
		return nil
	}
	return e.recordCharge(ctx, p)
}

// endHeld ends a new attempt that was never sent because an earlier one
// was charged; it reports whether the attempt is now ended.
func (e *Engine) endHeld(ctx context.Context, a journal.Attempt, amount int64) bool {
	x, _, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.IntentID != "" || (x.State != journal.Creating && x.State != journal.Cancelling) {
			return errNoChange
		}
		x.State, x.Reason, x.Message = journal.Failed, "previous_charged", e.say.PreviousCharged(amount)
		return nil
	})
	return err == nil && x.State.Final()
}

// yieldHeld ends the order's newer attempt when it was never sent (held or
// not yet created), so that the late charge of a can be recorded; it
// reports whether it did. A create already in flight keeps its attempt.
func (e *Engine) yieldHeld(ctx context.Context, a journal.Attempt) bool {
	latest, err := e.journal.Latest(ctx, a.OrderID)
	if err != nil || latest.ID == a.ID || latest.IntentID != "" || !e.busy.tryAcquire(latest.ID) {
		return false
	}
	defer e.busy.release(latest.ID)
	return e.endHeld(ctx, latest, a.Amount)
}

// pollTerminalNow reads at once the other pending intents of the terminal:
// Compago has just cancelled them (one active intent per terminal), and
// their cashiers should know now rather than at the next poll.
func (e *Engine) pollTerminalNow(ctx context.Context, a journal.Attempt) {
	others, err := e.journal.List(ctx, journal.Filter{States: []journal.State{journal.Pending}, Terminal: a.Terminal})
	if err != nil {
		return
	}
	for _, o := range others {
		if o.ID != a.ID {
			e.polls.schedule(o.ID, e.cfg.Now())
		}
	}
}

// createFailed records what a failed create means for the attempt.
func (e *Engine) createFailed(ctx context.Context, a journal.Attempt, err error) error {
	var final journal.State
	var reason, msg string
	var apiErr *compago.Error
	errors.As(err, &apiErr)
	switch {
	case errors.Is(err, compago.ErrDuplicateExternalID):
		// The intent exists (an earlier try reached Compago) but its id was
		// never received, and Compago cannot be asked by externalId.
		final, reason, msg = journal.Unknown, "duplicate_external_id", e.say.Unknown()
		e.log.Error().Int64("order", a.OrderID).Str("external_id", a.ExternalID).Str("terminal", a.Terminal).
			Msg("ATTENTION: Compago has an intent for this externalId whose id is unknown; check the terminal and Compago")
	case errors.Is(err, compago.ErrTerminalNotFound):
		final, reason, msg = journal.Failed, "terminal_not_found", e.say.TerminalNotFound(a.Terminal)
	case errors.Is(err, compago.ErrUnauthorized), errors.Is(err, compago.ErrNoOrganization):
		final, reason, msg = journal.Failed, "unauthorized", e.say.Unauthorized()
		e.log.Error().Err(err).Msg("Compago rejected the API key: check compago.api_key")
	case errors.Is(err, compago.ErrCurrency), errors.Is(err, compago.ErrValidation):
		text := "invalid request"
		if apiErr != nil && apiErr.Message != "" {
			text = apiErr.Message
		}
		final, reason, msg = journal.Failed, "refused", e.say.Refused(text)
	default:
		// Outcome unknown, Compago unavailable or rate limited: the same
		// externalId is tried again later, which is safe.
		e.createBackoff.failed(a.ID, e.cfg.Now(), retryAfter(err))
		if errors.Is(err, errLostWork) {
			return err // another daemon creates it now
		}
		// Only an attempt still waiting for its create is retried: one
		// that another daemon ended meanwhile keeps its final message.
		_, _, setErr := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.State.Final() || x.IntentID != "" || (x.Reason == "retrying" && x.Message == e.say.CreateRetrying()) {
				return errNoChange
			}
			x.Reason, x.Message = "retrying", e.say.CreateRetrying()
			return nil
		})
		if setErr != nil {
			return setErr
		}
		return err
	}
	e.createBackoff.forget(a.ID)
	if a.State == journal.Cancelling && final == journal.Failed {
		final, reason, msg = journal.Cancelled, "cashier", e.say.Cancelled() // nothing was created
	}
	_, _, terr := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State.Final() || x.IntentID != "" {
			return errNoChange
		}
		x.State, x.Reason, x.Message = final, reason, msg
		x.Answer = errorAnswer("Compago", err)
		return nil
	})
	return terr
}

// retryCreatesLoop retries the creates whose outcome is not known yet (the
// write-ahead exists, the intent id does not), with backoff.
func (e *Engine) retryCreatesLoop(stop, work context.Context) {
	every(stop, min(e.cfg.PollInterval, time.Second), func() {
		if err := e.RetryCreates(stop); err != nil {
			e.log.Warn().Err(err).Msg("list attempts waiting for their create")
		}
		e.cfg.Observer.Tick("create")
	})
}

// RetryCreates starts the create of every write-ahead attempt that is due.
func (e *Engine) RetryCreates(stop context.Context) error {
	list, err := e.journal.List(stop, journal.Filter{States: []journal.State{journal.Creating, journal.Cancelling}})
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	for _, a := range list {
		if a.IntentID == "" && e.createBackoff.due(a.ID, now) {
			e.startCreate(stop, a.ID)
		}
	}
	return nil
}

// backoff tracks, per attempt, when a failed call may be tried again.
type backoff struct {
	mu    sync.Mutex
	next  map[int64]time.Time
	fails map[int64]int
	base  time.Duration
	max   time.Duration
}

func newBackoff(base, max time.Duration) *backoff {
	return &backoff{next: map[int64]time.Time{}, fails: map[int64]int{}, base: base, max: max}
}

func (b *backoff) due(id int64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !now.Before(b.next[id])
}

// failed records one more failure; at least wait (e.g. Retry-After) passes
// before the next try.
func (b *backoff) failed(id int64, now time.Time, atLeast time.Duration) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.fails[id]
	b.fails[id] = n + 1
	d := b.base << min(n, 16)
	if d > b.max || d <= 0 {
		d = b.max
	}
	d = jitter(d)
	if d < atLeast {
		d = atLeast
	}
	b.next[id] = now.Add(d)
	return b.next[id]
}

// failures is how many failures in a row are recorded for the attempt.
func (b *backoff) failures(id int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fails[id]
}

func (b *backoff) forget(id int64) {
	b.mu.Lock()
	delete(b.next, id)
	delete(b.fails, id)
	b.mu.Unlock()
}

// retryAfter is the wait Compago asked for, if any.
func retryAfter(err error) time.Duration {
	var apiErr *compago.Error
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}
