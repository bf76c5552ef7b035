package journal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

// otherNames are the ways a second daemon can reach a journal's database
// file under a name other than the first daemon's: the lock must hold on
// the file, whatever it is called.
var otherNames = []struct {
	name string
	// alias returns the path the second daemon is configured with, given
	// the first daemon's.
	alias func(t *testing.T, path string) string
}{
	{"through a symlink to the file", func(t *testing.T, path string) string {
		link := filepath.Join(t.TempDir(), "link.db")
		if err := os.Symlink(path, link); err != nil {
			t.Fatal(err)
		}
		return link
	}},
	{"through a hard link", func(t *testing.T, path string) string {
		link := filepath.Join(filepath.Dir(path), "hard.db")
		if err := os.Link(path, link); err != nil {
			t.Fatal(err)
		}
		return link
	}},
	{"after the lock file was removed", func(t *testing.T, path string) string {
		if err := os.Remove(path + ".lock"); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return path
	}},
}

// TestOtherProcessReachingTheFileByAnotherNameIsLockedOut: a second daemon
// configured with a symlink or a hard link to a running daemon's journal,
// or started after someone removed journal.db.lock, must refuse to start
// with "in use by another process" naming the file, instead of running a
// second engine on the same payments.
func TestOtherProcessReachingTheFileByAnotherNameIsLockedOut(t *testing.T) {
	for _, tc := range otherNames {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			s := openJournal(t, path)
			alias := tc.alias(t, path)

			out, err := child(t, "opener", alias).Output()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitLocked {
				t.Fatalf("another process opening the held journal as %s: got %v (%s), want exit status %d (locked)", alias, err, out, exitLocked)
			}
			if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), alias) {
				t.Fatalf("the other process was told %q, which does not say the journal %s is in use", out, alias)
			}
			s.Close()
			if out, err := child(t, "opener", alias).CombinedOutput(); err != nil {
				t.Fatalf("another process opening the released journal as %s: %v (%s)", alias, err, out)
			}
		})
	}
}

// TestSecondStoreReachingTheFileByAnotherNameIsLockedOut is the same within
// one process (a test, or a tool embedding the journal).
func TestSecondStoreReachingTheFileByAnotherNameIsLockedOut(t *testing.T) {
	for _, tc := range otherNames {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			first := openJournal(t, path)
			alias := tc.alias(t, path)

			_, err := journal.OpenSQLite(context.Background(), alias, journal.Options{})
			if !errors.Is(err, journal.ErrLocked) {
				t.Fatalf("a second store on the held journal as %s: got %v, want ErrLocked", alias, err)
			}
			// The refused open must not have disturbed the first store.
			if _, err := first.Begin(context.Background(), journal.NewAttempt{OrderID: 1, Amount: 100, ExternalIDPrefix: "lock"}); err != nil {
				t.Fatalf("the first store after a refused second one: %v", err)
			}
			first.Close()
			openJournal(t, alias)
		})
	}
}
