package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// callStat is the daemon's own account of its calls to one Odoo method:
// the client's timings, as its metrics (call_duration_seconds) hold them.
// The time is the client's, from sending the request to decoding the
// answer: over loopback, Odoo's own time.
type callStat struct {
	count   uint64
	seconds float64
	buckets []bucket // cumulative, by upper bound
}

type bucket struct {
	le    float64
	count uint64
}

// callStats is a snapshot of every op's callStat.
type callStats map[string]callStat

// sub is s less an earlier snapshot: the calls in between.
func (s callStats) sub(earlier callStats) callStats {
	out := callStats{}
	for op, c := range s {
		e := earlier[op]
		d := callStat{count: c.count - e.count, seconds: c.seconds - e.seconds}
		for i, b := range c.buckets {
			if i < len(e.buckets) {
				b.count -= e.buckets[i].count
			}
			d.buckets = append(d.buckets, b)
		}
		if d.count > 0 {
			out[op] = d
		}
	}
	return out
}

func (s callStats) total() (n uint64, seconds float64) {
	for _, c := range s {
		n += c.count
		seconds += c.seconds
	}
	return n, seconds
}

// ops lists the ops by total time, longest first.
func (s callStats) ops() []string {
	var ops []string
	for op := range s {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if s[ops[i]].seconds != s[ops[j]].seconds {
			return s[ops[i]].seconds > s[ops[j]].seconds
		}
		return ops[i] < ops[j]
	})
	return ops
}

func (c callStat) mean() time.Duration {
	if c.count == 0 {
		return 0
	}
	return time.Duration(c.seconds / float64(c.count) * float64(time.Second))
}

// quantile estimates a quantile from the histogram as Prometheus's
// histogram_quantile does: linear within the bucket that holds it. The
// buckets are coarse (25, 50, 100, 250 ms...), so it is an estimate.
func (c callStat) quantile(q float64) time.Duration {
	if c.count == 0 || len(c.buckets) == 0 {
		return 0
	}
	rank := q * float64(c.count)
	lo, below := 0.0, uint64(0)
	for _, b := range c.buckets {
		if float64(b.count) >= rank {
			if math.IsInf(b.le, 1) {
				return time.Duration(lo * float64(time.Second))
			}
			in := float64(b.count - below)
			v := b.le
			if in > 0 {
				v = lo + (b.le-lo)*(rank-float64(below))/in
			}
			return time.Duration(v * float64(time.Second))
		}
		lo, below = b.le, b.count
	}
	return time.Duration(lo * float64(time.Second))
}

// daemonMetrics is what the bench reads of the daemon's metrics.
type daemonMetrics struct {
	calls       callStats // its calls to Odoo, by op
	watchPasses float64   // passes of its watch loop (0: the engine is not up yet)
}

// scrapeMetrics reads the daemon's /metrics.
func scrapeMetrics(ctx context.Context, metricsURL string) (daemonMetrics, error) {
	var dm daemonMetrics
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return dm, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return dm, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return dm, fmt.Errorf("daemon metrics: HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return dm, fmt.Errorf("daemon metrics: %w", err)
	}
	if f := families["compago_connector_loop_passes_total"]; f != nil {
		for _, m := range f.GetMetric() {
			if label(m, "loop") == "watch" {
				dm.watchPasses = m.GetCounter().GetValue()
			}
		}
	}
	out := callStats{}
	if f := families["compago_connector_call_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			if label(m, "system") != "odoo" {
				continue
			}
			h := m.GetHistogram()
			c := callStat{count: h.GetSampleCount(), seconds: h.GetSampleSum()}
			for _, b := range h.GetBucket() {
				c.buckets = append(c.buckets, bucket{le: b.GetUpperBound(), count: b.GetCumulativeCount()})
			}
			out[label(m, "op")] = c
		}
	}
	dm.calls = out
	return dm, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
