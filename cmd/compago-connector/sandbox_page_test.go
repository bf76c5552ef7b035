package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSandboxServesThePageThatDrivesTheDaemon(t *testing.T) {
	sb := startSandbox(t, "--ui-addr=127.0.0.1:0")
	page := sb.url("sandbox page")
	if page == "" {
		t.Fatalf("the sandbox did not log `sandbox page listening` with its url; logs:\n%s", sb.logs.String())
	}
	resp, err := http.Get(page + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Pay with Compago") {
		t.Fatalf("GET / of the sandbox page: %s\n%s", resp.Status, body)
	}
	// The till's order reaches the daemon, which the sandbox set up.
	out := postJSON(t, page+"/api/orders", map[string]string{"amount": "350.50", "terminal": "TERMINAL-001"})
	if out["id"] == nil {
		t.Fatalf("creating an order on the page answered %v", out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out = postJSON(t, page+"/api/terminals/TERMINAL-001/approve", map[string]string{})
		if out["intent"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never got the order's payment: %v\nlogs:\n%s", out, sb.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
