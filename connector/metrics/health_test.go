package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/metrics"
)

func healthFor(t *testing.T, clk *clock) (*metrics.Health, func()) {
	j := openJournal(t, clk.Now)
	h := metrics.NewHealth(j, metrics.HealthConfig{
		WatchInterval: time.Second, PollInterval: 3 * time.Second,
		OdooTimeout: 10 * time.Second, CompagoTimeout: 10 * time.Second, Now: clk.Now,
	})
	return h, func() { j.Close() }
}

func check(checks []metrics.Check, name string) metrics.Check {
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	return metrics.Check{Name: name, Detail: "missing from the report"}
}

func TestAliveUntilALoopStopsPassing(t *testing.T) {
	clk := newClock()
	h, _ := healthFor(t, clk)
	clk.Advance(time.Hour)
	if err := h.Alive(); err != nil {
		t.Fatalf("a daemon still waiting for Odoo at start-up must count as alive: %v", err)
	}
	h.Start()
	for range 10 {
		clk.Advance(30 * time.Second)
		for _, loop := range []string{"watch", "poll", "sync", "create"} {
			h.Tick(loop)
		}
		if err := h.Alive(); err != nil {
			t.Fatalf("every loop passing, yet: %v", err)
		}
	}
	// The outbox hangs: after the stall limit (4 × 10 s + 3 s, at least a
	// minute) the watchdog must stop.
	for range 3 {
		clk.Advance(30 * time.Second)
		h.Tick("watch")
		h.Tick("poll")
		h.Tick("create")
	}
	err := h.Alive()
	if err == nil || !strings.Contains(err.Error(), "sync") || strings.Contains(err.Error(), "watch") {
		t.Fatalf("an outbox stuck for 90s: Alive() = %v, want it to name the sync loop only", err)
	}
}

func TestReadyNeedsOdooAnsweringAndTheWatcherPassing(t *testing.T) {
	clk := newClock()
	h, closeJournal := healthFor(t, clk)
	ctx := context.Background()
	if metrics.IsReady(h.Ready(ctx)) {
		t.Fatal("ready before Odoo ever answered")
	}
	h.Start()
	h.Call("odoo", "pos.order.search_read", time.Millisecond, nil)
	h.Tick("watch")
	checks := h.Ready(ctx)
	if !metrics.IsReady(checks) {
		t.Fatalf("Odoo answering and the watcher passing, yet not ready: %+v", checks)
	}
	if c := check(checks, "compago"); !c.OK || !strings.Contains(c.Detail, "not called") {
		t.Errorf("an idle Compago must count as ready and say it was not called: %+v", c)
	}
	// Odoo stops answering: ready until the window (5 × 1 s + 2 × 10 s) passes.
	clk.Advance(20 * time.Second)
	h.Tick("watch")
	if !metrics.IsReady(h.Ready(ctx)) {
		t.Fatal("not ready 20s after Odoo's last answer, inside the 25s window")
	}
	clk.Advance(6 * time.Second)
	h.Tick("watch")
	if c := check(h.Ready(ctx), "odoo"); c.OK || !strings.Contains(c.Detail, "no answer for 26s") {
		t.Fatalf("26s without an answer from Odoo: %+v", c)
	}
	h.Call("odoo", "pos.order.search_read", time.Millisecond, nil)
	if !metrics.IsReady(h.Ready(ctx)) {
		t.Fatal("Odoo answered again but the daemon is not ready")
	}
	// A closed journal is not ready.
	closeJournal()
	if c := check(h.Ready(ctx), "journal"); c.OK {
		t.Fatalf("journal closed, yet the check says %+v", c)
	}
}

func TestCompagoUnansweredIsNotReadyUntilItAnswers(t *testing.T) {
	clk := newClock()
	h, _ := healthFor(t, clk)
	ctx := context.Background()
	h.Start()
	h.Call("odoo", "pos.order.search_read", time.Millisecond, nil)
	h.Tick("watch")
	h.Call("compago", "get", time.Millisecond, nil)
	h.Call("compago", "get", 10*time.Second, &compago.Error{Op: "get", Kind: compago.ErrUnavailable})
	if c := check(h.Ready(ctx), "compago"); c.OK || !strings.Contains(c.Detail, "compago unavailable") {
		t.Fatalf("Compago's latest call unanswered: %+v", c)
	}
	// A refusal is an answer: Compago is reachable.
	h.Call("compago", "get", time.Millisecond, &compago.Error{Op: "get", Kind: compago.ErrIntentNotFound})
	if c := check(h.Ready(ctx), "compago"); !c.OK {
		t.Fatalf("Compago answered 404, which proves it reachable: %+v", c)
	}
	// An old failure with no call since does not keep the daemon unready.
	h.Call("compago", "get", 10*time.Second, &compago.Error{Op: "get", Kind: compago.ErrUnavailable})
	clk.Advance(2 * time.Minute)
	h.Call("odoo", "pos.order.search_read", time.Millisecond, nil)
	h.Tick("watch")
	if c := check(h.Ready(ctx), "compago"); !c.OK {
		t.Fatalf("a Compago failure 2 minutes old with no call since: %+v", c)
	}
}

func TestNotReadyWhileJournalWritesFail(t *testing.T) {
	clk := newClock()
	h, done := healthFor(t, clk)
	defer done()
	h.Start()
	ctx := context.Background()
	h.Call("journal", "update", time.Millisecond, errors.New("database or disk is full"))
	if c := check(h.Ready(ctx), "journal"); c.OK || !strings.Contains(c.Detail, "disk is full") {
		t.Fatalf("journal check while writes fail = %+v, want not ready naming the cause", c)
	}
	h.Call("journal", "update", time.Millisecond, nil)
	if c := check(h.Ready(ctx), "journal"); !c.OK {
		t.Fatalf("journal check after a write succeeded = %+v, want ready", c)
	}
	h.Call("journal", "begin", time.Millisecond, journal.ErrLiveAttempt)
	if c := check(h.Ready(ctx), "journal"); !c.OK {
		t.Fatalf("a refused change is an answer, not a failing journal: %+v", c)
	}
	h.Call("journal", "update", time.Millisecond, errors.New("database or disk is full"))
	clk.Advance(3 * time.Minute)
	if c := check(h.Ready(ctx), "journal"); !c.OK {
		t.Fatalf("minutes after the last failed write, with nothing tried since, the journal reads: want ready, got %+v", c)
	}
}
