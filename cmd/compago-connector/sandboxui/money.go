package sandboxui

import (
	"strings"

	"github.com/compago-odoo/connector/compago/compagosim"
)

// errAmount is what the cashier reads when the amount cannot be charged.
var errAmount = badRequest("Enter the amount in pesos, like 350.50 (more than 0, at most two decimals, at most 1,000,000.00 MXN).")

// parseAmount reads what the cashier typed ("350.50", "$1,234.5", "80")
// into centavos, exactly: no floats on the way. The limit is Compago's.
func parseAmount(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "MXN"))
	s = strings.ReplaceAll(strings.TrimPrefix(s, "$"), ",", "")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasDot && frac == "") {
		return 0, errAmount
	}
	var c int64
	for _, r := range whole + frac + "00"[len(frac):] {
		if r < '0' || r > '9' {
			return 0, errAmount
		}
		c = c*10 + int64(r-'0')
		if c > compagosim.MaxAmount*100 { // stop long before int64 overflows
			return 0, errAmount
		}
	}
	if c <= 0 || c > compagosim.MaxAmount {
		return 0, errAmount
	}
	return c, nil
}
