package odoosim

import "slices"

// applyCommands runs x2many write commands ([0, 0, vals], [4, id], [6, 0,
// ids], ...) or a bare list of ids (a SET) on field f of record r.
func (t *tx) applyCommands(m *model, r *record, f *field, value any) error {
	list, ok := value.([]any)
	if !ok {
		if !truthy(value) {
			list = nil
		} else {
			return valueError("Wrong value for %s.%s: %s", m.name, f.Name, pyRepr(value))
		}
	}
	comodel := t.db.models[f.Relation]
	if comodel == nil || (f.Type == "one2many" && f.inverse == "") {
		if len(list) == 0 {
			return nil
		}
		return userError("The simulator does not keep %s records (field %s.%s)", f.Relation, m.name, f.Name)
	}
	var bare []int64
	for _, item := range list {
		if id, ok := item.(int64); ok {
			bare = append(bare, id)
			continue
		}
		cmd, ok := item.([]any)
		if !ok || len(cmd) == 0 {
			return valueError("Wrong value for %s.%s: %s", m.name, f.Name, pyRepr(item))
		}
		if err := t.runCommand(m, r, f, comodel, cmd); err != nil {
			return err
		}
	}
	if bare != nil {
		return t.runCommand(m, r, f, comodel, []any{int64(6), int64(0), idsToAny(bare)})
	}
	return nil
}

func idsToAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func (t *tx) runCommand(m *model, r *record, f *field, comodel *model, cmd []any) error {
	code, _ := cmd[0].(int64)
	arg := func(i int) any {
		if i < len(cmd) {
			return cmd[i]
		}
		return nil
	}
	id, _ := arg(1).(int64)
	switch code {
	case 0: // CREATE
		vals, _ := arg(2).(map[string]any)
		vals = maps(vals)
		if f.Type == "one2many" {
			vals[f.inverse] = r.id
		}
		child, err := t.create(comodel, vals)
		if err != nil {
			return err
		}
		if f.Type == "many2many" {
			return t.link(m, r, f, comodel, child.id, true)
		}
	case 1: // UPDATE
		vals, _ := arg(2).(map[string]any)
		return t.write(comodel, []int64{id}, vals)
	case 2: // DELETE
		return t.unlink(comodel, []int64{id})
	case 3: // UNLINK
		return t.link(m, r, f, comodel, id, false)
	case 4: // LINK
		if comodel.recs[id] == nil {
			return t.missing(comodel, []int64{id})
		}
		return t.link(m, r, f, comodel, id, true)
	case 5: // CLEAR
		for _, cur := range t.get(m, r, f.Name).([]int64) {
			if err := t.link(m, r, f, comodel, cur, false); err != nil {
				return err
			}
		}
	case 6: // SET
		want := anyToIDs(arg(2))
		for _, cur := range t.get(m, r, f.Name).([]int64) {
			if !slices.Contains(want, cur) {
				if err := t.link(m, r, f, comodel, cur, false); err != nil {
					return err
				}
			}
		}
		for _, w := range want {
			if comodel.recs[w] == nil {
				return t.missing(comodel, []int64{w})
			}
			if err := t.link(m, r, f, comodel, w, true); err != nil {
				return err
			}
		}
	default:
		return valueError("Wrong value for %s.%s: %s", m.name, f.Name, pyRepr(cmd))
	}
	return nil
}

func anyToIDs(v any) []int64 {
	list, _ := v.([]any)
	var ids []int64
	for _, x := range list {
		switch x := x.(type) {
		case int64:
			ids = append(ids, x)
		case float64:
			ids = append(ids, int64(x))
		}
	}
	return ids
}

// link adds or removes the relation between r and the comodel record id.
func (t *tx) link(m *model, r *record, f *field, comodel *model, id int64, on bool) error {
	child := comodel.recs[id]
	if child == nil {
		return nil
	}
	switch {
	case f.Type == "one2many":
		if on {
			t.setRaw(child, f.inverse, r.id)
			return nil
		}
		if inv := comodel.byName[f.inverse]; inv != nil && inv.Required {
			return t.unlink(comodel, []int64{id})
		}
		t.setRaw(child, f.inverse, nil)
	case f.via != "":
		links, _ := child.vals[f.via].([]int64)
		t.setRaw(child, f.via, toggle(links, r.id, on))
	default:
		links, _ := r.vals[f.Name].([]int64)
		t.setRaw(r, f.Name, toggle(links, id, on))
	}
	return nil
}

func toggle(ids []int64, id int64, on bool) []int64 {
	out := slices.Clone(ids)
	if on {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
		return out
	}
	return slices.DeleteFunc(out, func(x int64) bool { return x == id })
}
