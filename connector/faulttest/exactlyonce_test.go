package faulttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// The fault classes that found the exactly-once defects (issue 16): an
// Odoo, or a proxy in front of it, that answers 502 without applying, 504
// after applying, or applies a call after its client gave up; a cashier
// acting during each step of a payment; the journal restored from a backup
// or lost between runs.

// lateCommitBound is how long after it was sent a late add_payment may
// still commit without doubling a line on Odoo 17 and 18: the daemon's
// odoo.timeout (2 s) plus odoo.limit_time_real (3 s), see env. Beyond it
// only Odoo 19's unique payment uuid (or the addon) can refuse the second
// line.
const lateCommitBound = 5 * time.Second

// callFault is one odoosim call fault, armed for every order of a run.
type callFault struct {
	name string
	f    odoosim.CallFault
}

// odooCallFaults are the call faults of a version: 502 before applying,
// 504 after, and late commits on add_payment, the completion
// (pos.make.payment check) and the order's write-back. On 17 and 18 a late
// add_payment commits within lateCommitBound; on 19 also well past it.
func odooCallFaults(version, orders int) []callFault {
	var out []callFault
	add := func(model, method string) {
		name := model + " " + method
		out = append(out,
			callFault{name + ": proxy 502, not applied (twice)", odoosim.CallFault{Model: model, Method: method, When: "before", Status: 502, Times: 2 * orders}},
			callFault{name + ": proxy 504 after Odoo applied it", odoosim.CallFault{Model: model, Method: method, When: "after", Status: 504, Times: orders}},
		)
		delays := []time.Duration{time.Second, 2500 * time.Millisecond}
		if method == "add_payment" {
			delays = append(delays, lateCommitBound-time.Second)
			if version >= 19 {
				delays = append(delays, 2*lateCommitBound, 3*lateCommitBound)
			}
		}
		for _, d := range delays {
			out = append(out, callFault{fmt.Sprintf("%s: applied %s after it was sent (client timeout 2s)", name, d),
				odoosim.CallFault{Model: model, Method: method, When: "late", Delay: d, Times: orders}})
		}
	}
	add("pos.order", "add_payment")
	add("pos.make.payment", "check")
	add("pos.order", "write")
	return out
}

// repeats is how many times each new class goes through its cases: 5 in
// the long mode, except the call faults (about 3.5 minutes a pass over the
// three versions), bounded to 3 so the long mode stays under an hour.
func repeats(n int) int {
	if longMode(n) {
		return 5
	}
	return 1
}

func callFaultRepeats(n int) int { return min(repeats(n), 3) }

// approveAll taps the card on every terminal that shows an intent.
func (w *world) approveAll() {
	for _, terminal := range w.terminals {
		w.compago.ApproveTerminal(terminal) // a terminal may show nothing: fine
	}
}

// waitFlag waits until each order shows one of flags; it fails the test
// with the daemon's log otherwise.
func (w *world) waitFlag(d *daemon, ids []int64, within time.Duration, flags ...string) {
	w.t.Helper()
	ok := waitFor(within, func() bool {
		for _, o := range w.readOrders(ids) {
			if !slices.Contains(flags, o.Flag) {
				return false
			}
		}
		return true
	})
	if !ok {
		w.t.Fatalf("orders %v did not show %v within %s: %v\n%s", ids, flags, within, w.readOrders(ids), tail(d.logText(), 4000))
	}
}

// graceEnv shortens compago.late_charge_grace (2 min by default): a new
// request of an order whose earlier intent was cancelled is held that long
// in case the earlier one is charged late, which would make every
// cancel-then-ask-again run last minutes.
const graceEnv = "COMPAGO_CONNECTOR_COMPAGO__LATE_CHARGE_GRACE=10s"

