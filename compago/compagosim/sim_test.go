package compagosim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/google/go-cmp/cmp"
)

const key = compagosim.DefaultAPIKey

// sim serves a simulator on loopback.
type sim struct {
	*compagosim.Server
	url string
}

func newSim(t *testing.T, opts compagosim.Options) *sim {
	t.Helper()
	s := compagosim.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &sim{Server: s, url: ts.URL}
}

// call sends one request and decodes the JSON answer into a generic map.
func (s *sim) call(t *testing.T, method, path, apiKey, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("x-api-key", apiKey)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(data)) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s %s answered invalid JSON %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, m
}

func (s *sim) create(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	return s.call(t, "POST", "/api/payment-intent", key, body)
}

func (s *sim) mustCreate(t *testing.T, body string) string {
	t.Helper()
	code, m := s.create(t, body)
	if code != http.StatusCreated {
		t.Fatalf("create %s answered %d %v, want 201", body, code, m)
	}
	return m["id"].(string)
}

func intentBody(externalID, terminal string) string {
	b := `{"amount": 350.50, "currency": "MXN", "externalId": "` + externalID + `"`
	if terminal != "" {
		b += `, "terminalCode": "` + terminal + `"`
	}
	return b + "}"
}

func TestDocumentExampleCreateAnswersTheFullPendingObject(t *testing.T) {
	start := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
	s := newSim(t, compagosim.Options{Start: start})
	code, m := s.create(t, `{
    "amount": 350.50,
    "currency": "MXN",
    "externalId": "order_12345_pos",
    "terminalCode": "TERMINAL-001"
  }`)
	if code != http.StatusCreated {
		t.Fatalf("the document's example create answered %d %v, want 201", code, m)
	}
	term := s.Terminals()[0]
	want := map[string]any{"status": "PENDING", "amount": 350.5, "currency": "MXN",
		"externalId": "order_12345_pos", "organizationId": term.OrganizationID, "terminalId": term.ID}
	for k, v := range want {
		if !cmp.Equal(m[k], v) {
			t.Errorf("create answer field %s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"id", "createdAt", "updatedAt"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("create answer has no %s: %v", k, m)
		}
	}
	created, err := time.Parse(time.RFC3339, m["createdAt"].(string))
	if err != nil || created.Sub(start) > time.Minute || created.Before(start) {
		t.Errorf("createdAt %v is not the simulator's time %v (%v)", m["createdAt"], start, err)
	}
}

func TestAmountIsWrittenWithTwoDecimals(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	req, _ := http.NewRequest("POST", s.url+"/api/payment-intent",
		strings.NewReader(`{"amount": 350.5, "currency": "MXN", "externalId": "a"}`))
	req.Header.Set("x-api-key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if !bytes.Contains(data, []byte(`"amount":350.50`)) || !bytes.Contains(data, []byte(`"terminalId":null`)) {
		t.Errorf("unrouted create of 350.5 answered %s, want amount 350.50 and terminalId null", data)
	}
}

func TestPollingShowsTheDocumentsShortShapeThenTheCharge(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	id := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))

	code, m := s.call(t, "GET", "/api/payment-intent/"+id, key, "")
	want := map[string]any{"id": id, "status": "PENDING", "expired": false}
	if code != http.StatusOK || !cmp.Equal(m, want) {
		t.Fatalf("poll of a new intent answered %d %v, want %v", code, m, want)
	}
	if _, err := s.Approve(id); err != nil {
		t.Fatal(err)
	}
	_, m = s.call(t, "GET", "/api/payment-intent/"+id, key, "")
	want = map[string]any{"id": id, "status": "CONFIRMED", "expired": false,
		"paymentSummary": map[string]any{"status": "SUCCESS"}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("poll after the terminal charged the card (-want +got):\n%s", diff)
	}
}

