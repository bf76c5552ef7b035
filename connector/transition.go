package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/compago-odoo/connector/compago"
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
		if err := fn(a); err != nil {
			return err
		}
		if a.Actor == "" {
			a.Actor = actorOf(ctx)
		}
		if a.Answer == "" {
			a.Answer, _ = ctx.Value(answerKey{}).(string)
		}
		return nil
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

// actorKey carries, in a context, who asked for the changes made under it
// (journal.Actor*), for the audit trail.
type actorKey struct{}

// WithActor marks ctx as work asked for by actor (journal.ActorCashier,
// ActorSweep, ActorAdmin).
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actorOf is who asked for the work of ctx; the connector itself (acting
// on an answer of Compago or Odoo) when no one is named.
func actorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return journal.ActorConnector
}

// answerKey carries the Compago or Odoo answer behind the changes made
// under a context, for the audit trail.
type answerKey struct{}

// WithAnswer marks ctx with the answer the changes made under it act on.
func WithAnswer(ctx context.Context, answer string) context.Context {
	return context.WithValue(ctx, answerKey{}, answer)
}

// compagoAnswer is how the audit trail shows what Compago said of an intent.
func compagoAnswer(in *compago.Intent) string {
	if in == nil {
		return ""
	}
	s := "Compago: status " + string(in.Status)
	if in.PaymentStatus != "" {
		s += ", paymentSummary " + in.PaymentStatus
	}
	if in.Expired {
		s += ", expired"
	}
	return s
}

// errorAnswer is how the audit trail shows an error answer of party.
func errorAnswer(party string, err error) string {
	if err == nil {
		return ""
	}
	return party + ": " + err.Error()
}

// setMessage changes the cashier's sentence (and reason) of an attempt
// still in state in, without a state change; it writes nothing when both
// are already so, or when the attempt has moved on.
func (e *Engine) setMessage(ctx context.Context, id int64, in journal.State, reason, msg string) error {
	_, _, err := e.transition(ctx, id, func(a *journal.Attempt) error {
		// The caller's sentence is about the state it saw: a transition
		// since (the charge recorded, the cashier's cancel) has its own.
		if a.State != in || (a.Reason == reason && a.Message == msg) {
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
