package odoo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrBadCredentials reports that Odoo refused the login, password or API key:
// common.authenticate answered false, an object call raised AccessDenied, or
// JSON-2 answered 401. errors.Is(err, ErrBadCredentials) is true for all three.
var ErrBadCredentials = errors.New("odoo refused the login, password or API key")

// Error is the one error type of this package: every failed call returns an
// *Error, whether Odoo answered with an exception or the transport failed.
// Branch on it with the Is* helpers or errors.As, never on the message text.
type Error struct {
	Transport  Protocol
	Op         string // "pos.order.add_payment", "common.authenticate", ...
	Name       string // Odoo exception class: "odoo.exceptions.UserError", "werkzeug.exceptions.NotFound", ...
	Message    string
	FaultCode  string // XML-RPC faultCode as text, "" on other transports
	HTTPStatus int
	Err        error // transport cause, if any

	// noAnswer marks a failure where no usable Odoo answer came back;
	// sent is false when the request certainly never reached Odoo (dial
	// failure): then nothing happened and the outcome is known.
	noAnswer, sent bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("odoo")
	if e.Transport != "" {
		b.WriteString(" " + string(e.Transport))
	}
	if e.Op != "" {
		b.WriteString(" " + e.Op)
	}
	b.WriteString(": ")
	switch {
	case e.Name != "" && e.Message != "":
		fmt.Fprintf(&b, "%s: %s", e.Name, e.Message)
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Name != "":
		b.WriteString(e.Name)
	case e.HTTPStatus != 0:
		fmt.Fprintf(&b, "HTTP %d %s", e.HTTPStatus, http.StatusText(e.HTTPStatus))
	}
	if e.Err != nil {
		if e.Name != "" || e.Message != "" || e.HTTPStatus != 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBadCredentials) true for every shape in which
// Odoo says the credentials are wrong, not only for authenticate's false.
func (e *Error) Is(target error) bool {
	if target != ErrBadCredentials {
		return false
	}
	return e.Name == excAccessDenied || (e.Transport == ProtocolJSON2 && e.HTTPStatus == http.StatusUnauthorized)
}

// Exception class names as Odoo serializes them.
const (
	excAccessDenied   = "odoo.exceptions.AccessDenied"
	excAccessError    = "odoo.exceptions.AccessError"
	excMissingError   = "odoo.exceptions.MissingError"
	excUserError      = "odoo.exceptions.UserError"
	excValidation     = "odoo.exceptions.ValidationError"
	excRedirect       = "odoo.exceptions.RedirectWarning"
	excLockError      = "odoo.exceptions.LockError"
	excUnprocessable  = "werkzeug.exceptions.UnprocessableEntity"
	excValueError     = "builtins.ValueError"
	excSerialization  = "psycopg2.errors.SerializationFailure"
	excDeadlock       = "psycopg2.errors.DeadlockDetected"
	excLockNotAvail   = "psycopg2.errors.LockNotAvailable"
	excTxnRollback    = "psycopg2.extensions.TransactionRollbackError"
	excMissingMessage = "Record does not exist or has been deleted"
)

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsAccessDenied reports a refusal of the credentials or of the right to do
// the call: AccessDenied, AccessError, HTTP 401/403, XML-RPC faults 3 and 4.
func IsAccessDenied(err error) bool {
	if errors.Is(err, ErrBadCredentials) {
		return true
	}
	e, ok := asError(err)
	if !ok {
		return false
	}
	switch {
	case e.Name == excAccessDenied, e.Name == excAccessError:
		return true
	case e.HTTPStatus == http.StatusUnauthorized, e.HTTPStatus == http.StatusForbidden:
		return e.Name != "" || e.Transport == ProtocolJSON2
	case e.FaultCode == "3", e.FaultCode == "4":
		return true
	}
	return false
}

// IsMissing reports that a record the call named does not exist (any more).
func IsMissing(err error) bool {
	e, ok := asError(err)
	return ok && e.Name == excMissingError
}

// IsUserError reports a business refusal: UserError, ValidationError,
// RedirectWarning, a ValueError from a bad value, or a JSON-2 422. Retrying
// the same call will fail the same way; the message is for a human.
func IsUserError(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	switch e.Name {
	case excUserError, excValidation, excRedirect, excValueError, excUnprocessable:
		return true
	}
	return e.Name != excMissingError && e.Name != excAccessError && e.Name != excAccessDenied &&
		e.HTTPStatus == http.StatusUnprocessableEntity
}

// IsConflict reports a serialization failure or lock conflict: Odoo rolled
// the transaction back, so the call changed nothing and is safe to repeat.
// The client already retried it a few times before returning it.
func IsConflict(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	switch e.Name {
	case excSerialization, excDeadlock, excLockNotAvail, excTxnRollback, excLockError:
		return true
	}
	return e.Name == "" && e.HTTPStatus == http.StatusConflict
}

// IsOutcomeUnknown reports that the request may have been applied by Odoo
// although no answer came back: a timeout or a connection lost after the
// request was sent, or an HTTP 5xx without an Odoo error body (a proxy or a
// dying worker). Look the effect up before repeating a non-idempotent call.
func IsOutcomeUnknown(err error) bool {
	e, ok := asError(err)
	return ok && e.noAnswer && e.sent
}

// IsTransport reports that no answer from Odoo came back at all (connection
// refused, reset, timeout, proxy error): the server is unreachable or down.
// Unlike IsOutcomeUnknown it includes failures before the request left.
func IsTransport(err error) bool {
	e, ok := asError(err)
	return ok && e.noAnswer
}
