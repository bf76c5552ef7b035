package journaltest

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func testUpdateVersions(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 7, "TERMINAL-001")
	pending := update(t, s, a.ID, func(x *journal.Attempt) {
		x.State, x.IntentID, x.Message = journal.Pending, "pi_1", "Waiting for the card on TERMINAL-001"
	})
	if pending.Version != 2 || pending.UpdatedAt.Before(a.UpdatedAt) || !pending.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("after one update: version %d, updated %v (was %v); want version 2, not earlier, same CreatedAt",
			pending.Version, pending.UpdatedAt, a.UpdatedAt)
	}
	sameAttempt(t, "Get after Update", get(t, s, a.ID), pending)

	msg := update(t, s, a.ID, func(x *journal.Attempt) { x.Message = "Still waiting" })
	if msg.Version != 3 || msg.State != journal.Pending {
		t.Fatalf("a message change: version %d, state %s; want 3, pending", msg.Version, msg.State)
	}
	cancelled := update(t, s, a.ID, func(x *journal.Attempt) {
		x.State, x.Reason, x.Message = journal.Cancelled, "cashier", "Cancelled by the cashier"
	})
	if cancelled.Version != 4 {
		t.Fatalf("after three updates the version is %d, want 4", cancelled.Version)
	}

	evs, err := s.Events(ctx, a.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	want := []journal.Event{
		{AttemptID: a.ID, From: "", To: journal.Creating, Actor: journal.ActorCashier},
		{AttemptID: a.ID, From: journal.Creating, To: journal.Pending, Message: "Waiting for the card on TERMINAL-001"},
		{AttemptID: a.ID, From: journal.Pending, To: journal.Cancelled, Reason: "cashier", Message: "Cancelled by the cashier"},
	}
	if d := cmp.Diff(want, evs, cmpopts.IgnoreFields(journal.Event{}, "At")); d != "" {
		t.Fatalf("the history logs state changes only (-want +got):\n%s", d)
	}
	if !evs[2].At.Equal(cancelled.UpdatedAt) {
		t.Fatalf("the cancel event is dated %v, the attempt was updated at %v", evs[2].At, cancelled.UpdatedAt)
	}
}

var errRefused = errors.New("the engine changed its mind")

func testUpdateAborted(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	got, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
		x.State, x.Message = journal.Failed, "half-made change"
		return errRefused
	})
	wantErr(t, "Update whose function fails", err, errRefused)
	sameAttempt(t, "the attempt returned with an aborted update is the committed one", got, a)
	sameAttempt(t, "the attempt after an aborted update", get(t, s, a.ID), a)
	evs, _ := s.Events(context.Background(), a.ID)
	if len(evs) != 1 {
		t.Fatalf("an aborted update left %d events, want the 1 from Begin", len(evs))
	}
}

func testUpdateImmutable(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_1" })
	for _, c := range []struct {
		field  string
		change func(x *journal.Attempt)
	}{
		{"ID", func(x *journal.Attempt) { x.ID++ }},
		{"OrderID", func(x *journal.Attempt) { x.OrderID = 8 }},
		{"Seq", func(x *journal.Attempt) { x.Seq = 5 }},
		{"ExternalID", func(x *journal.Attempt) { x.ExternalID = "shop-7-9" }},
		{"IntentID once set", func(x *journal.Attempt) { x.IntentID = "pi_2" }},
		{"Version", func(x *journal.Attempt) { x.Version = 10 }},
		{"SyncedVersion", func(x *journal.Attempt) { x.SyncedVersion = 1 }},
		{"SyncFailures", func(x *journal.Attempt) { x.SyncFailures = 3 }},
		{"CreatedAt", func(x *journal.Attempt) { x.CreatedAt = x.CreatedAt.Add(-1) }},
	} {
		_, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
			c.change(x)
			return nil
		})
		wantErr(t, "Update changing "+c.field, err, journal.ErrImmutable)
	}
	_, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
		x.State = "lost"
		return nil
	})
	wantErr(t, "Update to an unknown state", err, journal.ErrInvalid)
	sameAttempt(t, "the attempt after refused updates", get(t, s, a.ID), a)
}