// waitJournalDone waits until the running daemon's journal holds every
// attempt final and written to Odoo, parked for a human, or unknown: Odoo
// may show an order final through a write whose answer was lost (504)
// before the daemon has seen it go through.
func (w *world) waitJournalDone(d *daemon) {
	w.t.Helper()
	var open []string
	deadline := time.Now().Add(time.Minute)
	for {
		open = open[:0]
		for _, a := range w.journalAttempts() {
			parked := a.Attention && a.State == journal.Confirmed
			if !parked && a.State != journal.Unknown && (!a.State.Final() || a.SyncedVersion < a.Version) {
				open = append(open, fmt.Sprintf("%s %s v%d/%d", a.ExternalID, a.State, a.SyncedVersion, a.Version))
			}
		}
		if len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("journal attempts still open a minute after Odoo showed every order final: %v\n%s", open, tail(d.logText(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitHeldApplied waits until odoosim holds no late call: a late commit
// checked before it lands would hide a second line.
func (w *world) waitHeldApplied() {
	w.t.Helper()
	if !waitFor(time.Minute, func() bool { return w.odoo.Holding() == 0 }) {
		w.t.Fatalf("odoosim still holds %d late calls after a minute", w.odoo.Holding())
	}
}

// TestOdooCallFaultsWhileCardsAreCharged arms each call fault on Odoo 17,
// 18 and 19 once the orders show pending, taps the cards, and checks that
// every charge ends as one payment line and no cashier reads "paid" on an
// order that is not.
func TestOdooCallFaultsWhileCardsAreCharged(t *testing.T) {
	n := crashRuns(t)
	for _, version := range []int{17, 18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			t.Parallel() // each version its own world; they mostly wait
			w := newWorld(t, worldOptions{terminals: 3, version: version})
			var last tally
			runs := 0
			for r := range callFaultRepeats(n) {
				for _, cf := range odooCallFaults(version, len(w.terminals)) {
					d := w.startReady()
					var ids []int64
					for k, terminal := range w.terminals {
						ids = append(ids, w.pay(150+float64(k)+0.5, terminal))
					}
					w.waitFlag(d, ids, 30*time.Second, connector.StatePending)
					if err := w.odoo.AddCallFault(cf.f); err != nil {
						t.Fatal(err)
					}
					o0 := w.odoo.Stats()
					w.approveAll()
					w.waitSettled(2*time.Minute, d)
					w.waitHeldApplied()
					w.waitJournalDone(d)
					d.stop()
					w.odoo.ClearCallFaults()
					last = w.checkInvariants()
					runs++
					t.Logf("odoo %d, %s: %d Odoo calls", version, cf.name, sum(w.odoo.Stats())-sum(o0))
					if t.Failed() {
						t.Fatalf("repeat %d, odoo %d, %s: an invariant broke (orders %v); daemon logs in %s", r, version, cf.name, ids, w.dir)
					}
				}
			}
			w.logFelt()
			last.Runs = runs
			report(fmt.Sprintf("Odoo %d call faults while cards are charged (add_payment, completion, write: 502 not applied, 504 applied, applied late: up to %s on 17/18, %s on 19)",
				version, lateCommitBound-time.Second, 3*lateCommitBound), command("TestOdooCallFaultsWhileCardsAreCharged/odoo"+fmt.Sprint(version)), last)
			if last.Lost != 0 || last.Duplicated != 0 {
				t.Errorf("lost %d, duplicated %d: want 0 and 0", last.Lost, last.Duplicated)
			}
		})
	}
}

// cashierStep is a cashier acting during one step of a payment.
type cashierStep struct {
	name string
	// act runs once the daemon is ready, on a new order of 100.00 on the
	// world's terminal, and returns when the cashier is done.
	act func(w *world, d *daemon, id int64, rng *rand.Rand)
	// parks: the order changed under the card; the charge must be parked.
	parks bool
}

// flag writes the order's x_compago_state, as the POS does.
func (w *world) flag(id int64, state string) {
	w.t.Helper()
	if _, err := w.odoo.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"x_compago_state": state}}, nil); err != nil {
		w.t.Fatalf("write x_compago_state %s on order %d: %v", state, id, err)
	}
}

