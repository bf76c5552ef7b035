package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/metrics"
)

func TestScrapeReadsAttemptsOutboxAndOldestPendingFromTheJournal(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	j := openJournal(t, clk.Now)
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewJournalCollector(j, clk.Now))

	begin := func(order int64) journal.Attempt {
		a, err := j.Begin(ctx, journal.NewAttempt{OrderID: order, Amount: 35050, ExternalIDPrefix: "shop"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	set := func(a journal.Attempt, st journal.State, intent string) journal.Attempt {
		a, err := j.Update(ctx, a.ID, func(x *journal.Attempt) error {
			x.State = st
			if intent != "" {
				x.IntentID = intent
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	synced := func(a journal.Attempt) {
		if err := j.MarkSynced(ctx, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
	}
	// Order 1: pending for 5 minutes, seen by Odoo.
	p := set(begin(1), journal.Pending, "intent-1")
	synced(p)
	clk.Advance(3 * time.Minute)
	// Order 2: charged, Odoo not told yet for 2 minutes.
	c := set(set(begin(2), journal.Pending, "intent-2"), journal.Confirmed, "")
	// Order 3: recorded and synced.
	synced(set(set(set(begin(3), journal.Pending, "intent-3"), journal.Confirmed, ""), journal.Recorded, ""))
	_ = c
	clk.Advance(2 * time.Minute)

	for _, w := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"compago_connector_journal_up", nil, 1},
		{"compago_connector_attempts_live", map[string]string{"state": "pending"}, 1},
		{"compago_connector_attempts_live", map[string]string{"state": "confirmed"}, 1},
		{"compago_connector_attempts_live", map[string]string{"state": "creating"}, 0},
		{"compago_connector_attempts_recent", map[string]string{"state": "recorded"}, 1},
		{"compago_connector_outbox_depth", nil, 1},
		{"compago_connector_outbox_oldest_age_seconds", nil, 120},
		{"compago_connector_pending_oldest_age_seconds", nil, 300},
		{"compago_connector_outbox_parked", nil, 0},
	} {
		if got := mustValue(t, reg, w.name, w.labels); got != w.want {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.want)
		}
	}
	j.Close()
	if got := mustValue(t, reg, "compago_connector_journal_up", nil); got != 0 {
		t.Errorf("journal closed: journal_up = %v, want 0", got)
	}
}
