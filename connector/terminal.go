package connector

import (
	"errors"
	"fmt"
)

// MaxTerminalLen bounds a terminal code. Compago's serials are short
// (TERMINAL-001, a device serial); 64 leaves room for any vendor's.
const MaxTerminalLen = 64

// ValidTerminal checks a terminal code read from Odoo (x_compago_terminal,
// written by the POS or anyone who can write a pos.order) before it is
// journaled, sent to Compago or shown to anyone. Compago's serials are
// short plain ASCII, so the allowed set is letters, digits and "-", "_",
// ".", ":" and "/", at most MaxTerminalLen bytes, not empty. Anything else
// (spaces, control characters, a formula, non-ASCII look-alikes) is
// refused: it cannot be a serial, and it would otherwise reach the admin's
// terminal, a report and Compago verbatim.
func ValidTerminal(code string) error {
	switch {
	case code == "":
		return errors.New("terminal code is empty")
	case len(code) > MaxTerminalLen:
		return fmt.Errorf("terminal code is %d bytes long, at most %d allowed", len(code), MaxTerminalLen)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		switch c {
		case '-', '_', '.', ':', '/':
			if i == 0 {
				return fmt.Errorf("terminal code %q starts with %q: a serial starts with a letter or digit", code, c)
			}
			continue
		}
		return fmt.Errorf("terminal code %q has character %q at byte %d: only letters, digits and - _ . : / are allowed", code, c, i)
	}
	return nil
}
