package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// exportRow is one line of `intents export`, as an accountant or a
// dispute handler reads it.
type exportRow struct {
	Time       string `json:"time"`
	Order      int64  `json:"order"`
	Attempt    int    `json:"attempt"`
	ExternalID string `json:"external_id"`
	IntentID   string `json:"intent_id"`
	Amount     string `json:"amount"`
	From       string `json:"from"`
	To         string `json:"to"`
	Cause      string `json:"cause"`
	Answer     string `json:"answer"`
	Actor      string `json:"actor"`
	Message    string `json:"message"`
}

// A day with a cancel, an expiry and a retry: the export gives every
// transition of every attempt, in order, with who asked and Compago's
// answer, in JSON lines and in CSV, read beside the running daemon.
func TestIntentsExportGivesEveryTransitionOfADay(t *testing.T) {
	w := startAdminWorld(t)
	day := time.Now().Format(time.DateOnly)

	cancelled := w.requestPayment(120, "TERMINAL-001")
	w.waitFlag(cancelled, "pending")
	w.exec("pos.order", "write", []any{[]any{cancelled}, map[string]any{"x_compago_state": "cancel_requested"}}, nil)
	w.waitFlag(cancelled, "cancelled")

	retried := w.requestPayment(80, "TERMINAL-002")
	w.waitFlag(retried, "pending")
	w.compago.Advance(11 * time.Minute) // the customer never taps: Compago expires it
	w.waitFlag(retried, "expired")
	w.waitSeen(fmt.Sprintf("sandbox-%d-1", retried))
	w.exec("pos.order", "write", []any{[]any{retried}, map[string]any{"x_compago_state": "requested"}}, nil)
	w.waitFlag(retried, "pending")
	w.compago.ApproveTerminal("TERMINAL-002")
	w.waitFlag(retried, "paid")
	w.waitSeen(fmt.Sprintf("sandbox-%d-2", retried))

	type step struct {
		order         int64
		attempt       int
		from, to      string
		actor, answer string // answer: a part of it
	}
	want := []step{
		{cancelled, 1, "", "creating", "cashier", ""},
		{cancelled, 1, "creating", "pending", "connector", "created"},
		{cancelled, 1, "pending", "cancelling", "cashier", ""},
		{cancelled, 1, "cancelling", "cancelled", "connector", "CANCELLED"},
		{retried, 1, "", "creating", "cashier", ""},
		{retried, 1, "creating", "pending", "connector", "created"},
		{retried, 1, "pending", "expired", "connector", "expired"},
		{retried, 2, "", "creating", "cashier", ""},
		{retried, 2, "creating", "pending", "connector", "created"},
		{retried, 2, "pending", "confirmed", "connector", "SUCCESS"},
		{retried, 2, "confirmed", "recorded", "connector", "payment line added"},
	}
	check := func(format string, rows []exportRow) {
		t.Helper()
		if len(rows) != len(want) {
			t.Fatalf("%s: %d records, want %d: %+v", format, len(rows), len(want), rows)
		}
		var last time.Time
		for i, w := range want {
			r := rows[i]
			if r.Order != w.order || r.Attempt != w.attempt || r.From != w.from || r.To != w.to || r.Actor != w.actor || !strings.Contains(r.Answer, w.answer) {
				t.Errorf("%s record %d = order %d attempt %d %q→%q by %q, answer %q; want %+v", format, i, r.Order, r.Attempt, r.From, r.To, r.Actor, r.Answer, w)
			}
			at, err := time.Parse(time.RFC3339Nano, r.Time)
			if err != nil || at.Before(last) {
				t.Errorf("%s record %d time %q: not RFC 3339, or before the previous one (%v)", format, i, r.Time, err)
			}
			last = at
			if r.ExternalID != fmt.Sprintf("sandbox-%d-%d", r.Order, r.Attempt) {
				t.Errorf("%s record %d: externalId %q", format, i, r.ExternalID)
			}
		}
		if rows[3].Cause != "cashier" || rows[6].Cause != "expired" || rows[10].Amount != "80.00" || rows[10].IntentID == "" {
			t.Errorf("%s: cause of the cancel %q, of the expiry %q; recorded amount %q, intent %q", format, rows[3].Cause, rows[6].Cause, rows[10].Amount, rows[10].IntentID)
		}
	}

	out, errOut, code := w.admin("intents", "export", "--since", day, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("intents export --format jsonl: exit %d: %s", code, errOut)
	}
	var rows []exportRow
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r exportRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	check("jsonl", rows)

	out, errOut, code = w.admin("intents", "export", "--since", day, "--until", time.Now().AddDate(0, 0, 1).Format(time.DateOnly), "--format", "csv")
	if code != 0 {
		t.Fatalf("intents export --format csv: exit %d: %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("the CSV does not parse: %v\n%s", err, out)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	rows = nil
	for _, rec := range recs[1:] {
		var r exportRow
		get := func(name string) string { return rec[col[name]] }
		fmt.Sscan(get("order"), &r.Order)
		fmt.Sscan(get("attempt"), &r.Attempt)
		r.Time, r.ExternalID, r.IntentID, r.Amount = get("time"), get("external_id"), get("intent_id"), get("amount")
		r.From, r.To, r.Cause, r.Answer, r.Actor = get("from"), get("to"), get("cause"), get("answer"), get("actor")
		rows = append(rows, r)
	}
	check("csv", rows)

	// A window before the day holds nothing.
	out, _, code = w.admin("intents", "export", "--since", "2020-01-01", "--until", "2020-01-02", "--format", "jsonl")
	if code != 0 || out != "" {
		t.Errorf("an empty window: exit %d, output %q", code, out)
	}
}
