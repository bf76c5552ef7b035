package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
)

// jsonRPC speaks JSON-RPC 2.0 over POST /jsonrpc (Odoo 16 to 21).
type jsonRPC struct {
	c      *conn
	nextID atomic.Int64
}

func (t *jsonRPC) protocol() Protocol { return ProtocolJSONRPC }

func (t *jsonRPC) authenticate(ctx context.Context) (int64, error) {
	return authenticateRPC(ctx, t.c, ProtocolJSONRPC, t.call)
}

func (t *jsonRPC) execute(ctx context.Context, uid int64, call Call) (json.RawMessage, error) {
	return t.call(ctx, call.op(), "object", "execute_kw", executeKwArgs(t.c.cfg, uid, call))
}

func (t *jsonRPC) version(ctx context.Context) (json.RawMessage, error) {
	return t.call(ctx, "common.version", "common", "version", []any{})
}

type jsonRPCRequest struct {
	JSONRPC string        `json:"jsonrpc"`
	Method  string        `json:"method"`
	ID      int64         `json:"id"`
	Params  jsonRPCParams `json:"params"`
}

type jsonRPCParams struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Args    []any  `json:"args"`
}

func (t *jsonRPC) call(ctx context.Context, op, service, method string, args []any) (json.RawMessage, error) {
	body, err := json.Marshal(jsonRPCRequest{
		JSONRPC: "2.0", Method: "call", ID: t.nextID.Add(1),
		Params: jsonRPCParams{Service: service, Method: method, Args: args},
	})
	if err != nil {
		return nil, &Error{Transport: ProtocolJSONRPC, Op: op, Message: "cannot encode the arguments", Err: err}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	a, err := t.c.do(ctx, ProtocolJSONRPC, op, http.MethodPost, "/jsonrpc", body, h)
	if err != nil {
		return nil, err
	}
	raw, e := decodeJSONRPC(a.status, a.body)
	if e != nil {
		e.Transport, e.Op = ProtocolJSONRPC, op
		return nil, t.c.seal(e)
	}
	return raw, nil
}

type jsonRPCResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Data    *odooException  `json:"data"`
	} `json:"error"`
}

// odooException is Odoo's serialize_exception: the JSON-RPC error.data and
// the whole body of a JSON-2 error.
type odooException struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// decodeJSONRPC reads a /jsonrpc answer. A success without "result" is a
// null result (Odoo omits it when the method returned None).
func decodeJSONRPC(status int, body []byte) (json.RawMessage, *Error) {
	var r jsonRPCResponse
	err := checkJSONDepth(body)
	if err == nil {
		err = json.Unmarshal(body, &r)
	}
	if err != nil || r.JSONRPC != "2.0" {
		if status/100 != 2 {
			return nil, httpFailure(ProtocolJSONRPC, "", answer{status: status, body: body}, "/jsonrpc")
		}
		if err == nil {
			err = fmt.Errorf(`missing "jsonrpc": "2.0"`)
		}
		return nil, &Error{Message: "malformed JSON-RPC answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
	}
	if r.Error != nil {
		e := &Error{HTTPStatus: status, Message: r.Error.Message}
		if d := r.Error.Data; d != nil {
			e.Name = d.Name
			if d.Message != "" {
				e.Message = d.Message
			}
		}
		return nil, e
	}
	if status/100 != 2 {
		return nil, httpFailure(ProtocolJSONRPC, "", answer{status: status, body: body}, "/jsonrpc")
	}
	if len(r.Result) == 0 {
		return json.RawMessage("null"), nil
	}
	return r.Result, nil
}

// executeKwArgs builds execute_kw's positional arguments.
func executeKwArgs(cfg Config, uid int64, call Call) []any {
	pos := make([]any, 0, len(call.Args)+1)
	if call.IDs != nil {
		pos = append(pos, call.IDs)
	}
	for _, a := range call.Args {
		pos = append(pos, a.Value)
	}
	args := []any{cfg.Database, uid, cfg.Password, call.Model, call.Method, pos}
	kw := make(map[string]any, len(call.Kwargs)+1)
	for k, v := range call.Kwargs {
		kw[k] = v
	}
	if call.Context != nil {
		kw["context"] = call.Context
	}
	if len(kw) > 0 {
		args = append(args, kw)
	}
	return args
}

// rpcCall is one call on a service of /jsonrpc or /xmlrpc/2.
type rpcCall func(ctx context.Context, op, service, method string, args []any) (json.RawMessage, error)

// authenticateRPC logs in through common.authenticate: a uid, or false for
// wrong credentials (Odoo answers false rather than raising).
func authenticateRPC(ctx context.Context, c *conn, p Protocol, call rpcCall) (int64, error) {
	const op = "common.authenticate"
	cfg := c.cfg
	raw, err := call(ctx, op, "common", "authenticate", []any{cfg.Database, cfg.Username, cfg.Password, map[string]any{}})
	if err != nil {
		return 0, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, &Error{Transport: p, Op: op, Message: "malformed answer", Err: err}
	}
	switch v := v.(type) {
	case bool:
		if !v {
			return 0, c.seal(&Error{Transport: p, Op: op, Message: fmt.Sprintf("user %q on database %q", cfg.Username, cfg.Database), Err: ErrBadCredentials})
		}
	case float64:
		if v > 0 && v == float64(int64(v)) {
			return int64(v), nil
		}
	}
	return 0, &Error{Transport: p, Op: op, Message: "authenticate answered neither a user id nor false: " + snippet(raw)}
}
