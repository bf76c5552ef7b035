package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// watchLimit bounds one watcher read; more flagged orders are taken on the
// next tick (oldest first).
const watchLimit = 500

func (e *Engine) watchLoop(stop, work context.Context) {
	failing := false
	every(stop, e.cfg.WatchInterval, func() {
		defer e.cfg.Observer.Tick("watch")
		// Shared journal: one daemon of the group watches Odoo.
		if !e.leader(work, "watch", e.cfg.WatchLease) {
			return
		}
		_, err := e.WatchOnce(work, stop)
		switch {
		case err != nil && !failing:
			failing = true
			e.log.Warn().Err(err).Msg("watching Odoo for flagged orders failed; retrying every watch interval")
		case err == nil && failing:
			failing = false
			e.log.Info().Msg("watching Odoo for flagged orders again")
		}
	})
}

// WatchOnce reads every order flagged requested or cancel_requested with one
// search_read and acts on each. It returns how many orders it read. New
// Compago creates run in the background (bounded); stop ends their start.
func (e *Engine) WatchOnce(ctx, stop context.Context) (int, error) {
	f := e.cfg.Fields
	// What Odoo shows can only be compared with what we wrote before the
	// read started: a write that landed meanwhile may not be in the answer.
	readStart := e.cfg.Now()
	var rows []map[string]json.RawMessage
	err := e.odoo.SearchRead(ctx, "pos.order",
		odoo.Cond(f.State, "in", []string{StateRequested, StateCancelRequested}),
		odoo.Query{Fields: f.orderFields(), Order: "id asc", Limit: watchLimit}, &rows)
	if err != nil {
		return 0, fmt.Errorf("search flagged orders: %w", err)
	}
	orders, err := f.decodeOrders(rows)
	if err != nil {
		return 0, err
	}
	var starts []order
	var errs []error
	for _, o := range orders {
		switch o.Flag {
		case StateRequested:
			start, err := e.requested(ctx, o, readStart)
			if err != nil {
				errs = append(errs, fmt.Errorf("order %d: %w", o.ID, err))
			} else if start {
				starts = append(starts, o)
			}
		case StateCancelRequested:
			if err := e.cancelRequested(ctx, o, readStart); err != nil {
				errs = append(errs, fmt.Errorf("order %d: %w", o.ID, err))
			}
		}
	}
	if len(starts) > 0 {
		if err := e.startAttempts(ctx, stop, starts); err != nil {
			errs = append(errs, err)
		}
	}
	return len(orders), errors.Join(errs...)
}

// requested decides what a "requested" flag means: a new attempt (true), or
// nothing because the journal already answers it.
func (e *Engine) requested(ctx context.Context, o order, readStart time.Time) (bool, error) {
	latest, err := e.journal.Latest(ctx, o.ID)
	if errors.Is(err, journal.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	synced := latest.SyncedVersion >= latest.Version
	if !latest.State.Final() {
		// The cashier flagged an order we are already working on: show
		// them the live attempt again (unless our write of it may have
		// landed after the read: then the flag is just stale).
		if synced && latest.State == journal.Pending && latest.SyncedAt.Before(readStart) {
			return false, e.touch(ctx, latest.ID, "")
		}
		return false, nil
	}
	// A final state Odoo has not seen yet (or may not have seen when the
	// read started): the flag is the old one, not a retry. The syncer
	// writes the final state first.
	return synced && latest.SyncedAt.Before(readStart), nil
}

// refusal says why an order cannot be charged, or "" when it can.
func (e *Engine) refusal(o order, sessionState string) string {
	switch {
	case o.State != "draft":
		return msgNotDraft(o.State)
	case o.due() <= 0:
		return msgNothingDue()
	case o.Amount < 0:
		return msgRefused("the amount to charge is negative")
	case o.Amount > o.due():
		return msgTooMuch(o.Amount, o.due())
	case sessionState != "opened":
		return msgSessionClosed()
	}
	return ""
}

// startAttempts checks the orders' sessions with one read, refuses what
// cannot be charged and records a write-ahead attempt for the rest.
func (e *Engine) startAttempts(ctx, stop context.Context, orders []order) error {
	sessions, err := e.sessionStates(ctx, orders)
	if err != nil {
		return err
	}
	defaults, err := e.defaultTerminals(ctx, orders)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range orders {
		if why := e.refusal(o, sessions[o.SessionID]); why != "" {
			e.log.Info().Int64("order", o.ID).Str("reason", why).Msg("payment request refused")
			err := e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{
				e.cfg.Fields.State: StateFailed, e.cfg.Fields.Message: why,
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("refuse order %d: %w", o.ID, err))
			}
			continue
		}
		amount := o.Amount
		if amount == 0 {
			amount = o.due()
		}
		terminal := o.Terminal
		if terminal == "" {
			terminal = defaults[o.ConfigID]
		}
		start := e.cfg.Now()
		a, err := e.journal.Begin(ctx, journal.NewAttempt{
			OrderID: o.ID, Amount: amount, Terminal: terminal, ExternalIDPrefix: e.cfg.ExternalIDPrefix,
		})
		e.cfg.Observer.Call("journal", "begin", e.cfg.Now().Sub(start), err)
		if errors.Is(err, journal.ErrLiveAttempt) {
			continue // another tick got there first
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write-ahead for order %d: %w", o.ID, err))
			continue
		}
		crashPoint(CrashAfterBegin)
		e.log.Info().Int64("order", a.OrderID).Int("attempt", a.Seq).Str("external_id", a.ExternalID).
			Str("terminal", a.Terminal).Int64("amount_centavos", a.Amount).Msg("payment requested")
		e.syncer.poke()
		e.startCreate(stop, a.ID)
	}
	return errors.Join(errs...)
}

