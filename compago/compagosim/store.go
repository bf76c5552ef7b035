package compagosim

import (
	"errors"
	"fmt"
	"time"
)

// Intent is the simulator's full record of a payment intent.
type Intent struct {
	ID, Status     string
	Expired        bool  // computed from the clock: PENDING and 10 minutes old
	Amount         int64 // centavos
	Currency       string
	ExternalID     string
	OrganizationID string
	TerminalID     string // "" while unrouted
	TerminalCode   string // serial of TerminalID
	PaymentStatus  string // paymentSummary.status: "", "SUCCESS" or "DECLINED"
	CancelReason   string // "", CancelRequested or CancelReplaced
	CreatedAt      time.Time
	UpdatedAt      time.Time

	expireNow bool // set by Expire: the intent's 10 minutes are over now
}

// Terminal is a POS terminal and the routed intent it is waiting on.
type Terminal struct {
	Code, ID, OrganizationID string
	Pending                  *Intent // routed, PENDING and not expired; nil when idle
}

// Statuses and cancel reasons, as the simulator records them.
const (
	StatusPending   = "PENDING"
	StatusConfirmed = "CONFIRMED"
	StatusCancelled = "CANCELLED"

	CancelRequested = "requested" // POST /api/payment-intent/{id}/cancel
	CancelReplaced  = "replaced"  // a newer intent was routed to the same terminal

	PaymentSuccess  = "SUCCESS"
	PaymentDeclined = "DECLINED"
)

// ExpiresAfter is the lifetime of a payment intent (the document's rule).
const ExpiresAfter = 10 * time.Minute

// Errors of the Go control API. The /sim/ HTTP API answers 404 for the
// first two and 409 for the others.
var (
	ErrIntentNotFound   = errors.New("payment intent not found")
	ErrTerminalNotFound = errors.New("terminal not found")
	ErrNotPending       = errors.New("payment intent is not pending")
	ErrNothingPending   = errors.New("no pending payment intent for this terminal")
)

func (s *Server) expired(in *Intent, now time.Time) bool {
	return in.Status == StatusPending && (in.expireNow || !now.Before(in.CreatedAt.Add(ExpiresAfter)))
}

// view is a copy of in with Expired computed at now.
func (s *Server) view(in *Intent, now time.Time) Intent {
	v := *in
	v.Expired = s.expired(in, now)
	return v
}

// wireNow is the clock at the API's precision (milliseconds), so that what
// the Go API reports is what the wire says.
func (s *Server) wireNow() time.Time { return s.clock.now().Truncate(time.Millisecond) }

type createParams struct {
	amount       int64 // centavos
	externalID   string
	terminalCode string // "" = unrouted
}

// apiError is an answer of the public API other than success.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

// create applies the rules that need state once the request is known to be
// valid: terminal, externalId uniqueness, then routing. Holding the lock for
// all of it is what makes externalId unique under concurrency.
func (s *Server) create(org *Org, p createParams) (Intent, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked(org, p)
}

// createLocked is create for a caller that holds s.mu.
func (s *Server) createLocked(org *Org, p createParams) (Intent, *apiError) {
	var term *terminal
	if p.terminalCode != "" {
		t, ok := s.terminals[p.terminalCode]
		if !ok || t.orgID != org.ID {
			return Intent{}, &apiError{404, msgTerminalNotFound}
		}
		term = t
	}
	key := org.ID + "\x00" + p.externalID
	if _, dup := s.byExternal[key]; dup {
		return Intent{}, &apiError{409, msgDuplicateExternalID}
	}
	now := s.wireNow()
	in := &Intent{
		ID: newUUID(globalRand{}), Status: StatusPending, Amount: p.amount,
		Currency: "MXN", ExternalID: p.externalID, OrganizationID: org.ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if term != nil {
		in.TerminalID, in.TerminalCode = term.id, term.code
		s.replacePending(term, now)
	}
	s.intents = append(s.intents, in)
	s.byID[in.ID] = in
	s.byExternal[key] = in
	return s.view(in, now), nil
}

// replacePending cancels the terminal's other PENDING intents. Expired ones
// are left as they are: they are already over, and rewriting them would turn
// "expired" into "cancelled" behind the caller's back.
func (s *Server) replacePending(t *terminal, now time.Time) {
	for _, in := range s.intents {
		if in.TerminalID == t.id && in.Status == StatusPending && !s.expired(in, now) {
			in.Status, in.CancelReason, in.UpdatedAt = StatusCancelled, CancelReplaced, now
		}
	}
}

// lookup finds an intent of org; another organization's intent is not found.
// The caller holds s.mu.
func (s *Server) lookup(org *Org, id string) (*Intent, bool) {
	in, ok := s.byID[id]
	if !ok || in.OrganizationID != org.ID {
		return nil, false
	}
	return in, true
}

func (s *Server) get(org *Org, id string) (Intent, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.lookup(org, id)
	if !ok {
		return Intent{}, &apiError{404, msgIntentNotFound}
	}
	return s.view(in, s.wireNow()), nil
}

// cancel cancels a pending intent, expired or not; cancelling a cancelled
// intent answers it again; a confirmed one cannot be cancelled.
func (s *Server) cancel(org *Org, id string) (Intent, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.lookup(org, id)
	if !ok {
		return Intent{}, &apiError{404, msgIntentNotFound}
	}
	now := s.wireNow()
	switch in.Status {
	case StatusConfirmed:
		return Intent{}, &apiError{400, msgAlreadyConfirmed}
	case StatusPending:
		in.Status, in.CancelReason, in.UpdatedAt = StatusCancelled, CancelRequested, now
	}
	return s.view(in, now), nil
}
