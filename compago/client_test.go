package compago_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/google/go-cmp/cmp"
)

const key = compagosim.DefaultAPIKey

// fixture is a client talking to a simulator over loopback.
type fixture struct {
	sim    *compagosim.Server
	url    string
	client *compago.Client
}

// fast options keep retries quick; tests add their own after these.
func fast(opts ...compago.Option) []compago.Option {
	return append([]compago.Option{compago.WithBackoff(time.Millisecond, 5*time.Millisecond),
		compago.WithTimeout(2 * time.Second)}, opts...)
}

func newFixture(t *testing.T, simOpts compagosim.Options, opts ...compago.Option) *fixture {
	t.Helper()
	sim := compagosim.New(simOpts)
	return serve(t, sim, sim, opts...)
}

// serve puts h (the simulator, or a handler wrapping it) on loopback.
func serve(t *testing.T, sim *compagosim.Server, h http.Handler, opts ...compago.Option) *fixture {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := compago.NewClient(ts.URL, key, fast(opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sim: sim, url: ts.URL, client: c}
}

func (f *fixture) create(t *testing.T, p compago.CreateParams) *compago.Intent {
	t.Helper()
	in, err := f.client.Create(context.Background(), p)
	if err != nil {
		t.Fatalf("create %+v: %v", p, err)
	}
	return in
}

// ignoreTimes compares intents up to their timestamps, checked separately.
var ignoreTimes = cmp.FilterPath(func(p cmp.Path) bool {
	n := p.Last().String()
	return n == ".CreatedAt" || n == ".UpdatedAt"
}, cmp.Ignore())

func TestCashierChargesAnOrderOnATerminal(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	ctx := context.Background()
	in := f.create(t, compago.CreateParams{Amount: 35050, ExternalID: "order_12345_pos", TerminalCode: "TERMINAL-001"})

	term := f.sim.Terminals()[0]
	want := &compago.Intent{ID: in.ID, Status: compago.StatusPending, Amount: 35050, AmountKnown: true, Currency: "MXN",
		ExternalID: "order_12345_pos", OrganizationID: term.OrganizationID, TerminalID: term.ID}
	if diff := cmp.Diff(want, in, ignoreTimes); diff != "" {
		t.Errorf("created intent (-want +got):\n%s", diff)
	}
	if in.CreatedAt.IsZero() || !in.CreatedAt.Equal(f.sim.Intents()[0].CreatedAt) {
		t.Errorf("createdAt = %v, want the simulator's %v", in.CreatedAt, f.sim.Intents()[0].CreatedAt)
	}

	polled, err := f.client.Get(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&compago.Intent{ID: in.ID, Status: compago.StatusPending}, polled); diff != "" {
		t.Errorf("poll before the card (-want +got):\n%s", diff)
	}
	if polled.Final() {
		t.Error("a pending intent reads as final: polling would stop before the customer pays")
	}

	if _, err := f.sim.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	polled, err = f.client.Get(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !polled.Charged() || !polled.Final() || polled.Status != compago.StatusConfirmed {
		t.Errorf("poll after the card was charged = %+v, want charged and final", polled)
	}
}

func TestDeclinedCardIsNotAChargeAndPollingGoesOn(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	in := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	if _, err := f.sim.Decline(in.ID); err != nil {
		t.Fatal(err)
	}
	polled, err := f.client.Get(context.Background(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if polled.PaymentStatus != "DECLINED" || polled.Charged() || polled.Final() {
		t.Errorf("poll after a declined card = %+v, want DECLINED, not charged, not final", polled)
	}
}

func TestExpiredIntentIsFinalButStillPending(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	in := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1", TerminalCode: "TERMINAL-002"})
	f.sim.Advance(10 * time.Minute)
	polled, err := f.client.Get(context.Background(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !polled.Expired || polled.Status != compago.StatusPending || !polled.Final() || polled.Charged() {
		t.Errorf("poll after 10 minutes = %+v, want PENDING, expired, final, not charged", polled)
	}
}

func TestNewIntentOnATerminalCancelsTheOldOne(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	old := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1", TerminalCode: "TERMINAL-001"})
	f.create(t, compago.CreateParams{Amount: 200, ExternalID: "order-2", TerminalCode: "TERMINAL-001"})
	polled, err := f.client.Get(context.Background(), old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if polled.Status != compago.StatusCancelled || !polled.Final() {
		t.Errorf("the replaced intent polls as %+v, want CANCELLED", polled)
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	ctx := context.Background()
	pending := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-1"})
	got, err := f.client.Cancel(ctx, pending.ID)
	if err != nil || got.Status != compago.StatusCancelled || got.ID != pending.ID || got.Amount != 100 {
		t.Errorf("cancel of a pending intent = %+v, %v; want it CANCELLED", got, err)
	}
	if got, err := f.client.Cancel(ctx, pending.ID); err != nil || got.Status != compago.StatusCancelled {
		t.Errorf("cancel repeated = %+v, %v; want CANCELLED again", got, err)
	}

	paid := f.create(t, compago.CreateParams{Amount: 100, ExternalID: "order-2"})
	f.sim.Approve(paid.ID)
	_, err = f.client.Cancel(ctx, paid.ID)
	if !errors.Is(err, compago.ErrAlreadyConfirmed) {
		t.Errorf("cancel of a paid intent: %v, want ErrAlreadyConfirmed (the customer paid)", err)
	}
	if got := f.sim.Requests()["POST /api/payment-intent/{id}/cancel"]; got != 3 {
		t.Errorf("%d cancel requests, want 3: a 4xx is never retried", got)
	}
}

func TestDocumentedErrorsHaveTheirKinds(t *testing.T) {
	orgs := []compagosim.Org{
		{Name: "Shop", APIKey: key, Terminals: []string{"TERMINAL-001"}},
		{Name: "Other", APIKey: "other-key", Terminals: []string{"OTHER-1"}},
	}
	f := newFixture(t, compagosim.Options{Orgs: orgs, OrphanKeys: []string{"orphan-key"}})
	ctx := context.Background()
	f.create(t, compago.CreateParams{Amount: 100, ExternalID: "taken"})
	other, _ := compago.NewClient(f.url, "other-key", fast()...)
	foreign, err := other.Create(ctx, compago.CreateParams{Amount: 100, ExternalID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, _ := compago.NewClient(f.url, "wrong-key", fast()...)
	orphan, _ := compago.NewClient(f.url, "orphan-key", fast()...)

	for _, tc := range []struct {
		name string
		call func() error
		want error
		code int
	}{
		{"wrong API key", func() error { _, err := wrongKey.Get(ctx, foreign.ID); return err }, compago.ErrUnauthorized, 401},
		{"user without organization", func() error {
			_, err := orphan.Create(ctx, compago.CreateParams{Amount: 1, ExternalID: "y"})
			return err
		}, compago.ErrNoOrganization, 400},
		{"unknown terminal", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 1, ExternalID: "y", TerminalCode: "NOPE"})
			return err
		}, compago.ErrTerminalNotFound, 404},
		{"another organization's terminal", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 1, ExternalID: "y", TerminalCode: "OTHER-1"})
			return err
		}, compago.ErrTerminalNotFound, 404},
		{"duplicate externalId", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 1, ExternalID: "taken"})
			return err
		}, compago.ErrDuplicateExternalID, 409},
		{"absurd amount", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 1 << 40, ExternalID: "y"})
			return err
		}, compago.ErrValidation, 400},
		{"unknown intent", func() error {
			_, err := f.client.Get(ctx, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
			return err
		}, compago.ErrIntentNotFound, 404},
		{"another organization's intent", func() error { _, err := f.client.Get(ctx, foreign.ID); return err }, compago.ErrIntentNotFound, 404},
		{"cancel of another organization's intent", func() error { _, err := f.client.Cancel(ctx, foreign.ID); return err }, compago.ErrIntentNotFound, 404},
		{"zero amount, not sent", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 0, ExternalID: "y"})
			return err
		}, compago.ErrValidation, 0},
		{"no externalId, not sent", func() error {
			_, err := f.client.Create(ctx, compago.CreateParams{Amount: 1})
			return err
		}, compago.ErrValidation, 0},
		{"no intent id, not sent", func() error { _, err := f.client.Get(ctx, ""); return err }, compago.ErrValidation, 0},
	} {
		err := tc.call()
		var ce *compago.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.StatusCode != tc.code {
			t.Errorf("%s: got %v, want kind %q with status %d", tc.name, err, tc.want, tc.code)
		}
	}
	if n := len(f.sim.Intents()); n != 2 {
		t.Errorf("%d intents exist, want the 2 valid ones", n)
	}
}

