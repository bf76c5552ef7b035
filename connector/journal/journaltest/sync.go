package journaltest

import (
	"context"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

func testSync(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 7, "")
	a = update(t, s, a.ID, func(x *journal.Attempt) { x.State, x.IntentID = journal.Pending, "pi_1" }) // version 2

	if err := s.SyncFailed(ctx, a.ID, "odoo: connection refused", false); err != nil {
		t.Fatalf("SyncFailed: %v", err)
	}
	if err := s.SyncFailed(ctx, a.ID, "odoo: timeout", false); err != nil {
		t.Fatalf("SyncFailed: %v", err)
	}
	failing := get(t, s, a.ID)
	if failing.SyncFailures != 2 || failing.LastError != "odoo: timeout" || failing.Version != 2 || !failing.Unsynced() {
		t.Fatalf("after two failed writes: failures %d, last error %q, version %d; want 2, the last error, 2 unsynced",
			failing.SyncFailures, failing.LastError, failing.Version)
	}

	if err := s.MarkSynced(ctx, a.ID, 1); err != nil {
		t.Fatalf("MarkSynced(version 1): %v", err)
	}
	behind := get(t, s, a.ID)
	if behind.SyncedVersion != 1 || !behind.Unsynced() || behind.SyncFailures != 0 || behind.LastError != "" || behind.SyncedAt.IsZero() {
		t.Fatalf("Odoo acknowledged version 1 of 2: synced %d, failures %d, error %q, at %v; "+
			"want 1, still unsynced, failures cleared, a sync time",
			behind.SyncedVersion, behind.SyncFailures, behind.LastError, behind.SyncedAt)
	}
	if err := s.MarkSynced(ctx, a.ID, 2); err != nil {
		t.Fatalf("MarkSynced(version 2): %v", err)
	}
	if err := s.MarkSynced(ctx, a.ID, 1); err != nil {
		t.Fatalf("a late acknowledgement of version 1: %v", err)
	}
	synced := get(t, s, a.ID)
	if synced.SyncedVersion != 2 || synced.Unsynced() || synced.Version != 2 {
		t.Fatalf("after a late acknowledgement of version 1: synced %d of %d; want 2 of 2, never back",
			synced.SyncedVersion, synced.Version)
	}
	if synced.SyncedAt.Before(behind.SyncedAt) {
		t.Fatalf("SyncedAt went back from %v to %v", behind.SyncedAt, synced.SyncedAt)
	}
	wantErr(t, "MarkSynced beyond the attempt's version", s.MarkSynced(ctx, a.ID, 3), journal.ErrInvalid)

	next := update(t, s, a.ID, func(x *journal.Attempt) { x.Message = "new sentence" })
	if !next.Unsynced() || next.SyncedVersion != 2 {
		t.Fatalf("after a change Odoo has not seen: version %d, synced %d; want unsynced", next.Version, next.SyncedVersion)
	}
}

func testSyncAttention(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	a := begin(t, s, 7, "")
	if err := s.SyncFailed(ctx, a.ID, "session closed", true); err != nil {
		t.Fatalf("SyncFailed(attention): %v", err)
	}
	if err := s.SyncFailed(ctx, a.ID, "odoo: timeout", false); err != nil {
		t.Fatalf("SyncFailed: %v", err)
	}
	got := get(t, s, a.ID)
	if !got.Attention || got.SyncFailures != 2 {
		t.Fatalf("a parked attempt after an ordinary failure: attention %v, failures %d; want still parked, 2",
			got.Attention, got.SyncFailures)
	}
	if err := s.MarkSynced(ctx, a.ID, 1); err != nil {
		t.Fatalf("MarkSynced: %v", err)
	}
	if !get(t, s, a.ID).Attention {
		t.Fatal("a successful write unparked an attempt a human must look at")
	}
	cleared := update(t, s, a.ID, func(x *journal.Attempt) { x.Attention = false })
	if cleared.Attention {
		t.Fatal("Update could not clear Attention")
	}
}

func testCheck(t *testing.T, s journal.Journal) {
	a := begin(t, s, 7, "")
	setState(t, s, a.ID, journal.Cancelled, "cashier")
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check of a healthy journal: %v", err)
	}
}

func testCancelled(t *testing.T, s journal.Journal) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Begin(ctx, journal.NewAttempt{OrderID: 7, Amount: 100, ExternalIDPrefix: "shop"}); err == nil {
		t.Fatal("Begin with a cancelled context succeeded")
	}
	if _, err := s.Latest(context.Background(), 7); err == nil {
		t.Fatal("a cancelled Begin left an attempt behind")
	}
}
