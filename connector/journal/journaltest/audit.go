package journaltest

import (
	"context"
	"testing"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
)

// testAudit: every state change is an event carrying who asked and the
// answer behind it, and Audit gives the events of a time window with their
// attempts, oldest first; a message-only update adds none.
func testAudit(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	a := begin(t, s, 41, "TERMINAL-001")
	update(t, s, a.ID, func(x *journal.Attempt) {
		x.IntentID, x.State, x.Actor, x.Answer = "pi-41", journal.Pending, journal.ActorConnector, "201 PENDING"
	})
	update(t, s, a.ID, func(x *journal.Attempt) { x.Message = "still waiting" })
	got := update(t, s, a.ID, func(x *journal.Attempt) {
		x.State, x.Reason, x.Actor, x.Answer = journal.Cancelled, "cashier", journal.ActorCashier, "200 CANCELLED"
	})
	if got.Actor != "" || got.Answer != "" {
		t.Fatalf("Update returned actor %q, answer %q: they belong to the event, not the attempt", got.Actor, got.Answer)
	}
	b := begin(t, s, 42, "")
	evs, err := s.Audit(ctx, start, time.Time{})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	type row struct {
		order         int64
		from, to      journal.State
		actor, answer string
	}
	want := []row{
		{41, "", journal.Creating, journal.ActorCashier, ""},
		{41, journal.Creating, journal.Pending, journal.ActorConnector, "201 PENDING"},
		{41, journal.Pending, journal.Cancelled, journal.ActorCashier, "200 CANCELLED"},
		{42, "", journal.Creating, journal.ActorCashier, ""},
	}
	if len(evs) != len(want) {
		t.Fatalf("Audit gave %d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		e := evs[i]
		if e.OrderID != w.order || e.From != w.from || e.To != w.to || e.Actor != w.actor || e.Answer != w.answer {
			t.Errorf("event %d = order %d %s→%s by %q answer %q; want %+v", i, e.OrderID, e.From, e.To, e.Actor, e.Answer, w)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Errorf("event %d at %v is before event %d at %v", i, e.At, i-1, evs[i-1].At)
		}
	}
	if evs[1].ExternalID != a.ExternalID || evs[1].IntentID != "pi-41" || evs[1].Seq != 1 || evs[1].Amount != a.Amount {
		t.Errorf("event 1's attempt = %+v", evs[1])
	}
	until := evs[3].At
	if b.CreatedAt.Equal(evs[2].At) {
		t.Skip("two events of one instant: the window cannot split them")
	}
	windowed, err := s.Audit(ctx, start, until)
	if err != nil || len(windowed) != 3 {
		t.Fatalf("Audit up to the last event = %d events, %v; want 3 (until is exclusive)", len(windowed), err)
	}
	none, err := s.Audit(ctx, time.Now().Add(time.Hour), time.Time{})
	if err != nil || len(none) != 0 {
		t.Fatalf("Audit of the future = %d events, %v; want none", len(none), err)
	}
}

// testIdentity: a journal has one name, stable across calls.
func testIdentity(t *testing.T, s journal.Journal) {
	ctx := context.Background()
	id, err := s.Identity(ctx)
	if err != nil || id == "" {
		t.Fatalf("Identity = %q, %v", id, err)
	}
	again, err := s.Identity(ctx)
	if err != nil || again != id {
		t.Fatalf("Identity again = %q, %v; want %q", again, err, id)
	}
}
