package journaltest

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
)

func testList(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 1, "TERMINAL-001")
	b := begin(t, s, 2, "TERMINAL-002")
	c := begin(t, s, 3, "TERMINAL-001")
	d := begin(t, s, 4, "")
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_a" })
	b = finish(t, s, b.ID, journal.Expired)
	c = setState(t, s, c.ID, journal.Cancelled, "cashier")
	all := []journal.Attempt{a, b, get(t, s, c.ID), d}

	for _, tc := range []struct {
		what string
		f    journal.Filter
		want []int64
	}{
		{"everything", journal.Filter{}, []int64{a.ID, b.ID, c.ID, d.ID}},
		{"final ones", journal.Filter{States: []journal.State{journal.Expired, journal.Cancelled}}, []int64{b.ID, c.ID}},
		{"orders 2 and 4", journal.Filter{OrderIDs: []int64{4, 2}}, []int64{b.ID, d.ID}},
		{"on TERMINAL-001", journal.Filter{Terminal: "TERMINAL-001"}, []int64{a.ID, c.ID}},
		{"Odoo is behind on", journal.Filter{Unsynced: true}, []int64{a.ID, c.ID, d.ID}},
		{"cancelled on TERMINAL-001", journal.Filter{States: []journal.State{journal.Cancelled}, Terminal: "TERMINAL-001"}, []int64{c.ID}},
		{"the first two", journal.Filter{Limit: 2}, []int64{a.ID, b.ID}},
		{"a state nobody is in", journal.Filter{States: []journal.State{journal.Recorded}}, []int64{}},
	} {
		got, err := s.List(ctx, tc.f)
		if err != nil {
			t.Fatalf("List %s: %v", tc.what, err)
		}
		if d := cmp.Diff(tc.want, ids(got)); d != "" {
			t.Errorf("List %s (-want +got ids):\n%s", tc.what, d)
		}
	}

	got, err := s.List(ctx, journal.Filter{OrderIDs: []int64{1}})
	if err != nil || len(got) != 1 {
		t.Fatalf("List of order 1: %v, %v", got, err)
	}
	sameAttempt(t, "a listed attempt", got[0], a)

	// Time bounds are strict; compare with what the attempts say, whatever
	// the clock's resolution.
	created, err := s.List(ctx, journal.Filter{CreatedAfter: b.CreatedAt})
	if err != nil {
		t.Fatalf("List created after: %v", err)
	}
	if d := cmp.Diff(expect(all, func(x journal.Attempt) bool { return x.CreatedAt.After(b.CreatedAt) }), ids(created)); d != "" {
		t.Errorf("List created strictly after attempt b (-want +got):\n%s", d)
	}
	cutoff := get(t, s, c.ID).UpdatedAt
	updated, err := s.List(ctx, journal.Filter{UpdatedBefore: cutoff})
	if err != nil {
		t.Fatalf("List updated before: %v", err)
	}
	if d := cmp.Diff(expect(all, func(x journal.Attempt) bool { return x.UpdatedAt.Before(cutoff) }), ids(updated)); d != "" {
		t.Errorf("List updated strictly before attempt c's cancel (-want +got):\n%s", d)
	}
	later, err := s.List(ctx, journal.Filter{CreatedAfter: time.Now().Add(time.Hour)})
	if err != nil || len(later) != 0 {
		t.Fatalf("List created in the future: %v, %v; want none", ids(later), err)
	}
}

func expect(all []journal.Attempt, keep func(journal.Attempt) bool) []int64 {
	out := []int64{}
	for _, a := range all {
		if keep(a) {
			out = append(out, a.ID)
		}
	}
	return out
}

func testPrune(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	live := begin(t, s, 1, "")
	unsynced := setState(t, s, begin(t, s, 2, "").ID, journal.Expired, "expired")
	done := finish(t, s, begin(t, s, 3, "").ID, journal.Recorded)
	parked := finish(t, s, begin(t, s, 4, "").ID, journal.Unknown)
	if err := s.SyncFailed(ctx, parked.ID, "intent id unknown", true); err != nil {
		t.Fatalf("SyncFailed: %v", err)
	}
	confirmed := setState(t, s, begin(t, s, 5, "").ID, journal.Confirmed, "")
	if err := s.MarkSynced(ctx, confirmed.ID, confirmed.Version); err != nil {
		t.Fatalf("MarkSynced: %v", err)
	}

	n, err := s.Prune(ctx, done.UpdatedAt)
	if err != nil || n != 0 {
		t.Fatalf("Prune before the last change = %d, %v; want 0 (the bound is strict)", n, err)
	}
	n, err = s.Prune(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Prune of everything old = %d, %v; want 1", n, err)
	}
	_, err = s.Get(ctx, done.ID)
	wantErr(t, "the pruned attempt", err, journal.ErrNotFound)
	if evs, err := s.Events(ctx, done.ID); err != nil || len(evs) != 0 {
		t.Fatalf("events of a pruned attempt: %v, %v; want none", evs, err)
	}
	left, err := s.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []int64{live.ID, unsynced.ID, parked.ID, confirmed.ID}
	if d := cmp.Diff(want, ids(left)); d != "" {
		t.Fatalf("Prune must keep live, unsynced and parked attempts (-want +got ids):\n%s", d)
	}
	if evs, _ := s.Events(ctx, live.ID); len(evs) != 1 {
		t.Fatalf("a kept attempt has %d events, want its 1", len(evs))
	}
}

func testPruneSeq(t *testing.T, s journal.Journal) {
	a := finish(t, s, begin(t, s, 7, "").ID, journal.Expired)
	if n, err := s.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	b := begin(t, s, 7, "")
	if b.Seq != a.Seq+1 || b.ExternalID == a.ExternalID {
		t.Fatalf("after pruning %s the order's next attempt is %s; Compago refuses a repeated externalId",
			a.ExternalID, b.ExternalID)
	}
}
