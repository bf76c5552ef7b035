package odoosim

import (
	"math"
	"strconv"
	"strings"
)

// pyFloat formats f the way Python's repr does, which is what Odoo's JSON and
// XML-RPC answers carry: 0.0, 350.5, 1e+16, 1e-05.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		return mant + "e" + pyExp(exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func pyExp(exp int) string {
	sign := "+"
	if exp < 0 {
		sign, exp = "-", -exp
	}
	s := strconv.Itoa(exp)
	if len(s) < 2 {
		s = "0" + s
	}
	return sign + s
}

// pyRepr renders a value as Python's repr would inside an error message
// ("Wrong value for pos.order.x_state: 'bogus'").
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return pyFloat(v)
	case string:
		q := "'"
		if strings.Contains(v, "'") && !strings.Contains(v, `"`) {
			q = `"`
		}
		var b strings.Builder
		b.WriteString(q)
		for _, r := range v {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case string(r) == q:
				b.WriteString(`\` + q)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\t':
				b.WriteString(`\t`)
			case r == '\r':
				b.WriteString(`\r`)
			case r < 0x20 || r == 0x7f:
				b.WriteString(`\x` + strconv.FormatInt(int64(r)+0x100, 16)[1:])
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString(q)
		return b.String()
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

// floatRound is odoo.tools.float_round with HALF-UP, including its epsilon
// correction for binary representation error (1.005 rounds to 1.01).
func floatRound(value, precision float64) float64 {
	if precision <= 0 || value == 0 {
		return value
	}
	normalized := value / precision
	magnitude := math.Log2(math.Abs(normalized))
	eps := math.Pow(2, magnitude-52)
	if normalized > 0 {
		normalized += eps
	} else {
		normalized -= eps
	}
	rounded := math.Round(normalized) // half away from zero, as Odoo's HALF-UP
	return rounded * precision
}

// floatIsZero is odoo.tools.float_is_zero with precision_rounding.
func floatIsZero(value, precision float64) bool {
	return math.Abs(floatRound(value, precision)) < precision
}
