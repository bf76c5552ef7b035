package connector

import (
	"context"
	"errors"
	"sync"
	"time"

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
	intent, err := e.compago.Create(ctx, compago.CreateParams{
		Amount: a.Amount, ExternalID: a.ExternalID, TerminalCode: a.Terminal,
	})
	if err != nil {
		return e.createFailed(ctx, a, err)
	}
	crashPoint(CrashAfterCreate)
	e.createBackoff.forget(id)
	a, _, err = e.transition(ctx, id, func(a *journal.Attempt) error {
		if a.IntentID != "" {
			return errNoChange
		}
		a.IntentID = intent.ID
		if a.State == journal.Creating {
			a.State, a.Reason, a.Message = journal.Pending, "", msgWaiting(a.Amount, a.Terminal)
		}
		return nil
	})
	if err != nil {
		return err
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
		final, reason, msg = journal.Unknown, "duplicate_external_id", msgUnknown()
		e.log.Error().Int64("order", a.OrderID).Str("external_id", a.ExternalID).Str("terminal", a.Terminal).
			Msg("ATTENTION: Compago has an intent for this externalId whose id is unknown; check the terminal and Compago")
	case errors.Is(err, compago.ErrTerminalNotFound):
		final, reason, msg = journal.Failed, "terminal_not_found", msgTerminalNotFound(a.Terminal)
	case errors.Is(err, compago.ErrUnauthorized), errors.Is(err, compago.ErrNoOrganization):
		final, reason, msg = journal.Failed, "unauthorized", msgUnauthorized()
		e.log.Error().Err(err).Msg("Compago rejected the API key: check compago.api_key")
	case errors.Is(err, compago.ErrCurrency), errors.Is(err, compago.ErrValidation):
		text := "invalid request"
		if apiErr != nil && apiErr.Message != "" {
			text = apiErr.Message
		}
		final, reason, msg = journal.Failed, "refused", msgRefused(text)
	default:
		// Outcome unknown, Compago unavailable or rate limited: the same
		// externalId is tried again later, which is safe.
		e.createBackoff.failed(a.ID, e.cfg.Now(), retryAfter(err))
		if setErr := e.setMessage(ctx, a.ID, "retrying", msgCreateRetrying()); setErr != nil {
			return setErr
		}
		return err
	}
	e.createBackoff.forget(a.ID)
	if a.State == journal.Cancelling && final == journal.Failed {
		final, reason, msg = journal.Cancelled, "cashier", msgCancelled() // nothing was created
	}
	_, _, terr := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State.Final() || x.IntentID != "" {
			return errNoChange
		}
		x.State, x.Reason, x.Message = final, reason, msg
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
