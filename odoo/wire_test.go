package odoo_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo"
	"github.com/google/go-cmp/cmp"
	"github.com/kolo/xmlrpc"
)

func dbOf(version int) string {
	switch version {
	case 18:
		return "sandbox18"
	case 19:
		return "sandbox19"
	}
	return "sandbox"
}

// connectNames are the recordings a client needs to connect over p.
func connectNames(p odoo.Protocol) []string {
	if p == odoo.ProtocolJSON2 {
		return []string{"web version", "json2 context_get"}
	}
	return []string{"web version", "common.version", "common.authenticate ok"}
}

func newClient(t *testing.T, url string, version int, p odoo.Protocol, password string) *odoo.Client {
	t.Helper()
	c, err := odoo.New(odoo.Config{URL: url, Database: dbOf(version), Username: "admin", Password: password,
		Protocol: p, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// callFromRecording turns a recorded execute_kw or JSON-2 request into the
// Call that should produce it.
func callFromRecording(t *testing.T, ex exchange) (odoo.Call, string) {
	t.Helper()
	switch ex.Transport {
	case "jsonrpc", "xmlrpc":
		var args []any
		if ex.Transport == "jsonrpc" {
			var body struct {
				Params struct {
					Args []any `json:"args"`
				} `json:"params"`
			}
			if err := json.Unmarshal(ex.Request.Body, &body); err != nil {
				t.Fatal(err)
			}
			args = body.Params.Args
		} else {
			var x string
			json.Unmarshal(ex.Request.Body, &x)
			_, args = xmlCall(t, []byte(x))
		}
		call := odoo.Call{Model: args[3].(string), Method: args[4].(string)}
		for _, a := range args[5].([]any) {
			call.Args = append(call.Args, odoo.Arg{Name: "positional", Value: a})
		}
		if len(args) > 6 {
			kw := args[6].(map[string]any)
			if ctx, ok := kw["context"].(map[string]any); ok {
				call.Context = ctx
				delete(kw, "context")
			}
			if len(kw) > 0 {
				call.Kwargs = kw
			}
		}
		return call, args[2].(string)
	case "json2":
		parts := strings.Split(strings.TrimPrefix(ex.Request.Path, "/json/2/"), "/")
		call := odoo.Call{Model: parts[0], Method: parts[1]}
		var body map[string]any
		if err := json.Unmarshal(ex.Request.Body, &body); err != nil {
			t.Fatal(err)
		}
		for k, v := range body {
			switch k {
			case "ids":
				call.IDs = []int64{}
				for _, id := range v.([]any) {
					call.IDs = append(call.IDs, int64(id.(float64)))
				}
			case "context":
				call.Context = v.(map[string]any)
			default:
				call.Args = append(call.Args, odoo.Arg{Name: k, Value: v})
			}
		}
		return call, "<api key>"
	}
	t.Fatalf("not a call: %s", ex.Name)
	return odoo.Call{}, ""
}

// recordedOutcome is what Odoo answered: a result in JSON form, or the name
// (or XML-RPC fault code) of the exception.
func recordedOutcome(t *testing.T, ex exchange) (result any, errName, faultCode string) {
	t.Helper()
	switch ex.Transport {
	case "jsonrpc":
		var r struct {
			Result any `json:"result"`
			Error  *struct {
				Data struct {
					Name string `json:"name"`
				} `json:"data"`
			} `json:"error"`
		}
		json.Unmarshal(ex.Response, &r)
		if r.Error != nil {
			return nil, r.Error.Data.Name, ""
		}
		return r.Result, "", ""
	case "xmlrpc":
		var x string
		json.Unmarshal(ex.Response, &x)
		var v any
		err := xmlrpc.Response(x).Err()
		var fe xmlrpc.FaultError
		if errors.As(err, &fe) {
			if strings.Contains(fe.String, "cannot marshal None") {
				return nil, "", "" // the None trap: a null result
			}
			return nil, "", string(rune('0' + fe.Code))
		}
		if err := xmlrpc.Response(x).Unmarshal(&v); err != nil {
			t.Fatal(err)
		}
		return jsonForm(v), "", ""
	default:
		var v any
		json.Unmarshal(ex.Response, &v)
		if ex.Status != 200 {
			return nil, v.(map[string]any)["name"].(string), ""
		}
		return v, "", ""
	}
}

// What a caller must be able to tell from each recorded error.
var recordedErrorKinds = map[string]func(error) bool{
	"object bad password": func(err error) bool {
		return odoo.IsAccessDenied(err) && errors.Is(err, odoo.ErrBadCredentials)
	},
	"json2 bad key": func(err error) bool {
		return odoo.IsAccessDenied(err) && errors.Is(err, odoo.ErrBadCredentials)
	},
	"write missing id":                    odoo.IsMissing,
	"json2 write missing id":              odoo.IsMissing,
	"private method":                      odoo.IsAccessDenied,
	"unknown model":                       odoo.IsUserError,
	"action_pos_order_paid unpaid":        odoo.IsUserError,
	"json2 action_pos_order_paid unpaid":  odoo.IsUserError,
	"add_payment unknown payment method":  odoo.IsUserError,
	"create manual field twice":           odoo.IsUserError,
	"create manual field without x_":      odoo.IsUserError,
	"write a value outside the selection": odoo.IsUserError,
	"json2 missing argument":              odoo.IsUserError,
	"json2 ids on a model method":         odoo.IsUserError,
	"unknown method": func(err error) bool {
		var e *odoo.Error
		return errors.As(err, &e) && e.Name == "builtins.AttributeError"
	},
	"json2 unknown model":  func(err error) bool { return !odoo.IsUserError(err) && !odoo.IsOutcomeUnknown(err) },
	"json2 unknown method": func(err error) bool { return !odoo.IsUserError(err) && !odoo.IsOutcomeUnknown(err) },
}

// Every object call recorded from real Odoo, replayed through Execute on its
// transport: the client sends the recorded request and reads the recorded
// answer as the same JSON-form value on every transport, or as an error a
// caller can classify.
func TestEveryRecordedCallReadsBackOnItsTransport(t *testing.T) {
	for _, version := range []int{17, 19} {
		for _, ex := range recordings(t, version) {
			if !isObjectCall(ex) {
				continue
			}
			t.Run(ex.Transport+"/"+ex.Name+"/"+dbOf(version), func(t *testing.T) {
				p := odoo.Protocol(ex.Transport)
				srv := replayServer(t, version, append(connectNames(p), ex.Name)...)
				call, password := callFromRecording(t, ex)
				if password == "<password>" || password == "<api key>" {
					password = "admin"
				}
				c := newClient(t, srv.URL, version, p, password)
				var got any = "untouched"
				err := c.Execute(context.Background(), call, &got)
				want, wantName, wantFault := recordedOutcome(t, ex)
				if wantName == "" && wantFault == "" {
					if err != nil {
						t.Fatalf("Odoo answered a result, the client reported: %v", err)
					}
					if diff := cmp.Diff(want, jsonForm(got)); diff != "" {
						t.Errorf("result differs from what Odoo sent (-odoo +client):\n%s", diff)
					}
					return
				}
				var e *odoo.Error
				if !errors.As(err, &e) {
					t.Fatalf("Odoo answered an error, the client reported %v", err)
				}
				if wantName != "" && e.Name != wantName {
					t.Errorf("exception = %q, Odoo sent %q", e.Name, wantName)
				}
				if wantFault != "" && e.FaultCode != wantFault {
					t.Errorf("fault code = %q, Odoo sent %q", e.FaultCode, wantFault)
				}
				if odoo.IsOutcomeUnknown(err) || odoo.IsConflict(err) {
					t.Errorf("an answered error must be neither outcome-unknown nor a conflict: %v", err)
				}
				if kind, ok := recordedErrorKinds[ex.Name]; ok && !kind(err) {
					t.Errorf("the caller cannot tell what %q is from %#v", ex.Name, e)
				}
				if strings.Contains(err.Error(), "wrong") && strings.Contains(ex.Name, "bad password") {
					t.Errorf("the error shows the password: %v", err)
				}
			})
		}
	}
}

func isObjectCall(ex exchange) bool {
	switch ex.Transport {
	case "json2":
		return ex.Name != "json2 context_get"
	case "jsonrpc":
		return strings.Contains(string(ex.Request.Body), `"execute_kw"`)
	case "xmlrpc":
		return ex.Request.Method == "execute_kw"
	}
	return false
}