func TestAPIKeyIsRequired(t *testing.T) {
	s := newSim(t, compagosim.Options{OrphanKeys: []string{"lonely-key"}})
	for _, tc := range []struct {
		name, key  string
		wantStatus int
		wantMsg    string
	}{
		{"missing key", "", 401, "Unauthorized"},
		{"wrong key", "not-the-key", 401, "Unauthorized"},
		{"key of a user without organization", "lonely-key", 400, "User does not have an organization"},
	} {
		for _, ep := range [][2]string{{"POST", "/api/payment-intent"}, {"GET", "/api/payment-intent/x"},
			{"POST", "/api/payment-intent/x/cancel"}} {
			code, m := s.call(t, ep[0], ep[1], tc.key, intentBody("k", ""))
			if code != tc.wantStatus || m["message"] != tc.wantMsg {
				t.Errorf("%s: %s %s answered %d %v, want %d %q", tc.name, ep[0], ep[1], code, m, tc.wantStatus, tc.wantMsg)
			}
		}
	}
	if n := len(s.Intents()); n != 0 {
		t.Errorf("rejected requests created %d intents", n)
	}
}

func TestCreateRejectsBadRequestsWithOneMessage(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	for _, tc := range []struct{ name, body, want string }{
		{"dollars", `{"amount": 10, "currency": "USD", "externalId": "a"}`, "Only MXN currency is supported."},
		{"no currency", `{"amount": 10, "externalId": "a"}`, "Only MXN currency is supported."},
		{"lower-case currency", `{"amount": 10, "currency": "mxn", "externalId": "a"}`, "Only MXN currency is supported."},
		{"no amount", `{"currency": "MXN", "externalId": "a"}`, "amount is required"},
		{"null amount", `{"amount": null, "currency": "MXN", "externalId": "a"}`, "amount is required"},
		{"amount as text", `{"amount": "10.00", "currency": "MXN", "externalId": "a"}`, "amount must be a number"},
		{"zero amount", `{"amount": 0, "currency": "MXN", "externalId": "a"}`, "amount must be greater than 0"},
		{"negative amount", `{"amount": -5.5, "currency": "MXN", "externalId": "a"}`, "amount must be greater than 0"},
		{"three decimals", `{"amount": 10.005, "currency": "MXN", "externalId": "a"}`, "amount must have at most 2 decimal places"},
		{"tiny exponent", `{"amount": 1e-300, "currency": "MXN", "externalId": "a"}`, "amount must have at most 2 decimal places"},
		{"absurd amount", `{"amount": 1000000.01, "currency": "MXN", "externalId": "a"}`, "amount must not exceed 1000000.00"},
		{"huge exponent", `{"amount": 1e999999999999, "currency": "MXN", "externalId": "a"}`, "amount must not exceed 1000000.00"},
		{"no externalId", `{"amount": 10, "currency": "MXN"}`, "externalId is required"},
		{"blank externalId", `{"amount": 10, "currency": "MXN", "externalId": "  "}`, "externalId must not be empty"},
		{"numeric externalId", `{"amount": 10, "currency": "MXN", "externalId": 7}`, "externalId must be a string"},
		{"long externalId", `{"amount": 10, "currency": "MXN", "externalId": "` + strings.Repeat("x", 256) + `"}`,
			"externalId must be at most 255 characters"},
		{"numeric terminal", `{"amount": 10, "currency": "MXN", "externalId": "a", "terminalCode": 1}`,
			"terminalCode must be a string"},
		{"not JSON", `amount=10`, "Invalid JSON body"},
		{"JSON array", `[1]`, "Invalid JSON body"},
	} {
		code, m := s.create(t, tc.body)
		if code != http.StatusBadRequest || m["message"] != tc.want {
			t.Errorf("%s: create answered %d %v, want 400 %q", tc.name, code, m, tc.want)
		}
	}
	if n := len(s.Intents()); n != 0 {
		t.Errorf("rejected creates left %d intents", n)
	}
}

func TestCreateAcceptsEveryWayToWriteTwoDecimals(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	for i, tc := range []struct {
		amount string
		want   int64
	}{{"350.50", 35050}, {"350.5", 35050}, {"350.500", 35050}, {"3.505e2", 35050}, {"0.01", 1},
		{"1000000", 100_000_000}, {"7", 700}, {"100E-4", 1}} {
		ext := "amount-" + string(rune('a'+i))
		s.mustCreate(t, `{"amount": `+tc.amount+`, "currency": "MXN", "externalId": "`+ext+`", "extra": {"ignored": true}}`)
		got := s.Intents()[i]
		if got.Amount != tc.want {
			t.Errorf("amount %s was recorded as %d centavos, want %d", tc.amount, got.Amount, tc.want)
		}
	}
}

