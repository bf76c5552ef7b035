package odoosim

import (
	"regexp"
	"strings"
)

// manualTypes are the field types a manual field may have in the simulator.
var manualTypes = []string{"char", "text", "html", "integer", "float", "monetary", "boolean",
	"selection", "date", "datetime", "many2one", "binary"}

var allTypes = []string{"binary", "boolean", "char", "date", "datetime", "float", "html", "integer",
	"json", "many2many", "many2one", "many2one_reference", "monetary", "one2many", "properties",
	"properties_definition", "reference", "selection", "text"}

var fieldNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// buildIRModels declares ir.model, ir.model.fields and their selections;
// seedIRModel fills them from the registry once every model exists.
func buildIRModels(d *db, _ map[string][]tableField) {
	im := d.register(newModel("ir.model", "Models", "model"))
	im.addField(spec("name", "char", "Model Description", required))
	im.addField(spec("model", "char", "Model", required))
	im.addField(spec("state", "selection", "Type", selection("manual", "Custom Object", "base", "Base Object"), defaultValue("manual")))
	im.addField(spec("transient", "boolean", "Transient Model"))
	im.addField(spec("field_id", "one2many", "Fields", rel("ir.model.fields"), inverse("model_id")))

	var typeOpts []string
	for _, t := range allTypes {
		typeOpts = append(typeOpts, t, t)
	}
	fm := d.register(newModel("ir.model.fields", "Fields", "name"))
	fm.addField(spec("name", "char", "Field Name", required))
	fm.addField(spec("complete_name", "char", "Complete Name", computed))
	fm.addField(spec("model", "char", "Model Name"))
	fm.addField(spec("model_id", "many2one", "Model", rel("ir.model"), required))
	fm.addField(spec("field_description", "char", "Field Label", required))
	fm.addField(spec("help", "text", "Field Help"))
	fm.addField(spec("ttype", "selection", "Field Type", required, selection(typeOpts...)))
	fm.addField(spec("relation", "char", "Related Model"))
	fm.addField(spec("relation_field", "char", "Relation Field"))
	fm.addField(spec("selection", "char", "Selection Options (Deprecated)"))
	fm.addField(spec("selection_ids", "one2many", "Selection Options", rel("ir.model.fields.selection"), inverse("field_id")))
	fm.addField(spec("required", "boolean", "Required"))
	fm.addField(spec("readonly", "boolean", "Readonly"))
	fm.addField(spec("store", "boolean", "Stored", defaultValue(true)))
	fm.addField(spec("index", "boolean", "Indexed"))
	fm.addField(spec("copied", "boolean", "Copied"))
	fm.addField(spec("translate", "boolean", "Translatable"))
	fm.addField(spec("size", "integer", "Size"))
	fm.addField(spec("on_delete", "selection", "On Delete", selection("cascade", "Cascade", "set null", "Set NULL", "restrict", "Restrict"), defaultValue("set null")))
	fm.addField(spec("state", "selection", "Type", required, selection("manual", "Custom Field", "base", "Base Field"), defaultValue("manual")))
	fm.byName["complete_name"].compute = func(t *tx, r *record) any {
		return t.getString(fm, r, "model") + "." + t.getString(fm, r, "name")
	}
	fm.displayName = func(t *tx, r *record) string {
		return t.getString(fm, r, "field_description") + " (" + t.getString(fm, r, "model") + ")"
	}
	fm.beforeCreate = func(t *tx, vals map[string]any) error { return manualFieldCheck(t, vals) }
	fm.afterCreate = func(t *tx, r *record) error {
		// The registry reload after a new field burns one more id of the
		// sequence, as both recorded servers show (7270, then 7272).
		fm.nextID++
		if err := installManualField(t, fm, r); err != nil {
			return err
		}
		reflectSelection(t, fm, r)
		return nil
	}
	fm.beforeWrite = func(t *tx, recs []*record, vals map[string]any) error {
		for _, k := range []string{"name", "ttype", "model_id", "model", "relation"} {
			for _, r := range recs {
				if v, ok := vals[k]; ok && v != t.get(fm, r, k) {
					return userError("Changing the %s of a field is not supported by the simulator; drop the field and create it again.", k)
				}
			}
		}
		return nil
	}
	fm.afterWrite = func(t *tx, recs []*record, _ map[string]any) error {
		for _, r := range recs {
			if t.getString(fm, r, "state") == "manual" {
				if err := installManualField(t, fm, r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	fm.beforeUnlink = func(t *tx, recs []*record) error {
		for _, r := range recs {
			if t.getString(fm, r, "state") != "manual" {
				return userError("This column contains module data and cannot be removed!")
			}
		}
		for _, r := range recs {
			uninstallManualField(t, fm, r)
		}
		return nil
	}

	sel := d.register(newModel("ir.model.fields.selection", "Fields Selection", "sequence, id"))
	sel.addField(spec("field_id", "many2one", "Field", rel("ir.model.fields"), required))
	sel.addField(spec("value", "char", "Value", required))
	sel.addField(spec("name", "char", "Name", required))
	sel.addField(spec("sequence", "integer", "Sequence", defaultValue(int64(1000))))
	// An option added to or removed from a manual field reloads the
	// registry, as Odoo does: the field then takes, or refuses, the value.
	reinstall := func(t *tx, fieldIDs []int64) error {
		for _, id := range fieldIDs {
			if fr := fm.recs[id]; fr != nil && t.getString(fm, fr, "state") == "manual" {
				if err := installManualField(t, fm, fr); err != nil {
					return err
				}
			}
		}
		return nil
	}
	sel.afterCreate = func(t *tx, r *record) error { return reinstall(t, []int64{t.getID(sel, r, "field_id")}) }
	sel.afterUnlink = func(t *tx, recs []*record) error {
		var ids []int64
		for _, r := range recs {
			if id, ok := r.vals["field_id"].(int64); ok {
				ids = append(ids, id)
			}
		}
		return reinstall(t, ids)
	}
}

// seedIRModel writes one ir.model per model and one ir.model.fields per field.
func (d *db) seedIRModel() {
	t := d.begin(1, nil)
	im, fm := d.models["ir.model"], d.models["ir.model.fields"]
	for _, name := range d.names {
		m := d.models[name]
		r := t.insert(im, im.nextID)
		im.nextID++
		r.vals = map[string]any{"name": m.description, "model": m.name, "state": "base", "transient": m.transient}
		for _, f := range m.fields {
			fr := t.insert(fm, fm.nextID)
			fm.nextID++
			fr.vals = map[string]any{"name": f.Name, "model": m.name, "model_id": r.id,
				"field_description": f.String, "ttype": f.Type, "required": f.Required,
				"readonly": f.Readonly, "store": f.Store, "state": "base"}
			if f.Relation != "" {
				fr.vals["relation"] = f.Relation
			}
		}
	}
}

// manualFieldCheck applies ir.model.fields' SQL constraints in the order
// PostgreSQL checks them (CHECK, then UNIQUE), with the recorded texts.
func manualFieldCheck(t *tx, vals map[string]any) error {
	mid, _ := vals["model_id"].(int64)
	im := t.model("ir.model")
	mr := im.recs[mid]
	if mr != nil {
		vals["model"] = t.get(im, mr, "model")
	}
	state, ok := vals["state"].(string)
	if !ok {
		state = "manual"
	}
	name, _ := vals["name"].(string)
	fm := t.model("ir.model.fields")
	if state == "manual" && !strings.HasPrefix(name, "x_") {
		fm.nextID++ // a refused INSERT still took its id from the sequence
		return validationError("The operation cannot be completed: Custom fields must have a name that starts with 'x_'!")
	}
	if mr == nil {
		return nil // model_id: the foreign key or NOT NULL refuses it
	}
	target := t.model(t.getString(im, mr, "model"))
	if target != nil && target.byName[name] != nil {
		fm.nextID++
		return validationError("The operation cannot be completed: Field names must be unique per model.")
	}
	if !fieldNameRE.MatchString(name) {
		return validationError("Field names can only contain characters, digits and underscores (up to 63).")
	}
	ttype, _ := vals["ttype"].(string)
	if state == "manual" && contains(allTypes, ttype) && !contains(manualTypes, ttype) {
		return userError("The simulator does not support manual fields of type %s.", ttype)
	}
	if ttype == "selection" && !truthy(vals["selection_ids"]) && !truthy(vals["selection"]) {
		return userError("For selection fields, the Selection Options must be given!")
	}
	if ttype == "many2one" {
		relName, _ := vals["relation"].(string)
		if t.model(relName) == nil {
			return userError("Model %s does not exist!", relName)
		}
	}
	return nil
}

// reflectSelection is the reload's _reflect_selections for a new manual
// selection field: each value whose sequence is not its index in the
// selection is upserted (INSERT ... ON CONFLICT DO UPDATE), which takes an
// id from the sequence even though the row is updated, and its sequence
// becomes its index. Real 17.0 and 18.0 show it: a field created with
// sequences 1 and 2 moves the next value id on by two.
func reflectSelection(t *tx, fm *model, r *record) {
	if t.getString(fm, r, "ttype") != "selection" {
		return
	}
	sel := t.model("ir.model.fields.selection")
	ids := t.sortByDefault(sel, t.one2manyIDs(fm.byName["selection_ids"], r.id))
	for i, id := range ids {
		s := sel.recs[id]
		if n, _ := t.get(sel, s, "sequence").(int64); n != int64(i) {
			sel.nextID++
			t.setRaw(s, "sequence", int64(i))
		}
	}
}

// installManualField adds (or refreshes) the field on its model, undone
// with the transaction like the registry reload Odoo would roll back.
func installManualField(t *tx, fm *model, r *record) error {
	target := t.model(t.getString(fm, r, "model"))
	if target == nil {
		return nil
	}
	f := &field{Name: t.getString(fm, r, "name"), Type: t.getString(fm, r, "ttype"),
		String: t.getString(fm, r, "field_description"), Relation: t.getString(fm, r, "relation"),
		Required: truthy(t.get(fm, r, "required")), Readonly: truthy(t.get(fm, r, "readonly")),
		Store: true, manual: true}
	if f.Type == "selection" {
		f.hasSelection = true
		sel := t.model("ir.model.fields.selection")
		for _, id := range t.one2manyIDs(fm.byName["selection_ids"], r.id) {
			s := sel.recs[id]
			f.Selection = append(f.Selection, [2]string{t.getString(sel, s, "value"), t.getString(sel, s, "name")})
		}
		if len(f.Selection) == 0 {
			f.Selection = parseSelectionString(t.getString(fm, r, "selection"))
		}
	}
	old := target.byName[f.Name]
	var saved field
	if old != nil {
		saved = *old
	}
	target.addField(f)
	t.undo = append(t.undo, func() {
		if old != nil {
			*target.byName[f.Name] = saved
		} else {
			target.removeField(f.Name)
		}
	})
	return nil
}

func uninstallManualField(t *tx, fm *model, r *record) {
	target := t.model(t.getString(fm, r, "model"))
	name := t.getString(fm, r, "name")
	if target == nil || target.byName[name] == nil {
		return
	}
	old := *target.byName[name]
	idx := 0
	for i, f := range target.fields {
		if f.Name == name {
			idx = i
		}
	}
	target.removeField(name)
	for _, rec := range target.recs {
		if _, ok := rec.vals[name]; ok {
			t.setRaw(rec, name, nil)
			delete(rec.vals, name)
		}
	}
	t.undo = append(t.undo, func() {
		f := old
		target.fields = append(target.fields[:idx], append([]*field{&f}, target.fields[idx:]...)...)
		target.byName[name] = &f
	})
}

var selectionPairRE = regexp.MustCompile(`\(\s*(['"])(.*?)['"]\s*,\s*(['"])(.*?)['"]\s*\)`)

// parseSelectionString reads the legacy "[('a', 'A'), ('b', 'B')]" form.
func parseSelectionString(s string) [][2]string {
	var out [][2]string
	for _, m := range selectionPairRE.FindAllStringSubmatch(s, -1) {
		out = append(out, [2]string{m[2], m[4]})
	}
	return out
}

// irModelIDs lets a seed give ir.model records the ids a recorded server had.
func (d *db) renumberIRModel(model string, id int64) {
	im, fm := d.models["ir.model"], d.models["ir.model.fields"]
	for oldID, r := range im.recs {
		if r.vals["model"] != model || oldID == id {
			continue
		}
		delete(im.recs, oldID)
		r.id = id
		im.recs[id] = r
		if im.nextID <= id {
			im.nextID = id + 1
		}
		for _, fr := range fm.recs {
			if fr.vals["model_id"] == oldID {
				fr.vals["model_id"] = id
			}
		}
	}
}
