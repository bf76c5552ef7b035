package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// benchResult holds the figures of one run.
type benchResult struct {
	f                             benchFlags
	orders, paid, unsettled       int
	turnedAway                    int
	other                         map[string]int
	flagIntent, approvalPaid      []time.Duration // sorted
	lost, duplicated              int
	loadTime, loadCPU             time.Duration
	idleTime, idleCPU             time.Duration
	rss                           int64
	odooPerOrder, odooPerIdleTick float64
	compagoPerOrder               float64
	compagoIdle                   int
	journalBytes                  int64
	pendingWindow                 pendingWindow

	odooName                              string    // which Odoo: odoosim, or the real one's version and URL
	calls, idleCalls                      callStats // the daemon's Odoo calls under load and while idle
	odooTimePerOrder, odooTimePerIdleTick time.Duration
	watchPasses                           float64 // the watcher's passes under load
	watcherCalls                          float64 // its reads of Odoo under load (estimated: passes x calls per idle pass)
}

func (r *benchResult) print(w io.Writer) {
	f := r.f
	fmt.Fprintf(w, "compago-connector bench: %d terminals, %.1f orders/s for %s, card %s-%s, cancel %.0f%%, expire %.0f%%\n",
		f.terminals, f.rate, f.duration, f.cardMin, f.cardMax, f.cancelShare*100, f.expireShare*100)
	fmt.Fprintf(w, "Odoo: %s\n", r.odooName)
	fmt.Fprintf(w, "latency to Compago %s; poll interval %s, watch interval %s\n\n",
		f.compagoLatency, f.pollInterval, f.watchInterval)
	fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6s\n", "latency (ms)", "p50", "p95", "p99", "max", "n")
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"flag -> intent", r.flagIntent}, {"approval -> paid", r.approvalPaid}} {
		fmt.Fprintf(w, "%-22s %8s %8s %8s %8s %6d\n", row.name, msOf(pct(row.d, .5)), msOf(pct(row.d, .95)),
			msOf(pct(row.d, .99)), msOf(pct(row.d, 1)), len(row.d))
	}
	var others []string
	for k, v := range r.other {
		others = append(others, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(others)
	others = append([]string{fmt.Sprintf("paid %d", r.paid)}, others...)
	fmt.Fprintf(w, "\norders %d: %s, unsettled %d; lost %d, duplicated %d; %d arrivals found every terminal busy\n",
		r.orders, strings.Join(others, ", "), r.unsettled, r.lost, r.duplicated, r.turnedAway)
	fmt.Fprintf(w, "orders/s sustained %.2f over %s\n", r.ordersPerSecond(), r.loadTime.Round(time.Millisecond))
	fmt.Fprintf(w, "Odoo RPCs per paid order %.2f, per idle watch pass %.2f; Compago requests per paid order %.2f, while idle %d\n",
		r.odooPerOrder, r.odooPerIdleTick, r.compagoPerOrder, r.compagoIdle)
	if r.rss > 0 {
		fmt.Fprintf(w, "daemon CPU %.2fs under load (%.1f%% of one core), %.2fs idle (%.1f%%); peak RSS %.1f MiB\n",
			r.loadCPU.Seconds(), share(r.loadCPU, r.loadTime), r.idleCPU.Seconds(), share(r.idleCPU, r.idleTime), float64(r.rss)/(1<<20))
	}
	if pw := r.pendingWindow; pw.wall > 0 {
		fmt.Fprintf(w, "with %d intents pending and nothing else happening, over %s: daemon CPU %.1f%% of one core, %.0f Compago polls/s\n",
			pw.pending, pw.wall.Round(time.Second), share(pw.cpu, pw.wall), float64(pw.compago)/pw.wall.Seconds())
	}
	fmt.Fprintf(w, "journal %.1f KiB, %.2f MiB per 10k orders\n\n", float64(r.journalBytes)/1024, r.journalPer10k()/(1<<20))
	r.printOdooTimes(w)
	fmt.Fprintf(w, "approval_paid_p50_ms=%s approval_paid_p99_ms=%s flag_intent_p50_ms=%s flag_intent_p99_ms=%s "+
		"odoo_rpc_per_order=%.2f odoo_rpc_per_idle_tick=%.2f compago_req_per_order=%.2f orders_per_s=%.2f orders=%d paid=%d "+
		"lost=%d duplicated=%d unsettled=%d terminals=%d cpu_load_pct=%.1f cpu_idle_pct=%.1f rss_mib=%.1f journal_mib_per_10k=%.2f "+
		"poll_interval_ms=%d watch_interval_ms=%d pending_window_cpu_pct=%.1f odoo_ms_per_order=%.1f odoo_ms_per_idle_tick=%.1f\n",
		msOf(pct(r.approvalPaid, .5)), msOf(pct(r.approvalPaid, .99)), msOf(pct(r.flagIntent, .5)), msOf(pct(r.flagIntent, .99)),
		r.odooPerOrder, r.odooPerIdleTick, r.compagoPerOrder, r.ordersPerSecond(), r.orders, r.paid,
		r.lost, r.duplicated, r.unsettled, f.terminals, share(r.loadCPU, r.loadTime), share(r.idleCPU, r.idleTime),
		float64(r.rss)/(1<<20), r.journalPer10k()/(1<<20), f.pollInterval.Milliseconds(), f.watchInterval.Milliseconds(), share(r.pendingWindow.cpu, r.pendingWindow.wall),
		ms(r.odooTimePerOrder), ms(r.odooTimePerIdleTick))
}

func (r *benchResult) ordersPerSecond() float64 {
	if r.loadTime <= 0 {
		return 0
	}
	return float64(r.orders-r.unsettled) / r.loadTime.Seconds()
}

func (r *benchResult) journalPer10k() float64 {
	if r.orders == 0 {
		return 0
	}
	return float64(r.journalBytes) / float64(r.orders) * 10000
}

func share(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * cpu.Seconds() / wall.Seconds()
}

// printOdooTimes is Odoo's time as the daemon's client saw it, by method:
// under load, and per paid order (less the watcher's idle reads).
func (r *benchResult) printOdooTimes(w io.Writer) {
	fmt.Fprintf(w, "Odoo's time per call, by method (the daemon's client, under load; p95 estimated from its histogram):\n")
	fmt.Fprintf(w, "%-34s %7s %10s %8s %8s %9s\n", "method", "calls", "per order", "mean ms", "p95 ms", "total s")
	for _, op := range r.calls.ops() {
		c := r.calls[op]
		perOrder := 0.0
		if r.paid > 0 {
			perOrder = float64(c.count) / float64(r.paid)
		}
		fmt.Fprintf(w, "%-34s %7d %10.2f %8.1f %8.0f %9.2f\n", op, c.count, perOrder, ms(c.mean()), ms(c.quantile(.95)), c.seconds)
	}
	n, total := r.calls.total()
	fmt.Fprintf(w, "%-34s %7d %10s %8.1f %8s %9.2f\n", "all", n, "", ms(callStat{count: n, seconds: total}.mean()), "", total)
	fmt.Fprintf(w, "of which the watcher's own reads (whatever the load: %.0f passes under load): about %.0f pos.order.search_read calls\n",
		r.watchPasses, r.watcherCalls)
	fmt.Fprintf(w, "Odoo's time per paid order %.0f ms, less the watcher's reads (an idle pass %.1f ms)\n\n",
		ms(r.odooTimePerOrder), ms(r.odooTimePerIdleTick))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
