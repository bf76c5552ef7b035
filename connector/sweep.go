package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// intentLifetime is how long Compago keeps an intent payable.
const intentLifetime = 10 * time.Minute

// sweeper runs SweepOnce on the configured cron schedule.
type sweeper struct {
	e    *Engine
	cron *cron.Cron
	mu   sync.Mutex
	ctx  context.Context
}

// ParseSchedule checks a sweep schedule: five cron fields or a descriptor
// such as "@every 1m" or "@hourly".
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).Parse(spec)
}

func newSweeper(e *Engine) (*sweeper, error) {
	sched, err := ParseSchedule(e.cfg.SweepSchedule)
	if err != nil {
		return nil, err
	}
	s := &sweeper{e: e}
	s.cron = cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	s.cron.Schedule(sched, cron.FuncJob(s.run))
	if e.cfg.DailyReport != nil {
		daily, err := ParseSchedule(e.cfg.DailySchedule)
		if err != nil {
			return nil, fmt.Errorf("daily report schedule %q: %w", e.cfg.DailySchedule, err)
		}
		s.cron.Schedule(daily, cron.FuncJob(s.report))
	}
	return s, nil
}

func (s *sweeper) start(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	s.cron.Start()
}

func (s *sweeper) stop() context.Context { return s.cron.Stop() }

func (s *sweeper) run() {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	if !s.e.leader(ctx, "sweep", 5*time.Minute) {
		return
	}
	r, err := s.e.SweepOnce(ctx)
	ev := s.e.log.Info()
	if err != nil {
		ev = s.e.log.Warn().Err(err)
	} else if r == (SweepReport{}) {
		ev = s.e.log.Debug()
	}
	ev.Int("expiry_checks", r.ExpiryChecks).Int("stuck_creates", r.StuckCreates).Int("adopted", r.Adopted).
		Int("cleared", r.Cleared).Int("failing_writes", r.FailingWrites).Int("corrected", r.Corrected).Int64("pruned", r.Pruned).Msg("sweep")
}

// report runs the daily report on one daemon of the group.
func (s *sweeper) report() {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	if !s.e.leader(ctx, "report", time.Hour) {
		return
	}
	if err := s.e.cfg.DailyReport(ctx); err != nil {
		s.e.log.Error().Err(err).Msg("daily reconciliation report")
	}
}

// SweepReport says what one sweep found and did.
type SweepReport struct {
	ExpiryChecks  int   // pending intents past their lifetime, read once more now
	StuckCreates  int   // write-aheads still without an answer from Compago
	Adopted       int   // Odoo orders pending on an intent the journal did not know, now followed
	Cleared       int   // Odoo orders pending without any intent id, set to failed
	FailingWrites int   // outbox items Odoo has refused for longer than stuck_after
	Corrected     int   // orders whose daemon-only fields someone else changed, put right
	Pruned        int64 // final attempts older than the retention, deleted
}

// SweepOnce settles what is stuck. Each part is independent; errors are
// joined and the other parts still run.
func (e *Engine) SweepOnce(ctx context.Context) (SweepReport, error) {
	var r SweepReport
	var errs []error
	now := e.cfg.Now()
	live, err := e.journal.List(ctx, journal.Filter{States: []journal.State{journal.Creating, journal.Pending, journal.Cancelling}})
	if err != nil {
		return r, fmt.Errorf("sweep: list live attempts: %w", err)
	}
	for _, a := range live {
		age := now.Sub(a.CreatedAt)
		switch {
		case a.IntentID != "" && age > intentLifetime:
			r.ExpiryChecks++
			e.polls.schedule(a.ID, now) // a final read settles it
		case a.IntentID == "" && age > e.cfg.StuckAfter && a.Reason != "held":
			// (A held request waits on purpose: nothing was sent.)
			r.StuckCreates++
			e.createBackoff.forget(a.ID) // retried on the next create pass
			e.log.Warn().Int64("order", a.OrderID).Str("external_id", a.ExternalID).Stringer("age", age).
				Msg("payment request still without an answer from Compago; retrying with the same externalId")
		}
	}
	adopted, cleared, err := e.adoptOdooFlags(WithActor(ctx, journal.ActorSweep))
	r.Adopted, r.Cleared = adopted, cleared
	if err != nil {
		errs = append(errs, err)
	}
	if r.Corrected, err = e.correctHandWrites(ctx); err != nil {
		errs = append(errs, err)
	}
	failing, err := e.journal.List(ctx, journal.Filter{Unsynced: true, UpdatedBefore: now.Add(-e.cfg.StuckAfter)})
	if err != nil {
		errs = append(errs, fmt.Errorf("sweep: list failing writes: %w", err))
	}
	for _, a := range failing {
		if a.SyncFailures == 0 {
			continue
		}
		r.FailingWrites++
		msg := "Odoo has refused this write-back for a long time"
		if a.Attention {
			// Parked by the daemon itself (the order changed under the
			// charge, ...): Odoo refused nothing, a human must look.
			msg = "ATTENTION: a charged payment is still parked for a human"
		}
		e.log.Error().Int64("order", a.OrderID).Str("intent", a.IntentID).Str("state", string(a.State)).
			Int("failures", a.SyncFailures).Str("last_error", a.LastError).Bool("attention", a.Attention).
			Msg(msg)
	}
	if e.cfg.Retention > 0 {
		n, err := e.journal.Prune(ctx, now.Add(-e.cfg.Retention))
		r.Pruned = n
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep: prune: %w", err))
		}
	}
	return r, errors.Join(errs...)
}

