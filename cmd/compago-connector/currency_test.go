package main

import (
	"github.com/compago-odoo/connector/connector"
	"strings"
	"testing"
)

// Compago charges pesos only: `check` reads the company's currency and the
// Compago payment method's journal's, and fails on one in another
// currency before a cashier meets a refused order.
func TestCheckFailsOnAJournalCompagoCannotCharge(t *testing.T) {
	w := startAdminWorld(t)
	out, _, code := w.admin("check")
	if code != 0 || !strings.Contains(out, "OK   currency of company My Company: MXN") {
		t.Fatalf("check of an MXN install (exit %d):\n%s", code, out)
	}
	journal := w.exec("pos.payment.method", "read", []any{[]any{w.seed.PaymentMethodID}, []any{"journal_id"}}, nil).([]any)[0].(map[string]any)["journal_id"].([]any)[0]
	w.exec("account.journal", "write", []any{[]any{journal}, map[string]any{"currency_id": 1}}, nil) // USD
	out, _, code = w.admin("check")
	if code != 1 || !strings.Contains(out, "FAIL currency of payment method journal Compago: USD") {
		t.Fatalf("check of a USD Compago journal (exit %d), want a FAIL line naming USD:\n%s", code, out)
	}
}

// doctor says which daemon works the Odoo database (host, journal, since).
func TestDoctorNamesTheDaemonThatWorksTheDatabase(t *testing.T) {
	w := startAdminWorld(t)
	w.exec("ir.config_parameter", "create", []any{map[string]any{"key": connector.WorksiteKey,
		"value": `{"journal":"0123456789abcdef","host":"till-2","owner":"till-2/77","since":"2026-11-27T08:00:00Z","beat":"2026-11-27T09:00:00Z"}`}}, nil)
	out, _, _ := w.admin("doctor")
	if !strings.Contains(out, "database worker: host till-2, journal 0123456789ab, since") {
		t.Fatalf("doctor does not name the daemon that works the database:\n%s", out)
	}
}

// A database set up by an older build lacks the partially_paid state:
// check says to run setup again, and setup fixes it.
func TestCheckAsksForSetupWhenAStateIsMissing(t *testing.T) {
	w := startAdminWorld(t)
	ids := w.exec("ir.model.fields.selection", "search", []any{[]any{
		[]any{"field_id.name", "=", "x_compago_state"}, []any{"value", "=", connector.StatePartiallyPaid}}}, nil)
	w.exec("ir.model.fields.selection", "unlink", []any{ids}, nil)
	out, _, code := w.admin("check")
	if code != 1 || !strings.Contains(out, "FAIL states: x_compago_state lacks partially_paid; run `compago-connector setup`") {
		t.Fatalf("check of an older database (exit %d):\n%s", code, out)
	}
	if _, errOut, code := w.admin("setup"); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, errOut)
	}
	if out, _, code := w.admin("check"); code != 0 || strings.Contains(out, "FAIL") {
		t.Fatalf("check after setup (exit %d):\n%s", code, out)
	}
}