func TestUnknownTerminalIsNotFound(t *testing.T) {
	s := newSim(t, compagosim.Options{Orgs: []compagosim.Org{
		{Name: "A", APIKey: "key-a", Terminals: []string{"A-1"}},
		{Name: "B", APIKey: "key-b", Terminals: []string{"B-1"}},
	}})
	for _, term := range []string{"NOPE", "B-1"} {
		code, m := s.call(t, "POST", "/api/payment-intent", "key-a", intentBody("x", term))
		if code != http.StatusNotFound || m["message"] != "Terminal not found" {
			t.Errorf("create for terminal %s answered %d %v, want 404 Terminal not found", term, code, m)
		}
	}
}

func TestExternalIDIsUniquePerOrganization(t *testing.T) {
	s := newSim(t, compagosim.Options{Orgs: []compagosim.Org{
		{Name: "A", APIKey: "key-a"}, {Name: "B", APIKey: "key-b"},
	}})
	if code, m := s.call(t, "POST", "/api/payment-intent", "key-a", intentBody("order-1", "")); code != 201 {
		t.Fatalf("first create answered %d %v", code, m)
	}
	code, m := s.call(t, "POST", "/api/payment-intent", "key-a", intentBody("order-1", ""))
	if code != http.StatusConflict || m["message"] != "Payment intent with this externalId already exists" {
		t.Errorf("second create with the same externalId answered %d %v, want 409", code, m)
	}
	if code, m := s.call(t, "POST", "/api/payment-intent", "key-b", intentBody("order-1", "")); code != 201 {
		t.Errorf("another organization's create with the same externalId answered %d %v, want 201", code, m)
	}
}

func TestConcurrentCreatesWithOneExternalIDMakeOneIntent(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	codes := make(chan int, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			code, _ := s.create(t, intentBody("order-race", "TERMINAL-002"))
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if want := map[int]int{201: 1, 409: 31}; !cmp.Equal(got, want) {
		t.Errorf("32 concurrent creates answered %v, want %v", got, want)
	}
	if n := len(s.Intents()); n != 1 {
		t.Errorf("32 concurrent creates made %d intents, want 1", n)
	}
}

func TestRoutingToATerminalCancelsItsOtherPendingIntents(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	first := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))
	other := s.mustCreate(t, intentBody("order-2", "TERMINAL-002"))
	unrouted := s.mustCreate(t, intentBody("order-3", ""))
	second := s.mustCreate(t, intentBody("order-4", "TERMINAL-001"))

	want := map[string]string{first: "CANCELLED", other: "PENDING", unrouted: "PENDING", second: "PENDING"}
	for id, status := range want {
		if _, m := s.call(t, "GET", "/api/payment-intent/"+id, key, ""); m["status"] != status {
			t.Errorf("intent %s polls as %v, want %s", id, m["status"], status)
		}
	}
	if got := s.Intents()[0].CancelReason; got != compagosim.CancelReplaced {
		t.Errorf("replaced intent's cancel reason = %q, want %q", got, compagosim.CancelReplaced)
	}
	if p := s.Terminals()[0].Pending; p == nil || p.ID != second {
		t.Errorf("TERMINAL-001 waits on %v, want %s", p, second)
	}
}

func TestAnyTerminalTakesTheOldestUnroutedIntent(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	old := s.mustCreate(t, intentBody("order-1", ""))
	s.mustCreate(t, intentBody("order-2", ""))

	in, err := s.ApproveTerminal("TERMINAL-003")
	if err != nil {
		t.Fatal(err)
	}
	if in.ID != old || in.TerminalCode != "TERMINAL-003" || in.Status != "CONFIRMED" {
		t.Errorf("TERMINAL-003 approved %+v, want the oldest unrouted intent %s confirmed on it", in, old)
	}
}

func TestIntentsExpireAfterTenMinutesAndStayPending(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	id := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))
	s.Advance(9 * time.Minute)
	if _, m := s.call(t, "GET", "/api/payment-intent/"+id, key, ""); m["expired"] != false {
		t.Fatalf("after 9 minutes the intent polls %v, want not expired", m)
	}
	s.Advance(time.Minute)
	_, m := s.call(t, "GET", "/api/payment-intent/"+id, key, "")
	if want := map[string]any{"id": id, "status": "PENDING", "expired": true}; !cmp.Equal(m, want) {
		t.Errorf("after 10 minutes the intent polls %v, want %v", m, want)
	}
	if _, err := s.Approve(id); err == nil {
		t.Error("the terminal could charge an expired intent")
	}
	if p := s.Terminals()[0].Pending; p != nil {
		t.Errorf("TERMINAL-001 still waits on expired intent %s", p.ID)
	}
}

