package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/compago-odoo/connector/connector/journal"
)

// recentWindow is how far back the collector counts attempts of every
// state; live attempts are counted whatever their age.
const recentWindow = 24 * time.Hour

var (
	liveStates = []journal.State{journal.Creating, journal.Pending, journal.Cancelling, journal.Confirmed}
	allStates  = []journal.State{journal.Creating, journal.Pending, journal.Cancelling, journal.Confirmed,
		journal.Recorded, journal.Cancelled, journal.Expired, journal.Failed, journal.Unknown}
)

// JournalCollector reads the journal at each scrape. Register it with
// prometheus.Registerer.Register.
type JournalCollector struct {
	journal Journal
	now     func() time.Time
	timeout time.Duration

	live, recent, outbox, outboxAge, parked, pendingAge, up *prometheus.Desc
}

// NewJournalCollector returns a collector of j; now is the clock (nil:
// time.Now).
func NewJournalCollector(j Journal, now func() time.Time) *JournalCollector {
	if now == nil {
		now = time.Now
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
	}
	return &JournalCollector{
		journal: j, now: now, timeout: 5 * time.Second,
		live:       d("attempts_live", "Attempts the engine still works on, by state.", "state"),
		recent:     d("attempts_recent", "Attempts begun in the last 24 hours, by current state.", "state"),
		outbox:     d("outbox_depth", "Attempts whose latest state Odoo has not seen yet."),
		outboxAge:  d("outbox_oldest_age_seconds", "How long the oldest change Odoo has not seen has waited; 0 when none."),
		parked:     d("outbox_parked", "Attempts Odoo has not seen that are parked for a human."),
		pendingAge: d("pending_oldest_age_seconds", "Age of the oldest intent waiting for the customer; 0 when none."),
		up:         d("journal_up", "1 when the journal answered this scrape, else 0."),
	}
}

// Describe sends the descriptors of every metric.
func (c *JournalCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.live, c.recent, c.outbox, c.outboxAge, c.parked, c.pendingAge, c.up} {
		ch <- d
	}
}

// Collect reads the journal. A journal that does not answer gives
// journal_up 0 and nothing else, rather than failing the whole scrape.
func (c *JournalCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	g, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, st := range liveStates {
		ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, float64(g.live[st]), string(st))
	}
	for _, st := range allStates {
		ch <- prometheus.MustNewConstMetric(c.recent, prometheus.GaugeValue, float64(g.recent[st]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(g.outbox))
	ch <- prometheus.MustNewConstMetric(c.outboxAge, prometheus.GaugeValue, g.outboxAge.Seconds())
	ch <- prometheus.MustNewConstMetric(c.parked, prometheus.GaugeValue, float64(g.parked))
	ch <- prometheus.MustNewConstMetric(c.pendingAge, prometheus.GaugeValue, g.pendingAge.Seconds())
}

// gauges is one reading of the journal.
type gauges struct {
	live, recent          map[journal.State]int
	outbox, parked        int
	outboxAge, pendingAge time.Duration
}

func (c *JournalCollector) read(ctx context.Context) (gauges, error) {
	now := c.now()
	g := gauges{live: map[journal.State]int{}, recent: map[journal.State]int{}}
	live, err := c.journal.List(ctx, journal.Filter{States: liveStates})
	if err != nil {
		return g, err
	}
	for _, a := range live {
		g.live[a.State]++
		if a.State == journal.Pending {
			g.pendingAge = max(g.pendingAge, now.Sub(a.CreatedAt))
		}
	}
	recent, err := c.journal.List(ctx, journal.Filter{CreatedAfter: now.Add(-recentWindow)})
	if err != nil {
		return g, err
	}
	for _, a := range recent {
		g.recent[a.State]++
	}
	outbox, err := c.journal.List(ctx, journal.Filter{Unsynced: true})
	if err != nil {
		return g, err
	}
	g.outbox = len(outbox)
	for _, a := range outbox {
		g.outboxAge = max(g.outboxAge, now.Sub(a.UpdatedAt))
		if a.Attention {
			g.parked++
		}
	}
	return g, nil
}
