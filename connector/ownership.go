package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// ownership decides which daemon works on what when several share one
// journal (PostgreSQL). Alone (SQLite, locked to one process) it grants
// everything without a journal write, so one daemon pays nothing for it.
//
// Shared, each kind of work is leased in the journal:
//   - watching Odoo and the sweep run on one daemon at a time (a leader
//     lease renewed every pass), so Odoo still gets one search_read a tick
//     for the whole group; a leader's write-ahead is fenced on what it read
//     (journal.NewAttempt.CheckLatest): a leader frozen between its read
//     and its Begin finds the order's attempts changed and begins nothing;
//   - a create, the polls of an intent and a write-back to Odoo are each
//     leased per attempt, with a token that grows at every takeover; a
//     daemon that dies, or freezes, loses its leases when they expire and
//     the others take the work over.
//
// The ownership rule: a call that changes the outside world for an attempt
// (the Compago create and cancel, the write-back's writes to the order)
// goes through one door, act, right before it is sent: the lease is
// renewed in the journal (which fails once another daemon took it over)
// and the call's context ends a margin before the renewed lease can lapse,
// on the monotonic clock. So a call starts only while this daemon owns the
// work, and ends before anyone else may own it. add_payment passes the
// same door in recorder.go, and journals its deadline right after, before
// it is sent. The leases are checked at start to
// outlive the calls made under them (config: connector.*_lease).
//
// What a stall can still do: a call already on the wire when its daemon
// froze is not fenced by any lease; Odoo or Compago may apply it late.
// That is why the deadline is journaled before add_payment (a takeover
// waits until it can no longer commit, or Odoo 19's uuid refuses the
// second), why a second create of an externalId meets "duplicate", and why
// a create answer that arrives for an attempt already ended unknown
// reopens the watch on its intent (creator.go). A freeze between the
// door and the socket write (microseconds) is the same case: the context's
// deadline, measured on the monotonic clock, has passed when the process
// resumes, and the call is not sent.
type ownership struct {
	shared   bool
	owner    string
	pollTTL  time.Duration
	createTT time.Duration
	syncTTL  time.Duration

	mu   sync.Mutex
	held map[leaseKey]journal.Lease // leases this daemon holds
}

// leaseKey names one lease: an attempt and a kind of work.
type leaseKey struct {
	id   int64
	kind string
}

func newOwnership(cfg Config) *ownership {
	return &ownership{
		shared:   cfg.Shared,
		owner:    cfg.Owner,
		pollTTL:  cfg.PollLease,
		createTT: cfg.CreateLease,
		syncTTL:  cfg.SyncLease,
		held:     map[leaseKey]journal.Lease{},
	}
}

func (o *ownership) ttl(kind string) time.Duration {
	switch kind {
	case journal.KindPoll:
		return o.pollTTL
	case journal.KindCreate:
		return o.createTT
	}
	return o.syncTTL
}

func (o *ownership) keep(l journal.Lease) {
	o.mu.Lock()
	o.held[leaseKey{l.AttemptID, l.Kind}] = l
	o.mu.Unlock()
}

// forget drops l unless a newer lease of the same work replaced it.
func (o *ownership) forget(l journal.Lease) {
	o.mu.Lock()
	k := leaseKey{l.AttemptID, l.Kind}
	if h, ok := o.held[k]; ok && h.Token == l.Token {
		delete(o.held, k)
	}
	o.mu.Unlock()
}

// errLostWork says another daemon took the work over: the call was not
// made, and the work is that daemon's now.
var errLostWork = errors.New("this daemon lost the work to another daemon (lease taken over); not calling out")

// act is the one door of a call that changes the outside world for
// attempt id: shared, it renews this daemon's lease of one of kinds on the
// attempt and returns a context that ends leaseMargin before the renewed
// lease can lapse; errLostWork, and nothing to call, when no lease of
// those kinds is held or it was taken over. Alone, it returns ctx as is.
func (e *Engine) act(ctx context.Context, id int64, what string, kinds ...string) (context.Context, context.CancelFunc, error) {
	o := e.own
	if !o.shared {
		return ctx, func() {}, nil
	}
	o.mu.Lock()
	var l journal.Lease
	found := false
	for _, k := range kinds {
		if l, found = o.held[leaseKey{id, k}]; found {
			break
		}
	}
	o.mu.Unlock()
	if !found {
		return e.lostWork(ctx, id, what, nil)
	}
	ttl := o.ttl(l.Kind)
	renewed, err := e.journal.Renew(ctx, l, ttl)
	if err != nil {
		if errors.Is(err, journal.ErrLeaseLost) {
			o.forget(l)
			return e.lostWork(ctx, id, what, err)
		}
		return nil, nil, fmt.Errorf("%s: renew the %s lease of attempt %d: %w", what, l.Kind, id, err)
	}
	o.keep(renewed)
	until := renewed.Expires.Add(-leaseMargin(ttl))
	if !until.After(e.cfg.Now()) {
		return e.lostWork(ctx, id, what, fmt.Errorf("%s lease of %s too short for the call", l.Kind, ttl))
	}
	cctx, cancel := context.WithDeadline(ctx, e.wallToMono(until))
	return cctx, cancel, nil
}