// sessionTTL is how long a POS session's state is trusted: sessions open
// and close a few times a day, Odoo refuses to close one that still has
// draft orders, and the recorder checks again before it adds a payment, so
// a short cache saves Odoo a read per payment.
const sessionTTL = time.Minute

// sessionCache remembers the state of POS sessions for sessionTTL.
type sessionCache struct {
	mu    sync.Mutex
	state map[int64]string
	at    map[int64]time.Time
}

// sessionStates gives the state of the orders' POS sessions, reading the
// ones it does not know (or knows for too long) in one call.
func (e *Engine) sessionStates(ctx context.Context, orders []order) (map[int64]string, error) {
	c := &e.sessions
	now := e.cfg.Now()
	c.mu.Lock()
	if c.state == nil {
		c.state, c.at = map[int64]string{}, map[int64]time.Time{}
	}
	var ids []int64
	for _, o := range orders {
		if o.SessionID != 0 && now.Sub(c.at[o.SessionID]) > sessionTTL && !slices.Contains(ids, o.SessionID) {
			ids = append(ids, o.SessionID)
		}
	}
	c.mu.Unlock()
	if len(ids) > 0 {
		var rows []struct {
			ID    int64       `json:"id"`
			State odoo.String `json:"state"`
		}
		if err := e.odoo.Read(ctx, "pos.session", ids, []string{"id", "state"}, &rows); err != nil {
			return nil, fmt.Errorf("read POS sessions: %w", err)
		}
		c.mu.Lock()
		for _, id := range ids {
			c.state[id], c.at[id] = "", now // a session Odoo does not return is not open
		}
		for _, r := range rows {
			c.state[r.ID] = string(r.State)
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int64]string, len(orders))
	for _, o := range orders {
		out[o.SessionID] = c.state[o.SessionID]
	}
	return out, nil
}

// defaultTerminals maps the orders' POS configs to their configured default
// terminal. The map is keyed by the config's name, which a many2one does not
// give (it carries the display name, e.g. "Shop (Administrator)"), so the
// names are read, in one call, only when a default is needed.
func (e *Engine) defaultTerminals(ctx context.Context, orders []order) (map[int64]string, error) {
	out := map[int64]string{}
	if len(e.cfg.Terminals) == 0 {
		return out, nil
	}
	var ids []int64
	for _, o := range orders {
		if o.Terminal == "" && o.ConfigID != 0 && !slices.Contains(ids, o.ConfigID) {
			ids = append(ids, o.ConfigID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64       `json:"id"`
		Name odoo.String `json:"name"`
	}
	if err := e.odoo.Read(ctx, "pos.config", ids, []string{"id", "name"}, &rows); err != nil {
		return nil, fmt.Errorf("read POS config names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = e.cfg.Terminals[string(r.Name)]
	}
	return out, nil
}
