package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
)

// The daemon could not learn whether a payment request reached Compago
// (unknown outcome: the customer may have been charged). The admin checks
// the terminal and Compago, then settles it while the daemon runs: the
// journal records who said what, the attempt leaves attention, reconcile
// stops listing it. Bad arguments, a second settlement and an attempt
// that is not unknown are refused, with the reason.
func TestAdminSettlesAnUnknownOutcomeBesideTheDaemon(t *testing.T) {
	w := startAdminWorld(t)
	order := simworld.ID(t, w.exec("pos.order", "create", []any{map[string]any{"session_id": w.seed.SessionID,
		"amount_total": 40.0, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0, "x_compago_state": "failed"}}, nil))
	u, err := w.daemon.Insert(context.Background(), journal.Attempt{OrderID: order, Seq: 1, ExternalID: "sandbox-" + itoa(order) + "-1",
		Amount: 4000, State: journal.Unknown, Version: 1, SyncedVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	ref := itoa(u.ID)

	for _, bad := range [][]string{
		{"intents", "settle", ref, "--not-charged"},                             // no note
		{"intents", "settle", ref, "--note", "checked"},                         // no outcome
		{"intents", "settle", ref, "--charged", "--not-charged", "--note", "x"}, // both
		{"intents", "settle", "--charged", "--note", "checked"},                 // no attempt
	} {
		if _, errOut, code := w.admin(bad...); code != 2 || !strings.Contains(errOut, "settle") {
			t.Errorf("%v: exit %d, %q; want exit 2 saying what settle needs", bad, code, errOut)
		}
	}

	out, errOut, code := w.admin("intents", "settle", ref, "--not-charged", "--note", "Compago shows no SUCCESS for the externalId; terminal idle")
	if code != 0 {
		t.Fatalf("settle: exit %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(out, "settled") || !strings.Contains(out, "not charged") {
		t.Errorf("settle said %q; want it to say the attempt is settled as not charged", out)
	}
	show, _, _ := w.admin("intents", "show", ref, "--format", "json")
	var v struct {
		Attention bool   `json:"attention"`
		Settled   string `json:"settled"`
		Note      string `json:"settle_note"`
		Events    []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(show), &v); err != nil {
		t.Fatalf("show: %v\n%s", err, show)
	}
	last := v.Events[len(v.Events)-1]
	if v.Attention || v.Settled != "not_charged" || !strings.Contains(v.Note, "no SUCCESS") || last.Reason != "settled_not_charged" {
		t.Fatalf("the settled attempt as the admin sees it:\n%s", show)
	}

	if _, errOut, code := w.admin("intents", "settle", ref, "--charged", "--note", "second thoughts"); code != 1 || !strings.Contains(errOut, "already settled") {
		t.Errorf("settling twice: exit %d, %q; want refused (1), already settled", code, errOut)
	}
	paid := w.requestPayment(10, "")
	w.waitFlag(paid, "pending")
	if _, errOut, code := w.admin("intents", "settle", "--order", itoa(paid), "--charged", "--note", "x"); code != 1 || !strings.Contains(errOut, "unknown") {
		t.Errorf("settling a pending attempt: exit %d, %q; want refused (1): only an unknown outcome is settled", code, errOut)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
