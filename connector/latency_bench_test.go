package connector_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector"
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
		w.startDaemon(func(c *connector.Config) {
			c.WatchInterval, c.PollInterval = time.Second, 3*time.Second
		})
		var flagToIntent, approveToPaid []time.Duration
		w.odoo.ResetStats()
		for i := range payments {
			id := w.newOrder(float64(100 + i))
			terminal := fmt.Sprintf("TERMINAL-00%d", i%3+1)
			start := time.Now()
			w.flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": terminal})
			w.waitState(id, connector.StatePending)
			flagToIntent = append(flagToIntent, time.Since(start))
			// The card is read at a random moment of the poll cycle.
			time.Sleep(time.Duration(i%7) * 400 * time.Millisecond)
			start = time.Now()
			if _, err := w.compago.ApproveTerminal(terminal); err != nil {
				b.Fatal(err)
			}
			w.waitState(id, connector.StatePaid)
			approveToPaid = append(approveToPaid, time.Since(start))
		}
		stats := w.odoo.Stats()
		total := 0
		for _, n := range stats {
			total += n
		}
		watcher := stats["pos.order.search_read"]
		w.checkInvariants()
		b.ReportMetric(ms(median(flagToIntent)), "flag_intent_p50_ms")
		b.ReportMetric(ms(slices.Max(flagToIntent)), "flag_intent_max_ms")
		b.ReportMetric(ms(median(approveToPaid)), "approval_paid_p50_ms")
		b.ReportMetric(ms(slices.Max(approveToPaid)), "approval_paid_max_ms")
		b.ReportMetric(float64(total-watcher)/payments, "odoo_rpc_per_order")
		b.Logf("odoo calls: %v", stats)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
