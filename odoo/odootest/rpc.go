package odootest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// rpc is a minimal JSON-RPC caller of its own, so that setting up Odoo
// does not depend on the client the tests judge.
type rpc struct {
	url, db, user, password string
	uid                     int64
}

var httpClient = &http.Client{Timeout: 2 * time.Minute}

// RPCError is an Odoo error answer: its exception class and message.
type RPCError struct {
	Name, Message string
}

func (e *RPCError) Error() string { return e.Name + ": " + e.Message }

// call posts one JSON-RPC call and decodes its result (absent for None).
func (r *rpc) call(ctx context.Context, service, method string, args ...any) (any, error) {
	if args == nil {
		args = []any{} // Odoo unpacks them: a JSON null is a TypeError
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/jsonrpc", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var ans struct {
		Result any `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("HTTP %d, not JSON-RPC: %.200s", resp.StatusCode, raw)
	}
	if ans.Error != nil {
		msg := ans.Error.Data.Message
		if msg == "" {
			msg = ans.Error.Message
		}
		return nil, &RPCError{Name: ans.Error.Data.Name, Message: msg}
	}
	return ans.Result, nil
}

// login authenticates and keeps the uid.
func (r *rpc) login(ctx context.Context) error {
	res, err := r.call(ctx, "common", "authenticate", r.db, r.user, r.password, map[string]any{})
	if err != nil {
		return err
	}
	uid, ok := res.(float64)
	if !ok || uid <= 0 {
		return fmt.Errorf("authenticate %s on %s answered %v", r.user, r.db, res)
	}
	r.uid = int64(uid)
	return nil
}

// exec runs execute_kw. kwargs may be nil.
func (r *rpc) exec(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	if args == nil {
		args = []any{}
	}
	res, err := r.call(ctx, "object", "execute_kw", r.db, r.uid, r.password, model, method, args, kwargs)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", model, method, err)
	}
	return res, nil
}

// id reads a record id out of an answer: a number or a list of one.
func id(v any) (int64, error) {
	switch n := v.(type) {
	case float64:
		return int64(n), nil
	case []any:
		if len(n) == 1 {
			return id(n[0])
		}
	}
	return 0, fmt.Errorf("not a record id: %v", v)
}
