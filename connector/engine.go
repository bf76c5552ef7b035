package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Config holds what the engine needs to know; cmd/compago-connector builds
// it from the validated configuration.
type Config struct {
	PaymentMethod    string            // pos.payment.method name, or its numeric id
	WatchInterval    time.Duration     // how often Odoo is asked for flagged orders
	PollInterval     time.Duration     // how often each pending intent is read
	MaxPolls         int               // bound on concurrent Compago calls
	Terminals        map[string]string // pos.config name → default terminal serial
	ExternalIDPrefix string            // names the Odoo database in every externalId
	Fields           Fields
	SweepSchedule    string        // robfig/cron/v3 spec
	Retention        time.Duration // final attempts older than this are pruned; 0 keeps them
	StuckAfter       time.Duration // write-aheads and outbox items older than this are swept
	DrainTimeout     time.Duration // how long Run waits for work in flight after ctx ends
	Now              func() time.Time
	Logger           zerolog.Logger
	Observer         Observer // metrics and health; nil: none

	// DailyReport, when set, runs on DailySchedule (cron) on one daemon of
	// the group: the cmd wires the reconciliation report to a file.
	DailyReport   func(ctx context.Context) error
	DailySchedule string

	// Shared is true when several daemons share the journal (PostgreSQL):
	// work is then leased in the journal (see ownership.go).
	Shared      bool
	Owner       string        // this daemon's name in the leases; default host/pid/random
	PollLease   time.Duration // default 4 poll intervals (min 10s): takeover time of a dead daemon's polls
	CreateLease time.Duration // default 2m: longer than a create with its retries
	SyncLease   time.Duration // default 3m: longer than every Odoo call of one recording
	WatchLease  time.Duration // default 3 watch intervals (min 2s); the daemon sets odoo.timeout + interval + margin

	// OdooTimeout bounds one add_payment call (odoo.timeout); default 30s.
	OdooTimeout time.Duration
	// LateCommitWindow is Odoo's limit_time_real (odoo.limit_time_real):
	// how long after its client gave up a request may still commit. On
	// Odoo 17 and 18, a payment whose add_payment had no answer is added
	// again only after it; default 120s, Odoo's own default.
	LateCommitWindow time.Duration
	// LateChargeGrace is how long an attempt that ended without a charge is
	// still read, and a new request of its order held (compago.
	// late_charge_grace); default 2m.
	LateChargeGrace time.Duration
}

func (c *Config) setDefaults() {
	if c.WatchInterval <= 0 {
		c.WatchInterval = time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 3 * time.Second
	}
	if c.MaxPolls <= 0 {
		c.MaxPolls = 16
	}
	if c.Fields == (Fields{}) {
		c.Fields = DefaultFields()
	}
	if c.SweepSchedule == "" {
		c.SweepSchedule = "@every 1m"
	}
	if c.StuckAfter <= 0 {
		c.StuckAfter = 2 * time.Minute
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Owner == "" {
		c.Owner = defaultOwner()
	}
	if c.PollLease <= 0 {
		c.PollLease = max(4*c.PollInterval, 10*time.Second)
	}
	if c.CreateLease <= 0 {
		c.CreateLease = 2 * time.Minute
	}
	if c.SyncLease <= 0 {
		c.SyncLease = 3 * time.Minute
	}
	if c.OdooTimeout <= 0 {
		c.OdooTimeout = 30 * time.Second
	}
	if c.LateChargeGrace <= 0 {
		c.LateChargeGrace = defaultLateChargeGrace
	}
	if c.LateCommitWindow <= 0 {
		c.LateCommitWindow = 120 * time.Second
	}
	if c.WatchLease <= 0 {
		c.WatchLease = max(3*c.WatchInterval, 2*time.Second)
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.PaymentMethod == "" {
		errs = append(errs, errors.New("connector: payment method is empty"))
	}
	if c.ExternalIDPrefix == "" {
		errs = append(errs, errors.New("connector: externalId prefix is empty"))
	}
	return errors.Join(errs...)
}

// Engine runs the payment state machine. Create it with New, run it with
// Run; its steps can also be driven one at a time by tests.
type Engine struct {
	cfg     Config
	journal Journal
	odoo    Odoo
	compago Compago
	log     zerolog.Logger

	busy     busySet    // attempts a Compago call (create, poll, cancel) is in flight for
	polls    *pollQueue // when each pending intent is read next
	sem      chan struct{}
	inWork   sync.WaitGroup
	syncer   *syncer
	methods  methodCache
	wizard   wizardCache
	sessions sessionCache
	own      *ownership
	snaps    snapshots
	sweeper  *sweeper
	addon    addonCache // is the Odoo addon installed (addon.go)

	terminalIDs sync.Map // terminal serial → Compago's terminalId, learned from create answers (creator.go)

	createBackoff *backoff // write-aheads whose create failed, by attempt
	pollBackoff   *backoff // intents whose read failed, by attempt
}

// New checks cfg and returns an engine ready to Run.
func New(cfg Config, j Journal, o Odoo, c Compago) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:     cfg,
		journal: j,
		odoo:    observedOdoo{Odoo: o, obs: cfg.Observer, now: cfg.Now},
		compago: observedCompago{Compago: c, obs: cfg.Observer, now: cfg.Now},
		log:     cfg.Logger,
		polls:   newPollQueue(),
		sem:     make(chan struct{}, cfg.MaxPolls),

		createBackoff: newBackoff(time.Second, 30*time.Second),
		pollBackoff:   newBackoff(cfg.PollInterval, 30*time.Second),
	}
	e.syncer = newSyncer(e)
	e.own = newOwnership(cfg)
	sw, err := newSweeper(e)
	if err != nil {
		return nil, fmt.Errorf("sweep schedule %q: %w", cfg.SweepSchedule, err)
	}
	e.sweeper = sw
	return e, nil
}

