package compago_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/google/go-cmp/cmp"
)

// failFirst answers the first n public API requests whose path contains
// only with fault f, then lets the simulator answer normally. Tests using it
// call sequentially.
func failFirst(sim *compagosim.Server, only string, n int, f compagosim.Faults) http.Handler {
	var mu sync.Mutex
	seen := 0
	f.ErrorRate = 1
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.URL.Path, only) {
			mu.Lock()
			seen++
			if seen <= n {
				sim.SetFaults(f)
			} else {
				sim.ClearFaults()
			}
			mu.Unlock()
		}
		sim.ServeHTTP(w, r)
	})
}

func withFaultyStart(t *testing.T, n int, f compagosim.Faults, opts ...compago.Option) *fixture {
	t.Helper()
	sim := compagosim.New(compagosim.Options{})
	return serve(t, sim, failFirst(sim, "/", n, f), opts...)
}

func requests(f *fixture, pattern string) int { return f.sim.Requests()[pattern] }

const (
	createRoute = "POST /api/payment-intent"
	getRoute    = "GET /api/payment-intent/{id}"
	cancelRoute = "POST /api/payment-intent/{id}/cancel"
)

func TestPollRidesOutABriefOutage(t *testing.T) {
	f := withFaultyStart(t, 3, compagosim.Faults{Status: 503})
	in, err := f.client.Get(context.Background(), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
	if !errors.Is(err, compago.ErrIntentNotFound) || in != nil {
		t.Errorf("poll after three 503s = %v, %v; want the real answer (not found)", in, err)
	}
	if got := requests(f, getRoute); got != 4 {
		t.Errorf("%d poll requests, want 4 (three 503s, then the answer)", got)
	}
}

func TestPollGivesUpAfterItsRetries(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	in := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 502})
	_, err := f.client.Get(context.Background(), in.ID)
	var ce *compago.Error
	if !errors.Is(err, compago.ErrUnavailable) || !errors.As(err, &ce) || ce.StatusCode != 502 || ce.Op != "get" {
		t.Errorf("poll during an outage: %v, want ErrUnavailable with status 502", err)
	}
	if got := requests(f, getRoute); got != 4 {
		t.Errorf("%d poll requests, want 4 (the default attempts)", got)
	}
}

func TestRejectedRequestsAreNotRetried(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 422})
	if _, err := f.client.Get(context.Background(), "x"); !errors.Is(err, compago.ErrValidation) {
		t.Errorf("poll answered 422: %v, want ErrValidation", err)
	}
	if _, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 1, ExternalID: "x"}); !errors.Is(err, compago.ErrValidation) {
		t.Errorf("create answered 422: %v, want ErrValidation", err)
	}
	if g, c := requests(f, getRoute), requests(f, createRoute); g != 1 || c != 1 {
		t.Errorf("%d polls and %d creates sent, want 1 each", g, c)
	}
}

func TestCancelWhoseAnswerWasLostIsRetried(t *testing.T) {
	sim := compagosim.New(compagosim.Options{})
	f := serve(t, sim, failFirst(sim, "/cancel", 1, compagosim.Faults{Status: 504, When: compagosim.FaultAfter}))
	in := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	got, err := f.client.Cancel(context.Background(), in.ID)
	if err != nil || got.Status != compago.StatusCancelled {
		t.Errorf("cancel whose first answer was lost = %+v, %v; want CANCELLED", got, err)
	}
	if n := requests(f, cancelRoute); n != 2 {
		t.Errorf("%d cancel requests, want 2", n)
	}
}

func TestCreateRejectedBeforeItReachedCompagoIsRetried(t *testing.T) {
	f := withFaultyStart(t, 1, compagosim.Faults{Status: 503})
	in, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	if err != nil || in.ID == "" {
		t.Fatalf("create after one 503: %v", err)
	}
	if n := len(f.sim.Intents()); n != 1 {
		t.Errorf("%d intents, want 1", n)
	}
}

func TestCreateWhoseAnswerWasLostIsAnUnknownOutcome(t *testing.T) {
	f := withFaultyStart(t, 1, compagosim.Faults{Status: 503, When: compagosim.FaultAfter})
	_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	if !errors.Is(err, compago.ErrOutcomeUnknown) || errors.Is(err, compago.ErrDuplicateExternalID) {
		t.Errorf("create whose answer was lost, then duplicate: %v; want ErrOutcomeUnknown only", err)
	}
	if got := requests(f, createRoute); got != 2 {
		t.Errorf("%d create requests, want 2 (the lost one, the duplicate)", got)
	}
	if n := len(f.sim.Intents()); n != 1 {
		t.Errorf("%d intents, want exactly 1: retries reuse the externalId", n)
	}
}

func TestCreateDuringAnOutageIsAnUnknownOutcome(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 500})
	_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	var ce *compago.Error
	if !errors.Is(err, compago.ErrOutcomeUnknown) || !errors.As(err, &ce) || ce.StatusCode != 500 {
		t.Errorf("create answered 500 every time: %v, want ErrOutcomeUnknown with status 500", err)
	}
}

func TestCreateThatNeverConnectedIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	c, err := compago.NewClient("http://"+addr, key, fast()...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	if !errors.Is(err, compago.ErrUnavailable) || errors.Is(err, compago.ErrOutcomeUnknown) {
		t.Errorf("create with Compago unreachable: %v, want ErrUnavailable (nothing was created)", err)
	}
}

