package compagosim

import (
	"fmt"
	"time"
)

// Approve charges the card for a pending intent: CONFIRMED, paymentSummary
// SUCCESS. An unrouted intent is taken by its organization's first terminal.
// An expired, cancelled or confirmed intent cannot be approved (ErrNotPending).
func (s *Server) Approve(id string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.pendingIntent(id)
	if err != nil {
		return Intent{}, err
	}
	if in.TerminalID == "" {
		for _, t := range s.termOrder {
			if t.orgID == in.OrganizationID {
				in.TerminalID, in.TerminalCode = t.id, t.code
				break
			}
		}
	}
	return s.confirm(in), nil
}

// ApproveTerminal approves, on the terminal with this serial, the intent
// routed to it, or else its organization's oldest unrouted pending intent
// (the terminal takes it).
func (s *Server) ApproveTerminal(code string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.terminalIntent(code)
	if err != nil {
		return Intent{}, err
	}
	return s.confirm(in), nil
}

// DeclineTerminal declines the card on the terminal with this serial: the
// intent routed to it, or else its organization's oldest unrouted pending
// intent (the terminal takes it), as ApproveTerminal picks it.
func (s *Server) DeclineTerminal(code string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.terminalIntent(code)
	if err != nil {
		return Intent{}, err
	}
	wire := s.wireNow()
	in.PaymentStatus, in.UpdatedAt = PaymentDeclined, wire
	return s.view(in, wire), nil
}

// terminalIntent is the pending intent the terminal with this serial shows:
// the one routed to it, or else its organization's oldest unrouted one,
// which the terminal then takes. The caller holds s.mu.
func (s *Server) terminalIntent(code string) (*Intent, error) {
	t, ok := s.terminals[code]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrTerminalNotFound, code)
	}
	now := s.clock.now()
	var unrouted *Intent
	for _, in := range s.intents {
		if in.Status != StatusPending || s.expired(in, now) {
			continue
		}
		if in.TerminalID == t.id {
			return in, nil
		}
		if unrouted == nil && in.TerminalID == "" && in.OrganizationID == t.orgID {
			unrouted = in
		}
	}
	if unrouted == nil {
		return nil, fmt.Errorf("%w: %s", ErrNothingPending, code)
	}
	unrouted.TerminalID, unrouted.TerminalCode = t.id, t.code
	return unrouted, nil
}

// Decline records a declined card on a pending intent: it stays PENDING,
// so the customer may try another card until it expires, and GET shows
// paymentSummary DECLINED until a later approval.
func (s *Server) Decline(id string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.pendingIntent(id)
	if err != nil {
		return Intent{}, err
	}
	now := s.wireNow()
	in.PaymentStatus, in.UpdatedAt = PaymentDeclined, now
	return s.view(in, now), nil
}

// Expire ends one pending intent's 10 minutes now, as if the terminal had
// let it time out, without moving the clock for the others (load tests
// expire a share of their intents this way).
func (s *Server) Expire(id string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.pendingIntent(id)
	if err != nil {
		return Intent{}, err
	}
	in.expireNow = true
	return s.view(in, s.clock.now()), nil
}

// pendingIntent finds an intent that a terminal can still charge.
// The caller holds s.mu.
func (s *Server) pendingIntent(id string) (*Intent, error) {
	in, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrIntentNotFound, id)
	}
	now := s.clock.now()
	switch {
	case in.Status == StatusConfirmed:
		return nil, fmt.Errorf("%w: %s is already confirmed", ErrNotPending, id)
	case in.Status == StatusCancelled:
		return nil, fmt.Errorf("%w: %s is cancelled", ErrNotPending, id)
	case s.expired(in, now):
		return nil, fmt.Errorf("%w: %s has expired", ErrNotPending, id)
	}
	return in, nil
}

func (s *Server) confirm(in *Intent) Intent {
	now := s.wireNow()
	in.Status, in.PaymentStatus, in.UpdatedAt = StatusConfirmed, PaymentSuccess, now
	return s.view(in, now)
}

// Intents returns every intent, all fields, in creation order.
func (s *Server) Intents() []Intent {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.now()
	out := make([]Intent, 0, len(s.intents))
	for _, in := range s.intents {
		out = append(out, s.view(in, now))
	}
	return out
}

// Terminals returns every terminal in configuration order, with the
// routed intent it is waiting on.
func (s *Server) Terminals() []Terminal {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.now()
	out := make([]Terminal, 0, len(s.termOrder))
	for _, t := range s.termOrder {
		term := Terminal{Code: t.code, ID: t.id, OrganizationID: t.orgID}
		for _, in := range s.intents {
			if in.TerminalID == t.id && in.Status == StatusPending && !s.expired(in, now) {
				v := s.view(in, now)
				term.Pending = &v
			}
		}
		out = append(out, term)
	}
	return out
}

// expiresAt is when an intent stops being payable.
func expiresAt(in Intent) time.Time { return in.CreatedAt.Add(ExpiresAfter) }
