package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// syncLimit bounds the attempts one sync pass writes; syncWorkers bounds
// the Odoo writes in flight at once.
const (
	syncLimit   = 200
	syncWorkers = 8
)

// syncer is the outbox: it writes to Odoo every attempt whose journal
// version Odoo has not acknowledged, until Odoo accepts it.
type syncer struct {
	e       *Engine
	mu      sync.Mutex
	orders  map[int64]payableOrder // prefetched for this pass: draft orders of open sessions
	wake    chan struct{}
	retry   *backoff
	parked  *backoff // items that need a human are retried slowly
	failing atomic.Bool
	shown   shownVersions // charged attempts whose "charged" message was written
}

// shownVersions remembers the version of each attempt last shown to the
// cashier outside a full write-back.
type shownVersions struct {
	mu sync.Mutex
	m  map[int64]int64
}

func (s *shownVersions) firstTime(id, version int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[int64]int64{}
	}
	if s.m[id] >= version {
		return false
	}
	s.m[id] = version
	return true
}

func (s *shownVersions) forget(id int64) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

func newSyncer(e *Engine) *syncer {
	return &syncer{
		e:      e,
		wake:   make(chan struct{}, 1),
		retry:  newBackoff(500*time.Millisecond, time.Minute),
		parked: newBackoff(5*time.Minute, 5*time.Minute),
	}
}

