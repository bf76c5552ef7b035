package odoo

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"testing"
)

// recordedAnswers are the real answers of one transport, as fuzz seeds.
func recordedAnswers(f *testing.F, transport string) (status []int, bodies [][]byte) {
	for _, name := range []string{"testdata/wire/odoo-17.0.jsonl", "testdata/wire/odoo-18.0.jsonl", "testdata/wire/odoo-19.0.jsonl"} {
		file, err := os.Open(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			var ex struct {
				Transport string          `json:"transport"`
				Status    int             `json:"status"`
				Response  json.RawMessage `json:"response"`
			}
			if json.Unmarshal(sc.Bytes(), &ex) != nil || ex.Transport != transport {
				continue
			}
			body := []byte(ex.Response)
			var s string
			if json.Unmarshal(ex.Response, &s) == nil {
				body = []byte(s) // XML text, or a plain-text error page
			}
			status, bodies = append(status, ex.Status), append(bodies, body)
		}
		file.Close()
	}
	return status, bodies
}

// checkDecoded holds for every decoder: a result is valid JSON, an error is
// an *Error, never both, and nothing panics.
func checkDecoded(t *testing.T, raw json.RawMessage, e *Error) {
	if e != nil {
		if raw != nil {
			t.Fatalf("both a result %s and an error %v", raw, e)
		}
		_ = e.Error()
		return
	}
	if !json.Valid(raw) {
		t.Fatalf("result is not JSON: %q", raw)
	}
}

func FuzzDecodeJSONRPC(f *testing.F) {
	status, bodies := recordedAnswers(f, "jsonrpc")
	for i := range bodies {
		f.Add(status[i], bodies[i])
	}
	f.Add(200, []byte(`{"jsonrpc": "2.0", "id": 7}`))
	f.Add(200, []byte(`{"jsonrpc": "2.0", "id": 7, "error": {"code": 0, "message": "Odoo Server Error"}}`))
	f.Add(502, []byte(`<html>Bad Gateway</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		raw, e := decodeJSONRPC(status, body)
		checkDecoded(t, raw, e)
	})
}

func FuzzDecodeXMLRPC(f *testing.F) {
	status, bodies := recordedAnswers(f, "xmlrpc")
	for i := range bodies {
		f.Add(status[i], bodies[i])
	}
	f.Add(200, []byte(`<?xml version="1.0"?><methodResponse><params><param><value><string></string></value></param></params></methodResponse>`))
	f.Add(200, []byte(`<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>warning -- MissingError

gone</string></value></member><member><name>faultString</name><value><string></string></value></member></struct></value></fault></methodResponse>`))
	f.Add(200, []byte(`<methodResponse><params><param><value><dateTime.iso8601>20261125T21:57:44</dateTime.iso8601></value></param></params></methodResponse>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		raw, e := decodeXMLRPC(status, body)
		checkDecoded(t, raw, e)
	})
}

func FuzzDecodeJSON2(f *testing.F) {
	status, bodies := recordedAnswers(f, "json2")
	for i := range bodies {
		f.Add(status[i], bodies[i])
	}
	f.Add(500, []byte(`{"name": "psycopg2.errors.SerializationFailure", "message": "could not serialize"}`))
	f.Add(401, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		raw, e := decodeJSON2(status, body)
		checkDecoded(t, raw, e)
	})
}

func FuzzCentavos(f *testing.F) {
	for _, c := range []int64{0, 1, 35050, 101, -101, 1 << 50} {
		f.Add(c, Amount(c))
	}
	f.Add(int64(0), 1.005)
	f.Add(int64(0), 0.295)
	f.Fuzz(func(t *testing.T, c int64, amount float64) {
		if c > -1<<53 && c < 1<<53 {
			if got := Centavos(Amount(c)); got != c {
				t.Fatalf("Centavos(Amount(%d)) = %d", c, got)
			}
		}
		if math.IsNaN(amount) || math.Abs(amount) > 1e13 {
			return
		}
		if got := Centavos(amount); math.Abs(float64(got)-amount*100) > 0.5000001 {
			t.Fatalf("Centavos(%v) = %d, more than half a centavo off", amount, got)
		}
	})
}

func FuzzDecodeOdooShapes(f *testing.F) {
	for _, s := range []string{`[7, "Shop"]`, `false`, `7`, `"2026-11-25 21:57:44"`, `350.5`, `null`, `[]`, `[1e400]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Many2One
		var s String
		var d DateTime
		var x Float
		var fi FieldInfo
		_ = m.UnmarshalJSON(b)
		_ = s.UnmarshalJSON(b)
		_ = d.UnmarshalJSON(b)
		_ = x.UnmarshalJSON(b)
		_ = fi.UnmarshalJSON(b)
	})
}
