package odoosim

// baseMethods are BaseModel's public methods, shared by every model.
var baseMethods = map[string]*method{}

func init() {
	for _, m := range []*method{
		{name: "search", qualname: "BaseModel.search", params: []param{
			{name: "domain", required: true}, {name: "offset", def: int64(0)},
			{name: "limit"}, {name: "order"}}, fn: ormSearch},
		{name: "search_count", qualname: "BaseModel.search_count", params: []param{
			{name: "domain", required: true}, {name: "limit"}}, fn: ormSearchCount},
		{name: "search_read", qualname: "BaseModel.search_read", varKw: true, params: []param{
			{name: "domain"}, {name: "fields"}, {name: "offset", def: int64(0)},
			{name: "limit"}, {name: "order"}}, fn: ormSearchRead},
		{name: "read", qualname: "BaseModel.read", multi: true, params: []param{
			{name: "fields"}, {name: "load", def: "_classic_read"}}, fn: ormRead},
		{name: "create", qualname: "BaseModel.create", params: []param{
			{name: "vals_list", required: true}}, fn: ormCreate},
		{name: "write", qualname: "BaseModel.write", multi: true, params: []param{
			{name: "vals", required: true}}, fn: ormWrite},
		{name: "unlink", qualname: "BaseModel.unlink", multi: true, fn: ormUnlink},
		{name: "exists", qualname: "BaseModel.exists", multi: true, fn: ormExists},
		{name: "fields_get", qualname: "BaseModel.fields_get", params: []param{
			{name: "allfields"}, {name: "attributes"}}, fn: ormFieldsGet},
		{name: "default_get", qualname: "BaseModel.default_get", params: []param{
			{name: "fields_list", required: true}}, fn: ormDefaultGet},
		{name: "name_search", qualname: "BaseModel.name_search", params: []param{
			{name: "name", def: ""}, {name: "domain"}, {name: "operator", def: "ilike"},
			{name: "limit", def: int64(100)}}, since: 18, fn: ormNameSearch},
		{name: "name_search", qualname: "BaseModel.name_search", params: []param{
			{name: "name", def: ""}, {name: "args"}, {name: "operator", def: "ilike"},
			{name: "limit", def: int64(100)}}, until: 17, fn: ormNameSearch},
		{name: "name_get", qualname: "BaseModel.name_get", multi: true, until: 16, fn: ormNameGet},
	} {
		key := m.name
		if _, dup := baseMethods[key]; dup {
			key += "@legacy"
		}
		baseMethods[key] = m
	}
}

// lookupBase resolves the name_search variant of the server's version.
func (d *db) lookupBase(name string) *method {
	for _, key := range []string{name, name + "@legacy"} {
		m := baseMethods[key]
		if m != nil && (m.since == 0 || d.version >= m.since) && (m.until == 0 || d.version <= m.until) {
			return m
		}
	}
	return nil
}

func ormSearch(t *tx, m *model, _ []int64, a args) (any, error) {
	ids, err := t.search(m, a["domain"], a.int("offset"), a.int("limit"), a.str("order"))
	if err != nil {
		return nil, err
	}
	return idsOf(ids), nil
}

func ormSearchCount(t *tx, m *model, _ []int64, a args) (any, error) {
	ids, err := t.search(m, a["domain"], 0, a.int("limit"), "id")
	if err != nil {
		return nil, err
	}
	return int64(len(ids)), nil
}

func ormSearchRead(t *tx, m *model, _ []int64, a args) (any, error) {
	ids, err := t.search(m, a["domain"], a.int("offset"), a.int("limit"), a.str("order"))
	if err != nil {
		return nil, err
	}
	load, ok := a["load"]
	if !ok {
		load = "_classic_read" // read's default, search_read passes its **read_kwargs on
	}
	recs, _ := t.browse(m, ids)
	return t.readRecords(m, recs, a.strings("fields"), displayNames(load))
}

