package connector

import (
	"context"
	"sync"

	"github.com/compago-odoo/connector/connector/journal"
)

// snapshots keeps the last committed version of each live attempt, so
// that a poll that finds nothing new costs one Compago read and no journal
// read. It is trusted only when this daemon is the journal's one writer
// (SQLite, locked to this process): every change then passes through
// transition, which refreshes it. A shared journal is read every time.
type snapshots struct {
	mu sync.Mutex
	m  map[int64]journal.Attempt
}

func (s *snapshots) put(a journal.Attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[int64]journal.Attempt{}
	}
	// Two transitions of one attempt may commit in one order and put their
	// snapshots in the other: the higher version is the newer one.
	if old, ok := s.m[a.ID]; ok && old.Version > a.Version {
		return
	}
	if a.State.Final() {
		delete(s.m, a.ID)
		return
	}
	s.m[a.ID] = a
}

func (s *snapshots) get(id int64) (journal.Attempt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[id]
	return a, ok
}

// attempt reads an attempt: from the snapshot when this daemon alone
// writes the journal, else from the journal.
func (e *Engine) attempt(ctx context.Context, id int64) (journal.Attempt, error) {
	if !e.own.shared {
		if a, ok := e.snaps.get(id); ok {
			return a, nil
		}
	}
	a, err := e.journal.Get(ctx, id)
	if err == nil && !e.own.shared {
		e.snaps.put(a)
	}
	return a, err
}
