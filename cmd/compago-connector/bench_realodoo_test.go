package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo/odootest"
)

// TestMain stops the real Odoo servers (and their PostgreSQL) the
// package's tests started, and prints which tests skipped for want of one.
func TestMain(m *testing.M) {
	code := m.Run()
	odootest.Stop()
	os.Exit(code)
}

// writeRealOdooConfig writes the daemon's configuration file (mode 0600)
// for a real Odoo from odootest, as an admin would: its odoo section with
// the password (the API key on 19, which auto then reaches over JSON-2),
// and a Compago section the bench replaces with its simulator.
func writeRealOdooConfig(t testing.TB, o *odootest.Odoo, dir string) string {
	t.Helper()
	secret := o.Password
	if o.APIKey != "" {
		secret = o.APIKey
	}
	file := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`odoo:
  url: %s
  database: %s
  username: %s
  password: %s
compago:
  base_url: http://127.0.0.1:9
  api_key: not-used-by-the-bench
store:
  path: %s
`, o.URL, o.Database, o.Login, secret, filepath.Join(dir, "journal.db"))
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// summaryOf reads the bench's last line, key=value pairs.
func summaryOf(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	summary := map[string]string{}
	for _, kv := range strings.Fields(lines[len(lines)-1]) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("the last line is not key=value pairs: %q", lines[len(lines)-1])
		}
		summary[k] = v
	}
	return summary
}

// TestBenchAgainstRealOdoo: an admin points `bench --odoo-url` at a real
// Odoo 17.0, 18.0 or 19.0 with the daemon's configuration file. Before
// `setup` the bench refuses and says to run it; with a payment method
// Odoo does not have it refuses naming the key. After setup it takes a
// few payments on the opened session, and the report shows Odoo's own time
// per call by method (add_payment and the wizard's check once per paid
// order) and per paid order, with every order paid exactly once in Odoo.
func TestBenchAgainstRealOdoo(t *testing.T) {
	if testing.Short() {
		t.Skip("a real Odoo and a few seconds of load")
	}
	odootest.Each(t, func(t *testing.T, version string) {
		o := odootest.Start(t, version, odootest.Options{Shared: true})
		file := writeRealOdooConfig(t, o, t.TempDir())
		bench := func(extra ...string) (string, error) {
			var out, errOut bytes.Buffer
			args := append([]string{"bench", "--odoo-url", o.URL, "--config", file, "--in-process",
				"--terminals=2", "--orders=4", "--rate=4", "--card-min=100ms", "--card-max=300ms", "--cancel=0", "--expire=0",
				"--compago.poll_interval=1s", "--connector.watch_interval=250ms", "--idle=1s"}, extra...)
			err := run(context.Background(), args, &out, &errOut)
			if strings.Contains(out.String()+errOut.String(), o.Password) || o.APIKey != "" && strings.Contains(out.String()+errOut.String(), o.APIKey) {
				t.Errorf("the Odoo secret is in the bench's output:\n%s\n%s", out.String(), errOut.String())
			}
			return out.String() + errOut.String(), err
		}

		said, err := bench()
		if err == nil || !strings.Contains(said+err.Error(), "compago-connector setup") {
			t.Fatalf("bench before setup: %v, want a refusal saying to run setup", err)
		}
		var setupOut strings.Builder
		if err := run(context.Background(), []string{"setup", "--config", file}, &setupOut, io.Discard); err != nil {
			t.Fatalf("setup: %v\n%s", err, setupOut.String())
		}
		said, err = bench("--connector.payment_method", "Tarjeta Compago")
		if err == nil || !strings.Contains(said+err.Error(), `"Tarjeta Compago" does not exist`) {
			t.Fatalf("bench with a payment method Odoo lacks: %v, want a refusal naming it", err)
		}

		// A method that exists but that no opened session offers.
		o.Exec("pos.payment.method", "create", []any{map[string]any{"name": "Compago Bar", "journal_id": o.JournalID}}, nil)
		said, err = bench("--connector.payment_method", "Compago Bar")
		if err == nil || !strings.Contains(said+err.Error(), `no opened POS session offers payment method "Compago Bar"`) {
			t.Fatalf("bench with a payment method no opened session offers: %v, want a refusal saying so", err)
		}

		out, err := bench()
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, out)
		}
		t.Log("\n" + out)
		summary := summaryOf(t, out)
		if summary["orders"] != "4" || summary["paid"] != "4" || summary["lost"] != "0" || summary["duplicated"] != "0" || summary["unsettled"] != "0" {
			t.Fatalf("want the 4 orders paid once each, nothing lost or duplicated:\n%s", out)
		}
		if ms, err := strconv.ParseFloat(summary["odoo_ms_per_order"], 64); err != nil || ms <= 0 {
			t.Errorf("odoo_ms_per_order = %q, want Odoo's time per paid order:\n%s", summary["odoo_ms_per_order"], out)
		}
		if !strings.Contains(out, "Odoo "+version+" at ") {
			t.Errorf("the report does not name real Odoo %s:\n%s", version, out)
		}
		for _, op := range []string{"pos.order.add_payment", "pos.make.payment.check", "pos.order.write", "pos.order.search_read"} {
			row := ""
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) == 6 && f[0] == op {
					row = l
				}
			}
			f := strings.Fields(row)
			switch {
			case row == "":
				t.Errorf("no Odoo timing for %s:\n%s", op, out)
			case (op == "pos.order.add_payment" || op == "pos.make.payment.check") && f[1] != "4":
				t.Errorf("%s ran %s times for 4 paid orders:\n%s", op, f[1], out)
			default:
				if mean, err := strconv.ParseFloat(f[3], 64); err != nil || mean <= 0 {
					t.Errorf("%s has no mean time: %q", op, row)
				}
			}
		}

		// Odoo itself: four orders paid, one Compago line each.
		paid := o.Exec("pos.order", "search_read", []any{[]any{[]any{"x_compago_state", "=", "paid"}}},
			map[string]any{"fields": []any{"id", "state"}}).([]any)
		lines := o.Exec("pos.payment", "search_read", []any{[]any{[]any{"payment_method_id", "=", o.PaymentMethodID}}},
			map[string]any{"fields": []any{"pos_order_id", "transaction_id"}}).([]any)
		if len(paid) != 4 || len(lines) != 4 {
			t.Fatalf("Odoo has %d orders paid by Compago and %d Compago payment lines, want 4 and 4", len(paid), len(lines))
		}
		for _, p := range paid {
			if st := p.(map[string]any)["state"]; st != "paid" && st != "done" {
				t.Errorf("order %v is %v in Odoo, want paid (or done)", p.(map[string]any)["id"], st)
			}
		}
	})
}

