package safetext

import "testing"

func TestTerminalEscapesWhatATerminalWouldRun(t *testing.T) {
	for in, want := range map[string]string{
		"TERMINAL-001":            "TERMINAL-001",
		"Café 5 años":             "Café 5 años",
		"a\x1b[2Jb":               `a\x1b[2Jb`,
		"\x1b]0;pwned\a":          `\x1b]0;pwned\a`,
		"line\nFAKE\r":            `line\nFAKE\r`,
		"tab\there":               `tab\there`,
		"rtl\u202eevil":           `rtl\u202eevil`,
		"c1\u009bx":               `c1\u009bx`,
		`back\x1b`:                `back\\x1b`,
		"bad\xffutf8":             `bad\xffutf8`,
		"\x7f":                    `\x7f`,
		"=HYPERLINK(\"x\",\"y\")": "=HYPERLINK(\"x\",\"y\")",
	} {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCellNeutralisesFormulasButNotNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":         "'=1+1",
		"+cmd":         "'+cmd",
		"-2+3":         "'-2+3",
		"@SUM(A1)":     "'@SUM(A1)",
		"\t=1":         `\t=1`,
		"\r=1":         `\r=1`,
		"-80.00":       "-80.00",
		"1,234.50":     "1,234.50",
		"-":            "'-",
		"shop-12-1":    "shop-12-1",
		"":             "",
		"a\x1bb":       `a\x1bb`,
		"-1.2.3":       "'-1.2.3",
		"TERMINAL-001": "TERMINAL-001",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