// Run works until ctx ends, then stops taking new work, lets the work in
// flight finish within the drain timeout, and returns nil. Errors of single
// steps are logged and retried; Run itself fails only if it cannot start.
func (e *Engine) Run(ctx context.Context) error {
	// Work in flight uses its own context so that a SIGTERM does not cut a
	// Compago create or an Odoo write in half: it is cancelled only when
	// the drain timeout is over.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	if err := e.Recover(workCtx); err != nil {
		return fmt.Errorf("recover from the journal: %w", err)
	}
	e.useAddon(workCtx) // logs which way charges are recorded
	e.log.Info().Dur("watch_interval", e.cfg.WatchInterval).Dur("poll_interval", e.cfg.PollInterval).
		Str("external_id_prefix", e.cfg.ExternalIDPrefix).Msg("engine started")

	var loops sync.WaitGroup
	for _, loop := range []func(stop, work context.Context){e.watchLoop, e.pollLoop, e.syncer.loop, e.retryCreatesLoop, e.claimPollsLoop} {
		loops.Add(1)
		go func() {
			defer loops.Done()
			loop(ctx, workCtx)
		}()
	}
	e.sweeper.start(workCtx)
	<-ctx.Done()
	e.log.Info().Msg("stopping: no new work taken, finishing work in flight")
	sweepDone := e.sweeper.stop()
	loops.Wait()

	drained := make(chan struct{})
	go func() {
		e.inWork.Wait()
		<-sweepDone.Done()
		close(drained)
	}()
	select {
	case <-drained:
		e.log.Info().Msg("engine stopped")
	case <-time.After(e.cfg.DrainTimeout):
		e.log.Warn().Dur("drain_timeout", e.cfg.DrainTimeout).Msg("work still in flight at the drain timeout: cancelled; the journal resumes it on the next start")
		cancelWork()
		<-drained
	}
	return nil
}

// goWork runs fn in a goroutine counted by the drain, holding one of the
// MaxPolls slots that bound concurrent Compago calls. It returns false
// without running fn when stop has ended.
func (e *Engine) goWork(stop context.Context, fn func()) bool {
	select {
	case e.sem <- struct{}{}:
	case <-stop.Done():
		return false
	}
	e.inWork.Add(1)
	go func() {
		defer func() { <-e.sem; e.inWork.Done() }()
		fn()
	}()
	return true
}

// busySet keeps one goroutine at a time on an attempt.
type busySet struct {
	mu sync.Mutex
	m  map[int64]bool
}

func (b *busySet) tryAcquire(id int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[int64]bool{}
	}
	if b.m[id] {
		return false
	}
	b.m[id] = true
	return true
}

func (b *busySet) release(id int64) {
	b.mu.Lock()
	delete(b.m, id)
	b.mu.Unlock()
}

// every calls fn every d until stop ends; fn runs once right away.
func every(stop context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-stop.Done():
			return
		case <-t.C:
		}
	}
}
