package sandboxui_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/compago-odoo/connector/cmd/compago-connector/sandboxui"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

func orderID(t *testing.T, out map[string]any) int64 {
	t.Helper()
	id, ok := out["id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("creating an order answered %v, want its id", out)
	}
	return int64(id)
}

func TestTillOrderIsPaidOnTheTerminalWithItsPaymentLine(t *testing.T) {
	sb := startSandbox(t)
	id := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "350.50", "terminal": "TERMINAL-001"}))

	o := sb.waitOrder(id, "pending")
	card := sb.state().terminal("TERMINAL-001")
	if card.Pending == nil || card.Pending.Amount != "350.50 MXN" || card.Pending.ExternalID != o.ExternalID || !card.Pending.Routed {
		t.Fatalf("terminal card while the order is pending: %+v, want 350.50 MXN and %s", card.Pending, o.ExternalID)
	}
	if o.DeepLink != "compago-pos-app:///charge/payment-intent/"+o.IntentID {
		t.Errorf("deep link for the same-device flow = %q", o.DeepLink)
	}
	if o.Message != "Waiting for the card on terminal TERMINAL-001 (350.50 MXN)." {
		t.Errorf("cashier message while pending = %q", o.Message)
	}

	sb.mustPost("/api/terminals/TERMINAL-001/approve", nil)
	o = sb.waitOrder(id, "paid")
	if o.State != "paid" || o.Paid != "350.50 MXN" {
		t.Errorf("after approval the order is %s with %s paid, want paid with 350.50 MXN", o.State, o.Paid)
	}
	if len(o.Payments) != 1 || o.Payments[0].Amount != "350.50 MXN" || o.Payments[0].Method != "Compago" ||
		o.Payments[0].TransactionID != o.IntentID {
		t.Errorf("payment lines after approval: %+v, want one Compago line of 350.50 MXN for intent %s", o.Payments, o.IntentID)
	}
	if card := sb.state().terminal("TERMINAL-001"); card.Pending != nil {
		t.Errorf("the terminal still shows %+v after the payment", card.Pending)
	}
}

func TestTillCancelsAPendingPaymentAndRetriesAnExpiredOne(t *testing.T) {
	sb := startSandbox(t)
	cancelled := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "99.90", "terminal": "TERMINAL-002"}))
	sb.waitOrder(cancelled, "pending")
	sb.mustPost("/api/orders/"+itoa(cancelled)+"/cancel", nil)
	if o := sb.waitOrder(cancelled, "cancelled"); o.Message != "Payment cancelled. No money was taken." {
		t.Errorf("cashier message after cancel = %q", o.Message)
	}

	expiring := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "1234.5", "terminal": "TERMINAL-003"}))
	first := sb.waitOrder(expiring, "pending")
	sb.mustPost("/api/clock", map[string]string{"advance": "10m"})
	if st := sb.state(); st.Clock.Ahead != "10 min ahead" {
		t.Errorf("clock after +10 min shows %q", st.Clock.Ahead)
	}
	o := sb.waitOrder(expiring, "expired")
	if !strings.Contains(o.Message, "expired") {
		t.Errorf("cashier message after expiry = %q", o.Message)
	}
	sb.mustPost("/api/orders/"+itoa(expiring)+"/retry", nil)
	second := sb.waitOrder(expiring, "pending")
	if second.ExternalID == first.ExternalID {
		t.Errorf("the retry reused externalId %s", first.ExternalID)
	}
	if card := sb.state().terminal("TERMINAL-003"); card.Pending == nil || card.Pending.Amount != "1,234.50 MXN" {
		t.Fatalf("terminal card after the retry: %+v", card.Pending)
	}
	sb.mustPost("/api/terminals/TERMINAL-003/approve", nil)
	if o := sb.waitOrder(expiring, "paid"); len(o.Payments) != 1 || o.Payments[0].TransactionID != second.IntentID {
		t.Errorf("payment lines after the retry was approved: %+v", o.Payments)
	}
}

func TestTerminalDeclineLetsTheCustomerTryAnotherCard(t *testing.T) {
	sb := startSandbox(t)
	id := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "80"}))
	sb.waitOrder(id, "pending")
	// Unrouted: every terminal offers it.
	for _, card := range sb.state().Terminals {
		if card.Pending == nil || card.Pending.Routed || card.Pending.Amount != "80.00 MXN" {
			t.Fatalf("terminal %s does not offer the unrouted payment: %+v", card.Code, card.Pending)
		}
	}
	sb.mustPost("/api/terminals/TERMINAL-002/decline", nil)
	waitFor(t, func() bool {
		c := sb.state().terminal("TERMINAL-002")
		return c.Pending != nil && c.Pending.Declined
	}, func() string { return "the terminal never showed the declined card" })
	sb.mustPost("/api/terminals/TERMINAL-002/approve", nil)
	sb.waitOrder(id, "paid")
}