func testUpdateConfirmedGuard(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	setState(t, s, a.ID, journal.Expired, "expired")
	// Compago's word that the card was charged wins over a local expiry.
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Confirmed, "pi_late" })
	for _, st := range []journal.State{journal.Cancelled, journal.Expired, journal.Failed, journal.Unknown, journal.Pending, journal.Creating} {
		_, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
			x.State = st
			return nil
		})
		wantErr(t, "confirmed payment moved to "+string(st), err, journal.ErrTransition)
	}
	parked := update(t, s, a.ID, func(x *journal.Attempt) { x.Attention, x.Message = true, "session closed" })
	if parked.State != journal.Confirmed || !parked.Attention {
		t.Fatalf("a parked payment is %s (attention %v), want confirmed and parked", parked.State, parked.Attention)
	}
	rec := update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.Attention = journal.Recorded, false })
	if rec.State != journal.Recorded {
		t.Fatalf("confirmed payment could not be recorded: %s", rec.State)
	}
	_, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
		x.State = journal.Cancelled
		return nil
	})
	wantErr(t, "recorded payment moved to cancelled", err, journal.ErrTransition)
}

func testUpdateRelive(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	setState(t, s, a.ID, journal.Unknown, "duplicate_external_id")
	b := begin(t, s, 7, "")
	_, err := s.Update(context.Background(), a.ID, func(x *journal.Attempt) error {
		x.State, x.IntentID = journal.Pending, "pi_found"
		return nil
	})
	wantErr(t, "an old attempt made live beside a live one", err, journal.ErrLiveAttempt)
	setState(t, s, b.ID, journal.Failed, "refused")
	found := update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_found" })
	if found.State != journal.Pending {
		t.Fatalf("an unknown attempt whose intent was found is %s, want pending", found.State)
	}
}

func testUpdateMissing(t *testing.T, s journal.Journal) {
	called := false
	_, err := s.Update(context.Background(), 12345, func(*journal.Attempt) error {
		called = true
		return nil
	})
	wantErr(t, "Update of attempt 12345 that was never begun", err, journal.ErrNotFound)
	if called {
		t.Fatal("Update called its function for a missing attempt")
	}
}

func testIntentUnique(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 7, "")
	b := begin(t, s, 8, "")
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_1" })
	_, err := s.Update(ctx, b.ID, func(x *journal.Attempt) error {
		x.State, x.IntentID = journal.Pending, "pi_1"
		return nil
	})
	wantErr(t, "a second attempt holding intent pi_1", err, journal.ErrDuplicate)
	got, err := s.ByIntent(ctx, "pi_1")
	if err != nil {
		t.Fatalf("ByIntent(pi_1): %v", err)
	}
	sameAttempt(t, "the attempt holding pi_1", got, a)
	got, err = s.ByExternalID(ctx, "shop-8-1")
	if err != nil {
		t.Fatalf("ByExternalID(shop-8-1): %v", err)
	}
	sameAttempt(t, "the attempt with externalId shop-8-1", got, b)
	// Many attempts may be without an intent id.
	begin(t, s, 9, "")
}

func testNotFound(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	begin(t, s, 7, "")
	_, err := s.Get(ctx, 999)
	wantErr(t, "Get(999)", err, journal.ErrNotFound)
	_, err = s.Latest(ctx, 8)
	wantErr(t, "Latest of an order never attempted", err, journal.ErrNotFound)
	_, err = s.ByIntent(ctx, "pi_none")
	wantErr(t, "ByIntent(pi_none)", err, journal.ErrNotFound)
	_, err = s.ByIntent(ctx, "")
	wantErr(t, "ByIntent of the empty id", err, journal.ErrNotFound)
	_, err = s.ByExternalID(ctx, "shop-7-2")
	wantErr(t, "ByExternalID(shop-7-2)", err, journal.ErrNotFound)
	wantErr(t, "MarkSynced(999)", s.MarkSynced(ctx, 999, 1), journal.ErrNotFound)
	wantErr(t, "SyncFailed(999)", s.SyncFailed(ctx, 999, "x", false), journal.ErrNotFound)
	evs, err := s.Events(ctx, 999)
	if err != nil || len(evs) != 0 {
		t.Fatalf("Events(999) = %v, %v; want none", evs, err)
	}
}