func TestThirtyTwoConcurrentCreatesWithOneExternalID(t *testing.T) {
	f := newFixture(t, compagosim.Options{})
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			_, err := f.client.Create(context.Background(), compago.CreateParams{Amount: 999, ExternalID: "order-7-1", TerminalCode: "TERMINAL-003"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	won, dup := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, compago.ErrDuplicateExternalID):
			dup++
		default:
			t.Errorf("a concurrent create failed with %v", err)
		}
	}
	if won != 1 || dup != 31 || len(f.sim.Intents()) != 1 {
		t.Errorf("32 concurrent creates: %d won, %d duplicates, %d intents; want 1, 31, 1", won, dup, len(f.sim.Intents()))
	}
}

func TestClientNeverShowsTheAPIKey(t *testing.T) {
	const secretKey = "sk_live_do-not-print-me"
	sim := compagosim.New(compagosim.Options{Orgs: []compagosim.Org{{Name: "Shop", APIKey: secretKey}}})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	ctx := context.Background()
	c, err := compago.NewClient(ts.URL, secretKey, fast(compago.WithRetries(1))...)
	if err != nil {
		t.Fatal(err)
	}
	wrong, _ := compago.NewClient(ts.URL, secretKey+"x", fast()...)
	var errs []error
	_, err = wrong.Get(ctx, "x")
	errs = append(errs, err)
	_, err = c.Get(ctx, "x")
	errs = append(errs, err)
	sim.SetFaults(compagosim.Faults{ErrorRate: 1, Status: 400, Body: `{"message":"bad key ` + secretKey + `"}`})
	_, err = c.Get(ctx, "x")
	errs = append(errs, err)
	var ce *compago.Error
	if errors.As(err, &ce) && strings.Contains(ce.Message, secretKey) {
		t.Errorf("an answer echoing the key kept it in Message: %q", ce.Message)
	}
	sim.ClearFaults()
	ts.Close()
	_, err = c.Create(ctx, compago.CreateParams{Amount: 1, ExternalID: "x"})
	errs = append(errs, err)

	shown := []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)}
	for _, err := range errs {
		shown = append(shown, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
	}
	for _, s := range shown {
		if strings.Contains(s, secretKey) {
			t.Errorf("the API key shows in %q", s)
		}
	}
}

func TestNewClientRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name, url, key string
		opts           []compago.Option
	}{
		{"relative URL", "/api", key, nil},
		{"ftp URL", "ftp://x", key, nil},
		{"credentials in the URL", "https://u:p@x", key, nil},
		{"no key", "https://x", " ", nil},
		{"zero timeout", "https://x", key, []compago.Option{compago.WithTimeout(0)}},
		{"no attempt", "https://x", key, []compago.Option{compago.WithRetries(0)}},
		{"backoff upside down", "https://x", key, []compago.Option{compago.WithBackoff(time.Second, time.Millisecond)}},
	} {
		if _, err := compago.NewClient(tc.url, tc.key, tc.opts...); err == nil {
			t.Errorf("%s: NewClient accepted it", tc.name)
		}
	}
}

func TestBaseURLEndingInAPIIsTheSameAPI(t *testing.T) {
	sim := compagosim.New(compagosim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	c, err := compago.NewClient(ts.URL+"/api/", key, fast()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), compago.CreateParams{Amount: 1, ExternalID: "x"}); err != nil {
		t.Errorf("create through a base URL ending in /api: %v", err)
	}
}

func TestDeepLink(t *testing.T) {
	got := compago.DeepLink("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
	if want := "compago-pos-app:///charge/payment-intent/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"; got != want {
		t.Errorf("DeepLink = %q, want %q", got, want)
	}
}
