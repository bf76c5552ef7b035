package journaltest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
)

func testBeginNumbers(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	first := begin(t, s, 7, "TERMINAL-001")
	if first.ID == 0 || first.Seq != 1 || first.ExternalID != "shop-7-1" {
		t.Fatalf("first attempt of order 7: id %d, seq %d, externalId %q; want an id, 1, shop-7-1",
			first.ID, first.Seq, first.ExternalID)
	}
	if first.State != journal.Creating || first.Version != 1 || first.SyncedVersion != 0 || !first.Unsynced() {
		t.Fatalf("a new attempt is %s at version %d (synced %d); want creating at 1, unsynced",
			first.State, first.Version, first.SyncedVersion)
	}
	if first.Amount != 10050 || first.Terminal != "TERMINAL-001" || first.OrderID != 7 {
		t.Fatalf("a new attempt holds order %d, %d centavos, terminal %q; want what was begun",
			first.OrderID, first.Amount, first.Terminal)
	}
	if first.CreatedAt.IsZero() || first.CreatedAt.Location() != time.UTC || !first.UpdatedAt.Equal(first.CreatedAt) {
		t.Fatalf("a new attempt's times are %v / %v; want one UTC instant", first.CreatedAt, first.UpdatedAt)
	}
	if !first.SyncedAt.IsZero() {
		t.Fatalf("a new attempt was never synced, yet SyncedAt is %v", first.SyncedAt)
	}
	sameAttempt(t, "Get after Begin", get(t, s, first.ID), first)

	evs, err := s.Events(ctx, first.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	want := []journal.Event{{AttemptID: first.ID, At: first.CreatedAt, From: "", To: journal.Creating, Actor: journal.ActorCashier}}
	if d := cmp.Diff(want, evs); d != "" {
		t.Fatalf("the history of a new attempt (-want +got):\n%s", d)
	}

	setState(t, s, first.ID, journal.Expired, "expired")
	second := begin(t, s, 7, "")
	if second.Seq != 2 || second.ExternalID != "shop-7-2" {
		t.Fatalf("retry after expiry: seq %d, externalId %q; want 2, shop-7-2", second.Seq, second.ExternalID)
	}
	other := begin(t, s, 8, "")
	if other.Seq != 1 || other.ExternalID != "shop-8-1" {
		t.Fatalf("another order: seq %d, externalId %q; want 1, shop-8-1", other.Seq, other.ExternalID)
	}
}

func testBeginLive(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	for _, st := range []journal.State{journal.Creating, journal.Pending, journal.Cancelling, journal.Confirmed} {
		a = update(t, s, a.ID, func(x *journal.Attempt) {
			x.State = st
			if x.IntentID == "" {
				x.IntentID = "pi_7"
			}
		})
		_, err := s.Begin(context.Background(), journal.NewAttempt{OrderID: 7, Amount: 100, ExternalIDPrefix: "shop"})
		wantErr(t, "a second attempt while the first is "+string(st), err, journal.ErrLiveAttempt)
	}
	setState(t, s, a.ID, journal.Recorded, "recorded")
	if b := begin(t, s, 7, ""); b.Seq != 2 {
		t.Fatalf("an attempt after a recorded one is number %d, want 2", b.Seq)
	}
}

func testBeginConcurrent(t *testing.T, s journal.Journal) {
	const callers = 16
	var wg sync.WaitGroup
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.Begin(context.Background(), journal.NewAttempt{OrderID: 42, Amount: 500, ExternalIDPrefix: "shop"})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, journal.ErrLiveAttempt):
			t.Errorf("caller %d: got %v, want success or ErrLiveAttempt", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent Begin calls for one order succeeded; want exactly 1", won, callers)
	}
	list, err := s.List(context.Background(), journal.Filter{OrderIDs: []int64{42}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 || list[0].Seq != 1 {
		t.Fatalf("order 42 has attempts %+v; want exactly one, number 1", list)
	}
}

func testBeginInvalid(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	for _, n := range []journal.NewAttempt{
		{OrderID: 7, Amount: 0, ExternalIDPrefix: "shop"},
		{OrderID: 7, Amount: -5, ExternalIDPrefix: "shop"},
		{OrderID: 0, Amount: 100, ExternalIDPrefix: "shop"},
	} {
		_, err := s.Begin(ctx, n)
		wantErr(t, "Begin with order "+itoa(n.OrderID)+" and amount "+itoa(n.Amount), err, journal.ErrInvalid)
	}
	// Nothing refused may hold the order's number.
	if a := begin(t, s, 7, ""); a.Seq != 1 {
		t.Fatalf("first accepted attempt is number %d, want 1", a.Seq)
	}
}

func testLatest(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	setState(t, s, a.ID, journal.Failed, "refused")
	b := begin(t, s, 7, "")
	begin(t, s, 9, "")
	got, err := s.Latest(context.Background(), 7)
	if err != nil {
		t.Fatalf("Latest(7): %v", err)
	}
	sameAttempt(t, "the latest attempt of order 7", got, b)
}

func testInsert(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	in := journal.Attempt{
		OrderID: 7, Seq: 3, ExternalID: "shop-7-3", IntentID: "pi_adopted", Terminal: "TERMINAL-002",
		Amount: 2500, State: journal.Pending, Reason: "adopted", Message: "waiting", CreatedAt: created,
	}
	got, err := s.Insert(ctx, in)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	want := in
	want.ID, want.Version, want.UpdatedAt = got.ID, 1, got.UpdatedAt
	sameAttempt(t, "the adopted attempt", got, want)
	if got.ID == 0 || got.UpdatedAt.IsZero() {
		t.Fatalf("adopted attempt has id %d and UpdatedAt %v; want both set", got.ID, got.UpdatedAt)
	}
	sameAttempt(t, "Get of the adopted attempt", get(t, s, got.ID), got)
	if byIntent, err := s.ByIntent(ctx, "pi_adopted"); err != nil || byIntent.ID != got.ID {
		t.Fatalf("ByIntent(pi_adopted) = attempt %d, %v; want attempt %d", byIntent.ID, err, got.ID)
	}

	_, err = s.Begin(ctx, journal.NewAttempt{OrderID: 7, Amount: 100, ExternalIDPrefix: "shop"})
	wantErr(t, "Begin while the adopted attempt is live", err, journal.ErrLiveAttempt)
	setState(t, s, got.ID, journal.Expired, "expired")
	if next := begin(t, s, 7, ""); next.Seq != 4 || next.ExternalID != "shop-7-4" {
		t.Fatalf("the attempt after adopted number 3 is %d (%s), want 4 (shop-7-4)", next.Seq, next.ExternalID)
	}

	synced, err := s.Insert(ctx, journal.Attempt{
		OrderID: 8, Seq: 1, ExternalID: "shop-8-1", Amount: 100, State: journal.Cancelled, Version: 2, SyncedVersion: 2,
	})
	if err != nil {
		t.Fatalf("Insert of a final attempt Odoo already shows: %v", err)
	}
	if synced.Unsynced() || synced.Version != 2 {
		t.Fatalf("adopted attempt Odoo already shows: version %d, synced %d; want 2, 2", synced.Version, synced.SyncedVersion)
	}
}

func testInsertClash(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 7, "")
	update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_1" })
	base := journal.Attempt{OrderID: 9, Seq: 1, ExternalID: "shop-9-1", Amount: 100, State: journal.Cancelled}
	for _, c := range []struct {
		what   string
		change func(a *journal.Attempt)
		want   error
	}{
		{"same externalId", func(x *journal.Attempt) { x.ExternalID = "shop-7-1" }, journal.ErrDuplicate},
		{"same order and number", func(x *journal.Attempt) { x.OrderID, x.ExternalID = 7, "other-7-1" }, journal.ErrDuplicate},
		{"same intent", func(x *journal.Attempt) { x.IntentID = "pi_1" }, journal.ErrDuplicate},
		{"a second live attempt", func(x *journal.Attempt) { x.OrderID, x.Seq, x.State = 7, 2, journal.Pending }, journal.ErrLiveAttempt},
		{"an id of its own", func(x *journal.Attempt) { x.ID = 99 }, journal.ErrInvalid},
		{"no externalId", func(x *journal.Attempt) { x.ExternalID = "" }, journal.ErrInvalid},
		{"no attempt number", func(x *journal.Attempt) { x.Seq = 0 }, journal.ErrInvalid},
		{"an unknown state", func(x *journal.Attempt) { x.State = "lost" }, journal.ErrInvalid},
	} {
		in := base
		c.change(&in)
		_, err := s.Insert(ctx, in)
		wantErr(t, "Insert with "+c.what, err, c.want)
	}
	list, err := s.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("refused inserts left %d attempts, want the 1 begun", len(list))
	}
}
