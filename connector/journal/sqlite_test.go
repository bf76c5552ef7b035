package journal_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/journaltest"
)

func TestSQLiteConformance(t *testing.T) {
	journaltest.RunConformance(t, func(t *testing.T) journal.Journal {
		return openJournal(t, tempPath(t))
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := tempPath(t)
	s, err := journal.OpenSQLite(ctx, path, journal.Options{})
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	a, err := s.Begin(ctx, journal.NewAttempt{OrderID: 7, Amount: 12345, Terminal: "TERMINAL-001", ExternalIDPrefix: "shop"})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	a, err = s.Update(ctx, a.ID, func(x *journal.Attempt) error {
		x.State, x.IntentID, x.Message = journal.Confirmed, "pi_1", "Paid: $123.45"
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := s.SyncFailed(ctx, a.ID, "odoo: down", false); err != nil {
		t.Fatalf("SyncFailed: %v", err)
	}
	before, _ := s.Get(ctx, a.ID)
	evsBefore, _ := s.Events(ctx, a.ID)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openJournal(t, path)
	after, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatalf("Get after reopen: %v", err)
	}
	if after != before {
		t.Fatalf("a confirmed payment changed across a restart:\nbefore %+v\nafter  %+v", before, after)
	}
	evsAfter, _ := s.Events(ctx, a.ID)
	if len(evsAfter) != 2 || len(evsAfter) != len(evsBefore) || evsAfter[1] != evsBefore[1] {
		t.Fatalf("history changed across a restart: %+v, was %+v", evsAfter, evsBefore)
	}
}

func TestSchemaEnforcesOneLiveAttempt(t *testing.T) {
	path := tempPath(t)
	s := openJournal(t, path)
	if _, err := s.Begin(context.Background(), journal.NewAttempt{OrderID: 7, Amount: 100, ExternalIDPrefix: "shop"}); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insert := `INSERT INTO attempts (order_id, seq, external_id, amount, state, version, created_at, updated_at)
		VALUES (7, ?, ?, 100, ?, 1, 0, 0)`
	if _, err := db.Exec(insert, 2, "raw-7-2", "pending"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("a second live attempt written past the store: got %v, want a UNIQUE violation", err)
	}
	if _, err := db.Exec(insert, 2, "raw-7-2", "lost"); err == nil || !strings.Contains(err.Error(), "CHECK") {
		t.Fatalf("an attempt in an unknown state: got %v, want a CHECK violation", err)
	}
	if _, err := db.Exec(insert, 2, "raw-7-2", "expired"); err != nil {
		t.Fatalf("a final attempt beside the live one: %v", err)
	}
}

func TestDiskFullLeavesNothingHalfWritten(t *testing.T) {
	ctx := context.Background()
	// 40 pages of 4 KiB: room for the schema and a few attempts.
	s, err := journal.OpenSQLiteWithPragmas(ctx, tempPath(t), journal.Options{}, []string{"max_page_count(40)"})
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	defer s.Close()
	long := strings.Repeat("the cashier's sentence, ", 40)
	var werr error
	var ok int
	for order := int64(1); order < 10000 && werr == nil; order++ {
		var a journal.Attempt
		a, werr = s.Begin(ctx, journal.NewAttempt{OrderID: order, Amount: 100, ExternalIDPrefix: "full"})
		if werr != nil {
			break
		}
		ok++
		_, werr = s.Update(ctx, a.ID, func(x *journal.Attempt) error {
			x.State, x.Message = journal.Expired, long
			return nil
		})
	}
	if werr == nil || !strings.Contains(strings.ToLower(werr.Error()), "full") {
		t.Fatalf("writing to a full journal: got %v, want a 'full' error", werr)
	}
	list, err := s.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatalf("List on a full journal: %v", err)
	}
	if len(list) != ok {
		t.Fatalf("the journal holds %d attempts, but %d Begin calls succeeded", len(list), ok)
	}
	for _, a := range list {
		evs, err := s.Events(ctx, a.ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if want := int(a.Version); len(evs) != want {
			t.Errorf("attempt %d at version %d has %d events: a write was half done", a.ID, a.Version, len(evs))
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after a full disk: %v", err)
	}
}

// One daemon owns a SQLite journal: its goroutines race over one handle.
func TestSQLiteOwnership(t *testing.T) {
	journaltest.RunOwnership(t, func(t *testing.T, now func() time.Time) (journal.Journal, journal.Journal) {
		s, err := journal.OpenSQLite(context.Background(), tempPath(t), journal.Options{Now: now})
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s, s
	})
}