// cancelThenRequestAgain is the cashier pressing cancel, and as soon as
// the order no longer shows cancel_requested, asking for the card again.
func (w *world) cancelThenRequestAgain(d *daemon, id int64) {
	w.t.Helper()
	w.flag(id, connector.StateCancelRequested)
	if !waitFor(30*time.Second, func() bool {
		return w.readOrders([]int64{id})[id].Flag != connector.StateCancelRequested
	}) {
		w.t.Fatalf("order %d still shows cancel_requested after 30 s:\n%s", id, tail(d.logText(), 3000))
	}
	w.flag(id, connector.StateRequested)
}

func cashierSteps() []cashierStep {
	return []cashierStep{
		{name: "cancel while the intent is being created (Compago 1.5 s slow), then request again", act: func(w *world, d *daemon, id int64, rng *rand.Rand) {
			creates := w.compago.Requests()["POST /api/payment-intent"]
			w.compago.SetFaults(compagosim.Faults{Latency: 1500 * time.Millisecond})
			defer w.compago.ClearFaults()
			w.flag(id, connector.StateRequested)
			if !waitFor(20*time.Second, func() bool { return w.compago.Requests()["POST /api/payment-intent"] > creates }) {
				w.t.Fatalf("no intent create reached Compago:\n%s", tail(d.logText(), 3000))
			}
			w.cancelThenRequestAgain(d, id)
		}},
		{name: "cancel while the card is pending (racing the tap), then request again", act: func(w *world, d *daemon, id int64, rng *rand.Rand) {
			w.flag(id, connector.StateRequested)
			w.waitFlag(d, []int64{id}, 30*time.Second, connector.StatePending)
			gap := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
			switch rng.IntN(3) {
			case 0: // the customer taps at its own pace (up to 5 s)
				w.cancelThenRequestAgain(d, id)
			case 1:
				w.approveAll()
				time.Sleep(gap) // the race is the point
				w.cancelThenRequestAgain(d, id)
			default:
				go func() { time.Sleep(gap); w.approveAll() }()
				w.cancelThenRequestAgain(d, id)
			}
		}},
		{name: "cancel while add_payment is held by Odoo (applied 3 s late), then request again", act: func(w *world, d *daemon, id int64, rng *rand.Rand) {
			w.flag(id, connector.StateRequested)
			w.waitFlag(d, []int64{id}, 30*time.Second, connector.StatePending)
			if err := w.odoo.AddCallFault(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late", Delay: 3 * time.Second}); err != nil {
				w.t.Fatal(err)
			}
			w.approveAll()
			if !waitFor(30*time.Second, func() bool { return w.odoo.Holding() == 1 }) {
				w.t.Fatalf("add_payment never reached Odoo:\n%s", tail(d.logText(), 3000))
			}
			w.cancelThenRequestAgain(d, id)
		}},
		{name: "part paid in cash while the card is pending", parks: true, act: func(w *world, d *daemon, id int64, rng *rand.Rand) {
			w.flag(id, connector.StateRequested)
			w.waitFlag(d, []int64{id}, 30*time.Second, connector.StatePending)
			if _, err := w.odoo.Exec("pos.order", "add_payment", []any{[]any{id}, map[string]any{
				"pos_order_id": id, "amount": 40.0, "payment_method_id": w.odoo.Seed().CashPaymentMethodID}}, nil); err != nil {
				w.t.Fatalf("pay 40.00 in cash: %v", err)
			}
			w.approveAll()
		}},
		{name: "total lowered while the card is pending", parks: true, act: func(w *world, d *daemon, id int64, rng *rand.Rand) {
			w.flag(id, connector.StateRequested)
			w.waitFlag(d, []int64{id}, 30*time.Second, connector.StatePending)
			if _, err := w.odoo.Exec("pos.order", "write", []any{[]any{id}, map[string]any{"amount_total": 60.0}}, nil); err != nil {
				w.t.Fatalf("lower the total: %v", err)
			}
			w.approveAll()
		}},
	}
}

