package odoosim

import (
	"fmt"
	"strings"
)

// param is one parameter of a Python method signature.
type param struct {
	name     string
	required bool
	def      any
}

// method is a public model method callable over RPC, with its Python
// signature so that arguments bind (and fail to bind) the way Odoo's do.
type method struct {
	name     string
	qualname string // "BaseModel.write", for TypeError texts
	multi    bool   // record method: execute_kw's first positional arg is the ids
	params   []param
	varKw    bool
	// since/until bound the versions that have the method (0 = no bound).
	since, until int
	fn           func(t *tx, m *model, ids []int64, a args) (any, error)
}

// args are bound arguments by parameter name.
type args map[string]any

func (a args) str(name string) string { s, _ := a[name].(string); return s }

func (a args) int(name string) int64 {
	switch v := a[name].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}

func (a args) strings(name string) []string {
	list, _ := a[name].([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (m *model) addMethod(meth *method) { m.methods[meth.name] = meth }

func (d *db) lookupMethod(m *model, name string) *method {
	meth := m.methods[name]
	if meth == nil {
		return d.lookupBase(name)
	}
	if (meth.since != 0 && d.version < meth.since) || (meth.until != 0 && d.version > meth.until) {
		return nil
	}
	return meth
}

// bindPositional binds execute_kw's args and kwargs like a Python call.
func (meth *method) bindPositional(pos []any, kw map[string]any) (args, error) {
	a := args{}
	if len(pos) > len(meth.params) {
		return nil, typeError("%s() takes %d positional arguments but %d were given",
			meth.qualname, len(meth.params)+1, len(pos)+1)
	}
	for i, v := range pos {
		a[meth.params[i].name] = v
	}
	for k, v := range kw {
		known := false
		for _, p := range meth.params {
			if p.name == k {
				known = true
			}
		}
		if !known && !meth.varKw {
			return nil, typeError("%s() got an unexpected keyword argument %s", meth.qualname, pyRepr(k))
		}
		if _, dup := a[k]; dup && known {
			return nil, typeError("%s() got multiple values for argument %s", meth.qualname, pyRepr(k))
		}
		a[k] = v
	}
	var missing []string
	for _, p := range meth.params {
		if _, ok := a[p.name]; !ok {
			if p.required {
				missing = append(missing, pyRepr(p.name))
				continue
			}
			a[p.name] = p.def
		}
	}
	if len(missing) > 0 {
		return nil, typeError("%s() missing %d required positional argument%s: %s",
			meth.qualname, len(missing), plural(len(missing)), joinPython(missing))
	}
	return a, nil
}

// bindNamed binds JSON-2 arguments (by name only), with inspect.Signature.bind's texts.
func (meth *method) bindNamed(kw map[string]any) (args, error) {
	a := args{}
	for k, v := range kw {
		known := false
		for _, p := range meth.params {
			if p.name == k {
				known = true
			}
		}
		if !known && !meth.varKw {
			return nil, typeError("got an unexpected keyword argument %s", pyRepr(k))
		}
		a[k] = v
	}
	for _, p := range meth.params {
		if _, ok := a[p.name]; !ok {
			if p.required {
				return nil, typeError("missing a required argument: %s", pyRepr(p.name))
			}
			a[p.name] = p.def
		}
	}
	return a, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinPython(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// toIDs reads the ids of a record-method call: a list, one id, or False.
func toIDs(v any) ([]int64, error) {
	switch v := v.(type) {
	case nil, bool:
		return nil, nil
	case int64:
		return []int64{v}, nil
	case float64:
		return []int64{int64(v)}, nil
	case []any:
		ids := make([]int64, 0, len(v))
		for _, x := range v {
			switch x := x.(type) {
			case int64:
				ids = append(ids, x)
			case float64:
				ids = append(ids, int64(x))
			default:
				return nil, typeError("unhashable type: %s", pyRepr(pyType(x)))
			}
		}
		return ids, nil
	}
	return nil, typeError("Invalid ids %s", pyRepr(v))
}

func ensureOne(m *model, ids []int64) error {
	if len(ids) != 1 {
		return valueError("Expected singleton: %s", recordsLabelEmpty(m.name, ids))
	}
	return nil
}

func recordsLabelEmpty(model string, ids []int64) string {
	if len(ids) == 0 {
		return model + "()"
	}
	return recordsLabel(model, ids)
}

func idsOf(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func fmtInt(i int64) string { return fmt.Sprint(i) }
