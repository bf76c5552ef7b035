package journal_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

func TestAdminReadsTheJournalWhileTheDaemonHoldsIt(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	daemon := openJournal(t, path)
	first, err := daemon.Begin(ctx, journal.NewAttempt{OrderID: 7, Amount: 35050, ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}

	admin, err := journal.OpenSQLiteReadOnly(ctx, path, journal.Options{})
	if err != nil {
		t.Fatalf("the admin could not open the journal the daemon holds: %v", err)
	}
	defer admin.Close()
	got, err := admin.Get(ctx, first.ID)
	if err != nil || got.ExternalID != "shop-7-1" {
		t.Fatalf("admin read of attempt %d: %+v, %v", first.ID, got, err)
	}

	// What the daemon commits after the admin opened is seen at once.
	if _, err := daemon.Update(ctx, first.ID, func(a *journal.Attempt) error {
		a.IntentID, a.State = "intent-1", journal.Pending
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := admin.ByIntent(ctx, "intent-1"); err != nil || got.State != journal.Pending {
		t.Fatalf("the admin does not see the daemon's latest write: %+v, %v", got, err)
	}
	if evs, err := admin.Events(ctx, first.ID); err != nil || len(evs) != 2 {
		t.Fatalf("admin events: %v, %v", evs, err)
	}
}

func TestReadOnlyJournalRefusesEveryWrite(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	daemon := openJournal(t, path)
	a, err := daemon.Begin(ctx, journal.NewAttempt{OrderID: 1, Amount: 100, ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := journal.OpenSQLiteReadOnly(ctx, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	writes := map[string]error{}
	_, writes["Begin"] = admin.Begin(ctx, journal.NewAttempt{OrderID: 2, Amount: 100, ExternalIDPrefix: "shop"})
	_, writes["Update"] = admin.Update(ctx, a.ID, func(x *journal.Attempt) error { x.Message = "hi"; return nil })
	writes["MarkSynced"] = admin.MarkSynced(ctx, a.ID, a.Version)
	writes["SyncFailed"] = admin.SyncFailed(ctx, a.ID, "x", true)
	_, writes["Prune"] = admin.Prune(ctx, a.CreatedAt.Add(1e12))
	for name, err := range writes {
		if !errors.Is(err, journal.ErrReadOnly) {
			t.Errorf("%s on a read-only journal: got %v, want ErrReadOnly", name, err)
		}
	}
	if got, _ := daemon.Get(ctx, a.ID); got.Version != a.Version || got.Message != a.Message {
		t.Fatalf("a refused write changed the attempt: %+v", got)
	}
}

func TestReadOnlyOpensAStoppedDaemonsJournal(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	daemon, err := journal.OpenSQLite(ctx, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.Begin(ctx, journal.NewAttempt{OrderID: 3, Amount: 100, ExternalIDPrefix: "shop"}); err != nil {
		t.Fatal(err)
	}
	daemon.Close()

	admin, err := journal.OpenSQLiteReadOnly(ctx, path, journal.Options{})
	if err != nil {
		t.Fatalf("read-only open of a closed journal: %v", err)
	}
	list, err := admin.List(ctx, journal.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v, %v", list, err)
	}
	// The admin holds no lock: the daemon starts while it reads.
	again, err := journal.OpenSQLite(ctx, path, journal.Options{})
	if err != nil {
		t.Fatalf("the daemon could not start while the admin read the journal: %v", err)
	}
	again.Close()
	admin.Close()
}

func TestReadOnlyNeverCreatesAJournal(t *testing.T) {
	path := tempPath(t)
	if _, err := journal.OpenSQLiteReadOnly(context.Background(), path, journal.Options{}); err == nil {
		t.Fatal("a missing journal opened read-only without error")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the read-only open created %s (%v)", path, err)
	}
}

func TestReadOnlyRefusesAFileThatIsNotAJournal(t *testing.T) {
	path := tempPath(t)
	if err := os.WriteFile(path, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := journal.OpenSQLiteReadOnly(context.Background(), path, journal.Options{}); err == nil {
		t.Fatal("a file that is not a journal opened without error")
	}
}

// The admin settles an unknown outcome while the daemon holds the journal
// (intents settle): that one write goes through beside the daemon, which
// sees it at once; every other write is still refused, and a plain
// read-only opening refuses Settle too.
func TestAdminSettlesBesideTheDaemon(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	daemon := openJournal(t, path)
	a, err := daemon.Begin(ctx, journal.NewAttempt{OrderID: 3, Amount: 8000, ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.Update(ctx, a.ID, func(x *journal.Attempt) error { x.State = journal.Unknown; return nil }); err != nil {
		t.Fatal(err)
	}
	st := journal.Settlement{Outcome: journal.OutcomeNotCharged, Note: "no SUCCESS at Compago for shop-3-1"}

	ro, err := journal.OpenSQLiteReadOnly(ctx, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Settle(ctx, a.ID, st); !errors.Is(err, journal.ErrReadOnly) {
		t.Fatalf("Settle on a read-only journal: %v, want ErrReadOnly", err)
	}

	admin, err := journal.OpenSQLiteSettle(ctx, path, journal.Options{})
	if err != nil {
		t.Fatalf("the admin could not open the journal the daemon holds to settle: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Begin(ctx, journal.NewAttempt{OrderID: 4, Amount: 100, ExternalIDPrefix: "shop"}); !errors.Is(err, journal.ErrReadOnly) {
		t.Fatalf("Begin beside the daemon: %v, want ErrReadOnly", err)
	}
	if _, err := admin.Settle(ctx, a.ID, st); err != nil {
		t.Fatalf("Settle beside the daemon: %v", err)
	}
	got, err := daemon.Get(ctx, a.ID)
	if err != nil || got.Settled != journal.OutcomeNotCharged || got.Attention {
		t.Fatalf("the daemon's view after the admin settled: %+v, %v", got, err)
	}
	if _, err := daemon.Begin(ctx, journal.NewAttempt{OrderID: 3, Amount: 8000, ExternalIDPrefix: "shop"}); err != nil {
		t.Fatalf("the daemon writing after the admin: %v", err)
	}
}
