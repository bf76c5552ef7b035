package compago

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// wireIntent is every field Compago is known to send. Unknown fields are
// ignored; a known field of the wrong JSON type is an error.
type wireIntent struct {
	ID             string          `json:"id"`
	Status         string          `json:"status"`
	Expired        bool            `json:"expired"`
	Amount         json.RawMessage `json:"amount"`
	Currency       string          `json:"currency"`
	ExternalID     string          `json:"externalId"`
	OrganizationID string          `json:"organizationId"`
	TerminalID     string          `json:"terminalId"`
	PaymentSummary *struct {
		Status string `json:"status"`
	} `json:"paymentSummary"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

// decodeIntent decodes an intent in the short or the full shape.
func decodeIntent(body []byte) (*Intent, error) {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("answer is not a JSON object")
	}
	var w wireIntent
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("decode payment intent: %w", err)
	}
	status := strings.ToUpper(strings.TrimSpace(w.Status))
	if status == "" {
		return nil, errors.New("payment intent has no status")
	}
	amount, err := decodeAmount(w.Amount)
	if err != nil {
		return nil, err
	}
	in := &Intent{
		ID: w.ID, Status: Status(status), Expired: w.Expired, Amount: amount, AmountKnown: amountPresent(w.Amount),
		Currency: w.Currency, ExternalID: w.ExternalID, OrganizationID: w.OrganizationID,
		TerminalID: w.TerminalID, CreatedAt: decodeTime(w.CreatedAt), UpdatedAt: decodeTime(w.UpdatedAt),
	}
	switch status {
	case "CANCELED": // the other spelling
		in.Status = StatusCancelled
	case "EXPIRED": // should expiry ever become a status, it still means expired
		in.Expired = true
	}
	if w.PaymentSummary != nil {
		in.PaymentStatus = strings.ToUpper(strings.TrimSpace(w.PaymentSummary.Status))
	}
	return in, nil
}

// amountPresent reports whether the answer carried an amount at all.
func amountPresent(raw json.RawMessage) bool {
	t := string(bytes.TrimSpace(raw))
	return t != "" && t != "null"
}

// decodeCreated decodes a create answer: without an id, nobody can poll or
// cancel the intent, so the answer is unusable.
func decodeCreated(body []byte) (*Intent, error) {
	in, err := decodeIntent(body)
	if err != nil {
		return nil, err
	}
	if in.ID == "" {
		return nil, errors.New("created payment intent has no id")
	}
	return in, nil
}

// decodeFor decodes the answer about intent id; an answer that names
// another intent is unusable, one that names none is taken as about id.
func decodeFor(id string) decoder {
	return func(body []byte) (*Intent, error) {
		in, err := decodeIntent(body)
		if err != nil {
			return nil, err
		}
		switch in.ID {
		case "":
			in.ID = id
		case id:
		default:
			return nil, &wrongIntentError{asked: id, got: in.ID}
		}
		return in, nil
	}
}

// decodeTime reads the document's timestamps. They are informative only, so
// one in an unknown format is left zero rather than failing a poll.
func decodeTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// maxExponent bounds a number's exponent before exact arithmetic, so that a
// hostile 1e999999999 cannot make big.Rat build a gigantic number.
const maxExponent = 30

// decodeAmount reads a JSON number of pesos (or a string holding one, as
// some decimal types serialize) into centavos, rounded half away from zero.
// Absent or null is 0.
func decodeAmount(raw json.RawMessage) (int64, error) {
	t := string(bytes.TrimSpace(raw))
	if t == "" || t == "null" {
		return 0, nil
	}
	if t[0] == '"' {
		if err := json.Unmarshal(raw, &t); err != nil {
			return 0, fmt.Errorf("decode amount: %w", err)
		}
		t = strings.TrimSpace(t)
	}
	if !validNumber(t) {
		return 0, fmt.Errorf("amount %.40q is not a number", t)
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return 0, fmt.Errorf("amount %.40q is not a number", t)
	}
	r.Mul(r, big.NewRat(100, 1))
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if rem.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	if q.Sign() < 0 || !q.IsInt64() {
		return 0, fmt.Errorf("amount %.40q is out of range", t)
	}
	return q.Int64(), nil
}

// validNumber accepts the JSON number grammar, short and with a bounded
// exponent.
func validNumber(s string) bool {
	if len(s) > 64 {
		return false
	}
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if !digitsOnly(intPart) || (len(intPart) > 1 && intPart[0] == '0') || (hasFrac && !digitsOnly(frac)) {
		return false
	}
	if !hasExp {
		return true
	}
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		exp = exp[1:]
	}
	n, err := strconv.Atoi(exp)
	return digitsOnly(exp) && err == nil && n <= maxExponent
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatCentavos writes centavos as a JSON number with two decimals.
func formatCentavos(c int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", c/100, c%100))
}

// wrongIntentError is a 2xx answer about another intent than the one asked.
type wrongIntentError struct{ asked, got string }

func (e *wrongIntentError) Error() string {
	return fmt.Sprintf("answer is about payment intent %q, not %q", e.got, e.asked)
}
