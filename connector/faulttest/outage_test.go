package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
)

// longMode reports whether the long mode (200 runs or more) was asked for:
// outages then last minutes instead of seconds.
func longMode(n int) bool { return n >= 200 }

// fault is one way a system misbehaves, switched on and off by the test.
type fault struct {
	name string
	on   func(w *world)
	off  func(w *world)
	// afterPending switches the fault on once every order shows pending:
	// the intents exist and the cards are charged during the fault.
	afterPending bool
}

// faultRun starts the daemon, flags one order per terminal, keeps the
// fault on for hold (the length of the outage is the point, so it is
// slept), switches it off, waits until every order is settled, stops the
// daemon and checks the invariants. killMidway adds a SIGKILL and a
// restart halfway through the fault.
func (w *world) faultRun(f fault, hold time.Duration, killMidway bool) tally {
	w.t.Helper()
	d := w.startReady()
	var ids []int64
	for k, terminal := range w.terminals {
		ids = append(ids, w.pay(200+float64(k)+0.25, terminal))
	}
	if f.afterPending {
		ok := waitFor(30*time.Second, func() bool {
			for _, o := range w.readOrders(ids) {
				if o.Flag != connector.StatePending {
					return false
				}
			}
			return true
		})
		if !ok {
			w.t.Fatalf("%s: the orders did not show pending before the fault:\n%s", f.name, tail(d.logText(), 3000))
		}
	}
	f.on(w)
	if killMidway {
		time.Sleep(hold / 2)
		d.kill()
		d = w.start() // Odoo may be down: it waits for it
		time.Sleep(hold / 2)
	} else {
		time.Sleep(hold)
	}
	f.off(w)
	w.waitSettled(2*time.Minute, d)
	d.waitLog(`"engine started"`, 30*time.Second)
	d.stop()
	return w.checkInvariants()
}

// TestOdooDownForMinutesWhileCardsAreChargedEveryPaymentLandsOnce takes
// Odoo away (connections dropped) after the intents exist; the customers
// pay meanwhile. The daemon stays alive, says it is not ready, and writes
// every payment once Odoo is back; one run also kills it during the
// outage and restarts it while Odoo is still down.
func TestOdooDownForMinutesWhileCardsAreChargedEveryPaymentLandsOnce(t *testing.T) {
	n := crashRuns(t)
	hold, cycles := 15*time.Second, 2
	if longMode(n) {
		hold, cycles = 2*time.Minute, 3
	}
	w := newWorld(t, worldOptions{terminals: 4})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var seen struct{ notReady, alive int }
	var customerGone func()
	down := fault{name: "Odoo down", afterPending: true,
		on: func(w *world) {
			w.odoo.SetDown(true)
			cctx, stop := context.WithCancel(ctx)
			done := w.customer(cctx, 0)
			customerGone = func() { stop(); <-done }
		},
		off: func(w *world) {
			w.odoo.SetDown(false)
			customerGone()
		},
	}
	// The daemon's own view during the outage, checked at its end.
	probe := down.off
	down.off = func(w *world) {
		if url := w.latestHealthURL(); url != "" {
			if code, _ := httpGet(url + "/healthz"); code == http.StatusOK {
				seen.alive++
			}
			if code, body := httpGet(url + "/readyz"); code == http.StatusServiceUnavailable && strings.Contains(body, "FAIL odoo") {
				seen.notReady++
			} else {
				t.Errorf("during the Odoo outage /readyz answered %d:\n%s", code, body)
			}
		}
		probe(w)
	}
	var total tally
	for c := range cycles {
		total = w.faultRun(down, hold, c%2 == 1)
		total.Runs = c + 1
	}
	w.logFelt()
	if seen.alive == 0 {
		t.Errorf("the daemon never answered /healthz during the outage")
	}
	report(fmt.Sprintf("Odoo down %s while cards are charged (and SIGKILL mid-outage)", hold), command("TestOdooDownForMinutesWhileCardsAreChargedEveryPaymentLandsOnce"), total)
}

// latestHealthURL is the health listener of the last daemon started.
func (w *world) latestHealthURL() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.logs) == 0 {
		return ""
	}
	d := &daemon{logPath: w.logs[len(w.logs)-1]}
	return d.healthURL()
}