// adoptOdooFlags looks at the orders Odoo shows as pending on Compago and
// settles those the journal does not speak for. Without an intent id, the
// order is set to failed so the cashier can retry. With one, see
// followForeign: an intent id the journal did not create is never money by
// itself.
func (e *Engine) adoptOdooFlags(ctx context.Context) (adopted, cleared int, err error) {
	f := e.cfg.Fields
	var rows []map[string]json.RawMessage
	if err := e.odoo.SearchRead(ctx, "pos.order", odoo.Cond(f.State, "=", StatePending),
		odoo.Query{Fields: append(f.orderFields(), f.Message), Order: "id asc", Limit: watchLimit}, &rows); err != nil {
		return 0, 0, fmt.Errorf("sweep: read pending orders: %w", err)
	}
	orders, err := f.decodeOrders(rows)
	if err != nil {
		return 0, 0, err
	}
	shown := shownMessages(rows, f.Message)
	var errs []error
	for _, o := range orders {
		latest, err := e.journal.Latest(ctx, o.ID)
		switch {
		case err == nil && latest.IntentID == o.IntentID:
			if latest.State.Final() && latest.SyncedVersion >= latest.Version {
				errs = append(errs, e.touch(ctx, latest.ID, "")) // Odoo lost our last write
			}
			continue
		case err == nil && !latest.State.Final():
			continue // the live attempt speaks for the order
		case err != nil && !errors.Is(err, journal.ErrNotFound):
			errs = append(errs, err)
			continue
		}
		if o.IntentID == "" {
			cleared++
			errs = append(errs, e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{f.State: StateFailed, f.Message: e.say.LostTrack()}))
			continue
		}
		followed, err := e.followForeign(ctx, o, shown[o.ID])
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep: order %d: %w", o.ID, err))
			continue
		}
		if followed {
			adopted++
		} else {
			cleared++
		}
	}
	return adopted, cleared, errors.Join(errs...)
}

// Reasons of the attempts the sweep journals for an intent it did not
// create (journal.Attempt.Reason). The report lists every attempt with one
// of them (IsForeign).
const (
	ReasonForeignCharged  = "adopted_charged" // Compago says charged: parked for a person, no payment line
	ReasonForeignNotFound = "adopted_unknown" // Compago does not know the intent
	ReasonForeignEnded    = "adopted"         // cancelled or expired: no money was taken
	maxIntentIDLen        = 64                // Compago's ids are UUIDs (36 characters)
	foreignExternalPrefix = "adopted-"        // the externalId journaled when Odoo's is not ours
)

// IsForeign reports whether the attempt was journaled for an intent this
// journal did not create.
func IsForeign(a journal.Attempt) bool {
	switch a.Reason {
	case ReasonForeignCharged, ReasonForeignNotFound, ReasonForeignEnded:
		return true
	}
	return false
}

