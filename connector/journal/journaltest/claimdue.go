package journaltest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
)

var polled = journal.Filter{States: []journal.State{journal.Pending, journal.Cancelling}}

// due claims work for owner with a limit, failing the test on an error.
func due(t *testing.T, s journal.Journal, owner, kind string, f journal.Filter, limit int) []journal.Lease {
	t.Helper()
	f.Limit = limit
	ls, err := s.ClaimDue(context.Background(), owner, kind, f, ttl)
	if err != nil {
		t.Fatalf("ClaimDue(%s, %s): %v", owner, kind, err)
	}
	for _, l := range ls {
		if l.Owner != owner || l.Kind != kind || l.Token < 1 {
			t.Fatalf("ClaimDue(%s, %s) returned %+v", owner, kind, l)
		}
	}
	return ls
}

func leased(ls []journal.Lease) []int64 {
	out := []int64{}
	for _, l := range ls {
		out = append(out, l.AttemptID)
	}
	return out
}

func pending(t *testing.T, s journal.Journal, order int64) journal.Attempt {
	t.Helper()
	a := begin(t, s, order, "")
	return update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, fmt.Sprintf("pi_%d", order) })
}

func testClaimDue(t *testing.T, o *owners) {
	a := pending(t, o.a, 1)
	b := pending(t, o.a, 2)
	c := setState(t, o.a, pending(t, o.a, 3).ID, journal.Cancelling, "cashier")
	creating := begin(t, o.a, 4, "")
	setState(t, o.a, pending(t, o.a, 5).ID, journal.Cancelled, "cashier")
	claim(t, o.b, b.ID, "daemon-b", journal.KindPoll)

	if d := cmp.Diff([]int64{a.ID}, leased(due(t, o.a, "daemon-a", journal.KindPoll, polled, 1))); d != "" {
		t.Fatalf("the first due poll, limit 1 (-want +got attempt ids):\n%s", d)
	}
	if d := cmp.Diff([]int64{c.ID}, leased(due(t, o.a, "daemon-a", journal.KindPoll, polled, 5))); d != "" {
		t.Fatalf("the rest of the due polls: held, creating and final attempts are not due (-want +got):\n%s", d)
	}
	if got := due(t, o.b, "daemon-b", journal.KindPoll, polled, 5); len(got) != 0 {
		t.Fatalf("daemon-b found due polls while daemon-a holds them all: %v", leased(got))
	}
	if got := leased(due(t, o.b, "daemon-b", journal.KindCreate, journal.Filter{States: []journal.State{journal.Creating}}, 5)); !cmp.Equal(got, []int64{creating.ID}) {
		t.Fatalf("the due creates are %v, want the creating attempt %d: kinds are leased apart", got, creating.ID)
	}

	o.clock.Advance(ttl) // both daemons went silent
	again := due(t, o.b, "daemon-b", journal.KindPoll, polled, 5)
	if d := cmp.Diff([]int64{a.ID, b.ID, c.ID}, leased(again)); d != "" {
		t.Fatalf("after every lease ran out (-want +got):\n%s", d)
	}
	for _, l := range again {
		if l.Token != 2 {
			t.Errorf("attempt %d was taken over with token %d, want 2", l.AttemptID, l.Token)
		}
	}
}

func testClaimDueUnsynced(t *testing.T, o *owners) {
	ctx := context.Background()
	a := pending(t, o.a, 1)
	finish(t, o.a, pending(t, o.a, 2).ID, journal.Cancelled)
	final := setState(t, o.a, pending(t, o.a, 3).ID, journal.Expired, "expired")
	if err := o.a.MarkSynced(ctx, a.ID, a.Version); err != nil {
		t.Fatal(err)
	}
	got := leased(due(t, o.b, "daemon-b", journal.KindSync, journal.Filter{Unsynced: true}, 10))
	if d := cmp.Diff([]int64{final.ID}, got); d != "" {
		t.Fatalf("the outbox is the attempts Odoo is behind on, final ones included (-want +got):\n%s", d)
	}
}

