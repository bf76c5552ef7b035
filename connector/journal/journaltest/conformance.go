// Package journaltest holds the behavioural conformance suite every journal
// driver must pass: the SQLite and the PostgreSQL drivers both run it.
package journaltest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/google/go-cmp/cmp"
)

// RunConformance runs the suite. open must return a fresh, empty store for
// each call and close it when t ends.
func RunConformance(t *testing.T, open func(t *testing.T) journal.Journal) {
	cases := []struct {
		name string
		run  func(t *testing.T, s journal.Journal)
	}{
		{"Begin numbers attempts and derives the externalId", testBeginNumbers},
		{"Begin refuses a second live attempt for an order", testBeginLive},
		{"Begin under 16 concurrent callers lets exactly one win", testBeginConcurrent},
		{"Begin refuses an attempt without an amount", testBeginInvalid},
		{"Update bumps the version and logs state changes", testUpdateVersions},
		{"Update aborted by its function changes nothing", testUpdateAborted},
		{"Update refuses to change an attempt's identity", testUpdateImmutable},
		{"Update never lets a charged payment be forgotten", testUpdateConfirmedGuard},
		{"Update back to live refuses a second live attempt", testUpdateRelive},
		{"Update of a missing attempt is not found", testUpdateMissing},
		{"intent ids are unique and found", testIntentUnique},
		{"lookups of missing attempts are not found", testNotFound},
		{"Latest returns the highest attempt number", testLatest},
		{"sync bookkeeping tracks what Odoo has seen", testSync},
		{"a sync failure parks but never unparks", testSyncAttention},
		{"Insert adopts an attempt known from Odoo", testInsert},
		{"Insert refuses clashes", testInsertClash},
		{"List filters and orders by id", testList},
		{"Prune removes only final, synced, unparked attempts", testPrune},
		{"Prune never lets an externalId be reused", testPruneSeq},
		{"an unknown outcome is for attention until a human settles it", testUnknownIsForAttention},
		{"Prune keeps an unsettled unknown outcome, however old", testPruneKeepsUnknown},
		{"a human settles an unknown outcome, once, with an event", testSettle},
		{"Check passes on a healthy journal", testCheck},
		{"a cancelled context stops a write", testCancelled},
		{"every state change is an audit event with who asked and the answer", testAudit},
		{"a journal has one identity", testIdentity},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, open(t))
		})
	}
}

// begin records a live attempt or fails the test.
func begin(t *testing.T, s journal.Journal, order int64, terminal string) journal.Attempt {
	t.Helper()
	a, err := s.Begin(context.Background(), journal.NewAttempt{
		OrderID: order, Amount: 10050, Terminal: terminal, ExternalIDPrefix: "shop",
	})
	if err != nil {
		t.Fatalf("Begin(order %d): %v", order, err)
	}
	return a
}

// update applies fn or fails the test.
func update(t *testing.T, s journal.Journal, id int64, fn func(a *journal.Attempt)) journal.Attempt {
	t.Helper()
	a, err := s.Update(context.Background(), id, func(a *journal.Attempt) error {
		fn(a)
		return nil
	})
	if err != nil {
		t.Fatalf("Update(%d): %v", id, err)
	}
	return a
}

// setState moves an attempt to st with a reason.
func setState(t *testing.T, s journal.Journal, id int64, st journal.State, reason string) journal.Attempt {
	t.Helper()
	return update(t, s, id, func(a *journal.Attempt) { a.State, a.Reason = st, reason })
}

// finish makes an attempt final and fully synced, ready for pruning.
func finish(t *testing.T, s journal.Journal, id int64, st journal.State) journal.Attempt {
	t.Helper()
	a := setState(t, s, id, st, string(st))
	if err := s.MarkSynced(context.Background(), id, a.Version); err != nil {
		t.Fatalf("MarkSynced(%d, %d): %v", id, a.Version, err)
	}
	return get(t, s, id)
}

func get(t *testing.T, s journal.Journal, id int64) journal.Attempt {
	t.Helper()
	a, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return a
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// sameAttempt fails unless got equals want, times compared as instants.
func sameAttempt(t *testing.T, what string, got, want journal.Attempt) {
	t.Helper()
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		t.Fatalf("%s (-want +got):\n%s", what, d)
	}
}

func ids(as []journal.Attempt) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}
