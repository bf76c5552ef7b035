package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
//     for the whole group;
//   - a create, the polls of an intent and a write-back to Odoo are each
//     leased per attempt; a daemon that dies loses its leases when they
//     expire and the others take the work over;
//   - poll leases are short (a few poll intervals: a second poll of an
//     intent is harmless), write-back leases long (longer than every Odoo
//     call of a recording, renewed before add_payment), since two daemons
//     recording one payment at once is the one thing that must not happen.
type ownership struct {
	shared   bool
	owner    string
	pollTTL  time.Duration
	createTT time.Duration
	syncTTL  time.Duration

	mu   sync.Mutex
	held map[int64]journal.Lease // poll leases this daemon holds
}

func newOwnership(cfg Config) *ownership {
	return &ownership{
		shared:   cfg.Shared,
		owner:    cfg.Owner,
		pollTTL:  cfg.PollLease,
		createTT: cfg.CreateLease,
		syncTTL:  cfg.SyncLease,
		held:     map[int64]journal.Lease{},
	}
}

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
	return func() { e.journal.Release(context.WithoutCancel(ctx), l) }, true
}

// claimLease is claim for work that must check, right before it calls out,
// that it still owns the attempt: it also returns the lease (nil when the
// journal is not shared and this daemon owns everything).
func (e *Engine) claimLease(ctx context.Context, id int64, kind string, ttl time.Duration) (lease *journal.Lease, release func(), ok bool) {
	o := e.own
	if !o.shared {
		return nil, func() {}, true
	}
	l, ok, err := e.journal.Claim(ctx, id, o.owner, kind, ttl)
	if err != nil || !ok {
		return nil, nil, false
	}
	lease = &l
	return lease, func() { e.journal.Release(context.WithoutCancel(ctx), *lease) }, true
}

// holdPoll makes sure this daemon holds the poll lease of the attempt,
// claiming or renewing it; false means another daemon polls it.
func (e *Engine) holdPoll(ctx context.Context, id int64) bool {
	o := e.own
	if !o.shared {
		return true
	}
	o.mu.Lock()
	l, held := o.held[id]
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
		delete(o.held, id)
		return false
	}
	o.held[id] = l
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
	l, held := o.held[id]
	delete(o.held, id)
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
			e.own.held[l.AttemptID] = l
		}
		e.own.mu.Unlock()
		for _, l := range leases {
			e.polls.schedule(l.AttemptID, now)
		}
		e.cfg.Observer.Tick("claim")
	})
}
