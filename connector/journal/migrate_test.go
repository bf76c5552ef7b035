package journal_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
)

// applied lists the migration versions recorded in the journal at path.
func applied(t *testing.T, path string) []int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func allVersions() []int {
	var vs []int
	for v := 1; v <= journal.SchemaVersion(); v++ {
		vs = append(vs, v)
	}
	return vs
}

func TestFreshJournalGetsEveryMigrationOnce(t *testing.T) {
	path := tempPath(t)
	for range 3 {
		openJournal(t, path).Close()
		if d := cmp.Diff(allVersions(), applied(t, path)); d != "" {
			t.Fatalf("migrations recorded after opening (-want +got):\n%s", d)
		}
	}
}

func TestJournalFromNewerVersionIsRefused(t *testing.T) {
	path := tempPath(t)
	openJournal(t, path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	newer := journal.SchemaVersion() + 1
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)`, newer); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for range 2 { // a refused open must not leave the lock held
		_, err = journal.OpenSQLite(context.Background(), path, journal.Options{})
		if err == nil || errors.Is(err, journal.ErrLocked) || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("opening a journal written by a newer build: got %v, want a refusal naming it newer", err)
		}
	}
}

func TestJournalFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "odd ?#% name")
	path := filepath.Join(dir, "journal.db")
	s := openJournal(t, path)
	if _, err := s.Begin(context.Background(), journal.NewAttempt{OrderID: 1, Amount: 100, ExternalIDPrefix: "p"}); err != nil {
		t.Fatalf("Begin in a directory with URI characters in its name: %v", err)
	}
	for name, want := range map[string]os.FileMode{
		dir: 0o700, path: 0o600, path + "-wal": 0o600, path + ".lock": 0o600,
	} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatalf("stat %s: %v", name, err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "odd ")); err == nil {
		t.Fatal("the path was cut at a URI character")
	}
}

// Both drivers step through the same schema versions, so a journal moved
// from one to the other, and the code that reads either, agree on what a
// version holds.
func TestBothDriversHaveTheSameMigrations(t *testing.T) {
	sqlite, postgres := journal.MigrationNames("sqlite"), journal.MigrationNames("postgres")
	if d := cmp.Diff(sqlite, postgres); d != "" {
		t.Fatalf("migrations of sqlite (-) and postgres (+) differ:\n%s", d)
	}
	if len(sqlite) != journal.SchemaVersion() {
		t.Fatalf("%d migrations, schema version %d", len(sqlite), journal.SchemaVersion())
	}
}
