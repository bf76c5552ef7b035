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
		Int("cleared", r.Cleared).Int("failing_writes", r.FailingWrites).Int64("pruned", r.Pruned).Msg("sweep")
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
		case a.IntentID == "" && age > e.cfg.StuckAfter:
			r.StuckCreates++
			e.createBackoff.forget(a.ID) // retried on the next create pass
			e.log.Warn().Int64("order", a.OrderID).Str("external_id", a.ExternalID).Dur("age", age).
				Msg("payment request still without an answer from Compago; retrying with the same externalId")
		}
	}
	adopted, cleared, err := e.adoptOdooFlags(ctx)
	r.Adopted, r.Cleared = adopted, cleared
	if err != nil {
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
		e.log.Error().Int64("order", a.OrderID).Str("intent", a.IntentID).Str("state", string(a.State)).
			Int("failures", a.SyncFailures).Str("last_error", a.LastError).Bool("attention", a.Attention).
			Msg("Odoo has refused this write-back for a long time")
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
// follows those the journal does not (a journal restored from backup, or a
// second install): with an intent id, the intent is polled like ours;
// without one, the order is set to failed so the cashier can retry.
func (e *Engine) adoptOdooFlags(ctx context.Context) (adopted, cleared int, err error) {
	f := e.cfg.Fields
	var rows []map[string]json.RawMessage
	if err := e.odoo.SearchRead(ctx, "pos.order", odoo.Cond(f.State, "=", StatePending),
		odoo.Query{Fields: f.orderFields(), Order: "id asc", Limit: watchLimit}, &rows); err != nil {
		return 0, 0, fmt.Errorf("sweep: read pending orders: %w", err)
	}
	orders, err := f.decodeOrders(rows)
	if err != nil {
		return 0, 0, err
	}
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
			errs = append(errs, e.odoo.Write(ctx, "pos.order", []int64{o.ID}, map[string]any{f.State: StateFailed, f.Message: msgLostTrack()}))
			continue
		}
		a, err := e.adopt(ctx, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		adopted++
		e.log.Warn().Int64("order", o.ID).Str("intent", a.IntentID).Str("external_id", a.ExternalID).
			Msg("adopted a pending intent the journal did not know")
		e.polls.schedule(a.ID, e.cfg.Now())
	}
	return adopted, cleared, errors.Join(errs...)
}

func (e *Engine) adopt(ctx context.Context, o order) (journal.Attempt, error) {
	ext := o.ExternalID
	seq := 0
	if i := strings.LastIndexByte(ext, '-'); i >= 0 {
		seq, _ = strconv.Atoi(ext[i+1:])
	}
	if latest, err := e.journal.Latest(ctx, o.ID); err == nil && latest.Seq >= seq {
		seq = latest.Seq + 1
	}
	if seq <= 0 {
		seq = 1
	}
	if ext == "" {
		ext = fmt.Sprintf("adopted-%s", o.IntentID)
	}
	amount := o.Amount
	if amount == 0 {
		amount = o.due()
	}
	return e.journal.Insert(ctx, journal.Attempt{
		OrderID: o.ID, Seq: seq, ExternalID: ext, IntentID: o.IntentID, Terminal: o.Terminal,
		Amount: amount, State: journal.Pending, Reason: "adopted", Message: msgWaiting(amount, o.Terminal),
	})
}

// Recover plans the work the journal holds from a previous run: pending
// and cancelling intents are read at once, write-aheads are retried by the
// create loop, and what Odoo is behind on is written by the syncer.
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
