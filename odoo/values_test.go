package odoo_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo"
	"github.com/google/go-cmp/cmp"
)

func TestCentavosRoundsHalfAwayFromZeroAsPrinted(t *testing.T) {
	cases := []struct {
		amount float64
		want   int64
	}{
		{350.5, 35050}, {0.295, 30}, {1.005, 101}, {2.675, 268}, {0.1 + 0.2, 30},
		{-1.005, -101}, {-350.5, -35050}, {0.004, 0}, {0.005, 1}, {-0.005, -1},
		{0, 0}, {99999999.99, 9999999999}, {1e-9, 0}, {123.456, 12346}, {10, 1000},
		{math.NaN(), 0},
	}
	for _, tc := range cases {
		if got := odoo.Centavos(tc.amount); got != tc.want {
			t.Errorf("Centavos(%v) = %d, want %d", tc.amount, got, tc.want)
		}
	}
}

func TestAmountReadsBackAsTheSameCentavos(t *testing.T) {
	for _, c := range []int64{0, 1, 5, 10, 35050, 101, -101, 999999999999, 123456789012345} {
		a := odoo.Amount(c)
		if got := odoo.Centavos(a); got != c {
			t.Errorf("Centavos(Amount(%d) = %v) = %d", c, a, got)
		}
	}
	if got := odoo.Amount(35050); got != 350.5 {
		t.Errorf("Amount(35050) = %v, want 350.5", got)
	}
}

type shapes struct {
	M2O   odoo.Many2One `json:"m2o"`
	Str   odoo.String   `json:"str"`
	When  odoo.DateTime `json:"when"`
	Money odoo.Float    `json:"money"`
}

func TestOdooShapesDecode(t *testing.T) {
	cases := map[string]shapes{
		`{"m2o": [7, "Shop"], "str": "text", "when": "2026-11-25 21:57:44", "money": 350.5}`: {
			M2O: odoo.Many2One{ID: 7, Name: "Shop"}, Str: "text",
			When: odoo.DateTime{Time: time.Date(2026, 11, 25, 21, 57, 44, 0, time.UTC)}, Money: 350.5},
		`{"m2o": false, "str": false, "when": false, "money": false}`: {},
		`{"m2o": null, "str": null, "when": null, "money": null}`:     {},
		`{"m2o": 7, "when": "2026-11-25"}`: {M2O: odoo.Many2One{ID: 7},
			When: odoo.DateTime{Time: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}},
		`{"m2o": [7, false], "when": "2026-11-25 21:57:44.123456"}`: {M2O: odoo.Many2One{ID: 7},
			When: odoo.DateTime{Time: time.Date(2026, 11, 25, 21, 57, 44, 123456000, time.UTC)}},
		`{"money": 0.0, "m2o": []}`: {},
	}
	for in, want := range cases {
		var got shapes
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", in, diff)
		}
	}
}

func TestOddShapesAreErrorsNotPanics(t *testing.T) {
	for _, in := range []string{
		`{"m2o": "seven"}`, `{"m2o": ["x", "y"]}`, `{"m2o": [1.5, "y"]}`, `{"m2o": {}}`,
		`{"str": 12}`, `{"when": "yesterday"}`, `{"when": 12}`, `{"money": "12"}`,
	} {
		var got shapes
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s decoded as %+v, want an error", in, got)
		}
	}
}

func TestValuesWriteBackAsOdooReadsThem(t *testing.T) {
	in := map[string]any{
		"m2o": odoo.Many2One{ID: 7, Name: "Shop"}, "none": odoo.Many2One{},
		"when":  odoo.DateTime{Time: time.Date(2026, 11, 25, 15, 57, 44, 0, time.FixedZone("CST", -6*3600))},
		"never": odoo.DateTime{},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"m2o":7,"never":false,"none":false,"when":"2026-11-25 21:57:44"}`
	if string(b) != want {
		t.Errorf("marshalled %s, want %s", b, want)
	}
}

func TestDomainBuilder(t *testing.T) {
	a, b, c := odoo.Cond("state", "=", "paid"), odoo.Cond("amount_total", ">", 0), odoo.Cond("x_compago_state", "=", "requested")
	cases := []struct {
		name string
		got  odoo.Domain
		want string
	}{
		{"one condition", a, `[["state","=","paid"]]`},
		{"nil is match-all", nil, `[]`},
		{"and", odoo.And(a, b), `["&",["state","=","paid"],["amount_total",">",0]]`},
		{"and of three", odoo.And(a, b, c), `["&","&",["state","=","paid"],["amount_total",">",0],["x_compago_state","=","requested"]]`},
		{"and skips match-all", odoo.And(a, nil, odoo.Domain{}), `[["state","=","paid"]]`},
		{"and of nothing", odoo.And(), `[]`},
		{"or", odoo.Or(a, b), `["|",["state","=","paid"],["amount_total",">",0]]`},
		{"or nests an implicit and", odoo.Or(append(a, b...), c),
			`["|","&",["state","=","paid"],["amount_total",">",0],["x_compago_state","=","requested"]]`},
		{"or with match-all", odoo.Or(a, nil), `[]`},
		{"or of nothing", odoo.Or(), `[["id","=",0]]`},
		{"not", odoo.Not(a), `["!",["state","=","paid"]]`},
		{"not of an or", odoo.Not(odoo.Or(a, b)), `["!","|",["state","=","paid"],["amount_total",">",0]]`},
		{"not of match-all", odoo.Not(nil), `[["id","=",0]]`},
		{"and of ors", odoo.And(odoo.Or(a, b), odoo.Or(b, c)),
			`["&","|",["state","=","paid"],["amount_total",">",0],"|",["amount_total",">",0],["x_compago_state","=","requested"]]`},
		{"in list", odoo.Cond("id", "in", []int64{1, 2}), `[["id","in",[1,2]]]`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.got)
		var got, want any
		json.Unmarshal(b, &got)
		json.Unmarshal([]byte(tc.want), &want)
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("%s: %s, %v; want %s", tc.name, b, err, tc.want)
		}
	}
}
