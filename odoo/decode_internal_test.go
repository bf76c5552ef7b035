package odoo

import (
	"strings"
	"testing"
)

func TestFaultsAreNamedAsTheReferenceMapsThem(t *testing.T) {
	cases := []struct {
		code, text       string
		wantName, prefix string
	}{
		{"3", "Access Denied", excAccessDenied, "Access Denied"},
		{"4", "Private methods cannot be called remotely.", excAccessError, "Private"},
		{"2", "Order / is not fully paid.", excUserError, "Order"},
		{"2", "Record does not exist or has been deleted.\n(Record: pos.order(9,), User: 2)", excMissingError, "Record"},
		{"1", "Traceback (most recent call last): ... AttributeError: The method 'pos.order.x' does not exist",
			"builtins.AttributeError", "The method"},
		{"1", "Traceback (most recent call last):\n  File \"x.py\", line 1\npsycopg2.errors.SerializationFailure: could not serialize access\n",
			excSerialization, "could not serialize"},
		{"1", "Traceback (most recent call last):\n  File \"x.py\"\nodoo.exceptions.ValidationError: bad\n", excValidation, "bad"},
		{"1", "something that is not a traceback", "", "something"},
		{"warning -- MissingError\n\nRecord gone", "", excMissingError, "Record gone"},
		{"warning -- UserError\n\nNot paid", "", excUserError, "Not paid"},
		{"AccessDenied", "Access Denied", excAccessDenied, "Access"},
	}
	for _, tc := range cases {
		name, msg := faultException(tc.code, tc.text)
		if name != tc.wantName || !strings.HasPrefix(msg, tc.prefix) {
			t.Errorf("fault %q %q = %q, %q; want %q, %q...", tc.code, tc.text, name, msg, tc.wantName, tc.prefix)
		}
	}
}

func TestEmptyXMLRPCStringReadsAsEmptyString(t *testing.T) {
	raw, e := decodeXMLRPC(200, []byte(`<?xml version="1.0"?><methodResponse><params><param><value><array><data>`+
		`<value><string></string></value><value><boolean>0</boolean></value><value><int>2147483647</int></value>`+
		`<value><double>350.5</double></value></data></array></value></param></params></methodResponse>`))
	if e != nil || string(raw) != `["",false,2147483647,350.5]` {
		t.Fatalf("decoded %s, %v", raw, e)
	}
}

func TestJSONRPCAnswersOutsideTheEnvelope(t *testing.T) {
	cases := []struct {
		status  int
		body    string
		unknown bool
	}{
		{400, "Invalid JSON data", false},
		{404, "<html>Not Found</html>", false},
		{502, "<html>Bad Gateway</html>", true},
		{200, "<html>login page</html>", true},
		{200, `{"result": 1}`, true}, // not JSON-RPC 2.0: cannot trust it
	}
	for _, tc := range cases {
		_, e := decodeJSONRPC(tc.status, []byte(tc.body))
		if e == nil {
			t.Errorf("%d %s: accepted", tc.status, tc.body)
			continue
		}
		if got := IsOutcomeUnknown(e); got != tc.unknown {
			t.Errorf("%d %s: outcome unknown = %v, want %v (%v)", tc.status, tc.body, got, tc.unknown, e)
		}
	}
}

func TestSecretsAreScrubbedFromServerText(t *testing.T) {
	c := &conn{cfg: Config{Password: "k3y-abcdef"}}
	e := c.seal(&Error{Message: "bad key k3y-abcdef given", Err: &Error{Message: "k3y-abcdef"}})
	if strings.Contains(e.Error(), "k3y-abcdef") {
		t.Errorf("error shows the key: %v", e)
	}
}

// With a short password (here "p"), blanking it out of Odoo's text showed
// where it was ("exceeded max de[redacted]th") and broke the exception's
// class name. A secret shorter than minRedactLen is never searched for:
// Odoo's text is withheld instead, and the class name, which the daemon
// branches on, is kept when it is a plain dotted class path.
func TestShortPasswordIsNeitherRevealedByRedactionNorBreaksErrors(t *testing.T) {
	c := &conn{cfg: Config{Password: "p"}}
	e := c.seal(&Error{Name: excUserError, Message: "exceeded max depth: p given", FaultCode: "warning -- p"})
	if s := e.Error(); strings.Contains(s, "[redacted]") || strings.Contains(s, "depth") || strings.Contains(s, "p given") {
		t.Errorf("error with a short password reads %q: it must not echo Odoo's text", s)
	}
	if !IsUserError(e) {
		t.Errorf("a UserError is no longer recognised with a short password: %#v", e)
	}
	hostile := c.seal(&Error{Name: "p\x1b[2J", Message: "x"})
	if hostile.Name != "" {
		t.Errorf("a name that is not a class path was kept: %q", hostile.Name)
	}
	long := &conn{cfg: Config{Password: "k3y-abcdef"}}
	if e := long.seal(&Error{Name: excUserError, Message: "Order is not fully paid"}); e.Message != "Order is not fully paid" {
		t.Errorf("with a long password Odoo's message must be kept: %q", e.Message)
	}
}
