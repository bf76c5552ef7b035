package journaltest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// OpenInstances returns two handles on one fresh, empty journal, as two
// daemons sharing it hold them, both reading time from now; both are closed
// when t ends. A driver that allows one daemon only (SQLite) returns the
// same handle twice: its daemon's goroutines race the same way.
type OpenInstances func(t *testing.T, now func() time.Time) (journal.Journal, journal.Journal)

// RunOwnership runs the suite of the work-ownership primitives: leases,
// fencing and the singleton lock.
func RunOwnership(t *testing.T, open OpenInstances) {
	cases := []struct {
		name string
		run  func(t *testing.T, o *owners)
	}{
		{"a claimed attempt is worked by one daemon until its lease runs out", testLeaseTakeover},
		{"renewing a lease keeps the work", testLeaseRenew},
		{"a released lease is taken at once", testLeaseRelease},
		{"kinds of work on one attempt are leased apart", testLeaseKinds},
		{"bad claims are refused", testLeaseInvalid},
		{"ClaimDue takes unowned and expired work, oldest first, up to the limit", testClaimDue},
		{"ClaimDue finds the outbox", testClaimDueUnsynced},
		{"a fenced update keeps every rule of Update", testFencedRules},
		{"an old holder's write racing the takeover lands before it or not at all", testFencedWriteRacingTakeover},
		{"two daemons racing ClaimDue never get the same attempt", testClaimDueRace},
		{"two daemons claiming one attempt at once: one wins", testClaimRace},
		{"one daemon at a time runs the sweep", testLeader},
		{"daemons racing for the sweep: one wins", testLeaderRace},
		{"pruning an attempt drops its leases", testPruneLeases},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
			a, b := open(t, clk.Now)
			c.run(t, &owners{a: a, b: b, clock: clk})
		})
	}
}

// owners are two daemons on one journal and the clock they share.
type owners struct {
	a, b  journal.Journal // daemon "a" and daemon "b"
	clock *clock
}

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const ttl = 30 * time.Second

// claim takes a lease or fails the test; it must be free.
func claim(t *testing.T, s journal.Journal, id int64, owner, kind string) journal.Lease {
	t.Helper()
	l, ok, err := s.Claim(context.Background(), id, owner, kind, ttl)
	if err != nil || !ok {
		t.Fatalf("%s claiming %s of attempt %d: ok %v, %v; want the lease", owner, kind, id, ok, err)
	}
	if l.AttemptID != id || l.Owner != owner || l.Kind != kind || l.Token < 1 || l.Expires.IsZero() {
		t.Fatalf("%s claimed %s of attempt %d and got %+v", owner, kind, id, l)
	}
	return l
}

// refused fails unless the attempt's work is held by someone else.
func refused(t *testing.T, s journal.Journal, id int64, owner, kind string) {
	t.Helper()
	l, ok, err := s.Claim(context.Background(), id, owner, kind, ttl)
	if err != nil || ok {
		t.Fatalf("%s claiming %s of attempt %d that another daemon holds: got %+v, ok %v, %v; want refused",
			owner, kind, id, l, ok, err)
	}
}

// fenced runs an update under a lease.
func fenced(s journal.Journal, l journal.Lease, fn func(a *journal.Attempt)) (journal.Attempt, error) {
	return s.UpdateFenced(context.Background(), l, func(a *journal.Attempt) error {
		fn(a)
		return nil
	})
}

