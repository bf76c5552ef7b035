package connector_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
)

// openJournal opens a fresh SQLite journal and returns it with its identity.
func openJournal(t *testing.T, path string) (*journal.SQLite, string) {
	t.Helper()
	j, err := journal.OpenSQLite(t.Context(), path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := j.Identity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return j, id
}

// worker reads the record of who works the Odoo database.
func (w *world) worker() map[string]any {
	w.T.Helper()
	rows := w.Exec("ir.config_parameter", "search_read", []any{[]any{[]any{"key", "=", connector.WorksiteKey}}},
		map[string]any{"fields": []any{"value"}}).([]any)
	if len(rows) == 0 {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(rows[0].(map[string]any)["value"].(string)), &v); err != nil {
		w.T.Fatalf("the worker record is not JSON: %v", err)
	}
	return v
}

// Two daemons, two journals, one Odoo database: each would adopt the
// other's payments. The second is refused while the first lives, with who
// works the database and how to take over, and starts once it stopped.
func TestSecondDaemonWithItsOwnJournalIsRefusedWhileTheFirstLives(t *testing.T) {
	w := newWorld(t, worldOptions{})
	j1, id1 := openJournal(t, w.JournalPath)
	first := w.startDaemonOn(j1, func(c *connector.Config) { c.JournalID = id1 })
	simworld.WaitFor(t, "the first daemon to record that it works the database", func() bool { return w.worker() != nil })

	j2, id2 := openJournal(t, filepath.Join(t.TempDir(), "other.db"))
	defer j2.Close()
	cfg := engineConfig(zerolog.New(zerolog.NewTestWriter(t)))
	cfg.JournalID = id2
	second, err := connector.New(cfg, j2, w.OdooClient(), w.CompagoClient())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = second.Run(ctx)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("the second daemon ran beside the first (Run = %v)", err)
	}
	for _, want := range []string{id1[:8], "since", "host", "stop"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	order := w.NewOrder(30, nil)
	w.Flag(order, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(order, connector.StatePending)
	if a, err := j2.Latest(t.Context(), order); err == nil {
		t.Fatalf("the refused daemon journaled the order: %+v", a)
	}

	first.stop()
	if w.worker() != nil {
		t.Errorf("the first daemon stopped but left its record: %v", w.worker())
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx2) }()
	simworld.WaitFor(t, "the second daemon to work the database", func() bool {
		v := w.worker()
		return v != nil && v["journal"] == id2
	})
	cancel2()
	if err := <-done; err != nil {
		t.Fatalf("the second daemon, alone now: %v", err)
	}
}

// Daemons sharing one journal (a PostgreSQL group) share its identity and
// keep working side by side.
func TestDaemonsSharingAJournalWorkOneDatabase(t *testing.T) {
	w := newWorld(t, worldOptions{})
	j1, id := openJournal(t, w.JournalPath)
	w.startDaemonOn(j1, func(c *connector.Config) { c.JournalID = id; c.Owner = "a" })
	simworld.WaitFor(t, "the first daemon's record", func() bool { return w.worker() != nil })
	j2, _ := openJournal(t, filepath.Join(t.TempDir(), "member.db"))
	w.startDaemonOn(j2, func(c *connector.Config) { c.JournalID = id; c.Owner = "b" })
	simworld.WaitFor(t, "the second member to beat the record", func() bool {
		v := w.worker()
		return v != nil && v["owner"] == "b"
	})
}

// A daemon that died without a word (its record's last sign of life is
// old) is taken over.
func TestADeadDaemonsRecordIsTakenOver(t *testing.T) {
	w := newWorld(t, worldOptions{})
	old := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	w.Exec("ir.config_parameter", "create", []any{map[string]any{"key": connector.WorksiteKey,
		"value": `{"journal":"deadbeef","host":"gone","owner":"gone/1","since":"` + old + `","beat":"` + old + `"}`}}, nil)
	j, id := openJournal(t, w.JournalPath)
	w.startDaemonOn(j, func(c *connector.Config) { c.JournalID = id })
	simworld.WaitFor(t, "the takeover", func() bool {
		v := w.worker()
		return v != nil && v["journal"] == id
	})
}
