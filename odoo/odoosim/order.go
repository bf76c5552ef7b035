package odoosim

import (
	"regexp"
	"strings"
)

type orderTerm struct {
	field      *field
	desc       bool
	nullsFirst bool
}

var orderTermRE = regexp.MustCompile(`(?i)^\s*([a-z0-9_]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$`)

// parseOrder reads an SQL-like order ("write_date desc, id"), refusing
// anything else the way Odoo does.
func parseOrder(m *model, spec string) ([]orderTerm, error) {
	if strings.TrimSpace(spec) == "" {
		spec = m.order
	}
	var terms []orderTerm
	for _, part := range strings.Split(spec, ",") {
		sub := orderTermRE.FindStringSubmatch(part)
		if sub == nil {
			return nil, valueError("Invalid \"order\" specified (%s). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)", spec)
		}
		f := m.byName[sub[1]]
		if f == nil {
			return nil, valueError("Invalid field %s on model %s", pyRepr(sub[1]), pyRepr(m.name))
		}
		desc := strings.EqualFold(sub[2], "desc")
		nullsFirst := desc // PostgreSQL: NULLs sort as the largest value
		if sub[3] != "" {
			nullsFirst = strings.EqualFold(sub[3], "first")
		}
		terms = append(terms, orderTerm{field: f, desc: desc, nullsFirst: nullsFirst})
	}
	return terms, nil
}

// compareRecords orders two records by terms, then by id. A many2one sorts
// by its comodel's own order, as Odoo's ORDER BY on a join does.
func (t *tx) compareRecords(m *model, a, b *record, terms []orderTerm, depth int) int {
	for _, term := range terms {
		c := t.compareField(m, a, b, term, depth)
		if c != 0 {
			return c
		}
	}
	return cmpInt(a.id, b.id)
}

func (t *tx) compareField(m *model, a, b *record, term orderTerm, depth int) int {
	f := term.field
	var va, vb any
	if f.Name == "id" {
		va, vb = a.id, b.id
	} else {
		va, vb = t.get(m, a, f.Name), t.get(m, b, f.Name)
	}
	nullA, nullB := isNullValue(f, va) || neverSet(f, a), isNullValue(f, vb) || neverSet(f, b)
	switch {
	case nullA && nullB:
		return 0
	case nullA || nullB:
		if nullA == term.nullsFirst {
			return -1
		}
		return 1
	}
	var c int
	switch f.Type {
	case "many2one":
		comodel := t.db.models[f.Relation]
		ra, rb := comodel.recs[va.(int64)], comodel.recs[vb.(int64)]
		if depth < 3 && ra != nil && rb != nil {
			terms, err := parseOrder(comodel, comodel.order)
			if err == nil {
				c = t.compareRecords(comodel, ra, rb, terms, depth+1)
				break
			}
		}
		c = cmpInt(va.(int64), vb.(int64))
	case "one2many", "many2many":
		c = 0
	default:
		c = compareValues(f, va, vb)
		if f.Type == "datetime" {
			c = strings.Compare(textOf(va), textOf(vb))
		}
	}
	if term.desc {
		return -c
	}
	return c
}

func isNullValue(f *field, v any) bool {
	switch f.Type {
	case "many2one":
		id, _ := v.(int64)
		return id == 0
	case "char", "text", "html", "selection", "date", "datetime", "binary":
		return v == nil
	}
	return false
}

// neverSet: a stored number never written is NULL in the table (read shows
// 0), and PostgreSQL sorts it last ascending: real 18.0 lists the payment
// methods made without a sequence after those with one.
func neverSet(f *field, r *record) bool {
	switch f.Type {
	case "integer", "float", "monetary":
		if f.compute != nil || f.Name == "id" {
			return false
		}
		v, ok := r.vals[f.Name]
		return !ok || v == nil
	}
	return false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// search returns the ids matching a domain, sorted, with offset and limit.
func (t *tx) search(m *model, dom any, offset, limit int64, order string) ([]int64, error) {
	n, err := t.parseDomain(m, dom)
	if err != nil {
		return nil, err
	}
	terms, err := parseOrder(m, order)
	if err != nil {
		return nil, err
	}
	activeFilter := m.byName["active"] != nil && !n.mentions("active") && t.activeTest()
	var recs []*record
	for _, id := range m.sortedIDs() {
		r := m.recs[id]
		if activeFilter && !truthy(t.get(m, r, "active")) {
			continue
		}
		if t.match(m, r, n) {
			recs = append(recs, r)
		}
	}
	t.sortRecords(m, recs, terms)
	if offset > 0 {
		if offset >= int64(len(recs)) {
			recs = nil
		} else {
			recs = recs[offset:]
		}
	}
	if limit > 0 && int64(len(recs)) > limit {
		recs = recs[:limit]
	}
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.id
	}
	return ids, nil
}

func (t *tx) activeTest() bool {
	v, ok := t.ctx["active_test"]
	return !ok || truthy(v)
}