func testLeaseTakeover(t *testing.T, o *owners) {
	a := begin(t, o.a, 7, "")
	held := claim(t, o.a, a.ID, "daemon-a", journal.KindCreate)
	if !held.Expires.Equal(o.clock.Now().Add(ttl)) {
		t.Fatalf("a lease of %s taken at %v expires at %v", ttl, o.clock.Now(), held.Expires)
	}
	refused(t, o.b, a.ID, "daemon-b", journal.KindCreate)
	o.clock.Advance(ttl - time.Nanosecond)
	refused(t, o.b, a.ID, "daemon-b", journal.KindCreate)

	o.clock.Advance(time.Nanosecond) // daemon-a went silent for the whole ttl
	took := claim(t, o.b, a.ID, "daemon-b", journal.KindCreate)
	if took.Token <= held.Token {
		t.Fatalf("the takeover got token %d, the lapsed lease had %d; want a higher one", took.Token, held.Token)
	}
	_, err := fenced(o.a, held, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_from_a" })
	wantErr(t, "the old holder's write after a takeover", err, journal.ErrLeaseLost)
	_, err = o.a.Renew(context.Background(), held, ttl)
	wantErr(t, "the old holder renewing after a takeover", err, journal.ErrLeaseLost)
	if got := get(t, o.a, a.ID); got.IntentID != "" || got.Version != a.Version {
		t.Fatalf("the old holder's refused write changed the attempt: %+v", got)
	}

	b, err := fenced(o.b, took, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_from_b" })
	if err != nil || b.IntentID != "pi_from_b" || b.Version != a.Version+1 {
		t.Fatalf("the new holder's write: %+v, %v", b, err)
	}
}

func testLeaseRenew(t *testing.T, o *owners) {
	ctx := context.Background()
	a := begin(t, o.a, 7, "")
	l := claim(t, o.a, a.ID, "daemon-a", journal.KindPoll)
	o.clock.Advance(ttl * 3 / 4)
	l, err := o.a.Renew(ctx, l, ttl)
	if err != nil || !l.Expires.Equal(o.clock.Now().Add(ttl)) {
		t.Fatalf("Renew: %+v, %v; want the lease to run %s from now", l, err, ttl)
	}
	o.clock.Advance(ttl * 3 / 4) // past the first expiry, within the renewed one
	refused(t, o.b, a.ID, "daemon-b", journal.KindPoll)

	// A lease that ran out but that nobody took is still the current one.
	o.clock.Advance(ttl)
	if l, err = o.a.Renew(ctx, l, ttl); err != nil {
		t.Fatalf("renewing a lapsed lease nobody took: %v", err)
	}
	refused(t, o.b, a.ID, "daemon-b", journal.KindPoll)
	if _, err := fenced(o.a, l, func(x *journal.Attempt) { x.Message = "still polling" }); err != nil {
		t.Fatalf("the holder's write after renewing: %v", err)
	}
	_, err = o.a.Renew(ctx, l, 0)
	wantErr(t, "Renew for no time", err, journal.ErrInvalid)
}

func testLeaseRelease(t *testing.T, o *owners) {
	ctx := context.Background()
	a := begin(t, o.a, 7, "")
	first := claim(t, o.a, a.ID, "daemon-a", journal.KindSync)
	if err := o.a.Release(ctx, first); err != nil {
		t.Fatalf("Release: %v", err)
	}
	_, err := fenced(o.a, first, func(x *journal.Attempt) { x.Message = "after release" })
	wantErr(t, "a write under a released lease", err, journal.ErrLeaseLost)
	_, err = o.a.Renew(ctx, first, ttl)
	wantErr(t, "renewing a released lease", err, journal.ErrLeaseLost)

	second := claim(t, o.b, a.ID, "daemon-b", journal.KindSync) // at once, no waiting for expiry
	if second.Token <= first.Token {
		t.Fatalf("the claim after a release got token %d, the released lease had %d", second.Token, first.Token)
	}
	if err := o.a.Release(ctx, first); err != nil {
		t.Fatalf("releasing a lease released already: %v", err)
	}
	refused(t, o.a, a.ID, "daemon-a", journal.KindSync) // the stale release freed nothing
	if _, err := fenced(o.b, second, func(x *journal.Attempt) { x.Message = "synced by b" }); err != nil {
		t.Fatalf("the new holder's write: %v", err)
	}
}

func testLeaseKinds(t *testing.T, o *owners) {
	a := begin(t, o.a, 7, "")
	poll := claim(t, o.a, a.ID, "daemon-a", journal.KindPoll)
	sync := claim(t, o.b, a.ID, "daemon-b", journal.KindSync)
	if _, err := fenced(o.a, poll, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_1" }); err != nil {
		t.Fatalf("write under the poll lease: %v", err)
	}
	if _, err := fenced(o.b, sync, func(x *journal.Attempt) { x.Message = "shown in Odoo" }); err != nil {
		t.Fatalf("write under the sync lease: %v", err)
	}
	wrongKind := poll
	wrongKind.Kind = journal.KindCreate
	_, err := fenced(o.a, wrongKind, func(x *journal.Attempt) { x.Message = "x" })
	wantErr(t, "a write under a lease of a kind never claimed", err, journal.ErrLeaseLost)
}

func testLeaseInvalid(t *testing.T, o *owners) {
	ctx := context.Background()
	a := begin(t, o.a, 7, "")
	_, _, err := o.a.Claim(ctx, 999, "daemon-a", journal.KindPoll, ttl)
	wantErr(t, "Claim of attempt 999 that was never begun", err, journal.ErrNotFound)
	for _, c := range []struct {
		what        string
		owner, kind string
		ttl         time.Duration
	}{
		{"no owner", "", journal.KindPoll, ttl},
		{"no kind", "daemon-a", "", ttl},
		{"no time", "daemon-a", journal.KindPoll, 0},
		{"a negative time", "daemon-a", journal.KindPoll, -time.Second},
	} {
		_, _, err := o.a.Claim(ctx, a.ID, c.owner, c.kind, c.ttl)
		wantErr(t, "Claim with "+c.what, err, journal.ErrInvalid)
		_, err = o.a.ClaimDue(ctx, c.owner, c.kind, journal.Filter{Limit: 1}, c.ttl)
		wantErr(t, "ClaimDue with "+c.what, err, journal.ErrInvalid)
		_, err = o.a.TryLeader(ctx, "sweep", c.owner, c.ttl)
		if c.owner == "" || c.ttl <= 0 {
			wantErr(t, "TryLeader with "+c.what, err, journal.ErrInvalid)
		}
	}
	_, err = o.a.ClaimDue(ctx, "daemon-a", journal.KindPoll, journal.Filter{}, ttl)
	wantErr(t, "ClaimDue without a limit", err, journal.ErrInvalid)
	_, err = o.a.TryLeader(ctx, "", "daemon-a", ttl)
	wantErr(t, "TryLeader of a job without a name", err, journal.ErrInvalid)
	refusedFree(t, o.a, a.ID)
}

// refusedFree fails unless the attempt's work is free for anyone: refused
// claims took nothing.
func refusedFree(t *testing.T, s journal.Journal, id int64) {
	t.Helper()
	l := claim(t, s, id, "daemon-c", journal.KindPoll)
	if l.Token != 1 {
		t.Fatalf("the first real claim of attempt %d has token %d, want 1", id, l.Token)
	}
}