// poke asks for a sync pass now.
func (s *syncer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *syncer) loop(stop, work context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		s.e.SyncOnce(work)
		s.e.cfg.Observer.Tick("sync")
		select {
		case <-stop.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// attentionError marks a write-back that cannot succeed without a human:
// a closed session, an order changed or deleted under a charged payment.
// what is for the log and the back office; cashier, when set, is the
// sentence the cashier reads instead of msgAttention(what).
type attentionError struct{ what, cashier string }

func (e *attentionError) Error() string { return e.what }

func (e *attentionError) cashierSentence() string {
	if e.cashier != "" {
		return e.cashier
	}
	return msgAttention(e.what)
}

// SyncOnce writes to Odoo what it is behind on, oldest first, with up to
// syncWorkers writes in flight (never two for one order), and returns how
// many attempts it brought up to date. It stops dispatching at the first
// failure that looks like Odoo being down, so an outage costs one timeout
// a pass.
func (e *Engine) SyncOnce(ctx context.Context) int {
	s := e.syncer
	list, err := e.journal.List(ctx, journal.Filter{Unsynced: true, Limit: syncLimit})
	if err != nil {
		e.log.Error().Err(err).Msg("journal: list attempts to write to Odoo")
		return 0
	}
	now := e.cfg.Now()
	// One read for the orders of every charged payment of this pass, so
	// that a burst of approvals costs Odoo one read, not one per order.
	e.prefetchOrders(ctx, list, now)
	defer s.clearPrefetch()

	var (
		wg       sync.WaitGroup
		done     atomic.Int64
		odooDown atomic.Bool
		sem      = make(chan struct{}, syncWorkers)
		ordered  = map[int64]bool{} // orders with a write in this pass
	)
	for _, a := range list {
		if odooDown.Load() {
			break // Odoo is unreachable: the rest waits for the next pass
		}
		if ordered[a.OrderID] || !s.retry.due(a.ID, now) || !s.parked.due(a.ID, now) {
			continue
		}
		release, ok := e.claim(ctx, a.ID, journal.KindSync, e.own.syncTTL)
		if !ok {
			continue // another daemon writes this one back
		}
		ordered[a.OrderID] = true
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { release(); <-sem; wg.Done() }()
			// No busy lock here: a poll that changes the attempt meanwhile
			// bumps its version, so MarkSynced of the version written
			// leaves it due for another pass.
			err := e.syncShared(ctx, &a)
			if err == nil {
				err = e.syncAttempt(ctx, a)
			}
			if errors.Is(err, errUpToDate) {
				err = nil
			}
			if err == nil {
				s.retry.forget(a.ID)
				s.parked.forget(a.ID)
				done.Add(1)
				return
			}
			e.syncFailed(ctx, a, err)
			if odoo.IsOutcomeUnknown(err) || errors.Is(err, context.DeadlineExceeded) {
				odooDown.Store(true)
			}
		}()
	}
	wg.Wait()
	if done.Load() > 0 && s.failing.CompareAndSwap(true, false) {
		e.log.Info().Msg("writing to Odoo again")
	}
	return int(done.Load())
}

func (e *Engine) syncFailed(ctx context.Context, a journal.Attempt, err error) {
	s := e.syncer
	var att *attentionError
	var settling *errSettling
	var awaiting *errAwaitingPOS
	attention := errors.As(err, &att)
	if errors.Is(err, errLostWork) || errors.Is(err, journal.ErrLeaseLost) {
		// Another daemon writes this attempt back now: nothing of ours
		// goes to Odoo or to its sync record.
		e.log.Warn().Err(err).Int64("order", a.OrderID).Int64("attempt_id", a.ID).Msg("lost the work to another daemon: write-back given up")
		return
	}
	wctx, done, lost := e.act(ctx, a.ID, "report a failed write-back", journal.KindSync)
	if lost != nil {
		return
	}
	defer done()
	ctx = wctx // the cashier's sentence is written while the work is ours
	switch {
	case attention:
		s.parked.failed(a.ID, e.cfg.Now(), 0)
		if !a.Attention {
			e.log.Error().Int64("order", a.OrderID).Str("intent", a.IntentID).Str("external_id", a.ExternalID).
				Int64("amount_centavos", a.Amount).Str("problem", att.what).
				Msg("ATTENTION: charged payment cannot be added to its order; parked until fixed")
			// Tell the cashier too; best effort, the journal keeps the truth.
			_ = e.odoo.Write(ctx, "pos.order", []int64{a.OrderID}, map[string]any{e.cfg.Fields.Message: att.cashierSentence()})
		}
	case errors.As(err, &awaiting):
		// Not a failure: the charge is recorded and the order fully paid;
		// the POS gets the grace period to validate it itself.
		s.retry.until(a.ID, awaiting.retryAt)
		e.log.Info().Int64("order", a.OrderID).Str("intent", a.IntentID).Time("complete_at", awaiting.retryAt).
			Msg("charge recorded; the order is left to the POS to validate, and completed here at complete_at if it does not")
		return
	case errors.As(err, &settling):
		// Not a failure: the recorder waits for an earlier add_payment to
		// commit or to be past committing. The cashier reads that the card
		// was charged and is being recorded.
		s.retry.until(a.ID, settling.retryAt)
		e.showCharged(ctx, a)
		e.log.Warn().Int64("order", a.OrderID).Str("intent", a.IntentID).Time("look_again_at", settling.retryAt).
			Msg("an add_payment whose answer was lost may still commit in Odoo; adding the payment only once it cannot")
		return
	default:
		e.showCharged(ctx, a)
		s.retry.failed(a.ID, e.cfg.Now(), 0)
		if s.failing.CompareAndSwap(false, true) {
			e.log.Warn().Err(err).Int64("order", a.OrderID).Msg("cannot write to Odoo; retrying with backoff, nothing is lost")
		}
	}
	if jerr := e.journal.SyncFailed(ctx, a.ID, err.Error(), attention); jerr != nil {
		e.log.Error().Err(jerr).Msg("journal: record a failed write to Odoo")
	}
}

// syncAttempt brings Odoo up to the attempt's version: records the payment
// of a confirmed attempt, then writes the order's Compago fields.
func (e *Engine) syncAttempt(ctx context.Context, a journal.Attempt) error {
	if a.State == journal.Confirmed {
		due, err := e.recordPayment(ctx, a)
		if errors.Is(err, errMovedOn) {
			return nil
		}
		if err != nil {
			return err
		}
		a, _, err = e.transition(ctx, a.ID, func(x *journal.Attempt) error {
			if x.State != journal.Confirmed {
				return errNoChange
			}
			x.State, x.Reason, x.Message, x.Attention = journal.Recorded, "recorded", msgPaid(x.Amount, due), false
			x.AddPaymentUntil = time.Time{} // the line is there: nothing is in flight any more
			return nil
		})
		if err != nil {
			return err
		}
		if a.State != journal.Recorded { // changed under us; the next pass sees it
			return nil
		}
	}
	if a.State == journal.Creating && a.Message == "" {
		// Nothing the cashier needs yet: the flag stays "requested" until
		// the intent exists. Saves Odoo a write per payment.
		return e.journal.MarkSynced(ctx, a.ID, a.Version)
	}
	latest, err := e.journal.Latest(ctx, a.OrderID)
	if err != nil {
		return err
	}
	if latest.ID == a.ID {
		wctx, done, err := e.act(ctx, a.ID, "write the order's Compago fields", journal.KindSync)
		if err != nil {
			return err
		}
		defer done()
		if err := e.odoo.Write(wctx, "pos.order", []int64{a.OrderID}, e.projection(a)); err != nil {
			if odoo.IsMissing(err) {
				return &attentionError{what: "the order no longer exists in Odoo"}
			}
			return fmt.Errorf("write order %d: %w", a.OrderID, err)
		}
		crashPoint(CrashAfterOdooWrite)
	}
	// An older attempt than the order's latest is not shown in Odoo: the
	// latest one speaks for the order.
	return e.journal.MarkSynced(ctx, a.ID, a.Version)
}

// showCharged tells the cashier, best effort, that the card of a
// confirmed attempt was charged while its recording waits or failed: an
// order whose card was charged never keeps saying "waiting for the card"
// (which invites a cancel or a second card). Written once per version.
func (e *Engine) showCharged(ctx context.Context, a journal.Attempt) {
	if a.State != journal.Confirmed || a.Attention || !e.syncer.shown.firstTime(a.ID, a.Version) {
		return
	}
	if latest, err := e.journal.Latest(ctx, a.OrderID); err != nil || latest.ID != a.ID {
		return
	}
	if err := e.odoo.Write(ctx, "pos.order", []int64{a.OrderID}, e.projection(a)); err != nil {
		e.syncer.shown.forget(a.ID)
	}
}

// projection is what the order's Compago fields say for the attempt.
func (e *Engine) projection(a journal.Attempt) map[string]any {
	f := e.cfg.Fields
	vals := map[string]any{f.Message: a.Message, f.ExternalID: a.ExternalID}
	if a.IntentID != "" {
		vals[f.IntentID] = a.IntentID
		vals[f.DeepLink] = compago.DeepLink(a.IntentID)
	}
	// Creating and Cancelling leave x_compago_state alone: the cashier's
	// "requested" or "cancel_requested" stays until there is an answer.
	switch a.State {
	case journal.Pending:
		vals[f.State] = StatePending
	case journal.Recorded:
		vals[f.State] = StatePaid
	case journal.Cancelled:
		vals[f.State] = StateCancelled
	case journal.Expired:
		vals[f.State] = StateExpired
	case journal.Failed, journal.Unknown:
		vals[f.State] = StateFailed
	}
	return vals
}

// prefetchOrders reads, in one call, the orders of the confirmed attempts
// due in this pass, keeping those that are draft in an open session.
func (e *Engine) prefetchOrders(ctx context.Context, list []journal.Attempt, now time.Time) {
	var ids []int64
	for _, a := range list {
		// An attempt whose add_payment may be in flight reads its order
		// itself, after this pass began.
		if a.State == journal.Confirmed && a.AddPaymentUntil.IsZero() && e.syncer.retry.due(a.ID, now) && e.syncer.parked.due(a.ID, now) {
			ids = append(ids, a.OrderID)
		}
	}
	if len(ids) < 2 {
		return // a single order is read by the recorder itself
	}
	var orders []payableOrder
	if err := e.odoo.SearchRead(ctx, "pos.order",
		odoo.And(odoo.Cond("id", "in", ids), odoo.Cond("session_id.state", "=", "opened")),
		odoo.Query{Fields: payableFields}, &orders); err != nil {
		return // each recorder reads its own order then
	}
	s := e.syncer
	s.mu.Lock()
	s.orders = make(map[int64]payableOrder, len(orders))
	for _, o := range orders {
		o.SessionOpen = true // the domain asked for it
		s.orders[o.ID] = o
	}
	s.mu.Unlock()
}

// prefetched takes the order read by prefetchOrders, once.
func (s *syncer) prefetched(id int64) (payableOrder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	delete(s.orders, id)
	return o, ok
}

func (s *syncer) clearPrefetch() {
	s.mu.Lock()
	s.orders = nil
	s.mu.Unlock()
}

// errUpToDate says Odoo already has the attempt's latest version.
var errUpToDate = errors.New("attempt already written to Odoo")

// syncShared, with a shared journal, re-reads the attempt once its lease
// is held: the pass's list may predate another daemon's write-back of it,
// and writing that old version would put Odoo back in time.
func (e *Engine) syncShared(ctx context.Context, a *journal.Attempt) error {
	if !e.own.shared {
		return nil
	}
	fresh, err := e.journal.Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if fresh.SyncedVersion >= fresh.Version {
		return errUpToDate
	}
	*a = fresh
	return nil
}

// until makes the attempt due again at t without counting a failure.
func (b *backoff) until(id int64, t time.Time) {
	b.mu.Lock()
	b.next[id] = t
	b.mu.Unlock()
}
