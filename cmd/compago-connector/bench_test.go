package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestBenchTakesPaymentsAndEndsWithOneSummaryLine(t *testing.T) {
	if testing.Short() {
		t.Skip("a load run of a few seconds")
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--in-process", "--terminals=4", "--orders=12", "--rate=20",
		"--card-min=100ms", "--card-max=400ms", "--cancel=0.2", "--expire=0.1", "--compago.poll_interval=1s",
		"--connector.watch_interval=250ms", "--odoo-latency=5ms", "--compago-latency=10ms", "--idle=1s"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	summary := map[string]string{}
	for _, kv := range strings.Fields(lines[len(lines)-1]) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("the last line is not key=value pairs: %q", lines[len(lines)-1])
		}
		summary[k] = v
	}
	for _, k := range []string{"approval_paid_p99_ms", "flag_intent_p99_ms", "odoo_rpc_per_order", "orders_per_s",
		"lost", "duplicated", "poll_interval_ms", "watch_interval_ms"} {
		if _, ok := summary[k]; !ok {
			t.Errorf("summary lacks %s:\n%s", k, out.String())
		}
	}
	if summary["lost"] != "0" || summary["duplicated"] != "0" || summary["unsettled"] != "0" {
		t.Errorf("every order must settle with nothing lost or duplicated:\n%s", out.String())
	}
	if summary["paid"] == "0" {
		t.Errorf("no order was paid:\n%s", out.String())
	}
	t.Log("\n" + out.String())
}
