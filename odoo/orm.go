package odoo

import (
	"context"
	"encoding/json"
	"fmt"
)

// Query shapes a search: which fields, how many, from where, in what order.
type Query struct {
	Fields        []string
	Limit, Offset int
	Order         string // "write_date asc, id asc"
	Context       map[string]any
}

func (q Query) kwargs(withFields bool) map[string]any {
	kw := map[string]any{}
	if withFields && q.Fields != nil {
		kw["fields"] = q.Fields
	}
	if q.Limit > 0 {
		kw["limit"] = q.Limit
	}
	if q.Offset > 0 {
		kw["offset"] = q.Offset
	}
	if q.Order != "" {
		kw["order"] = q.Order
	}
	return kw
}

func domainArg(d Domain) Arg {
	if d == nil {
		d = Domain{}
	}
	return Arg{Name: "domain", Value: d}
}

// SearchRead finds records and reads their fields in one transaction, into
// out (a pointer to a slice of structs or maps).
func (c *Client) SearchRead(ctx context.Context, model string, domain Domain, q Query, out any) error {
	return c.Execute(ctx, Call{Model: model, Method: "search_read", Args: []Arg{domainArg(domain)},
		Kwargs: q.kwargs(true), Context: q.Context}, out)
}

// Search returns the ids of the matching records.
func (c *Client) Search(ctx context.Context, model string, domain Domain, q Query) ([]int64, error) {
	var ids []int64
	err := c.Execute(ctx, Call{Model: model, Method: "search", Args: []Arg{domainArg(domain)},
		Kwargs: q.kwargs(false), Context: q.Context}, &ids)
	return ids, err
}

// SearchCount counts the matching records.
func (c *Client) SearchCount(ctx context.Context, model string, domain Domain) (int, error) {
	var n int
	err := c.Execute(ctx, Call{Model: model, Method: "search_count", Args: []Arg{domainArg(domain)}}, &n)
	return n, err
}

// Read reads fields (all when nil) of the records ids into out. Odoo
// silently leaves out ids that do not exist: compare lengths if it matters.
func (c *Client) Read(ctx context.Context, model string, ids []int64, fields []string, out any) error {
	call := Call{Model: model, Method: "read", IDs: nonNil(ids)}
	if fields != nil {
		call.Kwargs = map[string]any{"fields": fields}
	}
	return c.Execute(ctx, call, out)
}

// Create creates one record and returns its id. ctxVals is the call's
// context (e.g. {"active_id": order} for a wizard); nil for none.
func (c *Client) Create(ctx context.Context, model string, vals map[string]any, ctxVals map[string]any) (int64, error) {
	if vals == nil {
		vals = map[string]any{}
	}
	// One dict over RPC (Odoo answers the id), a list of one on JSON-2 (it
	// answers [id]), as Odoo's own clients and the recordings do.
	if _, _, err := c.session(ctx); err != nil {
		return 0, err
	}
	var valsList any = vals
	if c.Protocol() == ProtocolJSON2 {
		valsList = []any{vals}
	}
	call := Call{Model: model, Method: "create", Args: []Arg{{Name: "vals_list", Value: valsList}}, Context: ctxVals}
	var raw json.RawMessage
	if err := c.Execute(ctx, call, &raw); err != nil {
		return 0, err
	}
	var ids []int64
	if json.Unmarshal(raw, &ids) == nil && len(ids) == 1 {
		return ids[0], nil
	}
	var id int64
	if json.Unmarshal(raw, &id) == nil && id > 0 {
		return id, nil
	}
	return 0, &Error{Transport: c.Protocol(), Op: call.op(), Message: "create answered no id: " + snippet(raw)}
}

// Write sets vals on the records ids.
func (c *Client) Write(ctx context.Context, model string, ids []int64, vals map[string]any) error {
	if vals == nil {
		vals = map[string]any{}
	}
	return c.Execute(ctx, Call{Model: model, Method: "write", IDs: nonNil(ids), Args: []Arg{{Name: "vals", Value: vals}}}, nil)
}

// Unlink deletes the records ids.
func (c *Client) Unlink(ctx context.Context, model string, ids []int64) error {
	return c.Execute(ctx, Call{Model: model, Method: "unlink", IDs: nonNil(ids)}, nil)
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// FieldInfo is what fields_get says of one field.
type FieldInfo struct {
	Type, String, Relation    string
	Required, Readonly, Store bool
	Selection                 [][2]string // [value, label]; values written as text
}

func (f *FieldInfo) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type      String          `json:"type"`
		String    String          `json:"string"`
		Relation  String          `json:"relation"`
		Required  any             `json:"required"`
		Readonly  any             `json:"readonly"`
		Store     any             `json:"store"`
		Selection json.RawMessage `json:"selection"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = FieldInfo{Type: string(raw.Type), String: string(raw.String), Relation: string(raw.Relation),
		Required: truthy(raw.Required), Readonly: truthy(raw.Readonly), Store: truthy(raw.Store)}
	var sel [][]any // a list of pairs, or false / a string for dynamic selections
	if json.Unmarshal(raw.Selection, &sel) == nil {
		for _, p := range sel {
			if len(p) >= 2 {
				f.Selection = append(f.Selection, [2]string{text(p[0]), text(p[1])})
			}
		}
	}
	return nil
}

// truthy reads a boolean attribute; attributes driven by a Python expression
// arrive as strings and count as true.
func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	}
	return false
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case bool:
		if !v {
			return ""
		}
	}
	return fmt.Sprint(v)
}

// FieldsGet describes the fields of model; attributes limits what is asked
// (e.g. "type", "string", "relation", "required", "readonly", "store", "selection").
func (c *Client) FieldsGet(ctx context.Context, model string, attributes []string) (map[string]FieldInfo, error) {
	call := Call{Model: model, Method: "fields_get"}
	if attributes != nil {
		call.Kwargs = map[string]any{"attributes": attributes}
	}
	var out map[string]FieldInfo
	err := c.Execute(ctx, call, &out)
	return out, err
}
