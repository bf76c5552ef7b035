package connector_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// The stall tests (issue 18) run two daemons, child processes, on one
// PostgreSQL journal with the leases of the three-daemon test (poll 2 s,
// create 3 s, sync 3 s, watch 2 s), stop one of them with SIGSTOP at a
// chosen request, let the other take its work over, and resume it with
// SIGCONT: a daemon that was frozen (a VM paused, a swap storm) must not
// act on what it owned before the freeze.

// stallDaemon is one daemon of a stall test, whose log the test reads.
type stallDaemon struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd

	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

// stallEnv is what every daemon of a stall test gets: the journal, the
// simulators, and client timeouts longer than any stall of the test, so
// that an answer waiting in a stopped daemon's socket is read when it
// resumes rather than lost to a timer.
func stallEnv(w *world, dsn, schema, name string) []string {
	return append(os.Environ(), childEnv+"=1", "JOURNAL_DSN="+dsn, "JOURNAL_SCHEMA="+schema,
		"OWNER="+name, "ODOO_URL="+w.OdooURL, "COMPAGO_URL="+w.CompagoURL,
		"ODOO_TIMEOUT="+stallClientTimeout.String(), "COMPAGO_TIMEOUT="+stallClientTimeout.String())
}

// stallClientTimeout is the stall daemons' Odoo and Compago timeout.
const stallClientTimeout = 15 * time.Second

func startStallDaemon(w *world, dsn, schema, name string, extra ...string) *stallDaemon {
	w.T.Helper()
	d := &stallDaemon{t: w.T, name: name, done: make(chan struct{})}
	d.cmd = exec.Command(os.Args[0], "-test.run=^$")
	d.cmd.Env = append(stallEnv(w, dsn, schema, name), extra...)
	r, wr := io.Pipe()
	d.cmd.Stderr = wr
	if err := d.cmd.Start(); err != nil {
		w.T.Fatal(err)
	}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
			if testing.Verbose() {
				w.T.Log(name + ": " + sc.Text())
			}
		}
	}()
	w.T.Cleanup(func() {
		if w.T.Failed() && !testing.Verbose() {
			d.mu.Lock()
			for _, l := range d.lines[max(0, len(d.lines)-40):] {
				w.T.Log(name + ": " + l)
			}
			d.mu.Unlock()
		}
		d.cmd.Process.Signal(syscall.SIGCONT)
		d.cmd.Process.Signal(syscall.SIGTERM)
		d.cmd.Wait()
		wr.Close()
		<-d.done
	})
	return d
}

// stop freezes the daemon (SIGSTOP); cont resumes it.
func (d *stallDaemon) stop() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		d.t.Fatal(err)
	}
	d.waitState('T')
}

func (d *stallDaemon) cont() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		d.t.Fatal(err)
	}
}

// waitStopped waits until the daemon stopped itself (a stall point).
func (d *stallDaemon) waitStopped() { d.t.Helper(); d.waitState('T') }

// waitState waits until the kernel shows the process in state s.
func (d *stallDaemon) waitState(s byte) {
	d.t.Helper()
	simworld.WaitFor(d.t, fmt.Sprintf("%s in process state %c", d.name, s), func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
		if err != nil {
			return false
		}
		// pid (comm) state ...: the state follows the last ')'.
		i := strings.LastIndexByte(string(b), ')')
		return i > 0 && i+2 < len(b) && b[i+2] == s
	})
}