func testFencedRules(t *testing.T, o *owners) {
	a := pending(t, o.a, 7)
	l := claim(t, o.a, a.ID, "daemon-a", journal.KindPoll)
	got, err := o.a.UpdateFenced(context.Background(), l, func(x *journal.Attempt) error {
		x.State = journal.Failed
		return errRefused
	})
	wantErr(t, "a fenced update whose function fails", err, errRefused)
	sameAttempt(t, "the attempt returned with an aborted fenced update", got, a)
	_, err = fenced(o.a, l, func(x *journal.Attempt) { x.IntentID = "pi_other" })
	wantErr(t, "a fenced update changing the intent id", err, journal.ErrImmutable)
	confirmed, err := fenced(o.a, l, func(x *journal.Attempt) { x.State = journal.Confirmed })
	if err != nil || confirmed.Version != a.Version+1 {
		t.Fatalf("a fenced confirm: %+v, %v", confirmed, err)
	}
	_, err = fenced(o.a, l, func(x *journal.Attempt) { x.State = journal.Expired })
	wantErr(t, "a fenced update forgetting a charged card", err, journal.ErrTransition)
	evs, err := o.a.Events(context.Background(), a.ID)
	if err != nil || len(evs) != 3 || evs[2].To != journal.Confirmed {
		t.Fatalf("the history after fenced updates: %+v, %v; want begun, pending, confirmed", evs, err)
	}

	called := false
	lost := l
	lost.Token++
	_, err = o.a.UpdateFenced(context.Background(), lost, func(*journal.Attempt) error {
		called = true
		return nil
	})
	wantErr(t, "a fenced update under a token never handed out", err, journal.ErrLeaseLost)
	if called {
		t.Fatal("UpdateFenced called its function under a lost lease")
	}
	missing := l
	missing.AttemptID = 999
	_, err = fenced(o.a, missing, func(*journal.Attempt) {})
	wantErr(t, "a fenced update of a missing attempt", err, journal.ErrNotFound)
}

