package config

import (
	"fmt"
	"strconv"
)

// redacted is what every printing path shows for a set secret.
const redacted = "[redacted]"

// Secret is a password or API key. Every way of printing it (fmt verbs,
// String, GoString, JSON, text) shows "[redacted]", or "" when it is empty, so
// a Config can be logged or dumped without leaking; Value is the one way to
// get the secret itself, and only the code that sends it should call it.
type Secret string

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]", or "" when the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString makes %#v redact too.
func (s Secret) GoString() string { return s.String() }

// Format redacts under every verb and flag, %x and %q included; without it
// fmt would print the bytes for %x or %d.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.String()
	if verb == 'q' {
		out = strconv.Quote(out)
	}
	_, _ = f.Write([]byte(out))
}

// MarshalJSON redacts in encoding/json (and so in zerolog's Interface).
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// MarshalText redacts in encoders that use encoding.TextMarshaler. (As a
// JSON map key a Secret would still be written as is: encoding/json uses
// string kinds directly. Nothing keys a map by a secret.)
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
