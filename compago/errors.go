package compago

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Kinds of failure, for errors.Is. Every error the Client returns is an
// *Error whose Kind is one of these.
var (
	ErrUnauthorized        = errors.New("unauthorized")                           // 401/403: bad or missing API key
	ErrNoOrganization      = errors.New("user does not have an organization")     // 400
	ErrCurrency            = errors.New("currency not supported")                 // 400: MXN only
	ErrTerminalNotFound    = errors.New("terminal not found")                     // 404
	ErrIntentNotFound      = errors.New("payment intent not found")               // 404, also another organization's intent
	ErrAlreadyConfirmed    = errors.New("payment intent already confirmed")       // 400/409 on cancel only: a claim to verify with a read, not proof of a charge
	ErrDuplicateExternalID = errors.New("externalId already used")                // create's first try met an existing externalId
	ErrValidation          = errors.New("request rejected")                       // any other 4xx, or bad parameters before sending
	ErrRateLimited         = errors.New("rate limited")                           // 429 after the retries
	ErrUnavailable         = errors.New("compago unavailable")                    // 5xx, timeout, connection error, unusable answer
	ErrWrongIntent         = errors.New("answer is about another payment intent") // 2xx naming another intent id: unusable, retried
	ErrOutcomeUnknown      = errors.New("outcome unknown: the intent may exist")  // create may have reached Compago
)

// Error is the one error type of the Client.
type Error struct {
	Op         string        // "create", "get" or "cancel"
	StatusCode int           // HTTP status, 0 when there was no answer
	Message    string        // the answer's message, if any (never the API key)
	RetryAfter time.Duration // the answer's Retry-After, 0 when absent
	Kind       error         // one of the Err* sentinels
	Err        error         // the underlying cause (transport, context, decoding), if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("compago " + e.Op + ": ")
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": http %d", e.StatusCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %q", e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, compago.ErrTerminalNotFound) work.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap gives the underlying cause, e.g. context.DeadlineExceeded.
func (e *Error) Unwrap() error { return e.Err }

// responseError maps a non-2xx answer to an *Error: by status, then by the
// message where the document's table shares a status between errors. It is
// the only place that reads error answers.
func (c *Client) responseError(op string, resp *http.Response, body []byte) *Error {
	msg := c.redact(errorMessage(body))
	e := &Error{Op: op, StatusCode: resp.StatusCode, Message: msg,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	e.Kind = errorKind(op, resp.StatusCode, strings.ToLower(msg))
	return e
}

func errorKind(op string, status int, m string) error {
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 || status == http.StatusRequestTimeout:
		return ErrUnavailable
	// The document lists "already confirmed" for a cancel only. The same
	// words on a read, a create or another status are no news of a charge.
	case op == opCancel && (status == http.StatusBadRequest || status == http.StatusConflict) && has("already confirmed"):
		return ErrAlreadyConfirmed
	case has("externalid", "external id", "external_id") && has("exist", "duplicate", "unique", "already", "taken"),
		status == http.StatusConflict && op == opCreate:
		return ErrDuplicateExternalID
	case status == http.StatusBadRequest && has("organization"):
		return ErrNoOrganization
	case status == http.StatusBadRequest && has("currency", "mxn"):
		return ErrCurrency
	// A 404 says which thing was not found. One that does not (a wrong URL:
	// "Cannot GET /api/payment-intent/x") is no proof that an intent does
	// not exist.
	case status == http.StatusNotFound && has("terminal") && has("not found", "does not exist"):
		return ErrTerminalNotFound
	case status == http.StatusNotFound && has("intent") && has("not found", "does not exist"):
		return ErrIntentNotFound
	}
	return ErrValidation
}

const maxMessage = 300

// errorMessage extracts {"message": "..."} (or a list of messages, as some
// frameworks send); failing that, the start of a text body.
func errorMessage(body []byte) string {
	var env struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		for _, raw := range []json.RawMessage{env.Message, env.Error} {
			var s string
			var list []string
			switch {
			case json.Unmarshal(raw, &s) == nil && s != "":
				return clip(s)
			case json.Unmarshal(raw, &list) == nil && len(list) > 0:
				return clip(strings.Join(list, "; "))
			}
		}
		return ""
	}
	return clip(string(body))
}

// clip keeps a message short and printable.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "..."
	}
	return s
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
