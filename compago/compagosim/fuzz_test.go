package compagosim

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCreate feeds arbitrary bodies to the create request decoder: it
// must never panic, and what it accepts must obey the create rules.
func FuzzDecodeCreate(f *testing.F) {
	f.Add([]byte(`{"amount": 350.50, "currency": "MXN", "externalId": "order_12345_pos", "terminalCode": "TERMINAL-001"}`))
	f.Add([]byte(`{"amount": 1e-400, "currency": "MXN", "externalId": "a"}`))
	f.Add([]byte(`{"amount": -0.0, "currency": "MXN", "externalId": "a"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeCreate(body)
		if err != nil {
			if err.status != 400 || err.message == "" {
				t.Fatalf("rejection %v is not a 400 with a message", err)
			}
			return
		}
		if p.amount <= 0 || p.amount > MaxAmount {
			t.Fatalf("accepted amount %d centavos is out of range", p.amount)
		}
		if p.externalID == "" || utf8.RuneCountInString(p.externalID) > MaxExternalIDLength {
			t.Fatalf("accepted externalId %q", p.externalID)
		}
		// The amount written back must read back the same.
		again, msg := parseAmount(json.RawMessage(formatAmount(p.amount)))
		if msg != "" || again != p.amount {
			t.Fatalf("amount %d written as %s reads back as %d %q", p.amount, formatAmount(p.amount), again, msg)
		}
	})
}
