package compagosim_test

import (
	"net/http"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"
)

// Every odd answer can be armed through the control API, as the sandbox and
// the bench do, and is played once by default.
func TestOdditiesArePlayedOnDemandThroughTheControlAPI(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	arm := func(body string) {
		t.Helper()
		if code, _ := s.call(t, "POST", "/sim/oddities", "", body); code != http.StatusOK {
			t.Fatalf("arm %s answered %d", body, code)
		}
	}

	arm(`{"kind":"create_amount","amount":35.05}`)
	code, m := s.create(t, intentBody("odd-1", "TERMINAL-001"))
	if code != http.StatusCreated || m["amount"] != 35.05 {
		t.Fatalf("create_amount: %d %v, want 201 with amount 35.05", code, m)
	}
	id := m["id"].(string)
	if in := s.find(t, id); in.Amount != 3505 {
		t.Errorf("the intent holds %d centavos, want what the answer said (3505)", in.Amount)
	}

	arm(`{"kind":"create_foreign"}`)
	code, m = s.create(t, intentBody("odd-2", ""))
	if code != http.StatusCreated || m["externalId"] != "other-pos-77" || m["amount"] != 10.0 {
		t.Fatalf("create_foreign: %d %v, want another integration's intent", code, m)
	}
	var asked bool
	for _, in := range s.Intents() {
		asked = asked || (in.ExternalID == "odd-2" && in.Status == compagosim.StatusPending)
	}
	if !asked {
		t.Errorf("create_foreign did not create the intent asked for")
	}

	arm(`{"kind":"cancel_says_confirmed","intent":"` + id + `"}`)
	code, m = s.call(t, "POST", "/api/payment-intent/"+id+"/cancel", key, "")
	if code != http.StatusBadRequest || m["message"] != "Payment intent already confirmed" {
		t.Fatalf("cancel_says_confirmed: %d %v", code, m)
	}
	if in := s.find(t, id); in.Status != compagosim.StatusCancelled || in.PaymentStatus != "" {
		t.Errorf("after cancel_says_confirmed the intent is %s/%q, want CANCELLED and not charged", in.Status, in.PaymentStatus)
	}
	if _, err := s.ChargeLate(id); err != nil {
		t.Fatalf("charge a cancelled intent late: %v", err)
	}
	if in := s.find(t, id); in.Status != compagosim.StatusConfirmed || in.PaymentStatus != compagosim.PaymentSuccess {
		t.Errorf("after a late charge the intent is %s/%q", in.Status, in.PaymentStatus)
	}

	other := s.mustCreate(t, intentBody("odd-3", "TERMINAL-002"))
	for _, c := range []struct{ arm, status, summary string }{
		{`{"kind":"confirmed_no_summary"}`, "CONFIRMED", ""},
		{`{"kind":"payment_summary","value":"APPROVED"}`, "PENDING", "APPROVED"},
		{`{"kind":"unknown_status","value":"ON_HOLD"}`, "ON_HOLD", ""},
	} {
		arm(c.arm)
		code, m = s.call(t, "GET", "/api/payment-intent/"+other, key, "")
		summary, _ := m["paymentSummary"].(map[string]any)
		if code != 200 || m["status"] != c.status || (c.summary != "" && summary["status"] != c.summary) || (c.summary == "" && summary != nil) {
			t.Errorf("%s: GET answered %d %v", c.arm, code, m)
		}
	}
	arm(`{"kind":"other_id","value":"aaaaaaaa-0000-4000-8000-000000000000"}`)
	if _, m = s.call(t, "GET", "/api/payment-intent/"+other, key, ""); m["id"] != "aaaaaaaa-0000-4000-8000-000000000000" {
		t.Errorf("other_id: GET answered %v", m)
	}
	arm(`{"kind":"not_found"}`)
	if code, _ = s.call(t, "GET", "/api/payment-intent/"+other, key, ""); code != http.StatusNotFound {
		t.Errorf("not_found: GET answered %d", code)
	}
	arm(`{"kind":"rate_limited","value":"Wed, 21 Oct 2099 07:28:00 GMT"}`)
	req, _ := http.NewRequest("GET", s.url+"/api/payment-intent/"+other, nil)
	req.Header.Set("x-api-key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "Wed, 21 Oct 2099 07:28:00 GMT" {
		t.Errorf("rate_limited: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	arm(`{"kind":"cancel_answers_pending","times":2}`)
	for range 2 {
		if code, m = s.call(t, "POST", "/api/payment-intent/"+other+"/cancel", key, ""); code != 200 || m["status"] != "PENDING" {
			t.Errorf("cancel_answers_pending: %d %v", code, m)
		}
	}
	if in := s.find(t, other); in.Status != compagosim.StatusPending {
		t.Errorf("the intent is %s after answers that changed nothing", in.Status)
	}
	if code, m = s.call(t, "GET", "/api/payment-intent/"+other, key, ""); code != 200 || m["status"] != "PENDING" {
		t.Errorf("once played, the oddity is gone: GET answered %d %v", code, m)
	}
	if code, _ = s.call(t, "POST", "/sim/oddities", "", `{"kind":"nonsense"}`); code != http.StatusBadRequest {
		t.Errorf("an unknown kind answered %d, want 400", code)
	}
}

func (s *sim) find(t *testing.T, id string) compagosim.Intent {
	t.Helper()
	for _, in := range s.Intents() {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("no intent %s", id)
	return compagosim.Intent{}
}
