package faulttest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSecondDaemonOnTheSameJournalRefusesToStart starts a second daemon
// on the journal of a running one: it must exit at once with a message
// naming the lock, create nothing, and leave the first one paying.
func TestSecondDaemonOnTheSameJournalRefusesToStart(t *testing.T) {
	crashRuns(t)
	w := newWorld(t, worldOptions{terminals: 1})
	first := w.startReady()
	intents := len(w.compago.Intents())

	second := w.start()
	if !second.waitExit(20 * time.Second) {
		t.Fatalf("a second daemon on the same journal is still running after 20 s:\n%s", tail(second.logText(), 2000))
	}
	if code := second.cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("the second daemon exited 0; want a failure")
	}
	if log := second.logText(); !strings.Contains(log, "in use by another process") {
		t.Errorf("the second daemon did not say the journal is in use:\n%s", tail(log, 2000))
	}
	if n := len(w.compago.Intents()); n != intents {
		t.Errorf("the refused daemon created %d intents", n-intents)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := w.customer(ctx, 0)
	defer func() { cancel(); <-done }()
	w.pay(75.00, w.terminals[0])
	w.waitSettled(30*time.Second, first)
	first.stop()
	tl := w.checkInvariants()
	tl.Runs = 1
	report("second daemon on the same journal (refused: flock)", command("TestSecondDaemonOnTheSameJournalRefusesToStart"), tl)
}
