package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kolo/xmlrpc"
)

// xmlRPC speaks XML-RPC over POST /xmlrpc/2/<service> (integer fault codes).
// github.com/kolo/xmlrpc encodes and decodes; the HTTP exchange is ours, so
// it gets the context, the timeouts and the User-Agent like the others.
type xmlRPC struct {
	c *conn
}

func (t *xmlRPC) protocol() Protocol { return ProtocolXMLRPC }

func (t *xmlRPC) authenticate(ctx context.Context) (int64, error) {
	return authenticateRPC(ctx, t.c, ProtocolXMLRPC, t.call)
}

func (t *xmlRPC) execute(ctx context.Context, uid int64, call Call) (json.RawMessage, error) {
	return t.call(ctx, call.op(), "object", "execute_kw", executeKwArgs(t.c.cfg, uid, call))
}

func (t *xmlRPC) version(ctx context.Context) (json.RawMessage, error) {
	return t.call(ctx, "common.version", "common", "version", nil)
}

func (t *xmlRPC) call(ctx context.Context, op, service, method string, args []any) (json.RawMessage, error) {
	params, err := xmlrpcArgs(args)
	var body []byte
	if err == nil {
		body, err = xmlrpc.EncodeMethodCall(method, params...)
	}
	if err != nil {
		return nil, t.c.seal(&Error{Transport: ProtocolXMLRPC, Op: op, Message: "cannot encode the arguments", Err: err})
	}
	h := http.Header{"Content-Type": {"text/xml"}, "Accept": {"text/xml"}}
	a, err := t.c.do(ctx, ProtocolXMLRPC, op, http.MethodPost, "/xmlrpc/2/"+service, body, h)
	if err != nil {
		return nil, err
	}
	raw, e := decodeXMLRPC(a.status, a.body)
	if e != nil {
		e.Transport, e.Op = ProtocolXMLRPC, op
		return nil, t.c.seal(e)
	}
	return raw, nil
}

// xmlrpcArgs gives XML-RPC the very values JSON-RPC would send: arguments go
// through their JSON form (so Domain, Many2One, DateTime... marshal the same
// way), integers stay integers, and null becomes false, which is how Odoo
// spells "empty" (its unmarshaller accepts <nil/> but its methods expect False).
func xmlrpcArgs(args []any) ([]any, error) {
	b, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v []any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out := make([]any, len(v))
	for i, x := range v {
		if out[i], err = xmlrpcValue(x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func xmlrpcValue(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		return v.Float64()
	case []any:
		for i, x := range v {
			var err error
			if v[i], err = xmlrpcValue(x); err != nil {
				return nil, err
			}
		}
		return v, nil
	case map[string]any:
		for k, x := range v {
			// kolo writes member names unescaped.
			if strings.ContainsAny(k, "<>&") {
				return nil, fmt.Errorf("key %q cannot be sent over XML-RPC", k)
			}
			var err error
			if v[k], err = xmlrpcValue(x); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	return v, nil
}

const noneFault = "cannot marshal None unless allow_none is enabled"

// decodeXMLRPC reads a /xmlrpc/2 answer into the JSON JSON-RPC would have
// given. The "cannot marshal None" fault is a null result: Odoo committed the
// work and only failed to send None back.
func decodeXMLRPC(status int, body []byte) (raw json.RawMessage, e *Error) {
	defer func() {
		if r := recover(); r != nil {
			raw, e = nil, &Error{Message: "malformed XML-RPC answer", Err: fmt.Errorf("decoder panic: %v", r),
				HTTPStatus: status, noAnswer: true, sent: true}
		}
	}()
	if status/100 != 2 {
		return nil, httpFailure(ProtocolXMLRPC, "", answer{status: status, body: body}, "/xmlrpc/2")
	}
	if err := checkXMLDepth(body); err != nil {
		return nil, &Error{Message: "malformed XML-RPC answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
	}
	resp := xmlrpc.Response(body)
	if err := resp.Err(); err != nil {
		return faultResult(resp, err, status)
	}
	var v any
	if err := resp.Unmarshal(&v); err != nil {
		return nil, &Error{Message: "malformed XML-RPC answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
	}
	b, err := json.Marshal(fromXMLRPC(v))
	if err != nil {
		return nil, &Error{Message: "malformed XML-RPC answer", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
	}
	return b, nil
}

func faultResult(resp xmlrpc.Response, err error, status int) (json.RawMessage, *Error) {
	var code, text string
	var fe xmlrpc.FaultError
	if errors.As(err, &fe) {
		code, text = strconv.Itoa(fe.Code), fe.String
	} else {
		// The legacy /xmlrpc endpoints send a string faultCode.
		var m map[string]any
		if uerr := resp.Unmarshal(&m); uerr != nil {
			return nil, &Error{Message: "malformed XML-RPC fault", Err: err, HTTPStatus: status, noAnswer: true, sent: true}
		}
		code, text = fmt.Sprint(m["faultCode"]), fmt.Sprint(m["faultString"])
	}
	if code == "1" && strings.Contains(text, noneFault) {
		return json.RawMessage("null"), nil
	}
	e := &Error{FaultCode: code, HTTPStatus: status}
	e.Name, e.Message = faultException(code, text)
	return nil, e
}

// className matches a Python exception class, maybe dotted: "psycopg2.errors.SerializationFailure".
var className = regexp.MustCompile(`^(?:[A-Za-z_]\w*\.)*[A-Z]\w*$`)

// faultException names the Odoo exception behind a fault, as the reference's
// table says (code 2 is any UserError; MissingError is told by its text).
func faultException(code, text string) (name, msg string) {
	switch code {
	case "3":
		return excAccessDenied, text
	case "4":
		return excAccessError, text
	case "2":
		if strings.HasPrefix(text, excMissingMessage) {
			return excMissingError, text
		}
		return excUserError, text
	case "1":
		return tracebackException(text)
	}
	if strings.HasPrefix(code, "warning -- ") { // legacy string codes
		kind, rest, _ := strings.Cut(strings.TrimPrefix(code, "warning -- "), "\n")
		rest = strings.TrimSpace(rest)
		switch kind {
		case "MissingError", "AccessError", "UserError":
			return "odoo.exceptions." + kind, rest
		}
		return excUserError, rest
	}
	if code == "AccessDenied" {
		return excAccessDenied, text
	}
	return tracebackException(text)
}

// tracebackException reads "psycopg2.errors.SerializationFailure: could not
// serialize access" (or "AttributeError: ...") from the end of a traceback;
// builtins get the "builtins." prefix JSON-RPC gives them.
func tracebackException(text string) (name, msg string) {
	t := strings.TrimSpace(text)
	if i := strings.LastIndex(t, "\n"); i >= 0 {
		t = strings.TrimSpace(t[i+1:])
	}
	if i := strings.LastIndex(t, " ... "); i >= 0 { // recordings cut the middle out
		t = t[i+5:]
	}
	head, rest, ok := strings.Cut(t, ": ")
	if !ok {
		head, rest = t, ""
	}
	if !className.MatchString(head) {
		return "", text
	}
	if !strings.Contains(head, ".") {
		head = "builtins." + head
	}
	return head, rest
}

// fromXMLRPC turns kolo's values into JSON-RPC's: nil (kolo's reading of an
// empty <string></string>; Odoo never sends <nil/>) is "", and a stray
// dateTime.iso8601 is Odoo's naive UTC string.
func fromXMLRPC(v any) any {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(dateTimeLayout)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = fromXMLRPC(x)
		}
		return v
	case map[string]any:
		for k, x := range v {
			v[k] = fromXMLRPC(x)
		}
		return v
	}
	return v
}
