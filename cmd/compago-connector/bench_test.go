package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
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

// TestBenchOdooURLTakesTheDaemonsConfiguration: `bench --odoo-url` reads
// the database, login and secret as `run` does, says which keys are
// missing, and names the Odoo it cannot reach without its secret.
func TestBenchOdooURLTakesTheDaemonsConfiguration(t *testing.T) {
	err := run(context.Background(), []string{"bench", "--odoo-url", "http://127.0.0.1:9"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "odoo.database") || !strings.Contains(err.Error(), "odoo.password") {
		t.Errorf("bench --odoo-url without a configuration: %v, want the missing odoo.database and odoo.password named", err)
	}
	var usage bytes.Buffer
	err = run(context.Background(), []string{"bench", "--odoo-url", "http://127.0.0.1:9", "--odoo-latency", "5ms"}, io.Discard, &usage)
	if err == nil || !strings.Contains(usage.String(), "--odoo-latency") {
		t.Errorf("bench --odoo-url --odoo-latency: %v %q, want a refusal: the latency is odoosim's", err, usage.String())
	}
	usage.Reset()
	err = run(context.Background(), []string{"bench", "--config", "/nonexistent.yaml"}, io.Discard, &usage)
	if err == nil || !strings.Contains(usage.String(), "--odoo-url") {
		t.Errorf("bench --config alone: %v %q, want a refusal asking for --odoo-url", err, usage.String())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	const secret = "s3cret-odoo-pass"
	body := "odoo:\n  url: http://127.0.0.1:1\n  database: shop\n  username: bench\n  password: " + secret + "\n  timeout: 2s\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"bench", "--odoo-url", dead, "--config", file, "--in-process"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "connect to Odoo at "+dead) {
		t.Errorf("bench against an Odoo that is down: %v, want it named (--odoo-url wins over the file's odoo.url)", err)
	}
	if all := fmt.Sprint(err) + out.String() + errOut.String(); strings.Contains(all, secret) {
		t.Errorf("the Odoo password is in the bench's output or error:\n%s", all)
	}
}