// newOrder creates a draft order of amount pesos on the world's first
// terminal without flagging it; the cashier step flags it.
func (w *world) newOrder(amount float64) int64 {
	w.t.Helper()
	res, err := w.odoo.Exec("pos.order", "create", []any{map[string]any{
		"session_id": w.session, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
		"x_compago_terminal": w.terminals[0],
	}}, nil)
	if err != nil {
		w.t.Fatalf("create an order: %v", err)
	}
	id := toID(res)
	w.mu.Lock()
	w.orders = append(w.orders, id)
	w.mu.Unlock()
	return id
}

// parkedOrders are the orders whose latest attempt is parked for a human.
func (w *world) parkedOrders() map[int64]journal.Attempt {
	out := map[int64]journal.Attempt{}
	for _, a := range w.journalAttempts() {
		if a.Attention && a.State == journal.Confirmed {
			out[a.OrderID] = a
		}
	}
	return out
}

// TestCashierActsDuringEachStep has a cashier cancel while the intent is
// created, while the card is pending and while add_payment is held by
// Odoo, and ask again right after; and pay part in cash or lower the total
// while the card is pending. A customer taps every card as soon as the
// terminal shows it (in the last two, after the change). Each step runs on
// Odoo 17, 18 and 19.
func TestCashierActsDuringEachStep(t *testing.T) {
	n := crashRuns(t)
	sum := sumOverVersions(t, "cashier acts during each step on Odoo 17, 18, 19 (cancel while created, pending, add_payment held; ask again; cash paid or total lowered under a pending card)",
		command("TestCashierActsDuringEachStep"))
	for _, version := range []int{17, 18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(n), 16+uint64(version)))
			w := newWorld(t, worldOptions{terminals: 1, version: version})
			var last tally
			for r := range repeats(n) {
				for _, step := range cashierSteps() {
					d := w.startReady(graceEnv)
					id := w.newOrder(100)
					var customerGone func()
					if !step.parks {
						ctx, stop := context.WithCancel(context.Background())
						// The customer taps up to 5 s after the terminal shows
						// the intent: sometimes the cancel wins, sometimes the
						// card.
						done := w.customer(ctx, time.Duration(rng.Int64N(int64(5*time.Second))))
						customerGone = func() { stop(); <-done }
					}
					step.act(w, d, id, rng)
					w.waitSettled(2*time.Minute, d)
					w.waitHeldApplied()
					w.waitJournalDone(d)
					if customerGone != nil {
						customerGone()
					}
					d.stop()
					w.odoo.ClearCallFaults()
					o := w.readOrders([]int64{id})[id]
					_, byOrder := w.paymentLines()
					t.Logf("odoo %d, %s: order %d %s, x_compago_state %s, %.2f paid of %.2f, %d lines; the cashier reads %q",
						version, step.name, id, o.State, o.Flag, o.AmountPaid, o.Total, len(byOrder[id]), o.Message)
					last = w.checkInvariants()
					sum.run()
					if step.parks {
						if _, ok := w.parkedOrders()[id]; !ok {
							t.Errorf("odoo %d, %s: order %d's charge is not parked for a human (the order changed under it); the cashier reads %q",
								version, step.name, id, o.Message)
						}
					}
					if t.Failed() {
						t.Fatalf("repeat %d, odoo %d, %s: an invariant broke on order %d; daemon logs in %s", r, version, step.name, id, w.dir)
					}
				}
			}
			w.logFelt()
			sum.add(last)
		})
	}
}

