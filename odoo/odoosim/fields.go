package odoosim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	datetimeLayout = "2006-01-02 15:04:05"
	dateLayout     = "2006-01-02"
)

// field is one field of a model, with the attributes fields_get reports and
// the behaviour the simulator gives it.
type field struct {
	Name, Type, String, Relation string
	Required, Readonly, Store    bool
	Selection                    [][2]string
	hasSelection                 bool
	manual                       bool

	// inverse names, for a one2many, the many2one on Relation pointing back.
	inverse string
	// via names, for a many2many whose links are kept on the other side, the
	// many2many field of Relation that stores them (pos.payment.method
	// config_ids is pos.config payment_method_ids seen from the other end).
	via string
	// compute gives the value of a related or computed field (internal form).
	compute func(t *tx, r *record) any
	// def gives the default of a field left out of create (internal form).
	def func(t *tx, vals map[string]any) any
	// currencyRound rounds monetary values to the currency's 0.01.
	noRound bool
}

func (f *field) isX2Many() bool { return f.Type == "one2many" || f.Type == "many2many" }

func (f *field) relational() bool {
	return f.Type == "many2one" || f.isX2Many()
}

// describe is one entry of fields_get, restricted to attrs when given.
func (f *field) describe(attrs []string) *obj {
	o := newObj()
	want := func(a string) bool { return len(attrs) == 0 || slices.Contains(attrs, a) }
	// fields_get answers list the attributes alphabetically (as recorded).
	if want("readonly") {
		o.set("readonly", f.Readonly)
	}
	if want("relation") && f.Relation != "" {
		o.set("relation", f.Relation)
	}
	if want("required") {
		o.set("required", f.Required)
	}
	if want("selection") && (f.hasSelection || f.Type == "selection") {
		sel := make([]any, len(f.Selection))
		for i, s := range f.Selection {
			sel[i] = []any{s[0], s[1]}
		}
		o.set("selection", sel)
	}
	if want("store") {
		o.set("store", f.Store)
	}
	if want("string") {
		o.set("string", f.String)
	}
	if want("type") {
		o.set("type", f.Type)
	}
	return o
}

// emptyValue is what an unset field holds: Odoo reads integers as 0, floats
// as 0.0, booleans as false, x2many as [] and everything else as False.
func (f *field) emptyValue() any {
	switch f.Type {
	case "integer":
		return int64(0)
	case "float", "monetary":
		return 0.0
	case "boolean":
		return false
	case "one2many", "many2many":
		return []int64(nil)
	}
	return nil
}

// truthy is Python's bool() on a request value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case []int64:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// convert turns a request value into the stored form of f (convert_to_cache),
// raising the errors Odoo raises for values it cannot take.
func (t *tx) convert(m *model, f *field, v any) (any, error) {
	switch f.Type {
	case "char", "text", "html":
		switch v := v.(type) {
		case nil:
			return nil, nil
		case bool:
			if !v {
				return nil, nil
			}
			return "True", nil
		case string:
			return v, nil
		case int64:
			return strconv.FormatInt(v, 10), nil
		case float64:
			return pyFloat(v), nil
		}
		return pyRepr(v), nil
	case "selection":
		if !truthy(v) {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok || !f.allows(s) {
			return nil, valueError("Wrong value for %s.%s: %s", m.name, f.Name, pyRepr(v))
		}
		return s, nil
	case "integer":
		switch v := v.(type) {
		case nil:
			return int64(0), nil
		case bool:
			if v {
				return int64(1), nil
			}
			return int64(0), nil
		case int64:
			return v, nil
		case float64:
			return int64(v), nil
		case string:
			i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, valueError("invalid literal for int() with base 10: %s", pyRepr(v))
			}
			return i, nil
		}
		return nil, typeError("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyType(v))
	case "float", "monetary":
		var x float64
		switch v := v.(type) {
		case nil:
		case bool:
			if v {
				x = 1
			}
		case int64:
			x = float64(v)
		case float64:
			x = v
		case string:
			p, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, valueError("could not convert string to float: %s", pyRepr(v))
			}
			x = p
		default:
			return nil, typeError("float() argument must be a string or a real number, not '%s'", pyType(v))
		}
		if f.Type == "monetary" && !f.noRound {
			x = floatRound(x, 0.01)
		}
		return x, nil
	case "boolean":
		return truthy(v), nil
	case "datetime":
		if !truthy(v) {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, typeError("%s is not a valid datetime", pyRepr(v))
		}
		return parseDatetime(s)
	case "date":
		if !truthy(v) {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, typeError("%s is not a valid date", pyRepr(v))
		}
		d := s
		if len(d) > 10 {
			d = d[:10]
		}
		if _, err := time.Parse(dateLayout, d); err != nil {
			return nil, valueError("time data %s does not match format '%%Y-%%m-%%d'", pyRepr(d))
		}
		return d, nil
	case "many2one":
		return t.convertMany2one(m, f, v)
	case "binary", "reference":
		if !truthy(v) {
			return nil, nil
		}
		return fmt.Sprint(v), nil
	case "json", "properties":
		return v, nil
	}
	return v, nil
}