// Two daemons, four workers each, drain 40 due polls in small batches.
// Every attempt must be claimed, and by one worker only: two pollers of one
// intent could record its payment twice.
func testClaimDueRace(t *testing.T, o *owners) {
	const attempts, workers = 40, 4
	want := map[int64]bool{}
	for order := int64(1); order <= attempts; order++ {
		want[pending(t, o.a, order).ID] = true
	}
	var mu sync.Mutex
	got := map[int64][]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	start := make(chan struct{})
	for d, s := range map[string]journal.Journal{"daemon-a": o.a, "daemon-b": o.b} {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				worker := fmt.Sprintf("%s/%d", d, w)
				for {
					ls, err := s.ClaimDue(context.Background(), d, journal.KindPoll, journal.Filter{States: polled.States, Limit: 3}, time.Hour)
					if err != nil {
						errs <- fmt.Errorf("%s: %w", worker, err)
						return
					}
					if len(ls) == 0 {
						return
					}
					mu.Lock()
					for _, l := range ls {
						got[l.AttemptID] = append(got[l.AttemptID], worker)
					}
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ClaimDue under contention: %v", err)
	}
	for id := range want {
		switch w := got[id]; len(w) {
		case 0:
			t.Errorf("attempt %d was never claimed", id)
		case 1:
		default:
			t.Errorf("attempt %d was claimed by %v: two pollers for one intent", id, w)
		}
	}
	if left := due(t, o.a, "daemon-a", journal.KindPoll, polled, 100); len(left) != 0 {
		t.Errorf("attempts still due after the race: %v", leased(left))
	}
}

func testClaimRace(t *testing.T, o *owners) {
	a := begin(t, o.a, 7, "")
	const callers = 16
	var wg sync.WaitGroup
	won := make(chan journal.Lease, callers)
	errs := make(chan error, callers)
	start := make(chan struct{})
	for i := range callers {
		s := o.a
		if i%2 == 1 {
			s = o.b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			l, ok, err := s.Claim(context.Background(), a.ID, fmt.Sprintf("daemon-%d", i), journal.KindCreate, ttl)
			switch {
			case err != nil:
				errs <- err
			case ok:
				won <- l
			}
		}()
	}
	close(start)
	wg.Wait()
	close(won)
	close(errs)
	for err := range errs {
		t.Errorf("Claim under contention: %v", err)
	}
	var winners []string
	for l := range won {
		winners = append(winners, l.Owner)
	}
	if len(winners) != 1 {
		t.Fatalf("%d daemons claimed the create of one attempt (%v); want exactly 1: two would create two intents", len(winners), winners)
	}
}

func testLeader(t *testing.T, o *owners) {
	ctx := context.Background()
	lead := func(s journal.Journal, owner string) bool {
		t.Helper()
		ok, err := s.TryLeader(ctx, "sweep", owner, ttl)
		if err != nil {
			t.Fatalf("TryLeader(sweep, %s): %v", owner, err)
		}
		return ok
	}
	if !lead(o.a, "daemon-a") {
		t.Fatal("the first daemon could not take the free sweep")
	}
	if lead(o.b, "daemon-b") {
		t.Fatal("a second daemon took the sweep while the first holds it")
	}
	if ok, err := o.b.TryLeader(ctx, "watcher", "daemon-b", ttl); err != nil || !ok {
		t.Fatalf("another singleton job is its own: %v, %v", ok, err)
	}
	o.clock.Advance(ttl - time.Second)
	if !lead(o.a, "daemon-a") {
		t.Fatal("the leader could not keep the sweep")
	}
	o.clock.Advance(ttl - time.Second)
	if lead(o.b, "daemon-b") {
		t.Fatal("the sweep was taken from a leader that kept it")
	}

	o.clock.Advance(time.Second) // daemon-a died
	if !lead(o.b, "daemon-b") {
		t.Fatal("the sweep was not taken over once its leader went silent")
	}
	if lead(o.a, "daemon-a") {
		t.Fatal("the old leader came back and took the sweep from the new one")
	}
	if err := o.a.ResignLeader(ctx, "sweep", "daemon-a"); err != nil {
		t.Fatalf("ResignLeader by a non-leader: %v", err)
	}
	if lead(o.a, "daemon-a") {
		t.Fatal("a resign by a non-leader freed the sweep")
	}
	if err := o.b.ResignLeader(ctx, "sweep", "daemon-b"); err != nil {
		t.Fatalf("ResignLeader: %v", err)
	}
	if !lead(o.a, "daemon-a") {
		t.Fatal("the sweep was not free once its leader resigned")
	}
}

func testLeaderRace(t *testing.T, o *owners) {
	const callers = 16
	var wg sync.WaitGroup
	results := make([]bool, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		s := o.a
		if i%2 == 1 {
			s = o.b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = s.TryLeader(context.Background(), "sweep", fmt.Sprintf("daemon-%d", i), ttl)
		}()
	}
	close(start)
	wg.Wait()
	leaders := 0
	for i, ok := range results {
		if errs[i] != nil {
			t.Errorf("daemon-%d: %v", i, errs[i])
		}
		if ok {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d of %d daemons lead the sweep at once, want exactly 1", leaders, callers)
	}
}

func testPruneLeases(t *testing.T, o *owners) {
	ctx := context.Background()
	a := finish(t, o.a, pending(t, o.a, 7).ID, journal.Cancelled)
	l := claim(t, o.a, a.ID, "daemon-a", journal.KindSync)
	if n, err := o.a.Prune(ctx, o.clock.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Prune of a settled attempt with a lease = %d, %v; want 1", n, err)
	}
	if _, _, err := o.b.Claim(ctx, a.ID, "daemon-b", journal.KindSync, ttl); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("Claim of a pruned attempt: %v, want ErrNotFound", err)
	}
	_, err := fenced(o.a, l, func(*journal.Attempt) {})
	wantErr(t, "a fenced update of a pruned attempt", err, journal.ErrNotFound)
	if err := o.a.Check(ctx); err != nil {
		t.Fatalf("Check after pruning leased attempts: %v", err)
	}
}

// A stalled holder wakes up and writes just as another daemon takes its
// lapsed lease over. Its write must land before the takeover (the new
// holder then reads it) or not at all: never after the new holder has read
// the attempt, which is how one payment would be recorded twice.
func testFencedWriteRacingTakeover(t *testing.T, o *owners) {
	ctx := context.Background()
	for order := int64(1); order <= 20; order++ {
		a := pending(t, o.a, order)
		old := claim(t, o.a, a.ID, "daemon-a", journal.KindPoll)
		o.clock.Advance(ttl)

		var wg sync.WaitGroup
		var writeErr, claimErr error
		var seen journal.Attempt
		var took bool
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, writeErr = fenced(o.a, old, func(x *journal.Attempt) { x.State = journal.Confirmed })
		}()
		go func() {
			defer wg.Done()
			if _, took, claimErr = o.b.Claim(ctx, a.ID, "daemon-b", journal.KindPoll, ttl); claimErr == nil && took {
				seen, claimErr = o.b.Get(ctx, a.ID)
			}
		}()
		wg.Wait()
		if claimErr != nil || !took {
			t.Fatalf("order %d: the takeover of a lapsed lease: took %v, %v", order, took, claimErr)
		}
		switch {
		case writeErr == nil && seen.State != journal.Confirmed:
			t.Fatalf("order %d: the old holder's write landed after the new holder read the attempt", order)
		case writeErr != nil && !errors.Is(writeErr, journal.ErrLeaseLost):
			t.Fatalf("order %d: the old holder's write failed with %v, want success or ErrLeaseLost", order, writeErr)
		case writeErr != nil && get(t, o.a, a.ID).State != journal.Pending:
			t.Fatalf("order %d: a refused write changed the attempt", order)
		}
	}
}
