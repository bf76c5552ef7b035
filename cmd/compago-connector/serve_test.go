package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricValue reads one sample from a /metrics page; -1 when absent.
func metricValue(page, sample string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestMetricsMoveWhenACardIsChargedAndReadyzFailsWhenOdooIsDown(t *testing.T) {
	sims := startSimulators(t)
	d := startDaemon(t, sims.writeConfig(t, "127.0.0.1:0", "{}"))
	if d.healthURL == "" {
		t.Fatalf("the daemon did not say where /metrics is; logs:\n%s", d.logs.String())
	}
	waitFor(t, "/readyz to say ready", 10*time.Second, func() bool {
		code, _ := get(t, d.healthURL+"/readyz")
		return code == 200
	})
	if code, body := get(t, d.healthURL+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz answered %d %q", code, body)
	}
	_, before := get(t, d.healthURL+"/metrics")
	if v := metricValue(before, `compago_connector_transitions_total{from="confirmed",to="recorded"}`); v > 0 {
		t.Fatalf("a payment recorded before any was taken: %v", v)
	}

	// A cashier asks for a card payment and the customer pays.
	id := odooCall(t, sims.odooURL, "pos.order", "create", []any{map[string]any{"session_id": 2, "amount_total": 120.0,
		"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"}})
	waitFor(t, "the intent on TERMINAL-001", 10*time.Second, func() bool {
		_, err := sims.compago.ApproveTerminal("TERMINAL-001")
		return err == nil
	})
	waitFor(t, "the order paid in Odoo", 15*time.Second, func() bool {
		rows := odooCall(t, sims.odooURL, "pos.order", "read", []any{[]any{id}}, map[string]any{"fields": []any{"x_compago_state"}}).([]any)
		return rows[0].(map[string]any)["x_compago_state"] == "paid"
	})
	var page string
	// Odoo shows "paid" a moment before the journal notes that Odoo has it.
	waitFor(t, "the payment in /metrics and the outbox empty", 5*time.Second, func() bool {
		_, page = get(t, d.healthURL+"/metrics")
		return metricValue(page, `compago_connector_transitions_total{from="confirmed",to="recorded"}`) == 1 &&
			metricValue(page, `compago_connector_outbox_depth`) == 0
	})
	for _, sample := range []string{
		`compago_connector_call_duration_seconds_count{op="create",system="compago"}`,
		`compago_connector_call_duration_seconds_count{op="get",system="compago"}`,
		`compago_connector_attempt_age_seconds_count{state="recorded"}`,
		`compago_connector_attempts_recent{state="recorded"}`,
		`compago_connector_journal_up`,
	} {
		if v := metricValue(page, sample); v < 1 {
			t.Errorf("after one payment %s = %v, want at least 1", sample, v)
		}
	}
	if !strings.Contains(page, `compago_connector_build_info{`) {
		t.Error("/metrics lacks build_info")
	}

	// Odoo goes down: /readyz must say so, naming Odoo, within the window
	// (5 × 250ms + 2 × 1s).
	sims.odoo.SetDown(true)
	var body string
	waitFor(t, "/readyz to turn not ready with Odoo down", 10*time.Second, func() bool {
		var code int
		code, body = get(t, d.healthURL+"/readyz")
		return code == 503
	})
	if !strings.Contains(body, "FAIL odoo") || !strings.Contains(body, "ok   journal") {
		t.Errorf("/readyz with Odoo down:\n%s", body)
	}
	_, page = get(t, d.healthURL+"/metrics")
	if v := metricValue(page, `compago_connector_call_errors_total{kind="unreachable",system="odoo"}`); v < 1 {
		t.Errorf("Odoo down, yet unreachable errors = %v", v)
	}
	if code, _ := get(t, d.healthURL+"/healthz"); code != 200 {
		t.Errorf("/healthz must stay ok while only Odoo is down (the loops still pass): %d", code)
	}
	sims.odoo.SetDown(false)
	waitFor(t, "/readyz to recover when Odoo is back", 10*time.Second, func() bool {
		code, _ := get(t, d.healthURL+"/readyz")
		return code == 200
	})
}