func (f *field) allows(s string) bool {
	for _, opt := range f.Selection {
		if opt[0] == s {
			return true
		}
	}
	return false
}

func parseDatetime(s string) (any, error) {
	d := s
	if len(d) > 19 {
		d = d[:19]
	}
	if len(d) == 10 {
		d += " 00:00:00"
	}
	tm, err := time.Parse(datetimeLayout, d)
	if err != nil {
		return nil, valueError("time data %s does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", pyRepr(d))
	}
	return tm.UTC(), nil
}

// convertMany2one accepts an id, False or [id, name]. A dangling id is the
// foreign-key violation Odoo turns into a ValidationError.
func (t *tx) convertMany2one(m *model, f *field, v any) (any, error) {
	var id int64
	switch v := v.(type) {
	case nil, bool:
		if v == true {
			id = 1
		} else {
			return nil, nil
		}
	case int64:
		id = v
	case float64:
		id = int64(v)
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
		return t.convertMany2one(m, f, v[0])
	case string:
		return nil, valueError("invalid literal for int() with base 10: %s", pyRepr(v))
	default:
		return nil, typeError("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyType(v))
	}
	if id == 0 {
		return nil, nil
	}
	comodel := t.db.models[f.Relation]
	if comodel == nil || comodel.recs[id] == nil {
		return nil, t.db.fkViolation(m, f)
	}
	return id, nil
}

// fkViolation is the ValidationError Odoo raises when PostgreSQL refuses a
// dangling many2one (wording per version, as recorded).
func (d *db) fkViolation(m *model, f *field) *Fault {
	if d.version >= 19 {
		return validationError("The operation cannot be completed: Another model is using the record you are trying to delete.\n\n"+
			"The troublemaker is: '%s' (%s)\nThanks to the following constraint: '%s' (%s)\nHow about archiving the record instead?",
			m.description, m.name, f.String, f.Name)
	}
	return validationError("The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\n"+
		"Model: %s (%s)\nConstraint: %s_%s_fkey\n", m.description, m.name, strings.ReplaceAll(m.name, ".", "_"), f.Name)
}

// notNullViolation is the ValidationError for a required field left empty.
func (d *db) notNullViolation(m *model, f *field) *Fault {
	return validationError("The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"+
		"- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"+
		"Model: %s (%s)\nField: %s (%s)\n", m.description, m.name, f.String, f.Name)
}

func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "object"
}

// toRead renders a stored value for read(): many2one as [id, display_name]
// (or the bare id when load is off), datetimes as naive UTC strings, unset
// values as false.
func (t *tx) toRead(f *field, v any, load bool) any {
	switch f.Type {
	case "many2one":
		id, _ := v.(int64)
		if id == 0 {
			return false
		}
		if !load {
			return id
		}
		comodel := t.db.models[f.Relation]
		if comodel == nil || comodel.recs[id] == nil {
			return false
		}
		return []any{id, t.displayName(comodel, comodel.recs[id])}
	case "one2many", "many2many":
		ids, _ := v.([]int64)
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = id
		}
		return out
	case "integer":
		if v == nil {
			return int64(0)
		}
	case "float", "monetary":
		if v == nil {
			return 0.0
		}
		if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
			return 0.0
		}
	case "boolean":
		if v == nil {
			return false
		}
	case "datetime":
		if tm, ok := v.(time.Time); ok {
			return tm.UTC().Format(datetimeLayout)
		}
		return false
	}
	if v == nil {
		return false
	}
	return v
}