func (e *Engine) lostWork(ctx context.Context, id int64, what string, cause error) (context.Context, context.CancelFunc, error) {
	ev := e.log.Warn().Int64("attempt_id", id).Str("call", what)
	if cause != nil {
		ev = ev.AnErr("cause", cause)
	}
	ev.Msg("lost the work to another daemon: not calling out")
	return nil, nil, fmt.Errorf("%s of attempt %d: %w", what, id, errLostWork)
}

// leaseMargin is kept between a call's deadline and its lease's end: a
// quarter of the lease, at most 5 s (clocks of daemons in step by NTP
// differ by milliseconds).
func leaseMargin(ttl time.Duration) time.Duration { return min(ttl/4, 5*time.Second) }

// defaultOwner names this daemon in the journal's leases.
func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// leader says whether this daemon runs the singleton job name now.
func (e *Engine) leader(ctx context.Context, name string, ttl time.Duration) bool {
	o := e.own
	if !o.shared {
		return true
	}
	ok, err := e.journal.TryLeader(ctx, name, o.owner, ttl)
	if err != nil {
		e.log.Debug().Err(err).Str("job", name).Msg("leader lease")
		return false
	}
	return ok
}

// claim leases one kind of work on an attempt; release gives it back.
func (e *Engine) claim(ctx context.Context, id int64, kind string, ttl time.Duration) (release func(), ok bool) {
	o := e.own
	if !o.shared {
		return func() {}, true
	}
	l, ok, err := e.journal.Claim(ctx, id, o.owner, kind, ttl)
	if err != nil || !ok {
		return nil, false
	}
	o.keep(l)
	return func() { e.releaseLease(ctx, l) }, true
}

// releaseLease gives back the lease this daemon holds for l's work (the
// latest renewal of it).
func (e *Engine) releaseLease(ctx context.Context, l journal.Lease) {
	o := e.own
	o.mu.Lock()
	if h, ok := o.held[leaseKey{l.AttemptID, l.Kind}]; ok && h.Token == l.Token {
		l = h
	}
	o.mu.Unlock()
	o.forget(l)
	e.journal.Release(context.WithoutCancel(ctx), l)
}

// holdPoll makes sure this daemon holds the poll lease of the attempt,
// claiming or renewing it; false means another daemon polls it.
func (e *Engine) holdPoll(ctx context.Context, id int64) bool {
	o := e.own
	if !o.shared {
		return true
	}
	o.mu.Lock()
	l, held := o.held[leaseKey{id, journal.KindPoll}]
	o.mu.Unlock()
	var err error
	ok := true
	if held {
		l, err = e.journal.Renew(ctx, l, o.pollTTL)
		ok = err == nil
	} else {
		l, ok, err = e.journal.Claim(ctx, id, o.owner, journal.KindPoll, o.pollTTL)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil || !ok {
		delete(o.held, leaseKey{id, journal.KindPoll})
		return false
	}
	o.held[leaseKey{id, journal.KindPoll}] = l
	return true
}

// dropPoll gives up the poll lease of an attempt that reached a final
// state.
func (e *Engine) dropPoll(ctx context.Context, id int64) {
	o := e.own
	if !o.shared {
		return
	}
	o.mu.Lock()
	l, held := o.held[leaseKey{id, journal.KindPoll}]
	delete(o.held, leaseKey{id, journal.KindPoll})
	o.mu.Unlock()
	if held {
		e.journal.Release(context.WithoutCancel(ctx), l)
	}
}

// claimPollsLoop, shared only, takes over the polls no daemon holds (new
// intents created elsewhere, or those of a daemon that died).
func (e *Engine) claimPollsLoop(stop, work context.Context) {
	if !e.own.shared {
		return
	}
	every(stop, e.cfg.PollInterval, func() {
		leases, err := e.journal.ClaimDue(work, e.own.owner, journal.KindPoll, journal.Filter{
			States: []journal.State{journal.Pending, journal.Cancelling}, Limit: 200,
		}, e.own.pollTTL)
		if err != nil {
			e.log.Debug().Err(err).Msg("claim polls")
			return
		}
		now := e.cfg.Now()
		e.own.mu.Lock()
		for _, l := range leases {
			e.own.held[leaseKey{l.AttemptID, l.Kind}] = l
		}
		e.own.mu.Unlock()
		for _, l := range leases {
			e.polls.schedule(l.AttemptID, now)
		}
		e.cfg.Observer.Tick("claim")
	})
}
