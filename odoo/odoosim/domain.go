package odoosim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// termOperators are the operators of odoo/osv/expression.py (17+ list, with
// <> as an alias of !=).
var termOperators = []string{"=", "!=", "<=", "<", ">", ">=", "=?", "=like", "=ilike",
	"like", "not like", "ilike", "not ilike", "in", "not in", "child_of", "parent_of",
	"any", "not any", "<>"}

// node is a parsed domain: an operator with children, or a leaf.
type node struct {
	op       string // "&", "|", "!", "leaf", "true", "false"
	kids     []*node
	path     []string
	operator string
	value    any
	raw      []any
}

// parseDomain reads a domain in Polish notation ("&", "|", "!", leaves,
// consecutive leaves ANDed) and checks every leaf against the model.
func (t *tx) parseDomain(m *model, dom any) (*node, error) {
	if !truthy(dom) {
		return &node{op: "true"}, nil
	}
	items, ok := dom.([]any)
	if !ok {
		return nil, valueError("Invalid domain %s", pyRepr(dom))
	}
	var stack []*node
	for i := len(items) - 1; i >= 0; i-- {
		switch it := items[i].(type) {
		case string:
			switch it {
			case "!":
				if len(stack) < 1 {
					return nil, valueError("Domain %s is syntactically not correct.", pyRepr(dom))
				}
				stack[len(stack)-1] = &node{op: "!", kids: []*node{stack[len(stack)-1]}}
			case "&", "|":
				if len(stack) < 2 {
					return nil, valueError("Domain %s is syntactically not correct.", pyRepr(dom))
				}
				a, b := stack[len(stack)-1], stack[len(stack)-2]
				stack = append(stack[:len(stack)-2], &node{op: it, kids: []*node{a, b}})
			default:
				return nil, valueError("Invalid leaf %s", pyRepr(it))
			}
		case []any:
			leaf, err := t.parseLeaf(m, it)
			if err != nil {
				return nil, err
			}
			stack = append(stack, leaf)
		default:
			return nil, valueError("Invalid leaf %s", pyRepr(it))
		}
	}
	if len(stack) == 1 {
		return stack[0], nil
	}
	slices.Reverse(stack)
	return &node{op: "&", kids: stack}, nil
}

