package journal_test

import (
	"context"
	"testing"

	"github.com/compago-odoo/connector/connector/journal"
)

// BenchmarkBegin measures recording one write-ahead attempt (one durable
// transaction).
func BenchmarkBegin(b *testing.B) {
	ctx := context.Background()
	s, err := journal.OpenSQLite(ctx, tempPathB(b), journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	order := int64(0)
	for b.Loop() {
		order++
		if _, err := s.Begin(ctx, journal.NewAttempt{OrderID: order, Amount: 100, ExternalIDPrefix: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate measures one state change (a durable transaction that
// also writes an event).
func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	s, err := journal.OpenSQLite(ctx, tempPathB(b), journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a, err := s.Begin(ctx, journal.NewAttempt{OrderID: 1, Amount: 100, ExternalIDPrefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	next := map[journal.State]journal.State{journal.Creating: journal.Pending, journal.Pending: journal.Cancelling, journal.Cancelling: journal.Pending}
	for b.Loop() {
		if _, err := s.Update(ctx, a.ID, func(x *journal.Attempt) error {
			x.State = next[x.State]
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func tempPathB(b *testing.B) string { return b.TempDir() + "/journal.db" }
