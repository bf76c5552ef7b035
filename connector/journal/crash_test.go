package journal_test

import (
	"bufio"
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

// A daemon killed with SIGKILL in the middle of writing leaves a journal
// that opens, passes its integrity check, and holds every change it had
// reported committed, each with its full history: nothing half-written.
func TestKilledWriterLeavesConsistentJournal(t *testing.T) {
	path := tempPath(t)
	writer := child(t, "writer", path)
	stdout, err := writer.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	committed := map[int64]int64{} // attempt id → last version reported committed
	r := bufio.NewReader(stdout)
	for range 200 {
		var id, version int64
		line := readLine(t, r)
		if _, err := fmt.Sscanf(line, "%d %d", &id, &version); err != nil {
			writer.Process.Kill()
			writer.Wait()
			t.Fatalf("the writer said %q", line)
		}
		committed[id] = version
	}
	if err := writer.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	writer.Wait() // the kernel has dropped its lock once it is reaped

	ctx := context.Background()
	s := openJournal(t, path)
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after the writer was killed: %v", err)
	}
	for id, version := range committed {
		a, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("attempt %d was reported committed, then: %v", id, err)
		}
		if a.Version < version {
			t.Errorf("attempt %d was reported committed at version %d, the journal has %d", id, version, a.Version)
		}
	}
	all, err := s.List(ctx, journal.Filter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	live := 0
	for _, a := range all {
		// The writer changes the state on every update, so each version
		// is one event.
		evs, err := s.Events(ctx, a.ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if len(evs) != int(a.Version) || evs[len(evs)-1].To != a.State {
			t.Errorf("attempt %d is %s at version %d with %d events: half-written", a.ID, a.State, a.Version, len(evs))
		}
		if !a.State.Final() {
			live++
		}
	}
	if live > 1 {
		t.Errorf("%d live attempts after the kill; the writer never had more than one", live)
	}
	if len(all) < len(committed) {
		t.Errorf("the journal holds %d attempts, %d were reported committed", len(all), len(committed))
	}
}
