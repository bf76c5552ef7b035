package connector_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
)

// BenchmarkSandboxLatency measures what a cashier waits for with the
// default intervals (watch 1s, poll 3s): flag → intent created (the order
// shows pending), and card approved → order paid, over 20 payments, and
// the Odoo RPCs each paid order costs beyond the watcher's one search_read
// per tick. Run it with:
//
//	go test -run '^$' -bench SandboxLatency -benchtime 1x ./connector/
func BenchmarkSandboxLatency(b *testing.B) {
	const payments = 20
	for range b.N {
		w := newWorld(b, worldOptions{})
		ticks := &tickCounter{}
		w.startDaemon(func(c *connector.Config) {
			c.WatchInterval, c.PollInterval = time.Second, 3*time.Second
			c.Observer = ticks
		})
		var flagToIntent, approveToPaid []time.Duration
		w.Odoo.ResetStats()
		ticks.reset()
		for i := range payments {
			id := w.NewOrder(float64(100+i), nil)
			terminal := fmt.Sprintf("TERMINAL-00%d", i%3+1)
			// A cashier presses the button at any moment of the watch cycle.
			time.Sleep(time.Duration(rand.Int64N(int64(time.Second))))
			start := time.Now()
			w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": terminal})
			w.WaitState(id, connector.StatePending)
			flagToIntent = append(flagToIntent, time.Since(start))
			// The card is read at a random moment of the poll cycle.
			time.Sleep(time.Duration(i%7) * 400 * time.Millisecond)
			start = time.Now()
			if _, err := w.Compago.ApproveTerminal(terminal); err != nil {
				b.Fatal(err)
			}
			w.WaitState(id, connector.StatePaid)
			approveToPaid = append(approveToPaid, time.Since(start))
		}
		stats := w.Odoo.Stats()
		total := 0
		for _, n := range stats {
			total += n
		}
		watcher := int(ticks.watch.Load()) // one search_read per watch tick
		w.CheckInvariants()
		b.ReportMetric(ms(median(flagToIntent)), "flag_intent_p50_ms")
		b.ReportMetric(ms(slices.Max(flagToIntent)), "flag_intent_max_ms")
		b.ReportMetric(ms(median(approveToPaid)), "approval_paid_p50_ms")
		b.ReportMetric(ms(slices.Max(approveToPaid)), "approval_paid_max_ms")
		b.ReportMetric(float64(total-watcher)/payments, "odoo_rpc_per_order")
		b.ReportMetric(float64(watcher), "watch_ticks")
		b.Logf("odoo calls: %v", stats)
	}
}

// tickCounter counts the watcher's passes, each one search_read.
type tickCounter struct{ watch atomic.Int64 }

func (c *tickCounter) Call(string, string, time.Duration, error)              {}
func (c *tickCounter) Transition(journal.State, journal.State, time.Duration) {}
func (c *tickCounter) Tick(loop string) {
	if loop == "watch" {
		c.watch.Add(1)
	}
}
func (c *tickCounter) reset() { c.watch.Store(0) }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
