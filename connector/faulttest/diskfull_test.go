package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
)

// mountSmallDisk mounts a 2 MiB tmpfs on a new directory and unmounts it
// when the test ends; it skips the test when mounting is not allowed.
func mountSmallDisk(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small-disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("disk-full test skipped: it needs root and `mount -t tmpfs` (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the disk has no space left; removing the file
// gives the space back.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("create the filler: %v", err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return path
		}
	}
}

// TestJournalDiskFullStopsNewPaymentsKeepsThoseInFlightAndRecovers fills
// the journal's disk while two payments are pending: the daemon must not
// start new payments (no intent created, the orders stay requested), must
// keep the two charged cards, and must finish everything once space
// returns.
func TestJournalDiskFullStopsNewPaymentsKeepsThoseInFlightAndRecovers(t *testing.T) {
	crashRuns(t)
	disk := mountSmallDisk(t)
	w := newWorld(t, worldOptions{terminals: 4, journalDir: disk})
	d := w.startReady()
	before := []int64{w.pay(310.10, w.terminals[0]), w.pay(52.50, w.terminals[1])}
	if !waitFor(30*time.Second, func() bool {
		for _, o := range w.readOrders(before) {
			if o.Flag != connector.StatePending {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("the first payments never showed pending:\n%s", tail(d.logText(), 3000))
	}

	filler := fill(t, disk)
	ctx, cancel := context.WithCancel(context.Background())
	done := w.customer(ctx, 0)
	defer func() { cancel(); <-done }()
	intentsBefore := len(w.compago.Intents())
	after := []int64{w.pay(99.90, w.terminals[2]), w.pay(10.00, w.terminals[3])}

	// While the disk is full: nothing new reaches Compago, the new orders
	// stay requested, the daemon keeps running.
	refused := func() bool {
		log := d.logText()
		for _, id := range after {
			if !strings.Contains(log, fmt.Sprintf("write-ahead for order %d: ", id)) {
				return false
			}
		}
		return strings.Contains(log, "disk is full")
	}
	if !waitFor(20*time.Second, refused) {
		t.Errorf("the daemon never said it could not record the new payments on a full disk:\n%s", tail(d.logText(), 3000))
	}
	// The customers of the first two pay while the disk is still full;
	// the daemon reads those intents a few times meanwhile.
	if !waitFor(20*time.Second, func() bool { return w.charged() == 2 }) {
		t.Errorf("the first two cards were not charged")
	}
	time.Sleep(3 * time.Second) // three poll intervals on a full disk
	if n := len(w.compago.Intents()); n != intentsBefore {
		t.Errorf("with the journal's disk full the daemon created %d new intents; want none (no write-ahead, no charge)", n-intentsBefore)
	}
	for _, o := range w.readOrders(after) {
		if o.Flag != connector.StateRequested {
			t.Errorf("order %d flagged while the disk is full shows %q, want it left requested", o.ID, o.Flag)
		}
	}
	select {
	case <-d.exited:
		t.Fatalf("the daemon died when its disk filled up:\n%s", tail(d.logText(), 3000))
	default:
	}
	ready, body := httpGet(d.healthURL() + "/readyz")
	t.Logf("/readyz with the journal's disk full: %d\n%s", ready, body)
	if ready != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d with the journal's disk full, want 503 (not ready)", ready)
	}

	// Space returns: everything proceeds.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	w.waitSettled(90*time.Second, d)
	d.stop()
	tl := w.checkInvariants()
	for _, o := range w.readOrders(append(before, after...)) {
		if o.Flag != connector.StatePaid {
			t.Errorf("order %d ended %q after the disk had space again, want paid", o.ID, o.Flag)
		}
	}
	tl.Runs = 1
	report("journal disk full (2 MiB tmpfs) with payments in flight, then space back", command("TestJournalDiskFullStopsNewPaymentsKeepsThoseInFlightAndRecovers"), tl)
}

// charged counts our intents Compago has confirmed.
func (w *world) charged() int {
	n := 0
	for _, in := range w.compago.Intents() {
		if in.Status == compagosim.StatusConfirmed && strings.HasPrefix(in.ExternalID, prefix+"-") {
			n++
		}
	}
	return n
}
