package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// json2 speaks Odoo 19's JSON-2 API: POST /json/2/<model>/<method> with the
// API key as bearer token, arguments by name, errors as HTTP statuses.
type json2 struct {
	c *conn
}

func (t *json2) protocol() Protocol { return ProtocolJSON2 }

// authenticate: JSON-2 has no login; the key is checked on every call and
// res.users/context_get tells whose key it is.
func (t *json2) authenticate(ctx context.Context) (int64, error) {
	raw, err := t.execute(ctx, 0, Call{Model: "res.users", Method: "context_get"})
	if err != nil {
		return 0, err
	}
	var v struct {
		UID int64 `json:"uid"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.UID <= 0 {
		return 0, &Error{Transport: ProtocolJSON2, Op: "res.users.context_get",
			Message: "context_get answered no user id: " + snippet(raw), Err: err}
	}
	return v.UID, nil
}

func (t *json2) execute(ctx context.Context, _ int64, call Call) (json.RawMessage, error) {
	op := call.op()
	body, err := json2Body(call)
	if err != nil {
		return nil, t.c.seal(&Error{Transport: ProtocolJSON2, Op: op, Message: "cannot encode the arguments", Err: err})
	}
	h := http.Header{
		"Content-Type":  {"application/json; charset=utf-8"},
		"Accept":        {"application/json"},
		"Authorization": {"bearer " + t.c.cfg.Password},
	}
	if t.c.cfg.Database != "" {
		h.Set("X-Odoo-Database", t.c.cfg.Database)
	}
	path := "/json/2/" + url.PathEscape(call.Model) + "/" + url.PathEscape(call.Method)
	a, err := t.c.do(ctx, ProtocolJSON2, op, http.MethodPost, path, body, h)
	if err != nil {
		return nil, err
	}
	raw, e := decodeJSON2(a.status, a.body)
	if e != nil {
		e.Transport, e.Op = ProtocolJSON2, op
		return nil, t.c.seal(e)
	}
	return raw, nil
}

func json2Body(call Call) ([]byte, error) {
	m := make(map[string]any, len(call.Args)+len(call.Kwargs)+2)
	if call.IDs != nil {
		m["ids"] = call.IDs
	}
	for i, a := range call.Args {
		if a.Name == "" {
			return nil, fmt.Errorf("argument %d has no name (JSON-2 passes arguments by name)", i+1)
		}
		m[a.Name] = a.Value
	}
	for k, v := range call.Kwargs {
		m[k] = v
	}
	if call.Context != nil {
		m["context"] = call.Context
	}
	return json.Marshal(m)
}

// decodeJSON2 reads a JSON-2 answer: 200 with the bare result, or an error
// status with Odoo's serialized exception as the body.
func decodeJSON2(status int, body []byte) (json.RawMessage, *Error) {
	if err := checkJSONDepth(body); err != nil {
		return nil, &Error{Message: "malformed JSON-2 answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
	}
	if status/100 == 2 {
		var raw json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, &Error{Message: "malformed JSON-2 answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
		}
		return raw, nil
	}
	var x odooException
	if err := json.Unmarshal(body, &x); err == nil && x.Name != "" {
		return nil, &Error{Name: x.Name, Message: x.Message, HTTPStatus: status}
	}
	e := httpFailure(ProtocolJSON2, "", answer{status: status, body: body}, "/json/2")
	if status == http.StatusUnauthorized {
		e.Message = "the API key was refused"
	}
	return nil, e
}
