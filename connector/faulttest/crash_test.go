package faulttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
)

// crashPoints are the engine's recovery points, plus "random": a SIGKILL
// at a random moment of a payment.
var crashPoints = []string{
	connector.CrashAfterBegin,
	connector.CrashAfterCreate,
	connector.CrashAfterPending,
	connector.CrashAfterConfirmed,
	connector.CrashAfterAddPayment,
	connector.CrashAfterWizard,
	connector.CrashAfterOdooWrite,
	"random",
}

// ordersPerRun is how many payments are in flight when the daemon dies.
const ordersPerRun = 2

// TestKilledAtEveryRecoveryPointNoCardIsLostOrChargedTwice kills the
// daemon with SIGKILL at each recovery point in turn (and at random
// moments) while customers pay, restarts it, lets it settle and checks
// the invariants after every run.
func TestKilledAtEveryRecoveryPointNoCardIsLostOrChargedTwice(t *testing.T) {
	n := crashRuns(t)
	w := newWorld(t, worldOptions{terminals: ordersPerRun})
	ctx, cancel := context.WithCancel(context.Background())
	customerDone := w.customer(ctx, 0)
	defer func() { cancel(); <-customerDone }()
	rng := rand.New(rand.NewPCG(uint64(n), 11))

	reached := map[string]int{}
	var last tally
	for i := range n {
		point := crashPoints[i%len(crashPoints)]
		var extra []string
		if point != "random" {
			// Which of the run's payments meets the point varies.
			nth := 1 + (i/len(crashPoints))%ordersPerRun
			extra = append(extra, fmt.Sprintf("%s=%s:%d", connector.CrashEnv, point, nth))
		}
		d := w.startReady(extra...)
		for k, terminal := range w.terminals {
			w.pay(100+float64(i)+float64(k)/100, terminal)
		}
		if point == "random" {
			time.Sleep(time.Duration(rng.Int64N(int64(2500 * time.Millisecond))))
			d.kill()
			reached[point]++
		} else if d.waitExit(20 * time.Second) {
			if !d.killedBySignal() {
				t.Fatalf("run %d: the daemon exited by itself (%v) before the crash point %s:\n%s", i, d.cmd.ProcessState, point, tail(d.logText(), 3000))
			}
			reached[point]++
		} else {
			// The point was not met (a payment path that skips it): the run
			// still checks a restart.
			d.kill()
		}

		r := w.startReady()
		w.waitSettled(60*time.Second, r)
		r.stop()
		last = w.checkInvariants()
		if t.Failed() {
			t.Fatalf("run %d (crash at %s) broke an invariant; daemon logs in %s", i, point, w.dir)
		}
	}
	for _, p := range crashPoints {
		if reached[p] == 0 && n >= len(crashPoints) {
			t.Errorf("no run reached the crash point %s", p)
		}
	}
	t.Logf("crash points reached: %v", reached)
	w.logFelt()
	last.Runs = n
	report("SIGKILL at every recovery point and at random moments, restart", command("TestKilledAtEveryRecoveryPointNoCardIsLostOrChargedTwice"), last)
	if last.Lost != 0 || last.Duplicated != 0 {
		t.Errorf("lost %d, duplicated %d: want 0 and 0", last.Lost, last.Duplicated)
	}
}
