package compago

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAmountsRoundTripThroughTheWire(t *testing.T) {
	for _, c := range []int64{1, 99, 100, 35050, 100_000_000, 1<<53 + 1} {
		got, err := decodeAmount(json.RawMessage(formatCentavos(c)))
		if err != nil || got != c {
			t.Errorf("%d centavos written as %s read back as %d (%v)", c, formatCentavos(c), got, err)
		}
	}
	if got := formatCentavos(35050); got != "350.50" {
		t.Errorf("35050 centavos are sent as %s, want 350.50", got)
	}
}

func TestAmountsFromCompagoAreReadTolerantly(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
	}{
		{`350.50`, 35050}, {`350.5`, 35050}, {`"350.50"`, 35050}, {`3.505e2`, 35050},
		{`null`, 0}, {``, 0}, {`1.005`, 101}, {`1.004`, 100}, {`0.125`, 13}, {`2E1`, 2000},
	} {
		got, err := decodeAmount(json.RawMessage(tc.raw))
		if err != nil || got != tc.want {
			t.Errorf("amount %s read as %d (%v), want %d", tc.raw, got, err, tc.want)
		}
	}
	for _, raw := range []string{`"ten"`, `true`, `{}`, `-1`, `1e999999999`, `01`, `1.`, `.5`, `"0x10"`, `1e400`, `99999999999999999999`} {
		if got, err := decodeAmount(json.RawMessage(raw)); err == nil {
			t.Errorf("amount %s read as %d, want an error", raw, got)
		}
	}
}

func TestErrorKindFollowsTheDocumentsTable(t *testing.T) {
	for _, tc := range []struct {
		op     string
		status int
		msg    string
		want   error
	}{
		{opCreate, 400, "User does not have an organization", ErrNoOrganization},
		{opCreate, 400, "Only MXN currency is supported.", ErrCurrency},
		{opCancel, 400, "Payment intent already confirmed", ErrAlreadyConfirmed},
		{opGet, 401, "Unauthorized", ErrUnauthorized},
		{opGet, 403, "Forbidden resource", ErrUnauthorized},
		{opCreate, 404, "Terminal not found", ErrTerminalNotFound},
		{opGet, 404, "Payment intent not found", ErrIntentNotFound},
		{opCancel, 404, "Payment intent not found", ErrIntentNotFound},
		{opCreate, 409, "Payment intent with this externalId already exists", ErrDuplicateExternalID},
		{opCreate, 409, "", ErrDuplicateExternalID},
		{opCreate, 400, "A payment intent with external ID order-1 already exists", ErrDuplicateExternalID},
		{opCreate, 400, "externalId must be unique", ErrDuplicateExternalID},
		{opCancel, 409, "Payment intent already confirmed", ErrAlreadyConfirmed},
		{opGet, 404, "Cannot GET /v2/payment-intent/x", ErrValidation},
		{opGet, 404, "Payment intent does not exist", ErrIntentNotFound},
		{opGet, 404, "Not Found", ErrValidation},
		{opCreate, 404, "Not Found", ErrValidation},
		{opCreate, 400, "amount must be greater than 0", ErrValidation},
		{opGet, 429, "Too Many Requests", ErrRateLimited},
		{opGet, 408, "", ErrUnavailable},
		{opCreate, 502, "<html>bad gateway</html>", ErrUnavailable},
		{opGet, 302, "", ErrValidation},
		// "Already confirmed" is a cancel's answer only, and only a 400 or
		// 409: anywhere else it is no news of a charge.
		{opGet, 400, "Payment intent already confirmed", ErrValidation},
		{opCreate, 400, "Payment intent already confirmed", ErrValidation},
		{opCancel, 404, "Payment intent already confirmed", ErrValidation},
		{opCancel, 422, "Payment intent already confirmed", ErrValidation},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		body, _ := json.Marshal(map[string]string{"message": tc.msg})
		c := &Client{key: "k"}
		if got := c.responseError(tc.op, resp, body); got.Kind != tc.want {
			t.Errorf("%s answered %d %q: kind %q, want %q", tc.op, tc.status, tc.msg, got.Kind, tc.want)
		}
	}
}

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"2", 2 * time.Second}, {"0", 0}, {"-3", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999", 24 * time.Hour},
	} {
		if got := retryAfter(tc.v, now); got != tc.want {
			t.Errorf("Retry-After %q = %v, want %v", tc.v, got, tc.want)
		}
	}
}

// FuzzDecodeIntent feeds arbitrary answers to the intent decoder: never a
// panic, and an accepted answer has a status and a sane amount.
func FuzzDecodeIntent(f *testing.F) {
	f.Add([]byte(`{"id":"a","status":"PENDING","expired":false}`))
	f.Add([]byte(`{"id":"a","status":"CONFIRMED","expired":false,"paymentSummary":{"status":"SUCCESS"}}`))
	f.Add([]byte(`{"id":"a","status":"PENDING","amount":350.50,"currency":"MXN","externalId":"o","organizationId":"g","terminalId":null,"createdAt":"2026-03-11T10:00:00.000Z","updatedAt":"2026-03-11T10:00:00.000Z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeFor("a")(body)
		if err != nil {
			return
		}
		if in.Status == "" || in.Amount < 0 || in.ID != "a" {
			t.Fatalf("accepted %q as %+v", body, in)
		}
	})
}

// FuzzErrorMessage feeds arbitrary error answers to the message reader:
// never a panic, and the message is short, valid text.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`{"message":"Only MXN currency is supported."}`))
	f.Add([]byte(`{"message":["a","b"],"error":"Bad Request"}`))
	f.Add([]byte("<html>\x00\xff</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m := errorMessage(body)
		if len(m) > maxMessage+3 || !utf8.ValidString(m) {
			t.Fatalf("message %q from %q", m, body)
		}
	})
}

// Only CONFIRMED with paymentSummary SUCCESS is a charge: any other pairing
// is an answer the document does not show.
func TestOnlyConfirmedWithSuccessIsACharge(t *testing.T) {
	for _, tc := range []struct {
		status  Status
		summary string
		want    bool
	}{
		{StatusConfirmed, PaymentSuccess, true},
		{StatusConfirmed, "", false},
		{StatusConfirmed, "APPROVED", false},
		{StatusPending, PaymentSuccess, false},
		{StatusCancelled, PaymentSuccess, false},
		{"AUTHORIZED", PaymentSuccess, false},
	} {
		in := Intent{Status: tc.status, PaymentStatus: tc.summary}
		if got := in.Charged(); got != tc.want {
			t.Errorf("%s with paymentSummary %q: Charged() = %v, want %v", tc.status, tc.summary, got, tc.want)
		}
	}
}
