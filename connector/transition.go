package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/compago-odoo/connector/connector/journal"
)

// errNoChange tells transition that the attempt is already past the change
// asked for (another goroutine or an earlier run got there first).
var errNoChange = errors.New("no change")

// transition changes one attempt in one journal transaction and logs the
// state change. fn sees the attempt as committed; it returns errNoChange to
// leave it alone. changed is false when nothing was written.
func (e *Engine) transition(ctx context.Context, id int64, fn func(a *journal.Attempt) error) (a journal.Attempt, changed bool, err error) {
	var from journal.State
	start := e.cfg.Now()
	a, err = e.journal.Update(ctx, id, func(a *journal.Attempt) error {
		from = a.State
		return fn(a)
	})
	if errors.Is(err, errNoChange) {
		return a, false, nil
	}
	e.cfg.Observer.Call("journal", "update", e.cfg.Now().Sub(start), err)
	if err != nil {
		return a, false, fmt.Errorf("journal update of attempt %d: %w", id, err)
	}
	e.snaps.put(a)
	if from != a.State {
		e.cfg.Observer.Transition(from, a.State, e.cfg.Now().Sub(a.CreatedAt))
		e.log.Info().Int64("order", a.OrderID).Int("attempt", a.Seq).Str("external_id", a.ExternalID).
			Str("intent", a.IntentID).Str("terminal", a.Terminal).Int64("amount_centavos", a.Amount).
			Str("from", string(from)).Str("to", string(a.State)).Str("reason", a.Reason).
			Msg("payment " + string(a.State))
	}
	e.outbox.poke()
	return a, true, nil
}

// setMessage changes the cashier's sentence (and reason) without a state
// change; it writes nothing when both are already so.
func (e *Engine) setMessage(ctx context.Context, id int64, reason, msg string) error {
	_, _, err := e.transition(ctx, id, func(a *journal.Attempt) error {
		if a.Reason == reason && a.Message == msg {
			return errNoChange
		}
		a.Reason, a.Message = reason, msg
		return nil
	})
	return err
}

// touch bumps the attempt's version so that the outbox writes its state to
// Odoo again (Odoo shows a flag the journal has already answered).
func (e *Engine) touch(ctx context.Context, id int64, msg string) error {
	_, _, err := e.transition(ctx, id, func(a *journal.Attempt) error {
		if msg != "" {
			a.Message = msg
		}
		return nil
	})
	return err
}
