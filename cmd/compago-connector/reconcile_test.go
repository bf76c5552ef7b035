package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestReconcileExitsZeroOnACleanDayAndOneWhenSomethingIsOff(t *testing.T) {
	w := startAdminWorld(t)
	order := w.requestPayment(350.5, "TERMINAL-001")
	w.waitFlag(order, "pending")
	if _, err := w.compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	w.waitFlag(order, "paid")

	out, errOut, code := w.admin("reconcile", "--since", "24h", "--refresh")
	if code != 0 {
		t.Fatalf("reconcile on a clean day: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "no discrepancy") || !strings.Contains(out, "350.50") || !strings.Contains(out, "CONFIRMED SUCCESS") {
		t.Errorf("the clean report does not show the payment:\n%s", out)
	}

	// A cashier keys a Compago payment by hand: money no card backs.
	stray := w.exec("pos.order", "create", []any{map[string]any{"session_id": w.seed.SessionID, "amount_total": 80.0,
		"amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0}}, nil)
	w.exec("pos.payment", "create", []any{map[string]any{"pos_order_id": stray, "amount": 80.0,
		"payment_method_id": w.seed.PaymentMethodID}}, nil)

	out, errOut, code = w.admin("reconcile")
	if code != 1 || !strings.Contains(out, "payment_line_without_charge") {
		t.Fatalf("reconcile with a stray payment line: exit %d, want 1\n%s%s", code, out, errOut)
	}

	out, errOut, code = w.admin("reconcile", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || code != 1 || len(recs) != 3 {
		t.Fatalf("reconcile --format csv: exit %d, %v, %d records:\n%s", code, err, len(recs), out)
	}
	if errOut != "1 discrepancy\n" {
		t.Errorf("reconcile --format csv told the admin %q, want \"1 discrepancy\"", errOut)
	}
	var rep struct {
		Rows          []json.RawMessage `json:"rows"`
		Discrepancies []struct{ Kind string }
	}
	out, _, code = w.admin("reconcile", "--format", "json", "--since", time.Now().Format("2006-01-02"))
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || len(rep.Rows) != 1 ||
		len(rep.Discrepancies) != 1 || rep.Discrepancies[0].Kind != "payment_line_without_charge" {
		t.Fatalf("reconcile --format json: exit %d, %v: %+v\n%s", code, err, rep, out)
	}
}

func TestReconcileThatCannotRunExitsTwo(t *testing.T) {
	w := startAdminWorld(t)
	for _, args := range [][]string{
		{"reconcile", "--format", "xlsx"},
		{"reconcile", "--since", "yesterday"},
		{"reconcile", "--store.path", w.journal + ".missing"},
	} {
		_, errOut, code := w.admin(args...)
		if code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a reason", args, code, errOut)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.AddDate(0, 0, -7),
		"2026-11-20":           time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		"2026-11-20T06:00:00Z": time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("--since %s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-5h", "3x"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("--since %q accepted", bad)
		}
	}
}

// FuzzParseSince: whatever an admin types, --since answers a time or an
// error, and a relative window never starts in the future.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2026-11-25", "2026-11-25T06:00:00Z", "-1h", "99999999d", "1e9h", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err == nil && got.After(now) && !strings.ContainsAny(s, "-T:") {
			t.Fatalf("--since %q starts in the future: %v", s, got)
		}
	})
}
