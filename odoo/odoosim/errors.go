package odoosim

import (
	"fmt"
	"strings"
)

// Fault is an Odoo exception as the simulator raises it: Name is the Python
// class ("odoo.exceptions.UserError", "builtins.ValueError",
// "werkzeug.exceptions.NotFound"), Message is str(exc). Exec returns it, and
// every transport renders it into its own wire shape (errors.go is the only
// place that knows those shapes).
type Fault struct {
	Name    string
	Message string

	// args overrides exc.args when it is not just [Message] (werkzeug
	// exceptions carry [description, code]).
	args []any
	// status is the HTTP status of a werkzeug exception.
	status int
}

func (f *Fault) Error() string { return f.Name + ": " + f.Message }

func fault(name, format string, a ...any) *Fault {
	msg := format
	if len(a) > 0 {
		msg = fmt.Sprintf(format, a...)
	}
	return &Fault{Name: name, Message: msg}
}

// One constructor per exception the simulator raises.

func userError(format string, a ...any) *Fault {
	return fault("odoo.exceptions.UserError", format, a...)
}

func validationError(format string, a ...any) *Fault {
	return fault("odoo.exceptions.ValidationError", format, a...)
}

func missingError(format string, a ...any) *Fault {
	return fault("odoo.exceptions.MissingError", format, a...)
}

func accessError(format string, a ...any) *Fault {
	return fault("odoo.exceptions.AccessError", format, a...)
}

func accessDenied() *Fault { return fault("odoo.exceptions.AccessDenied", "Access Denied") }

func valueError(format string, a ...any) *Fault {
	return fault("builtins.ValueError", format, a...)
}

func typeError(format string, a ...any) *Fault {
	return fault("builtins.TypeError", format, a...)
}

// keyError's message is the bare key: Odoo serialises an exception's
// message with exception_to_unicode (its args joined), so KeyError('x') is
// "x" on the wire (recorded on 17.0 and 18.0); only the traceback's last
// line shows str(exc), "KeyError: 'x'".
func keyError(key string) *Fault { return fault("builtins.KeyError", "%s", key) }

func attributeError(format string, a ...any) *Fault {
	return fault("builtins.AttributeError", format, a...)
}

func pyException(format string, a ...any) *Fault {
	return fault("builtins.Exception", format, a...)
}

func serializationFailure() *Fault {
	return fault("psycopg2.errors.SerializationFailure",
		"could not serialize access due to concurrent update\n")
}

func dbMissing(db string) *Fault {
	return fault("psycopg2.OperationalError",
		"connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database %q does not exist\n", db)
}

// werkzeug HTTP exceptions (JSON-2 and web routes): args are [description, code].
func httpFault(class string, status int, desc string) *Fault {
	return &Fault{Name: "werkzeug.exceptions." + class, Message: desc, args: []any{desc, int64(status)}, status: status}
}

func notFound(desc string) *Fault      { return httpFault("NotFound", 404, desc) }
func unprocessable(desc string) *Fault { return httpFault("UnprocessableEntity", 422, desc) }
func unauthorized(desc string) *Fault  { return httpFault("Unauthorized", 401, desc) }

func sessionExpired() *Fault {
	return fault("odoo.http.SessionExpiredException", "Session expired")
}

func (f *Fault) arguments() []any {
	if f.args != nil {
		return f.args
	}
	return []any{f.Message}
}

// isUserErrorFamily: in Odoo 16+ AccessDenied, AccessError, MissingError and
// ValidationError all subclass UserError.
func (f *Fault) isUserErrorFamily() bool {
	switch f.Name {
	case "odoo.exceptions.UserError", "odoo.exceptions.ValidationError",
		"odoo.exceptions.MissingError", "odoo.exceptions.AccessError",
		"odoo.exceptions.AccessDenied", "odoo.exceptions.RedirectWarning":
		return true
	}
	return false
}