func TestSlowAnswersTimeOut(t *testing.T) {
	f := newFixture(t, compagosim.Options{}, compago.WithTimeout(50*time.Millisecond), compago.WithRetries(2))
	in := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	f.sim.SetFaults(compagosim.Faults{Latency: 5 * time.Second})
	start := time.Now()
	_, err := f.client.Get(context.Background(), in.ID)
	if !errors.Is(err, compago.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("poll of a server 5s slow: %v, want ErrUnavailable from a deadline", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("poll took %v, want about two 50ms attempts", took)
	}
	if got := requests(f, getRoute); got != 2 {
		t.Errorf("%d poll requests, want 2", got)
	}
}

func TestCreateThatTimesOutAfterTakingEffectIsAnUnknownOutcome(t *testing.T) {
	f := newFixture(t, compagosim.Options{}, compago.WithTimeout(50*time.Millisecond))
	f.sim.SetFaults(compagosim.Faults{Latency: 5 * time.Second, When: compagosim.FaultAfter})
	_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	if !errors.Is(err, compago.ErrOutcomeUnknown) {
		t.Errorf("create that timed out after taking effect: %v, want ErrOutcomeUnknown", err)
	}
	if n := len(f.sim.Intents()); n != 1 {
		t.Errorf("%d intents, want 1", n)
	}
}

func TestCallerDeadlineWins(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client.Get(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("poll with a 100ms deadline: %v after %v", err, time.Since(start))
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := withFaultyStart(t, 1, compagosim.Faults{Status: 429, RetryAfter: time.Second})
	start := time.Now()
	_, err := f.client.Get(context.Background(), "x")
	if !errors.Is(err, compago.ErrIntentNotFound) {
		t.Fatalf("poll after one 429: %v, want the real answer", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("the retry came after %v, before the 1s Retry-After", took)
	}
}

func TestRetryAfterBeyondTheDeadlineReturnsAtOnce(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 429, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := f.client.Cancel(ctx, "x")
	var ce *compago.Error
	if !errors.Is(err, compago.ErrRateLimited) || !errors.As(err, &ce) || ce.RetryAfter != 30*time.Second {
		t.Errorf("cancel rate limited for 30s with 2s to spare: %v, want ErrRateLimited with RetryAfter 30s", err)
	}
	if got := requests(f, cancelRoute); got != 1 {
		t.Errorf("%d cancel requests, want 1", got)
	}
}

func TestUnusableAnswersAreErrors(t *testing.T) {
	bodies := map[string]string{
		"oversized":            `{"id":"x","status":"PENDING","pad":"` + strings.Repeat("x", 2<<20) + `"}`,
		"html":                 `<html>502 Bad Gateway</html>`,
		"empty":                ``,
		"array":                `[]`,
		"null":                 `null`,
		"truncated":            `{"id":"x","status":"PEN`,
		"numeric id":           `{"id":5,"status":"PENDING"}`,
		"textual expired":      `{"id":"x","status":"PENDING","expired":"no"}`,
		"numeric status":       `{"id":"x","status":3}`,
		"no status":            `{"id":"x","expired":false}`,
		"summary as text":      `{"id":"x","status":"CONFIRMED","paymentSummary":"SUCCESS"}`,
		"amount as words":      `{"id":"x","status":"PENDING","amount":"ten"}`,
		"negative amount":      `{"id":"x","status":"PENDING","amount":-1}`,
		"answer about another": `{"id":"y","status":"CONFIRMED","paymentSummary":{"status":"SUCCESS"}}`,
	}
	f := newFixture(t, compagosim.Options{}, compago.WithRetries(1))
	for name, body := range bodies {
		f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 200, Body: body})
		if name == "answer about another" {
			// Its own kind, so that the engine can raise the alarm.
			if in, err := f.client.Get(context.Background(), "x"); !errors.Is(err, compago.ErrWrongIntent) {
				t.Errorf("poll answered %s: %+v, %v; want ErrWrongIntent", name, in, err)
			}
			continue // a create answer names the new intent, whatever its id
		}
		if in, err := f.client.Get(context.Background(), "x"); !errors.Is(err, compago.ErrUnavailable) {
			t.Errorf("poll answered %s: %+v, %v; want ErrUnavailable", name, in, err)
		}
		_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 1, ExternalID: "e-" + name})
		if !errors.Is(err, compago.ErrOutcomeUnknown) {
			t.Errorf("create answered 200 with %s: %v; want ErrOutcomeUnknown", name, err)
		}
	}
}

func TestPollReadsTheFullObjectAndIgnoresUnknownFields(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 200, Body: `{
		"id": "x", "status": "CONFIRMED", "expired": false, "amount": 350.5, "currency": "MXN",
		"externalId": "order-1", "organizationId": "org", "terminalId": null,
		"paymentSummary": {"status": "SUCCESS", "cardBrand": "VISA"},
		"createdAt": "2026-03-11T10:00:00.000Z", "updatedAt": "yesterday",
		"metadata": {"anything": [1, 2, 3]}}`})
	got, err := f.client.Get(context.Background(), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := &compago.Intent{ID: "x", Status: compago.StatusConfirmed, Amount: 35050, AmountKnown: true, Currency: "MXN",
		ExternalID: "order-1", OrganizationID: "org", PaymentStatus: "SUCCESS",
		CreatedAt: time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("full object on poll (-want +got):\n%s", diff)
	}
}

func TestErrorMessagesAsListsAreRead(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	f.sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 400,
		Body: `{"message":["externalId already exists"],"error":"Bad Request","statusCode":400}`})
	_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 1, ExternalID: "x"})
	var ce *compago.Error
	if !errors.Is(err, compago.ErrDuplicateExternalID) || !errors.As(err, &ce) || ce.Message != "externalId already exists" {
		t.Errorf("create answered 400 with a message list about the externalId: %v, want ErrDuplicateExternalID", err)
	}
}
