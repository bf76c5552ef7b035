package odoo

import "encoding/json"

// Domain is an Odoo search domain in Polish notation: conditions
// [field, operator, value] and the prefix operators "&", "|", "!". Build it
// with Cond, And, Or and Not; the empty domain matches every record.
type Domain []any

// Cond is one condition: Cond("state", "=", "paid").
func Cond(field, op string, value any) Domain {
	return Domain{[]any{field, op, value}}
}

// MarshalJSON writes the empty domain as [] (never null, which Odoo refuses).
func (d Domain) MarshalJSON() ([]byte, error) {
	if d == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]any(d))
}

// matchNothing is the domain no record satisfies (ids start at 1).
func matchNothing() Domain { return Cond("id", "=", 0) }

// And matches what every domain matches. Empty domains (match all) drop
// out; And() is the empty domain.
func And(ds ...Domain) Domain {
	return combine("&", ds)
}

// Or matches what any domain matches. An empty domain among them makes the
// result empty (match all); Or() matches nothing.
func Or(ds ...Domain) Domain {
	for _, d := range ds {
		if len(d) == 0 {
			return Domain{}
		}
	}
	if len(ds) == 0 {
		return matchNothing()
	}
	return combine("|", ds)
}

// Not matches what d does not. Not of the empty domain matches nothing.
func Not(d Domain) Domain {
	if len(d) == 0 {
		return matchNothing()
	}
	return append(Domain{"!"}, single(d)...)
}

// combine joins the non-empty domains with the binary operator op.
func combine(op string, ds []Domain) Domain {
	var parts []Domain
	for _, d := range ds {
		if len(d) > 0 {
			parts = append(parts, single(d))
		}
	}
	if len(parts) == 0 {
		return Domain{}
	}
	out := Domain{}
	for range len(parts) - 1 {
		out = append(out, op)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// single makes d one expression: a domain of n top-level expressions is
// their implicit AND, which needs n-1 explicit "&" once it is nested.
func single(d Domain) Domain {
	n := topLevel(d)
	if n <= 1 {
		return d
	}
	out := make(Domain, 0, len(d)+n-1)
	for range n - 1 {
		out = append(out, "&")
	}
	return append(out, d...)
}

// topLevel counts the complete expressions at the top of d.
func topLevel(d Domain) int {
	count, need := 0, 0 // need: operands still owed to open operators
	for _, x := range d {
		arity := 0
		switch x {
		case "&", "|":
			arity = 2
		case "!":
			arity = 1
		}
		if need == 0 {
			count++
		} else {
			need--
		}
		need += arity
	}
	return count
}
