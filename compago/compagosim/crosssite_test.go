package compagosim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"
)

// A web page the sandbox user has open elsewhere must not drive the
// simulator: a cross-site form POST (no JSON content type) and a request
// whose Host is not loopback (DNS rebinding) are refused, and the intent
// stays pending.
func TestControlAPIRefusesCrossSiteFormsAndForeignHosts(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	code, m := s.create(t, `{"amount":1.00,"currency":"MXN","externalId":"x-1-1","terminalCode":"TERMINAL-001"}`)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("create answered %d %v", code, m)
	}
	id, _ := m["id"].(string)

	form, _ := http.NewRequest("POST", s.url+"/sim/terminals/TERMINAL-001/approve", strings.NewReader(url.Values{"x": {"1"}}.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form.Header.Set("Origin", "http://evil.example")
	rebound, _ := http.NewRequest("POST", s.url+"/sim/payment-intents/"+id+"/approve", nil)
	rebound.Header.Set("Content-Type", "application/json")
	rebound.Host = "evil.example:8070"
	peek, _ := http.NewRequest("GET", s.url+"/sim/payment-intents", nil)
	peek.Host = "evil.example"
	for name, tc := range map[string]struct {
		req  *http.Request
		want int
	}{
		"form post":       {form, http.StatusUnsupportedMediaType},
		"rebound post":    {rebound, http.StatusForbidden},
		"rebound listing": {peek, http.StatusForbidden},
	} {
		resp, err := http.DefaultClient.Do(tc.req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: answered %d, want %d", name, resp.StatusCode, tc.want)
		}
	}
	for _, in := range s.Intents() {
		if in.ID == id && in.Status != "PENDING" {
			t.Fatalf("the intent is %s after the refused requests, want still PENDING", in.Status)
		}
	}
}