func TestCancelOnlyWhilePending(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	pending := s.mustCreate(t, intentBody("order-1", ""))
	paid := s.mustCreate(t, intentBody("order-2", ""))
	s.Approve(paid)
	expired := s.mustCreate(t, intentBody("order-3", ""))
	s.Advance(10 * time.Minute)
	_ = expired

	for _, tc := range []struct {
		name, id   string
		wantStatus int
		want       string // status, or message on error
	}{
		{"pending", pending, 200, "CANCELLED"},
		{"already cancelled", pending, 200, "CANCELLED"},
		{"confirmed", paid, 400, "Payment intent already confirmed"},
		{"expired", expired, 200, "CANCELLED"},
		{"unknown", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 404, "Payment intent not found"},
	} {
		code, m := s.call(t, "POST", "/api/payment-intent/"+tc.id+"/cancel", key, "")
		got := m["status"]
		if code != 200 {
			got = m["message"]
		}
		if code != tc.wantStatus || got != tc.want {
			t.Errorf("cancel of a %s intent answered %d %v, want %d %q", tc.name, code, m, tc.wantStatus, tc.want)
		}
		if code == 200 && m["externalId"] == nil {
			t.Errorf("cancel of a %s intent answered %v, want the full object", tc.name, m)
		}
	}
}

func TestAnotherOrganizationsIntentIsNotFound(t *testing.T) {
	s := newSim(t, compagosim.Options{Orgs: []compagosim.Org{
		{Name: "A", APIKey: "key-a"}, {Name: "B", APIKey: "key-b"},
	}})
	_, m := s.call(t, "POST", "/api/payment-intent", "key-a", intentBody("order-1", ""))
	id := m["id"].(string)
	for _, ep := range [][2]string{{"GET", "/api/payment-intent/" + id}, {"POST", "/api/payment-intent/" + id + "/cancel"}} {
		code, m := s.call(t, ep[0], ep[1], "key-b", "")
		if code != 404 || m["message"] != "Payment intent not found" {
			t.Errorf("%s of another organization's intent answered %d %v, want 404", ep[0], code, m)
		}
	}
	if s.Intents()[0].Status != "PENDING" {
		t.Error("another organization cancelled the intent")
	}
}

func TestDeclinedCardLeavesTheIntentPayable(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	id := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))
	code, m := s.call(t, "POST", "/sim/payment-intents/"+id+"/decline", "", "")
	if code != 200 || m["status"] != "PENDING" || m["paymentStatus"] != "DECLINED" {
		t.Fatalf("decline answered %d %v", code, m)
	}
	_, m = s.call(t, "GET", "/api/payment-intent/"+id, key, "")
	if want := map[string]any{"id": id, "status": "PENDING", "expired": false,
		"paymentSummary": map[string]any{"status": "DECLINED"}}; !cmp.Equal(m, want) {
		t.Errorf("poll after a declined card = %v, want %v", m, want)
	}
	code, m = s.call(t, "POST", "/sim/terminals/TERMINAL-001/approve", "", "")
	if code != 200 || m["status"] != "CONFIRMED" || m["paymentStatus"] != "SUCCESS" {
		t.Errorf("approve after a decline answered %d %v, want the charge", code, m)
	}
}

func TestControlAPIRefusesToChargeWhatCannotBeCharged(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	cancelled := s.mustCreate(t, intentBody("order-1", ""))
	s.call(t, "POST", "/api/payment-intent/"+cancelled+"/cancel", key, "")
	expired := s.mustCreate(t, intentBody("order-2", ""))
	code, m := s.call(t, "POST", "/sim/clock", "", `{"advance":"10m"}`)
	if code != 200 || m["now"] == nil {
		t.Fatalf("advancing the clock answered %d %v", code, m)
	}
	for _, tc := range []struct{ path, want string }{
		{"/sim/payment-intents/" + cancelled + "/approve", "cancelled"},
		{"/sim/payment-intents/" + expired + "/approve", "expired"},
		{"/sim/payment-intents/" + expired + "/decline", "expired"},
		{"/sim/terminals/TERMINAL-001/approve", "no pending"},
	} {
		code, m := s.call(t, "POST", tc.path, "", "")
		if msg, _ := m["message"].(string); code != 409 || !strings.Contains(msg, tc.want) {
			t.Errorf("POST %s answered %d %v, want 409 mentioning %q", tc.path, code, m, tc.want)
		}
	}
	for _, path := range []string{"/sim/payment-intents/nope/approve", "/sim/terminals/NOPE/approve"} {
		if code, m := s.call(t, "POST", path, "", ""); code != 404 {
			t.Errorf("POST %s answered %d %v, want 404", path, code, m)
		}
	}
}

