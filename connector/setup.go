package connector

import (
	"context"
	"fmt"

	"github.com/compago-odoo/connector/odoo"
)

// SetupResult says what EnsureFields found and did.
type SetupResult struct {
	Created []string // fields created now
	Present []string // fields that were already there
	// StatesAdded lists the x_compago_state values added to a field made
	// by an older build (run setup again after an upgrade).
	StatesAdded []string
}

// EnsureFields creates the x_compago_* fields on pos.order as manual fields
// when they are missing. It is idempotent: a field already present (by
// name) is left as it is, but for the states its selection lacks.
func EnsureFields(ctx context.Context, o Odoo, f Fields) (SetupResult, error) {
	var res SetupResult
	var models []struct {
		ID int64 `json:"id"`
	}
	if err := o.SearchRead(ctx, "ir.model", odoo.Cond("model", "=", "pos.order"),
		odoo.Query{Fields: []string{"id"}, Limit: 1}, &models); err != nil {
		return res, fmt.Errorf("find model pos.order: %w", err)
	}
	if len(models) == 0 {
		return res, fmt.Errorf("model pos.order not found: is the Point of Sale app installed?")
	}
	defs := f.Definitions()
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.Name
	}
	var existing []struct {
		ID    int64   `json:"id"`
		Name  string  `json:"name"`
		TType string  `json:"ttype"`
		Opts  []int64 `json:"selection_ids"`
	}
	if err := o.SearchRead(ctx, "ir.model.fields",
		odoo.And(odoo.Cond("model", "=", "pos.order"), odoo.Cond("name", "in", names)),
		odoo.Query{Fields: []string{"id", "name", "ttype", "selection_ids"}}, &existing); err != nil {
		return res, fmt.Errorf("list Compago fields on pos.order: %w", err)
	}
	have := map[string]string{}
	for _, e := range existing {
		have[e.Name] = e.TType
		if e.TType == "selection" {
			// A field made by an older build lacks the states added since
			// (partially_paid): Odoo refuses to store a value its
			// selection does not list, so they are added here.
			added, err := addMissingStates(ctx, o, e.ID, e.Opts)
			if err != nil {
				return res, fmt.Errorf("update the states of pos.order.%s: %w", e.Name, err)
			}
			res.StatesAdded = append(res.StatesAdded, added...)
		}
	}
	for _, d := range defs {
		if t, ok := have[d.Name]; ok {
			if t != d.Type && !(d.Type == "selection" && t == "char") {
				return res, fmt.Errorf("field pos.order.%s exists with type %s, want %s", d.Name, t, d.Type)
			}
			res.Present = append(res.Present, d.Name)
			continue
		}
		vals := map[string]any{
			"name": d.Name, "field_description": d.Label, "model_id": models[0].ID,
			"ttype": d.Type, "state": "manual",
		}
		if d.Type == "selection" {
			var opts []any
			for i, s := range States {
				opts = append(opts, []any{0, 0, map[string]any{"value": s[0], "name": s[1], "sequence": i + 1}})
			}
			vals["selection_ids"] = opts
		}
		if _, err := o.Create(ctx, "ir.model.fields", vals, nil); err != nil {
			return res, fmt.Errorf("create field pos.order.%s: %w", d.Name, err)
		}
		res.Created = append(res.Created, d.Name)
	}
	return res, nil
}

// addMissingStates adds to the selection field fieldID the values of
// States it lacks, and returns them.
func addMissingStates(ctx context.Context, o Odoo, fieldID int64, optIDs []int64) ([]string, error) {
	var opts []struct {
		Value string `json:"value"`
	}
	if len(optIDs) > 0 {
		if err := o.Read(ctx, "ir.model.fields.selection", optIDs, []string{"value"}, &opts); err != nil {
			return nil, err
		}
	}
	have := map[string]bool{}
	for _, op := range opts {
		have[op.Value] = true
	}
	var cmds []any
	var added []string
	for i, s := range States {
		if !have[s[0]] {
			cmds = append(cmds, []any{0, 0, map[string]any{"value": s[0], "name": s[1], "sequence": i + 1}})
			added = append(added, s[0])
		}
	}
	if len(cmds) == 0 {
		return nil, nil
	}
	if err := o.Write(ctx, "ir.model.fields", []int64{fieldID}, map[string]any{"selection_ids": cmds}); err != nil {
		return nil, err
	}
	return added, nil
}

// MissingStates lists the x_compago_state values the field's selection in
// Odoo lacks (a field made by an older build; a char field lacks none):
// the daemon could not write them, so `check` and `doctor` say to run
// setup again.
func MissingStates(ctx context.Context, o Odoo, f Fields) ([]string, error) {
	// Asked of pos.order's own description (fields_get), which the
	// daemon's least-privilege user may read, not of ir.model.fields,
	// which only administrators may.
	var desc map[string]struct {
		Type      string `json:"type"`
		Selection []any  `json:"selection"`
	}
	if err := o.Execute(ctx, odoo.Call{Model: "pos.order", Method: "fields_get",
		Args:   []odoo.Arg{{Name: "allfields", Value: []string{f.State}}},
		Kwargs: map[string]any{"attributes": []string{"type", "selection"}}}, &desc); err != nil {
		return nil, fmt.Errorf("read the states of pos.order.%s: %w", f.State, err)
	}
	field, ok := desc[f.State]
	if !ok || field.Type != "selection" {
		return nil, nil
	}
	have := map[string]bool{}
	for _, opt := range field.Selection {
		if pair, ok := opt.([]any); ok && len(pair) > 0 {
			if v, ok := pair[0].(string); ok {
				have[v] = true
			}
		}
	}
	var missing []string
	for _, s := range States {
		if !have[s[0]] {
			missing = append(missing, s[0])
		}
	}
	return missing, nil
}
