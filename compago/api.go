package compago

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

const intentsPath = "/api/payment-intent"

// Create creates a payment intent. Retries reuse p.ExternalID, so Compago's
// uniqueness rule guarantees at most one intent per call. When an attempt
// may have reached Compago without an answer, the call can no longer report
// a plain failure: it returns ErrOutcomeUnknown, whatever later attempts
// answer (a duplicate externalId then means the first attempt probably
// worked). A duplicate on the first attempt is ErrDuplicateExternalID.
func (c *Client) Create(ctx context.Context, p CreateParams) (*Intent, error) {
	body, e := encodeCreate(p)
	if e != nil {
		return nil, e
	}
	ambiguous := false
	for n := 1; ; n++ {
		in, e, sent := c.attempt(ctx, opCreate, http.MethodPost, intentsPath, body, decodeCreated)
		if e == nil {
			return in, nil
		}
		ambiguous = ambiguous || (sent && e.Kind == ErrUnavailable)
		if e.Kind != ErrDuplicateExternalID && retryable(e) && n < c.opts.attempts && c.pause(ctx, n, e.RetryAfter) {
			continue
		}
		if ambiguous {
			return nil, outcomeUnknown(e)
		}
		return nil, e
	}
}

// outcomeUnknown keeps the last answer's details but not its kind: a
// caller must not read "duplicate" or "not found" into an unknown outcome.
func outcomeUnknown(last *Error) *Error {
	u := *last
	u.Kind = ErrOutcomeUnknown
	if last.Kind != ErrUnavailable {
		u.Message = strings.TrimSpace(last.Kind.Error() + " after an unanswered attempt: " + last.Message)
	}
	return &u
}

type createBody struct {
	Amount       json.Number `json:"amount"`
	Currency     string      `json:"currency"`
	ExternalID   string      `json:"externalId"`
	TerminalCode string      `json:"terminalCode,omitempty"`
}

func encodeCreate(p CreateParams) ([]byte, *Error) {
	invalid := func(msg string) *Error { return &Error{Op: opCreate, Kind: ErrValidation, Message: msg} }
	switch {
	case p.Amount <= 0:
		return nil, invalid("amount must be positive")
	case strings.TrimSpace(p.ExternalID) == "":
		return nil, invalid("externalId is required")
	}
	body, err := json.Marshal(createBody{Amount: formatCentavos(p.Amount), Currency: Currency,
		ExternalID: p.ExternalID, TerminalCode: p.TerminalCode})
	if err != nil {
		return nil, &Error{Op: opCreate, Kind: ErrValidation, Err: err}
	}
	return body, nil
}

// Get polls a payment intent. Compago answers the short shape
// (ID, Status, Expired, PaymentStatus); fuller answers are decoded too.
func (c *Client) Get(ctx context.Context, id string) (*Intent, error) {
	path, e := intentPath(opGet, id, "")
	if e != nil {
		return nil, e
	}
	return c.retrying(ctx, func() (*Intent, *Error, bool) {
		return c.attempt(ctx, opGet, http.MethodGet, path, nil, decodeFor(id))
	})
}

// Cancel cancels a pending payment intent and returns it as answered (it
// may be partial). ErrAlreadyConfirmed is what Compago claims: the customer
// probably paid. Neither it nor a 200 CANCELLED proves anything about money;
// a caller reads the intent (Get) before it believes either.
func (c *Client) Cancel(ctx context.Context, id string) (*Intent, error) {
	path, e := intentPath(opCancel, id, "/cancel")
	if e != nil {
		return nil, e
	}
	return c.retrying(ctx, func() (*Intent, *Error, bool) {
		return c.attempt(ctx, opCancel, http.MethodPost, path, nil, decodeFor(id))
	})
}

func intentPath(op, id, suffix string) (string, *Error) {
	if strings.TrimSpace(id) == "" {
		return "", &Error{Op: op, Kind: ErrValidation, Message: "payment intent id is required"}
	}
	return intentsPath + "/" + url.PathEscape(id) + suffix, nil
}
