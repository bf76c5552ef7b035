package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/metrics"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

func TestScrapeShowsCallsErrorsTransitionsAndBuild(t *testing.T) {
	reg := prometheus.NewRegistry()
	obs, err := metrics.NewObserver(reg, "1.2.3", nil)
	if err != nil {
		t.Fatal(err)
	}
	obs.Call("odoo", "pos.order.search_read", 20*time.Millisecond, nil)
	obs.Call("compago", "get", 30*time.Millisecond, nil)
	obs.Call("compago", "get", time.Second, &compago.Error{Op: "get", Kind: compago.ErrRateLimited})
	obs.Transition("", journal.Creating, 0)
	obs.Transition(journal.Creating, journal.Pending, 400*time.Millisecond)
	obs.Tick("watch")

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"compago_connector_call_duration_seconds", map[string]string{"system": "odoo", "op": "pos.order.search_read"}, 1},
		{"compago_connector_call_duration_seconds", map[string]string{"system": "compago", "op": "get"}, 2},
		{"compago_connector_call_errors_total", map[string]string{"system": "compago", "kind": "rate_limited"}, 1},
		{"compago_connector_transitions_total", map[string]string{"from": "new", "to": "creating"}, 1},
		{"compago_connector_transitions_total", map[string]string{"from": "creating", "to": "pending"}, 1},
		{"compago_connector_attempt_age_seconds", map[string]string{"state": "pending"}, 1},
		// How many passes a loop made: the bench subtracts the watcher's
		// own reads from the Odoo calls of the payments with it.
		{"compago_connector_loop_passes_total", map[string]string{"loop": "watch"}, 1},
	} {
		if got := mustValue(t, reg, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v, ok := value(t, reg, "compago_connector_loop_last_pass_timestamp_seconds", map[string]string{"loop": "watch"}); !ok || v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("the watch loop's last pass shows as %v (present %v), want about now", v, ok)
	}
	families, _ := reg.Gather()
	found := false
	for _, f := range families {
		if f.GetName() == "compago_connector_build_info" {
			for _, l := range f.GetMetric()[0].GetLabel() {
				found = found || (l.GetName() == "version" && l.GetValue() == "1.2.3")
			}
		}
	}
	if !found {
		t.Error("build_info does not carry version 1.2.3")
	}
}

// Errors are classified from what the real clients return over loopback.
func TestErrorKindsNameWhatTheAdminActsOn(t *testing.T) {
	ctx := context.Background()
	sim := odoosim.New(odoosim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	oc, err := odoo.New(odoo.Config{URL: srv.URL, Database: "sandbox", Username: "admin", Password: "sandbox-api-key", Protocol: odoo.ProtocolJSONRPC, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	missing := oc.Read(ctx, "no.such.model", []int64{1}, []string{"id"}, &out)
	sim.SetDown(true)
	down := oc.Read(ctx, "pos.order", []int64{1}, []string{"id"}, &out)
	sim.SetDown(false)

	csim := httptest.NewServer(compagosim.New(compagosim.Options{}))
	defer csim.Close()
	bad, _ := compago.NewClient(csim.URL, "wrong-key", compago.WithTimeout(2*time.Second))
	_, unauthorized := bad.Get(ctx, "00000000-0000-0000-0000-000000000000")
	good, _ := compago.NewClient(csim.URL, "sandbox-key", compago.WithTimeout(2*time.Second))
	_, notFound := good.Get(ctx, "00000000-0000-0000-0000-000000000000")

	for _, c := range []struct {
		system string
		err    error
		want   string
	}{
		{"odoo", down, "unreachable"},
		{"odoo", fmt.Errorf("sync: %w", context.Canceled), "canceled"},
		{"odoo", errors.New("something else"), "other"},
		{"compago", unauthorized, "unauthorized"},
		{"compago", notFound, "intent_not_found"},
		{"compago", &compago.Error{Op: "get", Kind: compago.ErrUnavailable}, "unavailable"},
	} {
		if got := metrics.ErrorKind(c.system, c.err); got != c.want {
			t.Errorf("%s error %v is kind %q, want %q", c.system, c.err, got, c.want)
		}
	}
	if missing == nil || metrics.ErrorKind("odoo", missing) == "unreachable" {
		t.Errorf("an Odoo refusal (%v) must not count as unreachable", missing)
	}
}
