package odoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// dateTimeLayout is how Odoo writes datetimes on the wire: naive, UTC.
const dateTimeLayout = "2006-01-02 15:04:05"

var jsonFalse = []byte("false")

// empty reports Odoo's "no value": false (or null, which JSON-2 may send).
func empty(b []byte) bool {
	b = bytes.TrimSpace(b)
	return bytes.Equal(b, jsonFalse) || bytes.Equal(b, []byte("null"))
}

// Many2One is a many2one value: [id, "display name"], false, or a bare id
// (read with load false).
type Many2One struct {
	ID   int64
	Name string
}

func (m *Many2One) UnmarshalJSON(b []byte) error {
	*m = Many2One{}
	if empty(b) {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		return m.setID(v, b)
	case []any:
		if len(v) == 0 {
			return nil
		}
		id, ok := v[0].(float64)
		if !ok {
			return fmt.Errorf("odoo: many2one %s: id is not a number", snippet(b))
		}
		if len(v) > 1 {
			m.Name, _ = v[1].(string) // false when the record has no name
		}
		return m.setID(id, b)
	}
	return fmt.Errorf("odoo: cannot read %s as a many2one", snippet(b))
}

func (m *Many2One) setID(f float64, b []byte) error {
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("odoo: many2one %s: id is not an integer", snippet(b))
	}
	m.ID = int64(f)
	return nil
}

// MarshalJSON writes what Odoo takes for a many2one: the id, or false.
func (m Many2One) MarshalJSON() ([]byte, error) {
	if m.ID == 0 {
		return jsonFalse, nil
	}
	return strconv.AppendInt(nil, m.ID, 10), nil
}

// String is a char/text/selection value; false reads as "".
type String string

func (s *String) UnmarshalJSON(b []byte) error {
	if empty(b) {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("odoo: cannot read %s as a string", snippet(b))
	}
	*s = String(v)
	return nil
}

// DateTime is a datetime (or date) value: Odoo sends naive UTC strings
// "YYYY-MM-DD HH:MM:SS"; false reads as the zero time. The time is in UTC.
type DateTime struct{ time.Time }

func (d *DateTime) UnmarshalJSON(b []byte) error {
	d.Time = time.Time{}
	if empty(b) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("odoo: cannot read %s as a datetime", snippet(b))
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// MarshalJSON writes Odoo's form: "YYYY-MM-DD HH:MM:SS" in UTC, or false.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return jsonFalse, nil
	}
	return json.Marshal(FormatDateTime(d.Time))
}

// FormatDateTime writes t the way Odoo reads datetimes: naive UTC.
func FormatDateTime(t time.Time) string { return t.UTC().Format(dateTimeLayout) }

// ParseDateTime reads Odoo's naive UTC datetime (fractional seconds
// allowed) or a date "YYYY-MM-DD" (midnight UTC).
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("odoo: %q is not a datetime (want YYYY-MM-DD HH:MM:SS)", s)
}

// Float is a float or monetary value; false reads as 0.
type Float float64

func (f *Float) UnmarshalJSON(b []byte) error {
	if empty(b) {
		*f = 0
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("odoo: cannot read %s as a number", snippet(b))
	}
	*f = Float(v)
	return nil
}

// Centavos is the amount in centavos, rounded like Centavos(float64(f)).
func (f Float) Centavos() int64 { return Centavos(float64(f)) }

// Centavos converts an amount from Odoo to integer centavos, rounding half
// away from zero at 2 decimals. It rounds the shortest decimal that reads
// back as f (what Odoo printed), not f's binary value: 1.005 is stored as
// 1.00499999999999989..., yet gives 101 as a person expects. NaN gives 0;
// beyond ±9e15 the answer saturates.
func Centavos(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= 9e15:
		return math.MaxInt64
	case f <= -9e15:
		return math.MinInt64
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac += "000"
	n, _ := strconv.ParseInt(whole+frac[:2], 10, 64) // at most 18 digits: fits
	if frac[2] >= '5' {
		n++
	}
	if f < 0 {
		n = -n
	}
	return n
}

// Amount converts centavos to the float Odoo takes: 35050 -> 350.5. Below
// 2^53 centavos the float prints back as exactly two decimals.
func Amount(centavos int64) float64 { return float64(centavos) / 100 }
