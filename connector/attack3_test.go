package connector_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odootest"
)

// A merchant moves the daemon to a new machine by copying its SQLite
// journal file, and the old machine's daemon is still running (or a VM is
// cloned). The copy has the original's identity, so the one-journal-per-
// database guard takes the second daemon for a member of a PostgreSQL
// group (worksite.go: "a group member, or this daemon restarted") although
// neither is shared: two separate journals work one Odoo database. Each
// journals the same flagged order and creates its own intent: two intents
// on the terminal for one order, the other's payments adopted as foreign.
// What should happen: the second daemon is refused (ErrWorksiteTaken), as
// a daemon with another journal is.
func TestAttackCopiedSQLiteJournalWorksBesideItsOriginal(t *testing.T) {
	w := newWorld(t, worldOptions{})
	j0, id := openJournal(t, w.JournalPath)
	if err := j0.Close(); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copied.db")
	b, err := os.ReadFile(w.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j1, id1 := openJournal(t, w.JournalPath)
	j2, id2 := openJournal(t, copyPath)
	if id1 != id || id2 != id {
		t.Fatalf("identities: original %s, reopened %s, copy %s", id, id1, id2)
	}
	w.startDaemonOn(j1, func(c *connector.Config) { c.JournalID = id; c.Host, c.Owner = "old-machine", "old-machine/1" })
	simworld.WaitFor(t, "the first daemon's record", func() bool { return w.worker() != nil })
	second := w.startDaemonOn(j2, func(c *connector.Config) { c.JournalID = id; c.Host, c.Owner = "new-machine", "new-machine/1" })
	select {
	case err := <-second.done:
		second.done <- err // for the cleanup's stop
		t.Logf("the second daemon was refused: %v", err)
		return
	case <-time.After(2 * time.Second):
	}
	order := w.NewOrder(30, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a1, e1 := j1.Latest(t.Context(), order)
		a2, e2 := j2.Latest(t.Context(), order)
		if e1 == nil && e2 == nil {
			// Wait for both to settle their create, then say what the cashier sees.
			simworld.WaitFor(t, "both creates to end", func() bool {
				a1, _ = j1.Latest(t.Context(), order)
				a2, _ = j2.Latest(t.Context(), order)
				return a1.State != journal.Creating && a2.State != journal.Creating
			})
			shown := w.Exec("pos.order", "read", []any{[]any{order}, []any{"x_compago_state"}}, nil).([]any)[0].(map[string]any)["x_compago_state"]
			t.Fatalf("a copied SQLite journal works the database beside its original: order %d journaled twice "+
				"(original: %s intent %q; copy: %s intent %q); Odoo shows %v; the second daemon should have been refused",
				order, a1.State, a1.IntentID, a2.State, a2.IntentID, shown)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("a copied SQLite journal works the database beside its original (both daemons run); " +
		"the second daemon should have been refused")
}

// The daemon's dedicated Odoo user, as setup makes it (group "Compago
// connector"), has no right on ir.config_parameter (connector/grant lists
// none), so the one-journal-per-database guard is off for the very user
// the README recommends: the record cannot be read or written, the daemon
// logs an ATTENTION line and runs anyway, and a second daemon with another
// journal runs beside it. What should happen: the second daemon is
// refused (ErrWorksiteTaken).
func TestAttackRealOdooDedicatedUserHasNoOneJournalGuard(t *testing.T) {
	odootest.Require(t)
	t.Parallel() // the real-Odoo tests share odootest's servers, which bound them
	odootest.Each(t, func(t *testing.T, version string) {
		t.Parallel()
		w, _ := newSetUpWorld(t, version, odoo.ProtocolJSONRPC)
		j1, id1 := openJournal(t, w.JournalPath)
		w.startDaemonOn(j1, func(c *connector.Config) { c.JournalID = id1 })
		_, _, err := connector.WorkerOf(t.Context(), w.DaemonOdooClient())
		j2, id2 := openJournal(t, filepath.Join(t.TempDir(), "other.db"))
		second := w.startDaemonOn(j2, func(c *connector.Config) { c.JournalID = id2 })
		select {
		case err := <-second.done:
			second.done <- err
			if errors.Is(err, connector.ErrWorksiteTaken) {
				return
			}
			t.Fatalf("the second daemon stopped, but not refused: %v", err)
		case <-time.After(3 * time.Second):
		}
		t.Fatalf("a second daemon with another journal runs beside the first on Odoo %s as the dedicated user "+
			"(reading the worker record as that user: %v)", version, err)
	})
}
