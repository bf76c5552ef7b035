package compagosim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
)

func TestFaultBeforeRejectsWithoutEffect(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	code, m := s.call(t, "POST", "/sim/faults", "", `{"error_rate":1,"status":503,"when":"before","retry_after":"2s"}`)
	if code != 200 || m["status"] != 503.0 {
		t.Fatalf("setting faults answered %d %v", code, m)
	}
	req, _ := http.NewRequest("POST", s.url+"/api/payment-intent", strings.NewReader(intentBody("order-1", "")))
	req.Header.Set("x-api-key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("faulted create answered %d Retry-After %q, want 503 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := len(s.Intents()); n != 0 {
		t.Errorf("a create rejected before taking effect made %d intents", n)
	}
	if got := s.Requests()["POST /api/payment-intent"]; got != 1 {
		t.Errorf("the faulted create was counted %d times, want 1", got)
	}
	if code, _ := s.call(t, "GET", "/sim/payment-intents", "", ""); code != 200 {
		t.Errorf("the control API answered %d under faults, want 200", code)
	}
	s.call(t, "DELETE", "/sim/faults", "", "")
	if code, m := s.create(t, intentBody("order-1", "")); code != 201 {
		t.Errorf("create after clearing faults answered %d %v", code, m)
	}
}

func TestFaultAfterTakesEffectAndLosesTheAnswer(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	s.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 502, When: compagosim.FaultAfter})
	if code, _ := s.create(t, intentBody("order-1", "")); code != 502 {
		t.Errorf("faulted create answered %d, want 502", code)
	}
	if n := len(s.Intents()); n != 1 {
		t.Errorf("a create whose answer was lost made %d intents, want 1", n)
	}
}

func TestErrorRateHitsSomeRequests(t *testing.T) {
	s := newSim(t, compagosim.Options{Seed: 7})
	s.SetFaults(compagosim.Faults{ErrorRate: 0.5})
	got := map[int]int{}
	for range 40 {
		code, _ := s.call(t, "GET", "/api/payment-intent/none", key, "")
		got[code]++
	}
	if got[503] == 0 || got[404] == 0 || got[503]+got[404] != 40 {
		t.Errorf("40 polls at error rate 0.5 answered %v, want a mix of 503 and 404", got)
	}
}

func TestLatencyBeforeAndAClientThatGivesUpHasNoEffect(t *testing.T) {
	s := compagosim.New(compagosim.Options{})
	ts := httptest.NewServer(s)
	s.SetFaults(compagosim.Faults{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/api/payment-intent", strings.NewReader(intentBody("order-1", "")))
	req.Header.Set("x-api-key", key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a create delayed 2s answered %d within 50ms", resp.StatusCode)
	}
	ts.Close() // waits for the delayed handler to finish
	if n := len(s.Intents()); n != 0 {
		t.Errorf("a create abandoned during the delay made %d intents", n)
	}
}

func TestFaultBodyReplacesTheAnswer(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	s.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 200, Body: `{"id": 5}`})
	code, m := s.call(t, "GET", "/api/payment-intent/x", key, "")
	if code != 200 || m["id"] != 5.0 {
		t.Errorf("poll under a body fault answered %d %v, want 200 {\"id\": 5}", code, m)
	}
}

func TestFaultsControlAPIRejectsNonsense(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	for _, body := range []string{`{"error_rate":2}`, `{"when":"during"}`, `{"latency":"soon"}`, `{"status":42}`, `nope`} {
		if code, m := s.call(t, "POST", "/sim/faults", "", body); code != 400 || m["message"] == nil {
			t.Errorf("POST /sim/faults %s answered %d %v, want 400 with a message", body, code, m)
		}
	}
	if code, _ := s.call(t, "POST", "/sim/clock", "", `{"advance":"-1m"}`); code != 400 {
		t.Errorf("moving the clock back answered %d, want 400", code)
	}
}
