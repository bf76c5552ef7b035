package connector_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal/pgtest"
	"github.com/compago-odoo/connector/connector/simworld"
)

// group is several daemons, each a child process, sharing one PostgreSQL
// journal.
type group struct {
	w      *world
	dsn    string
	schema string
	mu     sync.Mutex
	procs  map[int]*exec.Cmd
}

func (g *group) start(i int) {
	g.w.T.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "JOURNAL_DSN="+g.dsn, "JOURNAL_SCHEMA="+g.schema,
		"OWNER=daemon-"+strconv.Itoa(i), "ODOO_URL="+g.w.OdooURL, "COMPAGO_URL="+g.w.CompagoURL)
	if testing.Verbose() {
		cmd.Stderr = testLogWriter{g.w.T}
	}
	if err := cmd.Start(); err != nil {
		g.w.T.Fatal(err)
	}
	g.mu.Lock()
	g.procs[i] = cmd
	g.mu.Unlock()
}

func (g *group) kill(i int) {
	g.mu.Lock()
	cmd := g.procs[i]
	g.mu.Unlock()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func (g *group) stopAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, cmd := range g.procs {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}

// TestThreeDaemonsOnePostgresSurviveKills runs three daemons on one
// PostgreSQL journal and kills one with SIGKILL at a random moment of every
// round, while cards are charged: every payment still ends as exactly one
// payment line, and the time a survivor needs to finish an orphaned
// payment is measured. COMPAGO_MULTI_ROUNDS sets the rounds (default 8;
// 100 or more for the long run).
func TestThreeDaemonsOnePostgresSurviveKills(t *testing.T) {
	dsn := pgtest.Require(t)
	rounds := 8
	if n, err := strconv.Atoi(os.Getenv("COMPAGO_MULTI_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	w := newWorld(t, worldOptions{})
	g := &group{w: w, dsn: dsn, schema: pgtest.FreshSchema(t, dsn), procs: map[int]*exec.Cmd{}}
	for i := range 3 {
		g.start(i)
	}
	t.Cleanup(g.stopAll)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	terminals := []string{"TERMINAL-001", "TERMINAL-002", "TERMINAL-003"}
	var takeovers []time.Duration
	for round := range rounds {
		var orders []int64
		for i, term := range terminals {
			id := w.NewOrder(float64(10*round+i+1), nil)
			w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": term})
			orders = append(orders, id)
		}
		for _, id := range orders {
			w.WaitState(id, connector.StatePending)
		}
		victim := rng.IntN(3)
		// Even rounds: the daemon dies while the cards are on the terminals,
		// so its polls are orphaned and a survivor must take them over.
		// Odd rounds: it dies at a random moment after the approvals, in the
		// middle of writing payments back.
		orphan := round%2 == 0
		if orphan {
			g.kill(victim)
		}
		approved := time.Now()
		for _, term := range terminals {
			if _, err := w.Compago.ApproveTerminal(term); err != nil {
				t.Fatalf("round %d: approve on %s: %v", round, term, err)
			}
		}
		if !orphan {
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			g.kill(victim)
		}
		var worst time.Duration
		for _, id := range orders {
			w.WaitState(id, connector.StatePaid)
			worst = max(worst, time.Since(approved))
		}
		if orphan {
			takeovers = append(takeovers, worst)
		}
		g.start(victim)
	}
	w.CheckInvariants()
	for _, id := range allOrders(w) {
		if n := len(w.Payments(id)); n != 1 {
			t.Errorf("order %d has %d payment lines, want 1", id, n)
		}
	}
	slices.Sort(takeovers)
	median, worst := takeovers[len(takeovers)/2].Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond)
	t.Logf("%d rounds, one daemon of three killed each round; orphaned payments (poll lease 2s) paid after: median %s, worst %s", rounds, median, worst)
	fmt.Fprintf(os.Stderr, "three daemons: rounds=%d kills=%d takeover_median=%s takeover_worst=%s\n", rounds, rounds, median, worst)
}

func allOrders(w *world) []int64 {
	res := w.Exec("pos.order", "search", []any{[]any{[]any{"x_compago_state", "!=", false}}}, nil)
	var out []int64
	for _, v := range res.([]any) {
		out = append(out, simworld.ID(w.T, v))
	}
	return out
}
