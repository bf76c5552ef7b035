package reconcile_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/timefmt"
)

func sampleReport() *reconcile.Report {
	at := time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)
	return &reconcile.Report{
		Since: at.Add(-24 * time.Hour), Until: at,
		Rows: []reconcile.Row{
			{AttemptID: 1, OrderID: 12, Order: "Shop/0004", OrderState: "paid", Flag: "paid", ExternalID: "shop-12-1",
				IntentID: "intent-a", Amount: 35050, State: journal.Recorded, CreatedAt: at, UpdatedAt: at,
				Payments: []reconcile.PaymentLine{{ID: 5, OrderID: 12, Amount: 30000, TransactionID: "intent-a"}},
				Problems: []reconcile.Kind{reconcile.AmountMismatch}},
			{AttemptID: 2, OrderID: 13, ExternalID: "shop-13-1", Amount: 1000, State: journal.Creating,
				Payments: []reconcile.PaymentLine{}, Problems: []reconcile.Kind{}},
		},
		Discrepancies: []reconcile.Discrepancy{
			{Kind: reconcile.AmountMismatch, AttemptID: 1, OrderID: 12, IntentID: "intent-a", PaymentID: 5, Detail: "the journal charged 350.50, Odoo's payment lines say 300.00"},
			{Kind: reconcile.PaymentLineWithoutCharge, OrderID: 20, PaymentID: 9, Detail: "payment line 9 of 80.00 on order 20 has no transaction id"},
		},
	}
}

func TestTableShowsEveryAttemptAndEveryDiscrepancy(t *testing.T) {
	var b bytes.Buffer
	rep := sampleReport()
	if err := reconcile.Write(&b, rep, "table"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Compago payments from " + timefmt.Human(rep.Since) + " to " + timefmt.Human(rep.Until),
		"ATTEMPT", "Shop/0004 (#12)", "350.50", "#5 300.00", "amount_mismatch", "#13",
		"2 discrepancies:",
		"amount_mismatch: the journal charged 350.50, Odoo's payment lines say 300.00",
		"payment_line_without_charge: payment line 9 of 80.00 on order 20 has no transaction id",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}

func TestCSVHasOneLinePerAttemptAndPerLooseDiscrepancy(t *testing.T) {
	var b bytes.Buffer
	if err := reconcile.Write(&b, sampleReport(), "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(recs) != 4 {
		t.Fatalf("got %d CSV records, want header + 2 attempts + 1 stray line:\n%v", len(recs), recs)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	pick := func(r []string, names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, r[col[n]])
		}
		return out
	}
	got := [][]string{}
	for _, r := range recs[1:] {
		got = append(got, pick(r, "attempt_id", "order_id", "amount", "journal_state", "payment_lines", "payment_amount", "problems"))
	}
	want := [][]string{
		{"1", "12", "350.50", "recorded", "5", "300.00", "amount_mismatch"},
		{"2", "13", "10.00", "creating", "", "", ""},
		{"", "20", "", "", "9", "", "payment_line_without_charge"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("CSV (-want +got):\n%s", diff)
	}
}

func TestJSONAmountsArePesosWithTwoDecimals(t *testing.T) {
	var b bytes.Buffer
	if err := reconcile.Write(&b, sampleReport(), "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"amount": 350.50`) {
		t.Errorf("the JSON amount is not written as 350.50:\n%s", b.String())
	}
	var back struct {
		Rows []struct {
			Amount   json.Number `json:"amount"`
			Problems []string    `json:"problems"`
		} `json:"rows"`
		Discrepancies []reconcile.Discrepancy `json:"discrepancies"`
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	if len(back.Rows) != 2 || back.Rows[0].Amount != "350.50" || len(back.Discrepancies) != 2 {
		t.Fatalf("JSON read back: %+v", back)
	}
	// An empty report is still an object with empty lists, not nulls.
	b.Reset()
	reconcile.Write(&b, &reconcile.Report{}, "json")
	if !strings.Contains(b.String(), `"rows": []`) || !strings.Contains(b.String(), `"discrepancies": []`) {
		t.Errorf("an empty report: %s", b.String())
	}
}

func TestUnknownFormatIsRefused(t *testing.T) {
	if err := reconcile.Write(&bytes.Buffer{}, sampleReport(), "xlsx"); err == nil {
		t.Fatal("format xlsx accepted")
	}
}

func TestMoneyPrintsWithoutFloats(t *testing.T) {
	for m, want := range map[reconcile.Money]string{0: "0.00", 5: "0.05", 35050: "350.50", -120: "-1.20", 100000000: "1000000.00"} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d) = %q, want %q", int64(m), got, want)
		}
	}
}

func TestDailyReportIsWrittenForBackOffice(t *testing.T) {
	w := newWorld(t)
	j := w.writer()
	order := w.NewOrder(100, map[string]any{"x_compago_state": "paid"})
	plant(t, j, journal.Attempt{OrderID: order, IntentID: "intent-daily", Amount: 10000, State: journal.Recorded}, true)

	ro, err := journal.OpenSQLiteReadOnly(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	r, err := reconcile.New(reconcile.Config{PaymentMethod: "Compago"}, ro, w.OdooClient(), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "reports")
	now := time.Now().In(time.FixedZone("CST", -6*3600))
	path, err := reconcile.WriteDaily(context.Background(), r, dir, now)
	if err != nil {
		t.Fatalf("daily report: %v", err)
	}
	if want := filepath.Join(dir, "reconcile-"+now.Format("2006-01-02")+".csv"); path != want {
		t.Fatalf("daily report written to %s, want %s", path, want)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "charged_without_payment_line") {
		t.Fatalf("the daily report does not show the missing payment line:\n%s", body)
	}
	// A second run the same day replaces the file and leaves nothing else.
	if _, err := reconcile.WriteDaily(context.Background(), r, dir, now); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the report directory holds %d files after two runs, want 1", len(entries))
	}
}
