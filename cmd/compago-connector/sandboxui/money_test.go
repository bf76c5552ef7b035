package sandboxui

import (
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
)

func TestAmountTypedAtTheTillIsReadExactly(t *testing.T) {
	for in, want := range map[string]int64{
		"350.50": 35050, "350.5": 35050, "80": 8000, "0.01": 1, "$1,234.56": 123456,
		" 12.30 MXN ": 1230, "1000000.00": compagosim.MaxAmount, "0.10": 10, "007.00": 700,
	} {
		got, err := parseAmount(in)
		if err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0.00", "-5", "35.505", ".50", "5.", "1e3", "ten", "1000000.01",
		"99999999999999999999", "1.2.3", "+5", "5 5"} {
		if got, err := parseAmount(in); err == nil {
			t.Errorf("parseAmount(%q) = %d, want the cashier told to enter a proper amount", in, got)
		}
	}
}

// FuzzParseAmount: whatever the cashier types, the till never panics, and
// an accepted amount is chargeable and reads back the same when shown.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"350.50", "$1,234.5", "0.01", "1000000.00", "35.505", "", "٣٥٠", "9999999999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseAmount(s)
		if err != nil {
			return
		}
		if c <= 0 || c > compagosim.MaxAmount {
			t.Fatalf("parseAmount(%q) = %d, outside what Compago can charge", s, c)
		}
		shown := connector.MXN(c)
		back, err := parseAmount(shown)
		if err != nil || back != c {
			t.Fatalf("%q read as %d, shown as %q, read back as %d, %v", s, c, shown, back, err)
		}
		if !strings.HasSuffix(shown, " MXN") {
			t.Fatalf("shown as %q", shown)
		}
	})
}
