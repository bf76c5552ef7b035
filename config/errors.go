package config

import (
	"errors"
	"slices"
	"strings"
)

// KeyError is one problem with one key. Load and Validate return every
// problem at once as an errors.Join of *KeyError, one line each, so a
// caller may print the error as is or walk it with errors.As.
type KeyError struct {
	Key     string // the key as written in the file: "compago.poll_interval", "connector.terminals.Shop"
	Problem string // what is wrong, never a secret's value
	Origin  string // where the value came from when known: a file path, "$COMPAGO_CONNECTOR_…", "flag -…"
}

func (e *KeyError) Error() string {
	if e.Origin == "" {
		return e.Key + ": " + e.Problem
	}
	return e.Key + ": " + e.Problem + " (from " + e.Origin + ")"
}

// KeyErrors returns the *KeyError values inside err, in order.
func KeyErrors(err error) []*KeyError {
	if ke, ok := err.(*KeyError); ok {
		return []*KeyError{ke}
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*KeyError
		for _, e := range joined.Unwrap() {
			out = append(out, KeyErrors(e)...)
		}
		return out
	}
	var ke *KeyError
	if errors.As(err, &ke) {
		return []*KeyError{ke}
	}
	return nil
}

// joinKeyErrors sorts errs by key, so a report reads in file order of
// sections and is the same on every run, and joins them.
func joinKeyErrors(errs []*KeyError) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *KeyError) int { return strings.Compare(a.Key, b.Key) })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// suggest returns the known key closest to name when it is a likely typo.
func suggest(name string) string {
	best, bestDist := "", 3 // more than two edits away is not a typo
	for _, k := range keys {
		if d := editDistance(name, k.name); d < bestDist {
			best, bestDist = k.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownKey is the error for a key that is not in the table.
func unknownKey(name string) *KeyError {
	problem := "unknown key"
	if s := suggest(name); s != "" {
		problem += ", did you mean " + s + "?"
	}
	return &KeyError{Key: name, Problem: problem}
}

// Unconfigured tells whether a Load error is the one of a configuration
// nobody filled in yet: odoo.url, odoo.database and odoo.username all
// empty, as in the example the package installs.
func Unconfigured(err error) bool {
	empty := map[string]bool{}
	for _, e := range KeyErrors(err) {
		if e.Problem == "required" {
			empty[e.Key] = true
		}
	}
	return empty["odoo.url"] && empty["odoo.database"] && empty["odoo.username"]
}

// MissingCredentials returns the systemd credential names of the secrets
// a Load error says are missing (compago-api-key, odoo-password,
// store-dsn): the files to create beside the configuration.
func MissingCredentials(err error) []string {
	var names []string
	for _, e := range KeyErrors(err) {
		for _, s := range secretKeys {
			if e.Key == s.name && strings.HasPrefix(e.Problem, "required") {
				names = append(names, s.credential)
			}
		}
	}
	return names
}