func TestControlAPIListsIntentsTerminalsAndStats(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	id := s.mustCreate(t, intentBody("order-1", "TERMINAL-002"))
	s.call(t, "GET", "/api/payment-intent/"+id, key, "")
	s.call(t, "GET", "/api/payment-intent/"+id, key, "")

	var list []map[string]any
	getJSON(t, s.url+"/sim/payment-intents", &list)
	if len(list) != 1 || list[0]["id"] != id || list[0]["terminalCode"] != "TERMINAL-002" || list[0]["amountCentavos"] != 35050.0 {
		t.Errorf("GET /sim/payment-intents = %v", list)
	}
	var terms []map[string]any
	getJSON(t, s.url+"/sim/terminals", &terms)
	if len(terms) != 3 || terms[1]["pending"].(map[string]any)["id"] != id {
		t.Errorf("GET /sim/terminals = %v, want TERMINAL-002 waiting on %s", terms, id)
	}
	var stats map[string]map[string]float64
	getJSON(t, s.url+"/sim/stats", &stats)
	want := map[string]float64{"POST /api/payment-intent": 1, "GET /api/payment-intent/{id}": 2}
	if !cmp.Equal(stats["requests"], want) {
		t.Errorf("GET /sim/stats = %v, want %v", stats, want)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestUnknownRoutesAnswerJSON404(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	code, m := s.call(t, "DELETE", "/api/payment-intent/x", key, "")
	if code != 404 || m["message"] != "Cannot DELETE /api/payment-intent/x" {
		t.Errorf("DELETE answered %d %v", code, m)
	}
}

func TestExpireEndsOneIntentAndLeavesTheOthersPayable(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	gone := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))
	kept := s.mustCreate(t, intentBody("order-2", "TERMINAL-002"))
	if code, m := s.call(t, "POST", "/sim/payment-intents/"+gone+"/expire", "", ""); code != 200 || m["expired"] != true {
		t.Fatalf("expire answered %d %v", code, m)
	}
	_, m := s.call(t, "GET", "/api/payment-intent/"+gone, key, "")
	if m["status"] != "PENDING" || m["expired"] != true {
		t.Errorf("poll of the expired intent = %v, want PENDING and expired", m)
	}
	_, m = s.call(t, "GET", "/api/payment-intent/"+kept, key, "")
	if m["expired"] != false {
		t.Errorf("the other intent = %v, want it still payable", m)
	}
	if code, _ := s.call(t, "POST", "/sim/payment-intents/"+gone+"/approve", "", ""); code != 409 {
		t.Errorf("approve after expiry answered %d, want 409", code)
	}
}

// The card is declined on the terminal by its serial, as it is approved:
// POST /sim/terminals/{code}/decline, beside approve, which the README's
// curl walkthrough uses.
func TestTerminalDeclinesTheIntentRoutedToIt(t *testing.T) {
	s := newSim(t, compagosim.Options{})
	id := s.mustCreate(t, intentBody("order-1", "TERMINAL-001"))
	code, m := s.call(t, "POST", "/sim/terminals/TERMINAL-001/decline", "", "")
	if code != 200 || m["id"] != id || m["status"] != "PENDING" || m["paymentStatus"] != "DECLINED" {
		t.Fatalf("decline on TERMINAL-001 answered %d %v, want intent %s pending with its card declined", code, m, id)
	}
	code, _ = s.call(t, "POST", "/sim/terminals/TERMINAL-002/decline", "", "")
	if code != 404 && code != 409 {
		t.Errorf("decline on a terminal with nothing pending answered %d, want 404 or 409", code)
	}
}
