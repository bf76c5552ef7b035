package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/compago"
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
	// Also the orders still pending on a card that were paid or closed
	// another way: their intent must leave the terminal before a tap
	// charges a card for nothing.
	err := e.odoo.SearchRead(ctx, "pos.order",
		odoo.Or(odoo.Cond(f.State, "in", []string{StateRequested, StateCancelRequested}),
			odoo.And(odoo.Cond(f.State, "=", StatePending), odoo.Cond("state", "!=", "draft"))),
		odoo.Query{Fields: f.orderFields(), Order: "id asc", Limit: watchLimit}, &rows)
	if err != nil {
		return 0, fmt.Errorf("search flagged orders: %w", err)
	}
	orders, err := f.decodeOrders(rows)
	if err != nil {
		return 0, err
	}
	var starts []startRequest
	var errs []error
	// What the watcher does answers the order's flag: the cashier asked.
	ctx = WithActor(ctx, journal.ActorCashier)
	for _, o := range orders {
		switch o.Flag {
		case StateRequested:
			start, latestSeq, err := e.requested(ctx, o, readStart)
			if err != nil {
				errs = append(errs, fmt.Errorf("order %d: %w", o.ID, err))
			} else if start {
				starts = append(starts, startRequest{order: o, latestSeq: latestSeq})
			}
		case StatePending:
			if err := e.withdrawClosed(ctx, o); err != nil {
				errs = append(errs, fmt.Errorf("order %d: %w", o.ID, err))
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

// startRequest is an order to begin an attempt for, and the number of its
// latest journaled attempt when that was decided (0: none).
type startRequest struct {
	order     order
	latestSeq int
}

// withdrawClosed cancels the live intent of an order that Odoo shows as
// no longer a draft (paid in cash, cancelled) while a card is pending on
// it. A charge that meets the cancel is recorded, or parked, as any other.
func (e *Engine) withdrawClosed(ctx context.Context, o order) error {
	if o.State == "draft" {
		return nil
	}
	latest, err := e.journal.Latest(ctx, o.ID)
	if errors.Is(err, journal.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if latest.State != journal.Creating && latest.State != journal.Pending {
		return nil
	}
	a, changed, err := e.transition(ctx, latest.ID, func(a *journal.Attempt) error {
		if a.State != journal.Creating && a.State != journal.Pending {
			return errNoChange
		}
		a.State, a.Reason, a.Message = journal.Cancelling, "order_closed", e.say.WithdrawnOrderClosed(o.State)
		return nil
	})
	if err != nil || !changed {
		return err
	}
	e.log.Warn().Int64("order", o.ID).Str("intent", a.IntentID).Str("order_state", o.State).
		Msg("the order was paid or closed another way while its card was pending; withdrawing the intent")
	if a.IntentID != "" {
		e.polls.schedule(a.ID, e.cfg.Now())
	}
	return nil
}

// requested decides what a "requested" flag means: a new attempt (true), or
// nothing because the journal already answers it. latestSeq is the number
// of the order's latest attempt the decision was taken on.
func (e *Engine) requested(ctx context.Context, o order, readStart time.Time) (start bool, latestSeq int, err error) {
	latest, err := e.journal.Latest(ctx, o.ID)
	if errors.Is(err, journal.ErrNotFound) {
		return true, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	synced := latest.SyncedVersion >= latest.Version
	if !latest.State.Final() {
		// The cashier flagged an order we are already working on: show
		// them the live attempt again (unless our write of it may have
		// landed after the read: then the flag is just stale).
		if synced && latest.State == journal.Pending && latest.SyncedAt.Before(readStart) {
			return false, 0, e.touch(ctx, latest.ID, "")
		}
		return false, 0, nil
	}
	// A final state Odoo has not seen yet (or may not have seen when the
	// read started): the flag is the old one, not a retry. The outbox
	// writes the final state first.
	retry := synced && latest.SyncedAt.Before(readStart)
	if retry && latest.State == journal.Unknown && latest.IntentID == "" && latest.Settled == "" {
		// Compago may hold a payable intent of this order whose id it never
		// gave us, so nothing can read it: a second card payment could
		// charge the customer twice. A human checks the terminal and
		// settles it (intents settle) first.
		return false, 0, e.touch(ctx, latest.ID, e.say.UnknownUnsettled())
	}
	return retry, latest.Seq, nil
}

// refusal says why an order cannot be charged, or "" when it can.
func (e *Engine) refusal(ctx context.Context, o order, sessionState string, tickStart time.Time) (string, error) {
	if why := e.say.refusalOfOrder(o, sessionState); why != "" {
		return why, nil
	}
	allowed, err := e.methods.allowedIn(ctx, e.odoo, e.cfg.PaymentMethod, o.ConfigID, tickStart)
	if err != nil {
		return "", err
	}
	if !allowed {
		return e.say.MethodNotAllowed(e.configName(ctx, o.ConfigID)), nil
	}
	return "", nil
}

// configName is a POS config's name for a cashier's sentence.
func (e *Engine) configName(ctx context.Context, id int64) string {
	var rows []struct {
		Name odoo.String `json:"name"`
	}
	if err := e.odoo.Read(ctx, "pos.config", []int64{id}, []string{"name"}, &rows); err != nil || len(rows) == 0 {
		return fmt.Sprintf("#%d", id)
	}
	return string(rows[0].Name)
}

// refusalOfOrder is what the order itself says against charging it.
func (s say) refusalOfOrder(o order, sessionState string) string {
	switch {
	case o.State != "draft":
		return s.NotDraft(o.State)
	case o.Currency != compago.Currency:
		// Compago charges pesos only: an order in another currency would be
		// charged its number as pesos.
		return s.WrongCurrency(o.Currency)
	case o.due() <= 0:
		return s.NothingDue()
	case o.Amount < 0:
		return s.NegativeAmount(o.Amount)
	case o.Amount > o.due():
		return s.TooMuch(o.Amount, o.due())
	case sessionState != "opened":
		return s.SessionClosed()
	case o.Terminal != "" && ValidTerminal(o.Terminal) != nil:
		// Anyone who can write the order writes this field: it is checked
		// before it is journaled, sent to Compago or shown to anyone.
		return s.BadTerminal()
	}
	return ""
}

// startAttempts checks the orders' sessions with one read, refuses what
// cannot be charged and records a write-ahead attempt for the rest.
func (e *Engine) startAttempts(ctx, stop context.Context, starts []startRequest) error {
	tickStart := time.Now()
	orders := make([]order, len(starts))
	for i, s := range starts {
		orders[i] = s.order
	}
	sessions, err := e.sessionStates(ctx, orders)
	if err != nil {
		return err
	}
	defaults, err := e.defaultTerminals(ctx, orders)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range starts {
		o := s.order
		why, err := e.refusal(ctx, o, sessions[o.SessionID], tickStart)
		if err != nil {
			errs = append(errs, fmt.Errorf("order %d: %w", o.ID, err))
			continue
		}
		if why != "" {
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
			AfterSeq:    e.seqInOdoo(o),
			CheckLatest: true, LatestSeq: s.latestSeq,
		})
		e.cfg.Observer.Call("journal", "begin", e.cfg.Now().Sub(start), err)
		if errors.Is(err, journal.ErrLiveAttempt) || errors.Is(err, journal.ErrStale) {
			// Another tick, or another daemon, got there first: what was
			// read is out of date, and the next tick reads it again.
			e.log.Debug().Err(err).Int64("order", o.ID).Msg("write-ahead not recorded: what was read is out of date")
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write-ahead for order %d: %w", o.ID, err))
			continue
		}
		crashPoint(CrashAfterBegin)
		e.log.Info().Int64("order", a.OrderID).Int("attempt", a.Seq).Str("external_id", a.ExternalID).
			Str("terminal", a.Terminal).Int64("amount_centavos", a.Amount).Str("currency", o.Currency).Msg("payment requested")
		e.outbox.poke()
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

// seqInOdoo is the attempt number of the externalId Odoo shows for the
// order, when it is one of ours ("<prefix>-<order>-<n>"): a journal lost or
// restored from an old backup must not number a new attempt below it.
func (e *Engine) seqInOdoo(o order) int {
	want := fmt.Sprintf("%s-%d-", e.cfg.ExternalIDPrefix, o.ID)
	if !strings.HasPrefix(o.ExternalID, want) {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimPrefix(o.ExternalID, want))
	if err != nil || n < 1 {
		return 0
	}
	return n
}