func ormRead(t *tx, m *model, ids []int64, a args) (any, error) {
	recs, _ := t.browse(m, ids) // read silently drops missing ids
	fields := a.strings("fields")
	if s, ok := a["fields"].(string); ok {
		fields = []string{s}
	}
	return t.readRecords(m, recs, fields, displayNames(a["load"]))
}

// displayNames says whether read's load argument asks many2one values as
// [id, display_name]: only "_classic_read" does (BaseModel._read_format:
// use_display_name = load == '_classic_read'); any other value, such as
// "_classic_write" or None, gives the bare id.
func displayNames(load any) bool {
	return load == "_classic_read"
}

// ormCreate returns an id for a dict and a list of ids for a list of dicts
// (_call_kw_model_create); JSON-2 always gets the list (see json2.go).
func ormCreate(t *tx, m *model, _ []int64, a args) (any, error) {
	switch v := a["vals_list"].(type) {
	case map[string]any:
		r, err := t.create(m, v)
		if err != nil {
			return nil, err
		}
		return r.id, nil
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			vals, ok := item.(map[string]any)
			if !ok {
				return nil, valueError("dictionary update sequence element #0 has length 1; 2 is required")
			}
			r, err := t.create(m, vals)
			if err != nil {
				return nil, err
			}
			out = append(out, r.id)
		}
		return out, nil
	}
	return nil, attributeError("'%s' object has no attribute 'get'", pyType(a["vals_list"]))
}

func ormWrite(t *tx, m *model, ids []int64, a args) (any, error) {
	vals, ok := a["vals"].(map[string]any)
	if !ok {
		return nil, attributeError("'%s' object has no attribute 'items'", pyType(a["vals"]))
	}
	if err := t.write(m, ids, vals); err != nil {
		return nil, err
	}
	return true, nil
}

func ormUnlink(t *tx, m *model, ids []int64, _ args) (any, error) {
	if err := t.unlink(m, ids); err != nil {
		return nil, err
	}
	return true, nil
}

func ormExists(t *tx, m *model, ids []int64, _ args) (any, error) {
	recs, _ := t.browse(m, ids)
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r.id
	}
	return out, nil
}

func ormFieldsGet(t *tx, m *model, _ []int64, a args) (any, error) {
	attrs := a.strings("attributes")
	all := a.strings("allfields")
	o := newObj()
	for _, f := range m.fields {
		if len(all) > 0 && !contains(all, f.Name) {
			continue
		}
		o.set(f.Name, f.describe(attrs))
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ormDefaultGet(t *tx, m *model, _ []int64, a args) (any, error) {
	o := newObj()
	vals := map[string]any{}
	for _, name := range a.strings("fields_list") {
		f := m.byName[name]
		if f == nil || f.def == nil {
			continue
		}
		o.set(name, t.toRead(f, f.def(t, vals), false))
	}
	return o, nil
}

func ormNameSearch(t *tx, m *model, _ []int64, a args) (any, error) {
	dom := a["domain"]
	if dom == nil {
		dom = a["args"]
	}
	name := a.str("name")
	op := a.str("operator")
	if op == "" {
		op = "ilike"
	}
	ids, err := t.search(m, dom, 0, 0, "")
	if err != nil {
		return nil, err
	}
	out := []any{}
	limit := a.int("limit")
	for _, id := range ids {
		r := m.recs[id]
		dn := t.displayName(m, r)
		if name != "" && !likeMatch(op, dn, name) && !(op == "=" && dn == name) {
			continue
		}
		out = append(out, []any{id, dn})
		if limit > 0 && int64(len(out)) >= limit {
			break
		}
	}
	return out, nil
}

func ormNameGet(t *tx, m *model, ids []int64, _ args) (any, error) {
	recs, _ := t.browse(m, ids)
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = []any{r.id, t.displayName(m, r)}
	}
	return out, nil
}