// followForeign handles an order Odoo shows pending on an intent id the
// journal did not create: a journal restored from an old backup, a second
// install, or anyone who can write a pos.order (a cashier) naming an intent
// of the organization (another store, another system, an old sale whose
// rows were pruned).
//
// The rule: such an intent id is never money. Compago's GET answer carries
// neither the amount nor the externalId, so nothing the daemon can ask ties
// the charge to this order or to its amount; the one proof there could be,
// the amount Compago answered at create, exists only in the journal of the
// daemon that created it. So the intent is followed (read at each sweep,
// the cashier told it is being checked) and, once final:
//   - charged: journaled as failed and parked (Attention) with the cashier
//     told the back office must check the charge; no payment line is added
//     and the order is not completed. A person compares the charge with the
//     order at Compago and adds the payment by hand if it is this order's.
//   - cancelled or expired: journaled as such; no money was taken.
//   - unknown to Compago: journaled as failed.
//
// followed is false when the order was set to failed at once (an id that
// cannot be Compago's, or one the journal holds for another order).
func (e *Engine) followForeign(ctx context.Context, o order, shown string) (followed bool, err error) {
	f := e.cfg.Fields
	refuse := func(msg string) (bool, error) {
		e.log.Warn().Int64("order", o.ID).Str("intent", o.IntentID).
			Msg("an order names a Compago intent this daemon did not create; set to failed, nothing recorded")
		return false, e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{f.State: StateFailed, f.Message: msg})
	}
	if !plausibleIntentID(o.IntentID) {
		return refuse(e.say.ForeignInvalid())
	}
	known, err := e.journal.ByIntent(ctx, o.IntentID)
	switch {
	case err == nil && known.OrderID == o.ID:
		// An older attempt of this very order: Odoo shows what it no
		// longer is. The latest attempt speaks for the order.
		latest, err := e.journal.Latest(ctx, o.ID)
		if err != nil {
			return false, err
		}
		return false, e.touch(ctx, latest.ID, "")
	case err == nil:
		return refuse(e.say.ForeignOtherOrder())
	case !errors.Is(err, journal.ErrNotFound):
		return false, err
	}
	in, err := e.compago.Get(ctx, o.IntentID)
	var a journal.Attempt
	switch {
	case errors.Is(err, compago.ErrIntentNotFound):
		a = journal.Attempt{State: journal.Failed, Reason: ReasonForeignNotFound, Message: e.say.ForeignNotFound()}
	case err != nil:
		return false, fmt.Errorf("read intent %s: %w", o.IntentID, err)
	case in.Charged():
		a = journal.Attempt{State: journal.Failed, Reason: ReasonForeignCharged, Message: e.say.ForeignCharged(o.IntentID), Attention: true}
	case in.Status == compago.StatusCancelled:
		a = journal.Attempt{State: journal.Cancelled, Reason: ReasonForeignEnded, Message: e.say.Withdrawn("")}
	case in.Expired:
		a = journal.Attempt{State: journal.Expired, Reason: ReasonForeignEnded, Message: e.say.Expired()}
	default:
		// Still on the terminal: say so once, look again at the next sweep.
		e.log.Warn().Int64("order", o.ID).Str("intent", o.IntentID).
			Msg("following a pending intent the journal did not create; a charge will not be recorded without a person")
		if shown == e.say.ForeignPending() {
			return true, nil
		}
		return true, e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{f.Message: e.say.ForeignPending()})
	}
	a, err = e.journalForeign(ctx, o, a)
	if err != nil {
		return false, err
	}
	ev := e.log.Warn()
	if a.Attention {
		ev = e.log.Error()
	}
	ev.Int64("order", o.ID).Str("intent", a.IntentID).Str("external_id", a.ExternalID).Str("state", string(a.State)).
		Str("reason", a.Reason).Bool("attention", a.Attention).
		Msg("an intent the journal did not create ended; journaled without recording any payment")
	return true, nil
}

// journalForeign inserts the final attempt a for the order's foreign
// intent. The externalId Odoo shows is kept only when it has the shape
// this database's would (<prefix>-<order>-<n>, n past the order's last
// attempt): anything else a cashier wrote could clash with an externalId
// this daemon will use. The amount is the order's claim, not a charge.
func (e *Engine) journalForeign(ctx context.Context, o order, a journal.Attempt) (journal.Attempt, error) {
	seq := 1
	if latest, err := e.journal.Latest(ctx, o.ID); err == nil {
		seq = latest.Seq + 1
	} else if !errors.Is(err, journal.ErrNotFound) {
		return a, err
	}
	ext := foreignExternalPrefix + o.IntentID
	if n, ok := ourSeq(o.ExternalID, e.cfg.ExternalIDPrefix, o.ID); ok && n >= seq {
		ext, seq = o.ExternalID, n
	}
	terminal := o.Terminal
	if ValidTerminal(terminal) != nil {
		terminal = ""
	}
	amount := o.Amount
	if amount <= 0 {
		amount = max(o.due(), 0)
	}
	a.OrderID, a.Seq, a.ExternalID, a.IntentID, a.Terminal, a.Amount = o.ID, seq, ext, o.IntentID, terminal, amount
	return e.journal.Insert(ctx, a)
}

// ourSeq returns n when ext is "<prefix>-<order>-<n>".
func ourSeq(ext, prefix string, orderID int64) (int, bool) {
	rest, ok := strings.CutPrefix(ext, fmt.Sprintf("%s-%d-", prefix, orderID))
	if !ok || rest == "" || len(rest) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// plausibleIntentID accepts what could be a Compago intent id (a UUID:
// letters, digits, '-' and '_', at most maxIntentIDLen), so that text a
// cashier wrote is neither sent to Compago nor journaled.
func plausibleIntentID(id string) bool {
	if id == "" || len(id) > maxIntentIDLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// shownMessages reads the cashier's sentence of each order row.
func shownMessages(rows []map[string]json.RawMessage, field string) map[int64]string {
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		var id int64
		var msg odoo.String
		if json.Unmarshal(r["id"], &id) == nil && json.Unmarshal(r[field], &msg) == nil {
			out[id] = string(msg)
		}
	}
	return out
}

// Recover plans the work the journal holds from a previous run: pending
// and cancelling intents are read at once, write-aheads are retried by the
// create loop, and what Odoo is behind on is written by the outbox.
func (e *Engine) Recover(ctx context.Context) error {
	if err := e.schedulePollsFromJournal(ctx); err != nil {
		return err
	}
	unsynced, err := e.journal.List(ctx, journal.Filter{Unsynced: true})
	if err != nil {
		return err
	}
	if n := e.polls.Len(); n > 0 || len(unsynced) > 0 {
		e.log.Info().Int("intents_to_read", n).Int("odoo_writes_pending", len(unsynced)).Msg("resuming from the journal")
	}
	return nil
}