// copyJournal copies the SQLite journal files (the daemon stopped); a
// file missing at from is removed at to.
func copyJournal(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(from + suffix)
		if os.IsNotExist(err) {
			os.Remove(to + suffix)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// removeJournal deletes the journal's files, as a lost disk does.
func removeJournal(t *testing.T, path string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// TestJournalRestoredOrLostBetweenRuns stops the daemon while cards are
// pending (full and partial amounts), backs the journal up, lets the cards
// be charged and recorded, then restores the backup (or removes the
// journal) and starts again; orders the cashier cancelled before the loss
// are requested again. Nothing may be recorded twice or reuse an
// externalId Compago already has.
func TestJournalRestoredOrLostBetweenRuns(t *testing.T) {
	n := crashRuns(t)
	sum := sumOverVersions(t, "journal restored from a backup taken while cards were pending, or lost, between runs, on Odoo 17, 18, 19",
		command("TestJournalRestoredOrLostBetweenRuns"))
	for _, version := range []int{17, 18, 19} {
		t.Run(fmt.Sprintf("odoo%d", version), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{terminals: 3, version: version})
			backup := filepath.Join(t.TempDir(), "backup.db")
			var last tally
			for r := range repeats(n) {
				for _, lose := range []bool{false, true} {
					what := "restored from a backup"
					if lose {
						what = "lost"
					}
					d := w.startReady(graceEnv)
					// Terminal 1: full amount; 2: partial (60 of 100);
					// 3: cancelled by the cashier before the backup.
					full := w.pay(100, w.terminals[0])
					partial := w.newOrder(100)
					if _, err := w.odoo.Exec("pos.order", "write", []any{[]any{partial}, map[string]any{
						"x_compago_state": connector.StateRequested, "x_compago_terminal": w.terminals[1], "x_compago_amount": 60.0}}, nil); err != nil {
						t.Fatal(err)
					}
					cancelled := w.pay(80, w.terminals[2])
					w.waitFlag(d, []int64{full, partial, cancelled}, 30*time.Second, connector.StatePending)
					w.flag(cancelled, connector.StateCancelRequested)
					w.waitFlag(d, []int64{cancelled}, 30*time.Second, connector.StateCancelled)
					d.stop()
					copyJournal(t, w.journal, backup)

					d = w.startReady(graceEnv)
					w.approveAll()
					w.waitFlag(d, []int64{full}, time.Minute, connector.StatePaid)
					w.waitFlag(d, []int64{partial}, time.Minute, connector.StatePartiallyPaid) // money still due
					d.stop()

					if lose {
						removeJournal(t, w.journal)
					} else {
						copyJournal(t, backup, w.journal)
					}
					ctx, stop := context.WithCancel(context.Background())
					done := w.customer(ctx, 0)
					d = w.startReady(graceEnv)
					w.flag(cancelled, connector.StateRequested)
					w.pay(90, w.terminals[0]) // a new order after the restore
					w.waitSettled(2*time.Minute, d)
					w.waitJournalDone(d)
					stop()
					<-done
					d.stop()
					orders := w.readOrders([]int64{full, partial, cancelled})
					for _, id := range []int64{full, partial, cancelled} {
						t.Logf("odoo %d, journal %s: order %d %s, x_compago_state %s, %.2f paid of %.2f; the cashier reads %q",
							version, what, id, orders[id].State, orders[id].Flag, orders[id].AmountPaid, orders[id].Total, orders[id].Message)
					}
					if o := orders[cancelled]; o.Flag != connector.StatePaid {
						t.Errorf("odoo %d, journal %s: order %d, cancelled then requested again, shows %s: the cashier reads %q",
							version, what, cancelled, o.Flag, o.Message)
					}
					last = w.checkInvariants()
					sum.run()
					if t.Failed() {
						t.Fatalf("repeat %d, odoo %d, journal %s: an invariant broke (orders %d, %d, %d); daemon logs in %s",
							r, version, what, full, partial, cancelled, w.dir)
					}
				}
			}
			w.logFelt()
			sum.add(last)
		})
	}
}

// versionSum adds up the tallies of a test's versions, which run side by
// side (each its own world; they mostly wait), and reports the sum once
// they all have ended.
type versionSum struct {
	mu    sync.Mutex
	total tally
}

func sumOverVersions(t *testing.T, name, command string) *versionSum {
	s := &versionSum{}
	t.Cleanup(func() {
		report(name, command, s.total)
		if s.total.Lost != 0 || s.total.Duplicated != 0 {
			t.Errorf("lost %d, duplicated %d: want 0 and 0", s.total.Lost, s.total.Duplicated)
		}
	})
	return s
}

// run counts one run.
func (s *versionSum) run() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total.Runs++
}

// add adds a version's tally, its runs counted by run.
func (s *versionSum) add(last tally) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last.Runs = 0
	s.total.add(last)
}
