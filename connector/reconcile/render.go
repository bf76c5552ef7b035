package reconcile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/compago-odoo/connector/connector/safetext"
	"github.com/compago-odoo/connector/connector/timefmt"
)

// Formats a report can be written in.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// Write writes rep in format (table, csv or json).
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case FormatTable, "":
		return WriteTable(w, rep)
	case FormatCSV:
		return WriteCSV(w, rep)
	case FormatJSON:
		return WriteJSON(w, rep)
	}
	return fmt.Errorf("reconcile: unknown format %q (want table, csv or json)", format)
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, rep *Report) error {
	out := *rep
	if out.Rows == nil {
		out.Rows = []Row{}
	}
	if out.Discrepancies == nil {
		out.Discrepancies = []Discrepancy{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteTable writes the attempts as an aligned table, then every
// discrepancy on its own line, then a one-line verdict.
func WriteTable(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Compago payments from %s to %s\n\n", timefmt.Human(rep.Since), timefmt.Human(rep.Until))
	fmt.Fprintln(tw, "ATTEMPT\tORDER\tEXTERNAL ID\tINTENT\tAMOUNT\tJOURNAL\tCOMPAGO\tODOO FLAG\tPAYMENT LINE\tPROBLEMS")
	for _, r := range rep.Rows {
		compago := r.Compago
		if !rep.Refreshed {
			compago = "(not asked)"
		}
		// Names and ids come from Odoo, which a cashier writes: shown
		// escaped, so that they can neither run on the terminal nor
		// forge a line.
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.AttemptID, safetext.Terminal(orderLabel(r.Order, r.OrderID)),
			safetext.Terminal(r.ExternalID), safetext.Terminal(dash(r.IntentID)), r.Amount, safetext.Terminal(string(r.State)),
			safetext.Terminal(dash(compago)), safetext.Terminal(dash(r.Flag)), paymentsLabel(r.Payments), dash(kinds(r.Problems)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Clean() {
		_, err := fmt.Fprintf(w, "\n%s, no discrepancy.\n", Count(len(rep.Rows), "attempt", "attempts"))
		return err
	}
	fmt.Fprintf(w, "\n%s:\n", Count(len(rep.Discrepancies), "discrepancy", "discrepancies"))
	for _, d := range rep.Discrepancies {
		fmt.Fprintf(w, "  %s: %s\n", d.Kind, safetext.Terminal(d.Detail))
	}
	return nil
}

// csvHeader names the CSV columns; they are a public interface.
var csvHeader = []string{"attempt_id", "order_id", "order", "order_state", "odoo_flag", "external_id", "intent_id",
	"terminal", "amount", "journal_state", "compago", "payment_lines", "payment_amount", "created_at", "updated_at",
	"problems", "details"}

// WriteCSV writes one line per attempt, its problems and their details in
// the last two columns; a discrepancy that no attempt of the report holds
// (a stray payment line, a flagged order) gets a line of its own. Every
// cell goes through safetext.CSVCell: an order name or a terminal a
// cashier typed must not run as a formula in the back office's
// spreadsheet.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := safeCSV{csv.NewWriter(w)}
	cw.Write(csvHeader)
	byAttempt := map[int64][]Discrepancy{}
	rows := map[int64]bool{}
	for _, r := range rep.Rows {
		rows[r.AttemptID] = true
	}
	var loose []Discrepancy
	for _, d := range rep.Discrepancies {
		if d.AttemptID != 0 && rows[d.AttemptID] {
			byAttempt[d.AttemptID] = append(byAttempt[d.AttemptID], d)
		} else {
			loose = append(loose, d)
		}
	}
	for _, r := range rep.Rows {
		var ids, sum []string
		var total Money
		for _, p := range r.Payments {
			ids = append(ids, fmt.Sprint(p.ID))
			total += p.Amount
		}
		if len(r.Payments) > 0 {
			sum = []string{total.String()}
		}
		ds := byAttempt[r.AttemptID]
		cw.Write([]string{fmt.Sprint(r.AttemptID), fmt.Sprint(r.OrderID), r.Order, r.OrderState, r.Flag, r.ExternalID,
			r.IntentID, r.Terminal, r.Amount.String(), string(r.State), r.Compago, strings.Join(ids, " "),
			strings.Join(sum, ""), stamp(r.CreatedAt), stamp(r.UpdatedAt), kinds(r.Problems), details(ds)})
	}
	for _, d := range loose {
		cw.Write([]string{idOrEmpty(d.AttemptID), idOrEmpty(d.OrderID), "", "", "", "", d.IntentID, "", "", "", "",
			idOrEmpty(d.PaymentID), "", "", "", string(d.Kind), d.Detail})
	}
	cw.Flush()
	return cw.Error()
}

// safeCSV writes every cell neutralised.
type safeCSV struct{ *csv.Writer }

func (c safeCSV) Write(cells []string) error {
	out := make([]string, len(cells))
	for i, s := range cells {
		out[i] = safetext.CSVCell(s)
	}
	return c.Writer.Write(out)
}

// stamp writes a time in a CSV cell: RFC 3339.
func stamp(t time.Time) string { return timefmt.Machine(t) }

func orderLabel(name string, id int64) string {
	if name == "" {
		return fmt.Sprintf("#%d", id)
	}
	return fmt.Sprintf("%s (#%d)", name, id)
}

func paymentsLabel(ps []PaymentLine) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("#%d %s", p.ID, p.Amount)
	}
	return strings.Join(parts, ", ")
}

func kinds(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

func details(ds []Discrepancy) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Detail
	}
	return strings.Join(s, "; ")
}

// Count says n things in words: "1 discrepancy", "3 discrepancies".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}
