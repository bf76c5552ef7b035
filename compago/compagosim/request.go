package compagosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits the document leaves open (see doc.go).
const (
	MaxAmount           = 100_000_000 // centavos: 1,000,000.00 MXN
	MaxExternalIDLength = 255         // characters
)

// decodeCreate checks a create request body in a fixed order: JSON object,
// amount, currency, externalId, terminalCode. Unknown fields are ignored.
func decodeCreate(body []byte) (createParams, *apiError) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return createParams{}, badRequest(msgInvalidJSON)
	}
	var p createParams
	var msg string
	if p.amount, msg = parseAmount(raw["amount"]); msg != "" {
		return createParams{}, badRequest(msg)
	}
	if currency, ok := stringField(raw["currency"]); !ok || currency != "MXN" {
		return createParams{}, badRequest(msgCurrency)
	}
	if p.externalID, msg = parseExternalID(raw["externalId"]); msg != "" {
		return createParams{}, badRequest(msg)
	}
	code, ok := stringField(raw["terminalCode"])
	if !ok {
		return createParams{}, badRequest("terminalCode must be a string")
	}
	p.terminalCode = code
	return p, nil
}

func badRequest(msg string) *apiError { return &apiError{400, msg} }

// stringField decodes an optional string: absent or null is "".
func stringField(raw json.RawMessage) (string, bool) {
	if isAbsent(raw) {
		return "", true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func isAbsent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func parseExternalID(raw json.RawMessage) (string, string) {
	if isAbsent(raw) {
		return "", "externalId is required"
	}
	id, ok := stringField(raw)
	switch {
	case !ok:
		return "", "externalId must be a string"
	case strings.TrimSpace(id) == "":
		return "", "externalId must not be empty"
	case utf8.RuneCountInString(id) > MaxExternalIDLength:
		return "", fmt.Sprintf("externalId must be at most %d characters", MaxExternalIDLength)
	}
	return id, ""
}

// parseAmount turns a JSON number of pesos into centavos, exactly: no float
// is involved, so 0.1 + 0.2 questions never arise. It answers a message
// for the client when the amount is not acceptable.
func parseAmount(raw json.RawMessage) (int64, string) {
	if isAbsent(raw) {
		return 0, "amount is required"
	}
	t := string(bytes.TrimSpace(raw))
	if t[0] != '-' && (t[0] < '0' || t[0] > '9') {
		return 0, "amount must be a number"
	}
	neg, digits, shift, ok := splitNumber(t)
	if !ok {
		return 0, "amount must be a number"
	}
	digits = strings.TrimLeft(digits, "0")
	if neg || digits == "" {
		return 0, "amount must be greater than 0"
	}
	tooLarge := fmt.Sprintf("amount must not exceed %s", formatAmount(MaxAmount))
	switch {
	case shift < 0:
		if -shift >= len(digits) || strings.Trim(digits[len(digits)+shift:], "0") != "" {
			return 0, "amount must have at most 2 decimal places"
		}
		digits = digits[:len(digits)+shift]
	case shift > 18:
		return 0, tooLarge
	case shift > 0:
		digits += strings.Repeat("0", shift)
	}
	if len(digits) > 18 {
		return 0, tooLarge
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v > MaxAmount {
		return 0, tooLarge
	}
	return v, ""
}

// splitNumber splits a JSON number into its sign, its significant digits and
// the power of ten that turns those digits into centavos.
func splitNumber(t string) (neg bool, digits string, shift int, ok bool) {
	if t[0] == '-' {
		neg, t = true, t[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(t), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return false, "", 0, false
	}
	e := 0
	if hasExp {
		exp = strings.TrimPrefix(exp, "+")
		// Beyond six digits the exponent can only mean absurdly large or
		// absurdly small; clamp it rather than build a huge number.
		n, err := strconv.Atoi(exp)
		if err != nil {
			if len(exp) < 2 || !allDigits(strings.TrimPrefix(exp, "-")) {
				return false, "", 0, false
			}
			n = 1_000_000
			if exp[0] == '-' {
				n = -n
			}
		}
		e = max(min(n, 1_000_000), -1_000_000)
	}
	return neg, intPart + frac, e - len(frac) + 2, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatAmount writes centavos as a JSON number with two decimals: 350.50.
func formatAmount(centavos int64) json.Number {
	sign := ""
	if centavos < 0 {
		sign, centavos = "-", -centavos
	}
	return json.Number(fmt.Sprintf("%s%d.%02d", sign, centavos/100, centavos%100))
}
