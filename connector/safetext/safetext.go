// Package safetext makes text that came from outside (Odoo fields a
// cashier can write, answers of Odoo, Compago or whatever listens on a
// port) safe to show a person: on a terminal, where escape sequences run
// (clear the screen, retitle the window, rewrite the clipboard) and a
// newline forges a line; and in a CSV cell, which a spreadsheet runs as a
// formula when it starts with = + - or @ (or tab or CR before one).
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with every character a terminal would not print as
// itself escaped the way Go quotes it: control characters (ESC, BEL, tab,
// newline, CR, DEL, C1), format characters such as the bidirectional
// overrides that reorder what is shown, and invalid UTF-8. A backslash is
// doubled so that an escape cannot be forged. Printable text, accents
// included, is unchanged.
func Terminal(s string) string {
	clean := true
	for _, r := range s {
		if r == '\\' || r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case unicode.IsPrint(r) || r == ' ':
			b.WriteRune(r)
		default:
			q := fmt.Sprintf("%+q", string(r)) // e.g. "\x1b", "\n", "\u202e"
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// CSVCell returns s as a CSV cell a spreadsheet shows as text: escaped as
// for Terminal, and, when it starts with = + - @ tab or CR, prefixed with
// a single quote (the usual neutralisation: spreadsheets take the cell as
// text and hide the quote). A plain number, such as a refund's -80.00,
// is left alone: it cannot be a formula, and stays a number.
func CSVCell(s string) string {
	s = Terminal(s)
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || number(s) {
		return s
	}
	return "'" + s
}

// number reports a plain decimal number: an optional leading minus, then
// digits with optional thousands commas and one decimal point.
func number(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c == ',':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}