// traceback imitates the text Odoo puts in "debug" and in XML-RPC code-1
// faults: a Python traceback whose last line names the exception.
func (f *Fault) traceback() string {
	return "Traceback (most recent call last):\n  File \"odoosim\", line 1, in call\n" + f.lastLine() + "\n"
}

func (f *Fault) lastLine() string {
	cls := strings.TrimPrefix(f.Name, "builtins.")
	msg := f.Message
	if f.status != 0 {
		msg = fmt.Sprintf("%d %s: %s", f.status, httpReason(f.status), f.Message)
	}
	if f.Name == "builtins.KeyError" {
		return cls + ": " + pyRepr(msg)
	}
	return cls + ": " + msg
}

func httpReason(status int) string {
	switch status {
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict"
	case 422:
		return "Unprocessable Entity"
	}
	return "Internal Server Error"
}

// errorData is serialize_exception(): the "data" of a JSON-RPC error and the
// whole body of a JSON-2 error. Key order follows the recordings: 16-18 put
// debug second, 19 last.
func (s *Server) errorData(f *Fault) *obj {
	d := newObj().set("name", f.Name)
	if s.version < 19 {
		d.set("debug", f.traceback())
	}
	d.set("message", f.Message).set("arguments", f.arguments()).set("context", newObj())
	if s.version >= 19 {
		if f.Name == "odoo.exceptions.AccessDenied" {
			// 19 formats the exception itself, and AccessDenied
			// suppresses its traceback: one line (real 19.0).
			d.set("debug", f.lastLine()+"\n")
		} else {
			d.set("debug", f.traceback())
		}
	}
	return d
}

// jsonrpcError is the "error" member of a JSON-RPC answer.
func (s *Server) jsonrpcError(f *Fault) *obj {
	code, message := int64(200), "Odoo Server Error"
	if s.version >= 19 {
		code = 0
	}
	switch {
	case f.Name == "werkzeug.exceptions.NotFound":
		code, message = 404, "404: Not Found"
	case f.Name == "odoo.http.SessionExpiredException":
		code, message = 100, "Odoo Session Expired"
	}
	return newObj().set("code", code).set("message", message).set("data", s.errorData(f))
}

// xmlrpcFaultInt is xmlrpc_handle_exception_int (/xmlrpc/2): first match wins.
func xmlrpcFaultInt(f *Fault) (int64, string) {
	switch {
	case f.Name == "odoo.exceptions.RedirectWarning":
		return 2, f.Message
	case f.Name == "odoo.exceptions.AccessError":
		return 4, f.Message
	case f.Name == "odoo.exceptions.AccessDenied":
		return 3, f.Message
	case f.isUserErrorFamily():
		return 2, f.Message
	}
	return 1, f.traceback()
}

// xmlrpcFaultString is xmlrpc_handle_exception_string (legacy /xmlrpc).
func xmlrpcFaultString(f *Fault) (string, string) {
	switch f.Name {
	case "odoo.exceptions.RedirectWarning":
		return "warning -- Warning\n\n" + f.Message, ""
	case "odoo.exceptions.MissingError":
		return "warning -- MissingError\n\n" + f.Message, ""
	case "odoo.exceptions.AccessError":
		return "warning -- AccessError\n\n" + f.Message, ""
	case "odoo.exceptions.AccessDenied":
		return "AccessDenied", f.Message
	}
	if f.isUserErrorFamily() {
		return "warning -- UserError\n\n" + f.Message, ""
	}
	return f.Message, f.traceback()
}

// json2Status is the HTTP status JSON-2 gives an exception: werkzeug
// exceptions keep theirs, UserError subclasses use their http_status, the
// rest is 500.
func json2Status(f *Fault) int {
	if f.status != 0 {
		return f.status
	}
	switch f.Name {
	case "odoo.exceptions.MissingError":
		return 404
	case "odoo.exceptions.AccessError", "odoo.exceptions.AccessDenied":
		return 403
	case "odoo.exceptions.LockError":
		return 409
	case "odoo.http.SessionExpiredException":
		return 403
	}
	if f.isUserErrorFamily() {
		return 422
	}
	return 500
}
