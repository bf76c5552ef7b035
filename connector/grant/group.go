// Package grant gives the daemon its own Odoo user holding only the rights
// its work needs: the "Compago connector" group (rights.go, the one list),
// the dedicated user in it, and that user's API key. Setup runs it with an
// administrator's login; the daemon itself never needs these calls.
package grant

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/compago-odoo/connector/odoo"
)

// Odoo is what the package needs of an administrator's client.
type Odoo interface {
	SearchRead(ctx context.Context, model string, domain odoo.Domain, q odoo.Query, out any) error
	Create(ctx context.Context, model string, vals map[string]any, ctxVals map[string]any) (int64, error)
	Write(ctx context.Context, model string, ids []int64, vals map[string]any) error
	Execute(ctx context.Context, call odoo.Call, out any) error
}

// aclPrefix names the access rows setup makes, so that a re-run finds its
// own and leaves rows the addon (or an administrator) added alone.
const aclPrefix = "compago-connector: "

// Group says what EnsureGroup found and did.
type Group struct {
	ID        int64
	Created   bool     // the group was made now
	FromAddon bool     // the addon is installed: its group, left as it declares it
	Changed   []string // access rows created or corrected
}

// XMLID looks up an external id, returning 0 when it does not exist.
func XMLID(ctx context.Context, o Odoo, module, name string) (int64, error) {
	var rows []struct {
		ResID int64 `json:"res_id"`
	}
	if err := o.SearchRead(ctx, "ir.model.data", odoo.And(odoo.Cond("module", "=", module), odoo.Cond("name", "=", name)),
		odoo.Query{Fields: []string{"res_id"}, Limit: 1}, &rows); err != nil {
		return 0, fmt.Errorf("look up %s.%s: %w", module, name, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].ResID, nil
}

// AddonInstalled reports whether the POS addon (GroupModule) is installed
// in Odoo: its field pos.payment.compago_intent_id (the one-line-per-intent
// index) exists. Asked of pos.payment's fields, which the daemon's
// least-privilege user may read, not of ir.module.module, which only
// administrators may (that user would then never find the addon, and
// record with add_payment, which the addon's group does not allow). Setup,
// doctor and the daemon all ask this one question.
func AddonInstalled(ctx context.Context, o interface {
	Execute(ctx context.Context, call odoo.Call, out any) error
}) (bool, error) {
	var fields map[string]json.RawMessage
	if err := o.Execute(ctx, odoo.Call{Model: "pos.payment", Method: "fields_get",
		Kwargs: map[string]any{"attributes": []string{"type"}}}, &fields); err != nil {
		return false, fmt.Errorf("look for the Odoo module %s (the field pos.payment.%s): %w", GroupModule, addonField, err)
	}
	_, ok := fields[addonField]
	return ok, nil
}

// addonField is the addon's field on pos.payment.
const addonField = "compago_intent_id"

// EnsureGroup makes the "Compago connector" group with the rights of
// Odoo major version major, or corrects the rights of the one setup made
// before. With the addon installed it only finds the addon's group.
func EnsureGroup(ctx context.Context, o Odoo, major int) (Group, error) {
	var g Group
	addon, err := AddonInstalled(ctx, o)
	if err != nil {
		return g, err
	}
	if g.ID, err = XMLID(ctx, o, GroupModule, GroupXMLID); err != nil {
		return g, err
	}
	if addon {
		if g.ID == 0 {
			return g, fmt.Errorf("the addon %s is installed but its group %s.%s is missing: upgrade the addon", GroupModule, GroupModule, GroupXMLID)
		}
		g.FromAddon = true
		return g, nil
	}
	userGroup, err := XMLID(ctx, o, "base", "group_user")
	if err != nil || userGroup == 0 {
		return g, fmt.Errorf("find base.group_user: %v", err)
	}
	vals := map[string]any{"name": GroupName, "implied_ids": []any{[]any{4, userGroup}}}
	if major >= 18 {
		vals["api_key_duration"] = float64(KeyDays)
	}
	if g.ID == 0 {
		if g.ID, err = o.Create(ctx, "res.groups", vals, nil); err != nil {
			return g, fmt.Errorf("create the group %q: %w", GroupName, err)
		}
		if _, err := o.Create(ctx, "ir.model.data", map[string]any{"module": GroupModule, "name": GroupXMLID,
			"model": "res.groups", "res_id": g.ID, "noupdate": false}, nil); err != nil {
			return g, fmt.Errorf("name the group %s.%s: %w", GroupModule, GroupXMLID, err)
		}
		g.Created = true
	} else if err := o.Write(ctx, "res.groups", []int64{g.ID}, vals); err != nil {
		return g, fmt.Errorf("update the group %q: %w", GroupName, err)
	}
	if g.Changed, err = ensureAccess(ctx, o, g.ID, Rights(major)); err != nil {
		return g, err
	}
	made, err := ensureWorkerRule(ctx, o, g.ID, WorkerRuleName, "[('key', '=', '"+WorkerParameter+"')]")
	if err != nil {
		return g, err
	}
	// Group rules are or-ed: an administrator who is also in the group
	// keeps every system parameter.
	system, err := XMLID(ctx, o, "base", "group_system")
	if err != nil || system == 0 {
		return g, fmt.Errorf("find base.group_system: %v", err)
	}
	if _, err := ensureWorkerRule(ctx, o, system, AdminRuleName, "[(1, '=', 1)]"); err != nil {
		return g, err
	}
	if made {
		g.Changed = append(g.Changed, "ir.config_parameter (rule: "+WorkerParameter+" only)")
	}
	return g, err
}

// ensureWorkerRule makes the record rule that limits the group's access
// to system parameters to the worker record: without it the group's
// ir.config_parameter right would show every parameter (database.secret
// among them).
func ensureWorkerRule(ctx context.Context, o Odoo, group int64, name, domain string) (bool, error) {
	var rules []struct {
		ID int64 `json:"id"`
	}
	if err := o.SearchRead(ctx, "ir.rule", odoo.And(odoo.Cond("name", "=", name), odoo.Cond("groups", "in", []int64{group})),
		odoo.Query{Fields: []string{"id"}}, &rules); err != nil {
		return false, fmt.Errorf("look for the rule on system parameters: %w", err)
	}
	if len(rules) > 0 {
		if err := o.Write(ctx, "ir.rule", []int64{rules[0].ID}, map[string]any{"domain_force": domain}); err != nil {
			return false, fmt.Errorf("correct the rule on system parameters: %w", err)
		}
		return false, nil
	}
	var models []struct {
		ID int64 `json:"id"`
	}
	if err := o.SearchRead(ctx, "ir.model", odoo.Cond("model", "=", "ir.config_parameter"), odoo.Query{Fields: []string{"id"}}, &models); err != nil || len(models) != 1 {
		return false, fmt.Errorf("find the model ir.config_parameter: %v", err)
	}
	if _, err := o.Create(ctx, "ir.rule", map[string]any{"name": name, "model_id": models[0].ID,
		"groups": []any{[]any{4, group}}, "domain_force": domain}, nil); err != nil {
		return false, fmt.Errorf("limit the group's system parameters to %s: %w", WorkerParameter, err)
	}
	return true, nil
}

// ensureAccess makes the group's access rows match want: one row per
// model, created or corrected; setup's rows for models no longer listed
// lose every permission.
func ensureAccess(ctx context.Context, o Odoo, group int64, want []Right) ([]string, error) {
	names := make([]string, len(want))
	for i, r := range want {
		names[i] = r.Model
	}
	var models []struct {
		ID    int64  `json:"id"`
		Model string `json:"model"`
	}
	if err := o.SearchRead(ctx, "ir.model", odoo.Cond("model", "in", names), odoo.Query{Fields: []string{"id", "model"}}, &models); err != nil {
		return nil, fmt.Errorf("find the models of the group's rights: %w", err)
	}
	modelID := map[string]int64{}
	for _, m := range models {
		modelID[m.Model] = m.ID
	}
	var rows []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Model  any    `json:"model_id"`
		Read   bool   `json:"perm_read"`
		Write  bool   `json:"perm_write"`
		Create bool   `json:"perm_create"`
		Unlink bool   `json:"perm_unlink"`
	}
	if err := o.SearchRead(ctx, "ir.model.access", odoo.Cond("group_id", "=", group),
		odoo.Query{Fields: []string{"id", "name", "model_id", "perm_read", "perm_write", "perm_create", "perm_unlink"}}, &rows); err != nil {
		return nil, fmt.Errorf("read the group's access rows: %w", err)
	}
	var changed []string
	seen := map[string]bool{}
	for _, r := range want {
		id, ok := modelID[r.Model]
		if !ok {
			return changed, fmt.Errorf("model %s not found: is the Point of Sale app installed?", r.Model)
		}
		perms := map[string]any{"perm_read": r.Read, "perm_write": r.Write, "perm_create": r.Create, "perm_unlink": r.Unlink}
		name := aclPrefix + r.Model
		seen[name] = true
		found := false
		for _, row := range rows {
			if row.Name != name {
				continue
			}
			found = true
			if row.Read != r.Read || row.Write != r.Write || row.Create != r.Create || row.Unlink != r.Unlink {
				if err := o.Write(ctx, "ir.model.access", []int64{row.ID}, perms); err != nil {
					return changed, fmt.Errorf("correct the access to %s: %w", r.Model, err)
				}
				changed = append(changed, r.Model)
			}
		}
		if found {
			continue
		}
		perms["name"], perms["model_id"], perms["group_id"] = name, id, group
		if _, err := o.Create(ctx, "ir.model.access", perms, nil); err != nil {
			return changed, fmt.Errorf("give the group access to %s: %w", r.Model, err)
		}
		changed = append(changed, r.Model)
	}
	for _, row := range rows {
		if len(row.Name) > len(aclPrefix) && row.Name[:len(aclPrefix)] == aclPrefix && !seen[row.Name] &&
			(row.Read || row.Write || row.Create || row.Unlink) {
			if err := o.Write(ctx, "ir.model.access", []int64{row.ID}, map[string]any{
				"perm_read": false, "perm_write": false, "perm_create": false, "perm_unlink": false}); err != nil {
				return changed, fmt.Errorf("withdraw %s: %w", row.Name, err)
			}
			changed = append(changed, row.Name[len(aclPrefix):]+" (withdrawn)")
		}
	}
	return changed, nil
}
