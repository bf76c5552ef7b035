package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/safetext"
)

// exportRecord is one transition of one attempt, as `intents export`
// writes it: the audit trail for card disputes and accountants. Times are
// RFC 3339 in UTC; amounts are pesos with two decimals (the attempt's
// amount, MXN).
type exportRecord struct {
	Time       string `json:"time"`
	Order      int64  `json:"order"`
	Attempt    int    `json:"attempt"`
	AttemptID  int64  `json:"attempt_id"`
	ExternalID string `json:"external_id"`
	IntentID   string `json:"intent_id"`
	Terminal   string `json:"terminal"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	From       string `json:"from"`
	To         string `json:"to"`
	Cause      string `json:"cause"`
	Answer     string `json:"answer"`
	Actor      string `json:"actor"`
	Message    string `json:"message"`
}

var exportColumns = []string{"time", "order", "attempt", "attempt_id", "external_id", "intent_id", "terminal",
	"amount", "currency", "from", "to", "cause", "answer", "actor", "message"}

func (r exportRecord) cells() []string {
	return []string{r.Time, strconv.FormatInt(r.Order, 10), strconv.Itoa(r.Attempt), strconv.FormatInt(r.AttemptID, 10),
		r.ExternalID, r.IntentID, r.Terminal, r.Amount, r.Currency, r.From, r.To, r.Cause, r.Answer, r.Actor, r.Message}
}

// export writes every transition in [--since, --until) (until: now when
// not given), oldest first. It only reads the journal (read-only beside
// the daemon on SQLite; plain reads on PostgreSQL).
func (c *intentsCmd) export(ctx context.Context, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("export: unexpected argument %q", pos[0])
	}
	if c.flags.since == "" {
		return errors.New("export: --since is required (a date such as 2026-11-25, a duration such as 24h or 7d, or an RFC 3339 time)")
	}
	now := time.Now()
	since, err := parseSince(c.flags.since, now)
	if err != nil {
		return err
	}
	var until time.Time
	if c.flags.until != "" {
		if until, err = parseSince(c.flags.until, now); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
		if !until.After(since) {
			return fmt.Errorf("--until %s is not after --since %s", until.Format(time.RFC3339), since.Format(time.RFC3339))
		}
	}
	format := c.flags.format
	if format != "jsonl" && format != "csv" {
		return fmt.Errorf("export: --format %q: want jsonl or csv", format)
	}
	events, err := c.j.Audit(ctx, since, until)
	if err != nil {
		return err
	}
	records := make([]exportRecord, len(events))
	for i, e := range events {
		records[i] = exportRecord{
			Time: e.At.UTC().Format(time.RFC3339Nano), Order: e.OrderID, Attempt: e.Seq, AttemptID: e.AttemptID,
			ExternalID: e.ExternalID, IntentID: e.IntentID, Terminal: e.Terminal,
			Amount: reconcile.Money(e.Amount).String(), Currency: "MXN",
			From: string(e.From), To: string(e.To), Cause: e.Reason, Answer: e.Answer, Actor: e.Actor, Message: e.Message,
		}
		if records[i].Actor == "" {
			records[i].Actor = "unknown" // an event journaled before the audit columns existed
		}
	}
	if format == "jsonl" {
		enc := json.NewEncoder(c.stdout)
		for _, r := range records {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	cw := csv.NewWriter(c.stdout)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	for _, r := range records {
		cells := r.cells()
		// Terminal, ids, messages and answers come from Odoo or Compago:
		// a cell a spreadsheet would run as a formula is neutralised.
		for i := range cells {
			cells[i] = safetext.CSVCell(cells[i])
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