func leafRepr(leaf []any) string {
	parts := make([]string, len(leaf))
	for i, x := range leaf {
		parts[i] = pyRepr(x)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (t *tx) parseLeaf(m *model, leaf []any) (*node, error) {
	if len(leaf) != 3 {
		return nil, valueError("Invalid leaf %s", leafRepr(leaf))
	}
	op, ok := leaf[1].(string)
	if !ok {
		return nil, valueError("Invalid leaf %s", leafRepr(leaf))
	}
	op = strings.ToLower(op)
	if !slices.Contains(termOperators, op) {
		return nil, valueError("Invalid leaf %s", leafRepr(leaf))
	}
	if op == "<>" {
		op = "!="
	}
	// TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1).
	if n, ok := leaf[0].(int64); ok && op == "=" {
		if v, ok := leaf[2].(int64); ok && v == 1 && (n == 0 || n == 1) {
			if n == 1 {
				return &node{op: "true"}, nil
			}
			return &node{op: "false"}, nil
		}
	}
	name, ok := leaf[0].(string)
	if !ok || name == "" {
		return nil, valueError("Invalid leaf %s", leafRepr(leaf))
	}
	path := strings.Split(name, ".")
	cur := m
	for i, p := range path {
		f := cur.byName[p]
		if f == nil {
			return nil, t.invalidField(cur, p, leaf)
		}
		if i < len(path)-1 {
			if !f.relational() || t.db.models[f.Relation] == nil {
				return nil, t.invalidField(cur, strings.Join(path[i:], "."), leaf)
			}
			cur = t.db.models[f.Relation]
		}
	}
	n := &node{op: "leaf", path: path, operator: op, value: leaf[2], raw: leaf}
	if op == "any" || op == "not any" {
		last := cur.byName[path[len(path)-1]]
		comodel := t.db.models[last.Relation]
		if !last.relational() || comodel == nil {
			return nil, valueError("Invalid leaf %s", leafRepr(leaf))
		}
		sub, err := t.parseDomain(comodel, leaf[2])
		if err != nil {
			return nil, err
		}
		n.kids = []*node{sub}
	}
	return n, nil
}

func (t *tx) invalidField(m *model, name string, leaf []any) *Fault {
	if t.db.version >= 19 {
		return valueError("Invalid field %s.%s in condition %s", m.name, name, leafRepr(leaf))
	}
	return valueError("Invalid field %s.%s in leaf %s", m.name, name, leafRepr(leaf))
}

// mentions reports whether the domain has a leaf on the given field, which
// turns off the implicit active filter.
func (n *node) mentions(name string) bool {
	if n.op == "leaf" && n.path[0] == name {
		return true
	}
	for _, k := range n.kids {
		if n.op != "leaf" && k.mentions(name) {
			return true
		}
	}
	return false
}

func (t *tx) match(m *model, r *record, n *node) bool {
	switch n.op {
	case "true":
		return true
	case "false":
		return false
	case "!":
		return !t.match(m, r, n.kids[0])
	case "&":
		for _, k := range n.kids {
			if !t.match(m, r, k) {
				return false
			}
		}
		return true
	case "|":
		for _, k := range n.kids {
			if t.match(m, r, k) {
				return true
			}
		}
		return false
	}
	return t.matchPath(m, r, n, 0)
}

// matchPath follows a dotted path: a record matches when one of the records
// the path reaches matches the rest of it.
func (t *tx) matchPath(m *model, r *record, n *node, i int) bool {
	f := m.byName[n.path[i]]
	last := i == len(n.path)-1
	if last {
		if n.operator == "any" || n.operator == "not any" {
			found := false
			comodel := t.db.models[f.Relation]
			for _, id := range t.relatedIDs(m, r, f) {
				if c := comodel.recs[id]; c != nil && t.match(comodel, c, n.kids[0]) {
					found = true
					break
				}
			}
			return found == (n.operator == "any")
		}
		return t.matchLeaf(m, r, f, n.operator, n.value)
	}
	comodel := t.db.models[f.Relation]
	for _, id := range t.relatedIDs(m, r, f) {
		if c := comodel.recs[id]; c != nil && t.matchPath(comodel, c, n, i+1) {
			return true
		}
	}
	return false
}

func (t *tx) relatedIDs(m *model, r *record, f *field) []int64 {
	switch v := t.get(m, r, f.Name).(type) {
	case int64:
		if v != 0 {
			return []int64{v}
		}
	case []int64:
		return v
	}
	return nil
}

var negativeOps = []string{"!=", "not like", "not ilike", "not in"}

func (t *tx) matchLeaf(m *model, r *record, f *field, op string, value any) bool {
	if op == "=?" {
		if !truthy(value) {
			return true
		}
		op = "="
	}
	if op == "child_of" || op == "parent_of" {
		op = "in"
	}
	if f.relational() {
		return t.matchRelational(m, r, f, op, value)
	}
	var stored any
	if f.Name == "id" {
		stored = r.id
	} else {
		stored = t.get(m, r, f.Name)
	}
	isNull := stored == nil
	if f.Type == "boolean" {
		b, _ := stored.(bool)
		isNull = !b && r.vals[f.Name] == nil
	}
	switch op {
	case "=", "!=":
		if value == nil || value == false {
			set := !isNull
			if f.Type == "boolean" {
				b, _ := stored.(bool)
				set = b
			}
			return set == (op == "!=")
		}
		if isNull {
			return op == "!="
		}
		eq := compareValues(f, stored, value) == 0
		return eq == (op == "=")
	case "in", "not in":
		list, ok := value.([]any)
		if !ok {
			list = []any{value}
		}
		hasFalse := slices.ContainsFunc(list, func(x any) bool { return x == nil || x == false })
		in := false
		if isNull || (f.Type == "boolean" && stored == false) {
			in = hasFalse
		}
		if !isNull {
			for _, x := range list {
				if x != nil && x != false && compareValues(f, stored, x) == 0 {
					in = true
				}
			}
		}
		if op == "in" {
			return in
		}
		if isNull {
			return !hasFalse
		}
		return !in
	case "<", ">", "<=", ">=":
		if isNull || value == nil || value == false {
			return false
		}
		c := compareValues(f, stored, value)
		switch op {
		case "<":
			return c < 0
		case ">":
			return c > 0
		case "<=":
			return c <= 0
		}
		return c >= 0
	}
	// like family, on the text form of the value.
	pattern := likeText(value)
	if isNull {
		return (op == "like" || op == "ilike") && pattern == "" ||
			slices.Contains(negativeOps, op) && truthy(value)
	}
	return likeMatch(op, textOf(stored), pattern)
}

// matchRelational compares a many2one or x2many with ids, False, or names.
func (t *tx) matchRelational(m *model, r *record, f *field, op string, value any) bool {
	ids := t.relatedIDs(m, r, f)
	comodel := t.db.models[f.Relation]
	names := func() []string {
		var out []string
		for _, id := range ids {
			if comodel != nil && comodel.recs[id] != nil {
				out = append(out, t.displayName(comodel, comodel.recs[id]))
			}
		}
		return out
	}
	wantIDs, wantNames, hasFalse := splitRelValue(value)
	switch op {
	case "=", "!=", "in", "not in":
		if (op == "=" || op == "!=") && (value == nil || value == false) {
			return (len(ids) > 0) == (op == "!=")
		}
		hit := false
		for _, id := range ids {
			if slices.Contains(wantIDs, id) {
				hit = true
			}
		}
		for _, n := range names() {
			if slices.Contains(wantNames, n) {
				hit = true
			}
		}
		if len(ids) == 0 && hasFalse {
			hit = true
		}
		if op == "=" || op == "in" {
			return hit
		}
		if len(ids) == 0 {
			return !hasFalse
		}
		return !hit
	case "<", ">", "<=", ">=":
		intField := &field{Type: "integer"}
		for _, id := range ids {
			c := compareValues(intField, id, value)
			if (op == "<" && c < 0) || (op == ">" && c > 0) || (op == "<=" && c <= 0) || (op == ">=" && c >= 0) {
				return true
			}
		}
		return false
	}
	pattern := likeText(value)
	negative := slices.Contains(negativeOps, op)
	pos := strings.TrimPrefix(op, "not ")
	hit := false
	for _, n := range names() {
		if likeMatch(pos, n, pattern) {
			hit = true
		}
	}
	if negative {
		return !hit
	}
	return hit
}

func splitRelValue(v any) (ids []int64, names []string, hasFalse bool) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, x := range list {
		switch x := x.(type) {
		case int64:
			ids = append(ids, x)
		case float64:
			ids = append(ids, int64(x))
		case string:
			names = append(names, x)
		case nil:
			hasFalse = true
		case bool:
			if !x {
				hasFalse = true
			}
		}
	}
	return ids, names, hasFalse
}

// compareValues orders a stored value against a domain value of the same
// field: numbers as numbers, datetimes as times, the rest as text.
func compareValues(f *field, stored, value any) int {
	switch f.Type {
	case "integer", "float", "monetary", "many2one":
		a, aok := number(stored)
		b, bok := number(value)
		if !aok || !bok {
			return strings.Compare(textOf(stored), textOf(value))
		}
		return cmpFloat(a, b)
	case "boolean":
		a, b := truthy(stored), truthy(value)
		if a == b {
			return 0
		}
		if !a {
			return -1
		}
		return 1
	case "datetime":
		a, _ := stored.(time.Time)
		s, ok := value.(string)
		if !ok {
			return -1
		}
		bv, err := parseDatetime(s)
		if err != nil {
			return strings.Compare(a.Format(datetimeLayout), s)
		}
		return a.Compare(bv.(time.Time))
	case "date":
		s, _ := value.(string)
		if len(s) > 10 {
			s = s[:10]
		}
		return strings.Compare(textOf(stored), s)
	}
	return strings.Compare(textOf(stored), textOf(value))
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return pyFloat(v)
	case time.Time:
		return v.Format(datetimeLayout)
	case nil:
		return ""
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return fmt.Sprint(v)
}

func likeText(v any) string {
	if v == nil || v == false {
		return ""
	}
	return textOf(v)
}

// likeMatch applies like/ilike (substring, the value's % and _ taken
// literally) or =like/=ilike (a raw SQL pattern).
func likeMatch(op, text, pattern string) bool {
	neg := strings.HasPrefix(op, "not ")
	op = strings.TrimPrefix(op, "not ")
	fold := strings.HasSuffix(op, "ilike")
	var expr string
	if strings.HasPrefix(op, "=") {
		expr = sqlLikeRegexp(pattern)
	} else {
		expr = "(?s)^.*" + regexp.QuoteMeta(pattern) + ".*$"
	}
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	return re.MatchString(text) != neg
}

func sqlLikeRegexp(pattern string) string {
	var b strings.Builder
	b.WriteString("(?s)^")
	esc := false
	for _, c := range pattern {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(c)))
			esc = false
		case c == '\\':
			esc = true
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}