func TestTillSaysWhyItRefuses(t *testing.T) {
	sb := startSandbox(t)
	amountSentence := "Enter the amount in pesos, like 350.50 (more than 0, at most two decimals, at most 1,000,000.00 MXN)."
	paid := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "10", "terminal": "TERMINAL-001"}))
	sb.waitOrder(paid, "pending")
	sb.mustPost("/api/terminals/TERMINAL-001/approve", nil)
	sb.waitOrder(paid, "paid")
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		want       string
	}{
		{"three decimals", "/api/orders", map[string]string{"amount": "35.505"}, 400, amountSentence},
		{"zero", "/api/orders", map[string]string{"amount": "0.00"}, 400, amountSentence},
		{"words", "/api/orders", map[string]string{"amount": "ten"}, 400, amountSentence},
		{"too much", "/api/orders", map[string]string{"amount": "1000000.01"}, 400, amountSentence},
		{"cancel a paid order", "/api/orders/" + itoa(paid) + "/cancel", nil, 409,
			"Only a payment that is requested or pending on a terminal can be cancelled."},
		{"retry a paid order", "/api/orders/" + itoa(paid) + "/retry", nil, 409, "This order is already paid; nothing to charge."},
		{"unknown order", "/api/orders/999/cancel", nil, 404, "There is no such order."},
		{"idle terminal", "/api/terminals/TERMINAL-001/approve", nil, 409, "Nothing is waiting for a card on TERMINAL-001."},
		{"unknown terminal", "/api/terminals/NOPE/approve", nil, 404, "There is no terminal NOPE."},
		{"bad clock", "/api/clock", map[string]string{"advance": "soon"}, 400, "Advance the clock by a duration like 1m or 10m (at most 24h)."},
		{"bad fault level", "/api/faults", map[string]string{"compago": "sometimes"}, 400, "Compago faults are off, some or all."},
	} {
		status, out := sb.post(tc.path, tc.body)
		if diff := cmp.Diff(map[string]any{"error": tc.want}, out); status != tc.status || diff != "" {
			t.Errorf("%s: got %d, want %d; answer (-want +got):\n%s", tc.name, status, tc.status, diff)
		}
	}
}

func TestTillRefusesAPostThatIsNotJSON(t *testing.T) {
	sb := startSandbox(t)
	// A plain HTML form of another site would post like this.
	resp, err := http.Post(sb.pageURL+"/api/orders", "application/x-www-form-urlencoded", strings.NewReader("amount=10"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("a form post answered %s, want 415", resp.Status)
	}
	if n := len(sb.state().Orders); n != 0 {
		t.Fatalf("a form post created %d orders", n)
	}
}

// DNS rebinding points an attacker's name at 127.0.0.1, so that another
// web page reads and drives the sandbox as if it were the same site. The
// Host header still carries that name: the page and its API refuse it.
func TestSandboxPageRefusesARequestForAnotherHost(t *testing.T) {
	sb := startSandbox(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/", ""}, {"GET", "/api/state", ""}, {"POST", "/api/orders", `{"amount":"10.00"}`},
	} {
		req, _ := http.NewRequest(tc.method, sb.pageURL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		req.Host = "rebind.evil.example:8080"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s with Host %s answered %s, want 403", tc.method, tc.path, req.Host, resp.Status)
		}
	}
	if n := len(sb.state().Orders); n != 0 {
		t.Fatalf("a rebound post created %d orders", n)
	}
}

func TestFaultSwitchesReachTheSimulators(t *testing.T) {
	sb := startSandbox(t)
	sb.mustPost("/api/faults", map[string]any{"odooDown": true, "compago": "all"})
	st := sb.state()
	if !st.Faults.OdooDown || st.Faults.Compago != "all" {
		t.Fatalf("switches after turning faults on: %+v", st.Faults)
	}
	// The till still rings up during an Odoo outage (the POS is Odoo); the
	// daemon, cut from Odoo, does nothing with it until the outage ends.
	id := orderID(t, sb.mustPost("/api/orders", map[string]string{"amount": "45.00", "terminal": "TERMINAL-001"}))
	if n := len(sb.compago.Intents()); n != 0 {
		t.Fatalf("Compago got %d intents during the outages", n)
	}
	sb.mustPost("/api/faults", map[string]any{"odooDown": false})
	// Odoo is back; every Compago call still answers 503, so the cashier is
	// told it is being retried.
	waitFor(t, func() bool {
		for _, o := range sb.state().Orders {
			if o.ID == id && strings.Contains(o.Message, "Compago is not answering yet") {
				return true
			}
		}
		return false
	}, func() string { return "the cashier was never told that Compago is not answering" })
	sb.mustPost("/api/faults", map[string]any{"compago": "off"})
	sb.waitOrder(id, "pending")
	sb.mustPost("/api/terminals/TERMINAL-001/approve", nil)
	sb.waitOrder(id, "paid")
	if n := len(sb.compago.Intents()); n != 1 {
		t.Errorf("riding through the outages made %d intents, want 1", n)
	}
}

func TestPageIsServedFromTheBinaryWithoutACDN(t *testing.T) {
	sb := startSandbox(t)
	for _, tc := range []struct{ path, contentType, contains string }{
		{"/", "text/html", "Pay with Compago"},
		{"/app.js", "javascript", "/api/state"},
		{"/style.css", "text/css", ".terminal"},
	} {
		resp, err := http.Get(sb.pageURL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), tc.contentType) ||
			!bytes.Contains(body, []byte(tc.contains)) {
			t.Errorf("GET %s: %s %s, want %s containing %q", tc.path, resp.Status, resp.Header.Get("Content-Type"), tc.contentType, tc.contains)
		}
		if m := regexp.MustCompile(`(src|href)="(https?:)?//`).Find(body); m != nil {
			t.Errorf("GET %s loads something from another site: %s", tc.path, m)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTillWithoutTheCompagoFieldsSaysToRunSetup(t *testing.T) {
	sim := odoosim.New(odoosim.Options{})
	page := httptest.NewServer(sandboxui.New(sandboxui.Options{Odoo: sim, Compago: compagosim.New(compagosim.Options{})}))
	defer page.Close()
	resp, err := http.Get(page.URL + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(out["error"], "run compago-connector setup") {
		t.Fatalf("the page before setup answered %s %v, want a sentence asking for setup", resp.Status, out)
	}
}
