package odoo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// conn is what every transport shares: the HTTP client, where Odoo is, who
// we are. It is the only place that puts bytes on the wire.
type conn struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// answer is an HTTP answer read in full.
type answer struct {
	status int
	ctype  string
	body   []byte
}

// do sends one request with the per-request timeout and reads the answer.
// Failures come back as *Error marked as transport failures.
func (c *conn) do(ctx context.Context, p Protocol, op, method, path string, body []byte, header http.Header) (answer, error) {
	if err := ctx.Err(); err != nil { // given up before anything left
		return answer{}, &Error{Transport: p, Op: op, Err: err, noAnswer: true}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return answer{}, &Error{Transport: p, Op: op, Message: "cannot build the request", Err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, &Error{Transport: p, Op: op, Err: c.redact(err), noAnswer: true, sent: !notSent(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err == nil && len(data) > maxResponse {
		err = fmt.Errorf("answer larger than %d bytes", maxResponse)
	}
	if err != nil {
		return answer{}, &Error{Transport: p, Op: op, HTTPStatus: resp.StatusCode, Message: "reading the answer",
			Err: c.redact(err), noAnswer: true, sent: true}
	}
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: data}
	if a.status >= 300 && a.status < 400 {
		return a, &Error{Transport: p, Op: op, HTTPStatus: a.status,
			Message: "the server redirects to " + resp.Header.Get("Location") + "; set the url to the final address"}
	}
	return a, nil
}

// notSent reports a failure that certainly happened before Odoo saw the
// request: the connection was never made.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// minRedactLen is the shortest secret searched for in text to blank it
// out. Blanking a shorter one tells more than it hides: with the password
// "p", Odoo's "exceeded max depth" read "exceeded max de[redacted]th", and
// the class name odoo.exceptions.UserError stopped matching. Eight
// characters: an API key is 40, and nothing shorter occurs by chance in a
// message often enough to mark a place.
const minRedactLen = 8

// withheld replaces Odoo's text when the secret is too short to blank out.
const withheld = "Odoo's message withheld: the configured password is shorter than 8 characters, too short to remove from it safely"

// shortSecret reports a password too short to search for.
func (c *conn) shortSecret() bool {
	return c.cfg.Password != "" && len(c.cfg.Password) < minRedactLen
}

// redact removes the password from a transport error's text while keeping
// the chain for errors.Is (context.DeadlineExceeded and friends). With a
// short password, an error carrying Odoo's text is sealed instead (its text
// withheld); the others are our own stack's and never hold the password.
func (c *conn) redact(err error) error {
	if err == nil || c.cfg.Password == "" {
		return err
	}
	if c.shortSecret() {
		if e, ok := err.(*Error); ok {
			cp := *e
			return c.seal(&cp)
		}
		return err
	}
	if !strings.Contains(err.Error(), c.cfg.Password) {
		return err
	}
	return &redactedError{msg: c.redactText(err.Error()), err: err}
}

func (c *conn) redactText(s string) string {
	if c.cfg.Password == "" || c.shortSecret() {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Password, "[redacted]")
}

type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

// seal is the last step for every error a transport builds from an answer:
// the server's text cannot carry our secret out. A long secret is blanked
// out of the text; with a short one (minRedactLen) the text is withheld,
// since any of it could hold the secret. The exception's name is kept only
// as a plain class path (the daemon branches on it), and an XML-RPC fault
// code only as a number.
func (c *conn) seal(e *Error) *Error {
	if c.shortSecret() {
		if e.Message != "" {
			e.Message = withheld
		}
		if strings.Trim(e.FaultCode, "0123456789") != "" {
			e.FaultCode = ""
		}
	} else {
		e.Message = c.redactText(e.Message)
		e.FaultCode = c.redactText(e.FaultCode)
	}
	e.Name = c.redactText(e.Name)
	if e.Name != "" && (len(e.Name) > 200 || !className.MatchString(e.Name)) { // className: xmlrpc.go
		e.Name = ""
	}
	e.Err = c.redact(e.Err)
	return e
}

// snippet is the start of a non-Odoo answer, for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}

// httpFailure turns an answer that carries no Odoo error into an *Error:
// 5xx means the outcome is unknown (a proxy or a dying worker answered).
func httpFailure(p Protocol, op string, a answer, what string) *Error {
	e := &Error{Transport: p, Op: op, HTTPStatus: a.status}
	switch {
	case a.status >= 500:
		e.Message = "server error without an Odoo answer"
		e.noAnswer, e.sent = true, true
	case a.status == http.StatusNotFound && what == "/json/2":
		e.Message = "no /json/2 endpoint at this address (JSON-2 needs Odoo 19 or later)"
	case a.status == http.StatusNotFound:
		e.Message = "no " + what + " endpoint at this address (RPC may be disabled on this server: use JSON-2 with an API key)"
	default:
		e.Message = snippet(a.body)
	}
	return e
}