// logged reports whether a log line contains every one of parts.
func (d *stallDaemon) logged(parts ...string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

// stallWorld is odoosim and compagosim, and a fresh PostgreSQL schema the
// test reads the journal of.
type stallWorld struct {
	*world
	dsn, schema string
	journal     journal.Journal
}

func newStallWorld(t *testing.T) *stallWorld {
	dsn := pgtest.Require(t)
	w := newWorld(t, worldOptions{})
	// An add_payment in flight when its daemon froze may still commit until
	// its call's deadline (the client timeout) and the late-commit window
	// have passed: no survivor adds the line before then, so an order's
	// wait for "paid" covers that window on top of the usual limit.
	w.WaitLimit += stallClientTimeout + time.Second
	s := &stallWorld{world: w, dsn: dsn, schema: pgtest.FreshSchema(t, dsn)}
	j, err := journal.OpenPostgres(context.Background(), dsn, journal.Options{Schema: s.schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s.journal = j
	return s
}

func (s *stallWorld) daemon(name string, extra ...string) *stallDaemon {
	return startStallDaemon(s.world, s.dsn, s.schema, name, extra...)
}

// attempts lists the journal's attempts of the order.
func (s *stallWorld) attempts(orderID int64) []journal.Attempt {
	s.T.Helper()
	list, err := s.journal.List(context.Background(), journal.Filter{OrderIDs: []int64{orderID}})
	if err != nil {
		s.T.Fatal(err)
	}
	return list
}

// holdNext holds the next Odoo call matching f until the daemon that made
// it is stopped, then lets Odoo answer it: the answer waits in the stopped
// daemon's socket, as a read answered just before a freeze.
func (s *stallWorld) holdThenStop(f odoosim.CallFault, d *stallDaemon) {
	s.T.Helper()
	f.When = "late"
	if err := s.Odoo.AddCallFault(f); err != nil {
		s.T.Fatal(err)
	}
	simworld.WaitFor(s.T, fmt.Sprintf("%s to call %s.%s", d.name, f.Model, f.Method), func() bool { return s.Odoo.Holding() == 1 })
	d.stop()
	s.Odoo.ReleaseHeld()
}

// Case 1 of issue 18: daemon A holds the write-back of a charged 100.00 and
// is frozen after reading the order, before add_payment. Daemon B takes the
// write-back over once A's lease ran out, adds the line and completes the
// order. A resumes: it must not add a second line, nor write anything to
// the order, and must say in its log that it lost the work. The cashier
// sees one payment of 100.00, the order paid.
func TestStalledRecorderAddsNoSecondLine(t *testing.T) {
	s := newStallWorld(t)
	a := s.daemon("daemon-a")
	id := s.NewOrder(100, nil)
	s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	s.WaitState(id, connector.StatePending)
	if _, err := s.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	// The recorder's read of the order is the one whose domain asks that
	// its session be open.
	s.holdThenStop(odoosim.CallFault{Model: "pos.order", Method: "search_read", Match: "session_id.state"}, a)

	s.daemon("daemon-b")
	paid := s.WaitState(id, connector.StatePaid)
	a.cont()
	simworld.WaitFor(t, "daemon A to give the write-back up, or to add a payment", func() bool {
		return len(s.Payments(id)) > 1 || a.logged("lost the work") || a.logged("lease lost")
	})
	if n := len(s.Payments(id)); n != 1 {
		t.Fatalf("the stalled daemon added a payment after the takeover: the paid order has %d payment lines (%v), want 1", n, s.Payments(id))
	}
	o := s.Order(id)
	if o["x_compago_message"] != paid["x_compago_message"] || o["x_compago_state"] != connector.StatePaid {
		t.Errorf("the stalled daemon wrote to the paid order: the cashier reads %v %q, was %v %q",
			o["x_compago_state"], o["x_compago_message"], paid["x_compago_state"], paid["x_compago_message"])
	}
	s.CheckInvariants()
}

// Daemon A is frozen while its add_payment is in flight, and Odoo has not
// applied it yet. Daemon B takes the write-back over, but adds nothing while
// A's call could still commit (until its deadline, the client timeout, and
// the late-commit window); Odoo then kills the call unapplied, as its
// limit_time_real does, and B adds the line. The cashier sees one payment
// of 120.00, the order paid, about the client timeout later: the wait the
// three-daemon stall test met in CI.
func TestStalledAddPaymentInFlightIsWaitedOut(t *testing.T) {
	s := newStallWorld(t)
	a := s.daemon("daemon-a")
	id := s.NewOrder(120, nil)
	s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	s.WaitState(id, connector.StatePending)
	if err := s.Odoo.AddCallFault(odoosim.CallFault{Model: "pos.order", Method: "add_payment", When: "late"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compago.ApproveTerminal("TERMINAL-002"); err != nil {
		t.Fatal(err)
	}
	simworld.WaitFor(t, "daemon A to call add_payment", func() bool { return s.Odoo.Holding() == 1 })
	a.stop()
	held := time.Now()

	s.daemon("daemon-b")
	s.WaitFor("daemon B to wait out A's add_payment", func() bool {
		if time.Since(held) > stallClientTimeout {
			s.Odoo.DropHeld() // Odoo killed the worker: A's call never commits
		}
		return len(s.Payments(id)) > 0
	})
	if waited := time.Since(held); waited < stallClientTimeout {
		t.Errorf("daemon B added the line %v after A's add_payment began, while it could still commit", waited)
	}
	s.WaitState(id, connector.StatePaid)
	if n := len(s.Payments(id)); n != 1 {
		t.Fatalf("the paid order has %d payment lines (%v), want 1", n, s.Payments(id))
	}
	a.cont()
	s.CheckInvariants()
}

// Case 2 of issue 18: daemon A creates the intent at Compago and is frozen
// before its journal learns the id. Daemon B retries the create with the
// same externalId, meets "duplicate" and ends the attempt unknown (Odoo
// shows "failed"). A resumes with the intent id: the intent is live on the
// terminal, so the attempt must be watched again, the cashier must see it
// waiting for the card, and the customer's tap must be recorded: one line,
// the order paid.
func TestStalledCreatorsLateIntentIsWatched(t *testing.T) {
	s := newStallWorld(t)
	a := s.daemon("daemon-a", connector.StallEnv+"="+connector.CrashAfterCreate)
	id := s.NewOrder(250, nil)
	s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	a.waitStopped()

	s.daemon("daemon-b")
	s.WaitState(id, connector.StateFailed)
	a.cont()
	simworld.WaitFor(t, "daemon A to journal the intent id", func() bool {
		l := s.attempts(id)
		return len(l) == 1 && l[0].IntentID != ""
	})
	o := s.WaitState(id, connector.StatePending)
	t.Logf("the cashier reads %q", o["x_compago_message"])
	if _, err := s.Compago.ApproveTerminal("TERMINAL-002"); err != nil {
		t.Fatal(err)
	}
	s.WaitState(id, connector.StatePaid)
	l := s.attempts(id)
	if len(l) != 1 || l[0].State != journal.Recorded || l[0].Attention {
		t.Errorf("journal: %+v, want one recorded attempt, not for attention", l)
	}
	s.CheckInvariants()
}

// Case 3 of issue 18: the watch leader A is frozen at its pos.session
// read, after its journal check found no attempt for the order and before
// it begins one. B leads, creates the intent, the card is charged and
// recorded, the order paid. A resumes: it must not begin a second attempt
// nor create a second intent; the cashier keeps seeing the order paid.
func TestStalledWatchLeaderDoesNotChargeAgain(t *testing.T) {
	s := newStallWorld(t)
	a := s.daemon("daemon-a")
	id := s.NewOrder(80, nil)
	if err := s.Odoo.AddCallFault(odoosim.CallFault{Model: "pos.session", Method: "read", When: "late"}); err != nil {
		t.Fatal(err)
	}
	s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-003"})
	simworld.WaitFor(t, "daemon A to read the POS session", func() bool { return s.Odoo.Holding() == 1 })
	a.stop()
	s.Odoo.ReleaseHeld()

	s.daemon("daemon-b")
	s.WaitState(id, connector.StatePending)
	if _, err := s.Compago.ApproveTerminal("TERMINAL-003"); err != nil {
		t.Fatal(err)
	}
	s.WaitState(id, connector.StatePaid)
	a.cont()
	simworld.WaitFor(t, "daemon A to drop its stale read, or to begin an attempt", func() bool {
		return a.logged("changed since they were read") || a.logged(`"attempt":2`)
	})
	if n := len(s.attempts(id)); n != 1 {
		t.Errorf("the stalled leader began another attempt for the paid order: %d attempts", n)
	}
	if n := len(s.Compago.Intents()); n != 1 {
		t.Errorf("%d intents at Compago for one paid order, want 1", n)
	}
	if o := s.Order(id); o["x_compago_state"] != connector.StatePaid {
		t.Errorf("the cashier reads %v %q on the paid order", o["x_compago_state"], o["x_compago_message"])
	}
	s.CheckInvariants()
}

// TestThreeDaemonsOnePostgresSurviveStalls is the three-daemon kill test
// with freezes instead of kills: every round, one daemon is stopped with
// SIGSTOP at a random moment of a random step (while the intents are
// created, while the cards wait on the terminals, or while the payments
// are written back), kept stopped past every lease it held (poll 2 s,
// create 3 s, sync 3 s, watch 2 s), and resumed with SIGCONT while the
// survivors have taken its work over. Every payment still ends as exactly
// one payment line, every order paid. COMPAGO_STALL_ROUNDS sets the rounds
// (default 3; 100 for the long run); COMPAGO_STALL_STEP (create, pending or
// write-back) freezes at that step every round.
func TestThreeDaemonsOnePostgresSurviveStalls(t *testing.T) {
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("COMPAGO_STALL_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	s := newStallWorld(t)
	var ds []*stallDaemon
	for i := range 3 {
		ds = append(ds, s.daemon("daemon-"+strconv.Itoa(i)))
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	terminals := []string{"TERMINAL-001", "TERMINAL-002", "TERMINAL-003"}
	const pastLeases = 3500 * time.Millisecond // longer than the longest lease (3 s)
	steps := map[string]int{}
	parked := map[int64]bool{}
	var finish []time.Duration
	for round := range rounds {
		victim := ds[rng.IntN(3)]
		step := []string{"create", "pending", "write-back"}[rng.IntN(3)]
		if only := os.Getenv("COMPAGO_STALL_STEP"); only != "" {
			step = only // one step every round: to reproduce what a random round found
		}
		steps[step]++
		freeze := func() {
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond) // a random moment of the step
			victim.stop()
		}
		var orders []int64
		for i, term := range terminals {
			id := s.NewOrder(float64(10*round+i+1), nil)
			s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": term})
			orders = append(orders, id)
		}
		stopped := time.Now()
		if step == "create" {
			freeze()
			stopped = time.Now()
		}
		live := terminals
		for i, id := range orders {
			if step == "create" && s.endedUnknown(id) {
				// Known gap (RELIABILITY.md): the frozen daemon's create
				// reached Compago, its answer was lost to its own deadline,
				// and the survivor met "duplicate": parked for a human.
				parked[id] = true
				live = slices.Delete(slices.Clone(live), i-(len(terminals)-len(live)), i-(len(terminals)-len(live))+1)
				continue
			}
			s.WaitState(id, connector.StatePending)
		}
		if step == "pending" {
			freeze()
			stopped = time.Now()
		}
		for _, term := range live {
			if _, err := s.Compago.ApproveTerminal(term); err != nil {
				t.Fatalf("round %d: approve on %s: %v", round, term, err)
			}
		}
		if step == "write-back" {
			freeze()
			stopped = time.Now()
		}
		for _, id := range orders {
			if o := s.Order(id); o["x_compago_state"] != connector.StateFailed {
				s.WaitState(id, connector.StatePaid)
			}
		}
		finish = append(finish, time.Since(stopped))
		if rest := pastLeases - time.Since(stopped); rest > 0 {
			time.Sleep(rest) // the freeze outlives every lease the victim held
		}
		victim.cont()
	}
	// A last payment, made once the last daemon resumed: its stale calls
	// (sent at once on SIGCONT) are behind it when this one is paid.
	id := s.NewOrder(999, nil)
	s.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	s.WaitState(id, connector.StatePending)
	if _, err := s.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	s.WaitState(id, connector.StatePaid)
	// A parked payment may come back: the frozen daemon, resumed, gets its
	// create's answer late and watches the intent again. Its card was never
	// presented; if the intent still waits on its terminal, it is charged
	// now and must end as one line like the others.
	for id := range parked {
		l := s.attempts(id)
		if len(l) != 1 || l[0].State == journal.Unknown {
			continue
		}
		if in := s.intentOfOrder(id); in.Status == "PENDING" {
			if _, err := s.Compago.ApproveTerminal(in.TerminalCode); err != nil {
				t.Fatalf("approve the parked payment of order %d come back on %s: %v", id, in.TerminalCode, err)
			}
			s.WaitState(id, connector.StatePaid)
		}
	}
	s.CheckInvariants()
	for _, id := range allOrders(s.world) {
		if parked[id] && s.Order(id)["x_compago_state"] != connector.StatePaid {
			// Still parked, or come back with its intent replaced on its
			// terminal by a later round's before its card: nothing
			// charged, nothing recorded.
			if n := len(s.Payments(id)); n != 0 {
				t.Errorf("order %d, never charged, has %d payment lines", id, n)
			}
			continue
		}
		if s.endedUnknown(id) {
			continue
		}
		if n := len(s.Payments(id)); n != 1 {
			t.Errorf("order %d has %d payment lines, want 1", id, n)
		}
		if l := s.attempts(id); len(l) != 1 {
			t.Errorf("order %d has %d attempts, want 1 (a stalled daemon began another)", id, len(l))
		}
	}
	if n := len(s.Compago.Intents()); n != 3*rounds+1 {
		t.Errorf("%d intents at Compago for %d payments", n, 3*rounds+1)
	}
	if len(parked) > 0 {
		t.Logf("%d payments parked unknown (a frozen create's answer lost to its deadline): the known gap", len(parked))
	}
	slices.Sort(finish)
	median, worst := finish[len(finish)/2].Round(time.Millisecond), finish[len(finish)-1].Round(time.Millisecond)
	t.Logf("%d rounds, one daemon of three frozen %s+ each round (steps %v); orders paid after the freeze: median %s, worst %s; parked unknown %d", rounds, pastLeases, steps, median, worst, len(parked))
	fmt.Fprintf(os.Stderr, "three daemons, stalls: rounds=%d steps=%v paid_after_freeze_median=%s worst=%s parked_unknown=%d\n", rounds, steps, median, worst, len(parked))
}

// endedUnknown waits until the order is pending, or ended unknown after
// "duplicate", and reports the latter.
func (s *stallWorld) endedUnknown(orderID int64) bool {
	s.T.Helper()
	var unknown bool
	simworld.WaitFor(s.T, fmt.Sprintf("order %d pending or ended unknown", orderID), func() bool {
		if l := s.attempts(orderID); len(l) == 1 && l[0].State == journal.Unknown {
			unknown = l[0].Attention
			return true
		}
		return s.Order(orderID)["x_compago_state"] == connector.StatePending || s.Order(orderID)["x_compago_state"] == connector.StatePaid
	})
	return unknown
}

// intentOfOrder is Compago's intent of the order's latest attempt.
func (s *stallWorld) intentOfOrder(orderID int64) compagosim.Intent {
	s.T.Helper()
	l := s.attempts(orderID)
	if len(l) == 0 {
		s.T.Fatalf("order %d has no attempt", orderID)
	}
	for _, in := range s.Compago.Intents() {
		if in.ID == l[len(l)-1].IntentID {
			return in
		}
	}
	s.T.Fatalf("order %d: Compago has no intent %q", orderID, l[len(l)-1].IntentID)
	return compagosim.Intent{}
}
