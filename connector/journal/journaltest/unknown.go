package journaltest

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// An unknown outcome (the intent may exist at Compago, perhaps charged,
// its id never received) is for a human: the store parks every attempt
// that becomes unknown, whoever writes it and whatever it says about
// Attention, and keeps it parked until a human settles it.
func testUnknownIsForAttention(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := setState(t, s, begin(t, s, 1, "").ID, journal.Unknown, "duplicate_external_id")
	if !a.Attention {
		t.Fatalf("an attempt that became unknown is not for attention: %+v", a)
	}
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.Attention, x.Message = false, "rewritten" })
	if !a.Attention || !get(t, s, a.ID).Attention {
		t.Fatal("an update cleared Attention on an unknown outcome no human settled")
	}
	in, err := s.Insert(ctx, journal.Attempt{OrderID: 2, Seq: 1, ExternalID: "shop-2-1", Amount: 100, State: journal.Unknown})
	if err != nil {
		t.Fatalf("Insert of an unknown attempt: %v", err)
	}
	if !in.Attention || !get(t, s, in.ID).Attention {
		t.Fatal("an unknown attempt adopted from Odoo is not for attention")
	}
	parked, err := s.List(ctx, journal.Filter{Attention: true})
	if err != nil {
		t.Fatalf("List(Attention): %v", err)
	}
	if got := ids(parked); len(got) != 2 || got[0] != a.ID || got[1] != in.ID {
		t.Fatalf("List(Attention) = %v, want both unknown attempts %d and %d", got, a.ID, in.ID)
	}
}

// Prune never deletes an unknown outcome no human settled, however old and
// synced: it is the only record of a possibly charged intent.
func testPruneKeepsUnknown(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	u := finish(t, s, begin(t, s, 1, "").ID, journal.Unknown)
	// Even with Attention cleared behind the store's back (an older build's
	// rows), the state alone keeps it.
	if n, err := s.Prune(ctx, time.Now().Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("Prune of an old, synced, unsettled unknown attempt = %d, %v; want 0", n, err)
	}
	if got := get(t, s, u.ID); got.State != journal.Unknown {
		t.Fatalf("the unknown attempt after Prune: %+v", got)
	}
}

// A human settles an unknown outcome: the settlement is recorded with an
// event, the attempt leaves attention and is pruned once the retention has
// passed after the settlement, not before.
func testSettle(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	u := finish(t, s, begin(t, s, 1, "").ID, journal.Unknown)
	pending := setState(t, s, begin(t, s, 2, "").ID, journal.Pending, "")

	_, err := s.Settle(ctx, pending.ID, journal.Settlement{Outcome: journal.OutcomeNotCharged, Note: "checked"})
	wantErr(t, "settling a pending attempt", err, journal.ErrTransition)
	_, err = s.Settle(ctx, u.ID, journal.Settlement{Outcome: journal.OutcomeCharged, Note: "  "})
	wantErr(t, "settling without a note", err, journal.ErrInvalid)
	_, err = s.Settle(ctx, u.ID, journal.Settlement{Outcome: "maybe", Note: "checked"})
	wantErr(t, "settling with no outcome", err, journal.ErrInvalid)
	_, err = s.Settle(ctx, 9999, journal.Settlement{Outcome: journal.OutcomeCharged, Note: "checked"})
	wantErr(t, "settling a missing attempt", err, journal.ErrNotFound)

	before := time.Now()
	got, err := s.Settle(ctx, u.ID, journal.Settlement{Outcome: journal.OutcomeCharged, Note: "Compago shows pi_9 SUCCESS; payment added in Odoo by hand", By: "admin"})
	if err != nil {
		t.Fatalf("Settle: %v", err)
	}
	if got.Attention || got.Settled != journal.OutcomeCharged || got.SettledBy != "admin" || got.SettledAt.Before(before.Add(-time.Second)) {
		t.Fatalf("the settled attempt: %+v; want out of attention, charged, by admin, settled now", got)
	}
	stored := get(t, s, u.ID)
	if stored.Attention || stored.Settled != journal.OutcomeCharged || stored.Version != u.Version || stored.Unsynced() || stored.State != journal.Unknown {
		t.Fatalf("the settled attempt as stored: %+v; want settled, same version, still unknown, Odoo up to date", stored)
	}
	if stored.NeedsHuman() {
		t.Fatal("a settled unknown attempt still needs a human")
	}
	evs, err := s.Events(ctx, u.ID)
	if err != nil || len(evs) == 0 {
		t.Fatalf("Events: %v, %v", evs, err)
	}
	last := evs[len(evs)-1]
	if last.From != journal.Unknown || last.To != journal.Unknown || last.Reason != "settled_charged" ||
		last.Message != "Compago shows pi_9 SUCCESS; payment added in Odoo by hand (by admin)" {
		t.Fatalf("the settlement's event: %+v", last)
	}
	_, err = s.Settle(ctx, u.ID, journal.Settlement{Outcome: journal.OutcomeNotCharged, Note: "again"})
	wantErr(t, "settling twice", err, journal.ErrSettled)
	_, err = s.Update(ctx, u.ID, func(x *journal.Attempt) error { x.Settled = journal.OutcomeNotCharged; return nil })
	wantErr(t, "Update changing a settlement", err, journal.ErrImmutable)
	if parked, err := s.List(ctx, journal.Filter{Attention: true}); err != nil || len(parked) != 0 {
		t.Fatalf("List(Attention) after settling = %v, %v; want none", ids(parked), err)
	}

	if n, err := s.Prune(ctx, got.SettledAt); err != nil || n != 0 {
		t.Fatalf("Prune up to the settlement = %d, %v; want 0 (the retention counts from the settlement)", n, err)
	}
	if n, err := s.Prune(ctx, got.SettledAt.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("Prune after the settlement = %d, %v; want the settled attempt", n, err)
	}
}