// TestServeRealOdooForBench is not a test: it is how PERFORMANCE.md's
// real-Odoo rows are reproduced. With COMPAGO_BENCH_ODOO=<version> (and
// COMPAGO_TEST_ODOO_SRC) it starts that real Odoo from odootest (workers
// from COMPAGO_BENCH_ODOO_WORKERS, 0 = threaded), runs setup, writes the
// daemon's configuration to $COMPAGO_BENCH_ODOO_CONFIG (default
// /tmp/compago-bench-odoo.yaml, mode 0600), prints the bench command and
// keeps Odoo up until SIGINT/SIGTERM or COMPAGO_BENCH_ODOO_HOLD (default
// 30m); then everything is stopped and dropped.
func TestServeRealOdooForBench(t *testing.T) {
	version := os.Getenv("COMPAGO_BENCH_ODOO")
	if version == "" {
		t.Skip("set COMPAGO_BENCH_ODOO=17.0|18.0|19.0 to serve a real Odoo for `bench --odoo-url` (docs/PERFORMANCE.md)")
	}
	workers, _ := strconv.Atoi(os.Getenv("COMPAGO_BENCH_ODOO_WORKERS"))
	hold := 30 * time.Minute
	if h := os.Getenv("COMPAGO_BENCH_ODOO_HOLD"); h != "" {
		d, err := time.ParseDuration(h)
		if err != nil {
			t.Fatalf("COMPAGO_BENCH_ODOO_HOLD: %v", err)
		}
		hold = d
	}
	file := os.Getenv("COMPAGO_BENCH_ODOO_CONFIG")
	if file == "" {
		file = filepath.Join(os.TempDir(), "compago-bench-odoo.yaml")
	}
	o := odootest.Start(t, version, odootest.Options{Workers: workers})
	written := writeRealOdooConfig(t, o, t.TempDir())
	data, err := os.ReadFile(written)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(file) })
	var out strings.Builder
	if err := run(context.Background(), []string{"setup", "--config", file}, &out, io.Discard); err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	fmt.Printf("real Odoo %s (workers %d) at %s, database %s, config %s\nbench: compago-connector bench --odoo-url %s --config %s ...\n",
		version, workers, o.URL, o.Database, file, o.URL, file)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(hold):
	}
}