func httpGet(url string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// compagoFaults are Compago's bad days at the HTTP level (simulator
// faults) and at the TCP level (toxiproxy toxics).
func compagoFaults() []fault {
	http := func(name string, f compagosim.Faults) fault {
		return fault{name: name,
			on:  func(w *world) { w.compago.SetFaults(f) },
			off: func(w *world) { w.compago.ClearFaults() }}
	}
	return []fault{
		http("Compago 503 on half the calls", compagosim.Faults{ErrorRate: 0.5, Status: 503}),
		http("Compago 429 with Retry-After on half the calls", compagosim.Faults{ErrorRate: 0.5, Status: 429, RetryAfter: time.Second}),
		http("Compago 500 after the call took effect (answer lost)", compagosim.Faults{ErrorRate: 0.3, Status: 500, When: compagosim.FaultAfter}),
		http("Compago slower than the client timeout", compagosim.Faults{Latency: 2500 * time.Millisecond}),
		http("Compago slow (1.5 s) but within the timeout", compagosim.Faults{Latency: 1500 * time.Millisecond}),
		toxic("Compago TCP reset", func(w *world) *proxyRef { return &proxyRef{w.compTCP} }, "reset_peer", "upstream", 1, map[string]any{"timeout": 0}),
		toxic("Compago TCP black hole (timeout)", func(w *world) *proxyRef { return &proxyRef{w.compTCP} }, "timeout", "upstream", 1, map[string]any{"timeout": 0}),
		toxic("Compago answers cut after 100 bytes (call applied, answer lost)", func(w *world) *proxyRef { return &proxyRef{w.compTCP} }, "limit_data", "downstream", 1, map[string]any{"bytes": 100}),
	}
}

// odooFaults are Odoo's TCP-level bad days while payments are recorded.
func odooFaults() []fault {
	odoo := func(w *world) *proxyRef { return &proxyRef{w.odooTCP} }
	faults := []fault{
		toxic("Odoo answers cut after 200 bytes (write applied, answer lost)", odoo, "limit_data", "downstream", 1, map[string]any{"bytes": 200}),
		toxic("Odoo TCP reset", odoo, "reset_peer", "upstream", 1, map[string]any{"timeout": 0}),
		toxic("Odoo TCP black hole (timeout)", odoo, "timeout", "upstream", 1, map[string]any{"timeout": 0}),
		toxic("Odoo slow close", odoo, "slow_close", "downstream", 1, map[string]any{"delay": 3000}),
		toxic("Odoo 1.5 s latency", odoo, "latency", "downstream", 1, map[string]any{"latency": 1500, "jitter": 400}),
	}
	for i := range faults {
		faults[i].afterPending = true // the cards are charged while Odoo is sick
	}
	return faults
}

// TestCompagoDownAndFlakyWhileIntentsAreCreatedAndPolled runs payments
// through every Compago fault in turn: 5xx, 429 with Retry-After, lost
// answers, timeouts, slow answers, TCP resets and black holes.
func TestCompagoDownAndFlakyWhileIntentsAreCreatedAndPolled(t *testing.T) {
	n := crashRuns(t)
	runFaults(t, n, compagoFaults(), "Compago faults (5xx, 429+Retry-After, lost answers, timeouts, slow, TCP reset/black hole/cut answers)",
		"TestCompagoDownAndFlakyWhileIntentsAreCreatedAndPolled")
}

// TestOdooTCPFaultsWhilePaymentsAreRecorded cuts, stalls and slows the
// TCP connections to Odoo while payments are recorded.
func TestOdooTCPFaultsWhilePaymentsAreRecorded(t *testing.T) {
	n := crashRuns(t)
	runFaults(t, n, odooFaults(), "Odoo TCP faults while cards are charged (answers cut, reset, black hole, slow close, latency)",
		"TestOdooTCPFaultsWhilePaymentsAreRecorded")
}

// runFaults makes each fault a run (repeated in the long mode) and
// reports the figures once.
func runFaults(t *testing.T, n int, faults []fault, row, test string) {
	t.Helper()
	hold, repeat := 4*time.Second, 1
	if longMode(n) {
		hold, repeat = 10*time.Second, 5
	}
	w := newWorld(t, worldOptions{terminals: 3})
	ctx, cancel := context.WithCancel(context.Background())
	done := w.customer(ctx, 0)
	defer func() { cancel(); <-done }()
	var last tally
	runs := 0
	for r := range repeat {
		for _, f := range faults {
			w0, e0 := w.felt()
			c0, o0 := sum(w.compago.Requests()), sum(w.odoo.Stats())
			last = w.faultRun(f, hold, false)
			w1, e1 := w.felt()
			t.Logf("%s: %d Compago and %d Odoo calls for %d payments; the daemon logged %d lines with an error (%d at warn or error level)",
				f.name, sum(w.compago.Requests())-c0, sum(w.odoo.Stats())-o0, len(w.terminals), w1-w0, e1-e0)
			runs++
			if t.Failed() {
				t.Fatalf("repeat %d, %s: an invariant broke; daemon logs in %s", r, f.name, w.dir)
			}
		}
	}
	w.logFelt()
	last.Runs = runs
	report(row, command(test), last)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
