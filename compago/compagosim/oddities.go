package compagosim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kinds of Oddity: answers a real backend may give that the document does
// not show. Each plays one answer, on demand, on the operation named first.
const (
	// cancel: answered 400 "Payment intent already confirmed" although
	// nothing was charged. A pending intent is cancelled; an expired or
	// cancelled one stays as it is.
	OddCancelSaysConfirmed = "cancel_says_confirmed"
	// cancel: answered 200 CANCELLED (full object) while the intent stays
	// as it is: still PENDING, a terminal may still charge it.
	OddCancelLiesCancelled = "cancel_lies_cancelled"
	// cancel: answered 200 with status PENDING (accepted, in progress); the
	// intent stays as it is.
	OddCancelAnswersPending = "cancel_answers_pending"
	// cancel: answered 200 CONFIRMED without paymentSummary; the intent
	// stays as it is.
	OddCancelAnswersConfirmed = "cancel_answers_confirmed"
	// create: the intent is created, and answered, with Oddity.Amount
	// (centavos) instead of the amount asked: the customer is asked to pay
	// that.
	OddCreateAmount = "create_amount"
	// create: the intent asked for is created (PENDING, nobody told its id),
	// and the answer is another integration's intent: externalId
	// Oddity.Value (default "other-pos-77"), Oddity.Amount (default 10.00),
	// unrouted, stored so that it can be approved.
	OddCreateForeign = "create_foreign"
	// create: the intent is created, and answered, routed to another
	// terminal of the organization (the next serial in order).
	OddCreateTerminal = "create_terminal"
	// get: CONFIRMED without paymentSummary, whatever the intent is.
	OddConfirmedNoSummary = "confirmed_no_summary"
	// get: the intent's status and expired, with paymentSummary
	// Oddity.Value (default "PROCESSING"; also APPROVED, FAILED, ...).
	OddPaymentSummary = "payment_summary"
	// get: status Oddity.Value (default "AUTHORIZED"), a status the
	// document never names.
	OddUnknownStatus = "unknown_status"
	// get: the answer names another intent (Oddity.Value, default a fresh
	// id), CONFIRMED with paymentSummary SUCCESS.
	OddOtherID = "other_id"
	// get, cancel: 404 "Payment intent not found" for an intent that
	// exists; nothing changes.
	OddNotFound = "not_found"
	// any public request: 429 with Retry-After Oddity.Value as sent ("86400",
	// or an HTTP date such as one hours ahead); nothing changes.
	OddRateLimited = "rate_limited"
)

// oddOps says which operation each kind of Oddity answers.
var oddOps = map[string]string{
	OddCancelSaysConfirmed: "cancel", OddCancelLiesCancelled: "cancel", OddCancelAnswersPending: "cancel",
	OddCancelAnswersConfirmed: "cancel", OddCreateAmount: "create", OddCreateForeign: "create",
	OddCreateTerminal: "create", OddConfirmedNoSummary: "get", OddPaymentSummary: "get",
	OddUnknownStatus: "get", OddOtherID: "get", OddNotFound: "get cancel", OddRateLimited: "create get cancel",
}

// Oddity is one odd but plausible answer, armed until it has been played
// Times times.
type Oddity struct {
	Kind string
	// Intent limits it to answers about this intent id (for a create: to
	// the request with this externalId); "" is the next fitting request.
	Intent string
	// Times is how many answers it changes: 0 is once, negative until
	// cleared.
	Times int
	// Amount in centavos, for create_amount and create_foreign.
	Amount int64
	// Value: the paymentSummary status, the unknown status, the other id,
	// the foreign externalId or the Retry-After header, by kind.
	Value string
}

// AddOddity arms an oddity. An unknown kind is an error.
func (s *Server) AddOddity(o Oddity) error {
	if _, ok := oddOps[o.Kind]; !ok {
		return fmt.Errorf("unknown oddity kind %q", o.Kind)
	}
	if o.Kind == OddCreateAmount && o.Amount <= 0 {
		return fmt.Errorf("oddity %s needs a positive amount", o.Kind)
	}
	if o.Times == 0 {
		o.Times = 1
	}
	s.mu.Lock()
	s.oddities = append(s.oddities, o)
	s.mu.Unlock()
	return nil
}

// Oddities lists the oddities still armed.
func (s *Server) Oddities() []Oddity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Oddity(nil), s.oddities...)
}

// ClearOddities disarms every oddity.
func (s *Server) ClearOddities() {
	s.mu.Lock()
	s.oddities = nil
	s.mu.Unlock()
}

// takeOddity finds, and counts as played, the first armed oddity for op
// about key (an intent id, or a create's externalId). The caller holds s.mu.
func (s *Server) takeOddity(op, key string) (Oddity, bool) {
	for i, o := range s.oddities {
		if !strings.Contains(oddOps[o.Kind], op) || (o.Intent != "" && o.Intent != key) {
			continue
		}
		if o.Times > 0 {
			s.oddities[i].Times--
			if s.oddities[i].Times == 0 {
				s.oddities = append(s.oddities[:i], s.oddities[i+1:]...)
			}
		}
		return o, true
	}
	return Oddity{}, false
}

// ChargeLate charges the card on an intent whatever its state: the
// terminal started the charge in time and it completed after the intent
// expired or was cancelled. It becomes CONFIRMED with paymentSummary
// SUCCESS.
func (s *Server) ChargeLate(id string) (Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.byID[id]
	if !ok {
		return Intent{}, fmt.Errorf("%w: %s", ErrIntentNotFound, id)
	}
	if in.Status == StatusConfirmed {
		return Intent{}, fmt.Errorf("%w: %s is already confirmed", ErrNotPending, id)
	}
	if in.TerminalID == "" && len(s.termOrder) > 0 {
		for _, t := range s.termOrder {
			if t.orgID == in.OrganizationID {
				in.TerminalID, in.TerminalCode = t.id, t.code
				break
			}
		}
	}
	in.expireNow = false
	return s.confirm(in), nil
}

// oddRateLimited answers 429 with the oddity's Retry-After, as sent.
func oddRateLimited(w http.ResponseWriter, o Oddity) {
	v := o.Value
	if v == "" {
		v = strconv.Itoa(int((24 * time.Hour).Seconds()))
	}
	w.Header().Set("Retry-After", v)
	writeError(w, http.StatusTooManyRequests, "Too Many Requests")
}

// oddCreate plays a create oddity. The caller holds s.mu; p has passed
// every check.
func (s *Server) oddCreate(org *Org, p createParams, o Oddity) (Intent, *apiError) {
	switch o.Kind {
	case OddCreateAmount:
		p.amount = o.Amount
		return s.createLocked(org, p)
	case OddCreateTerminal:
		p.terminalCode = s.nextTerminal(org, p.terminalCode)
		return s.createLocked(org, p)
	case OddCreateForeign:
		if _, err := s.createLocked(org, p); err != nil {
			return Intent{}, err
		}
		other := createParams{amount: o.Amount, externalID: o.Value}
		if other.amount <= 0 {
			other.amount = 1000
		}
		if other.externalID == "" {
			other.externalID = "other-pos-77"
		}
		if _, dup := s.byExternal[org.ID+"\x00"+other.externalID]; dup {
			other.externalID += "-" + newUUID(globalRand{})[:8]
		}
		return s.createLocked(org, other)
	}
	return Intent{}, &apiError{500, "unknown create oddity " + o.Kind}
}

// nextTerminal is the organization's terminal after code, in order.
func (s *Server) nextTerminal(org *Org, code string) string {
	var serials []string
	for _, t := range s.termOrder {
		if t.orgID == org.ID {
			serials = append(serials, t.code)
		}
	}
	for i, c := range serials {
		if c == code {
			return serials[(i+1)%len(serials)]
		}
	}
	if len(serials) > 0 {
		return serials[0]
	}
	return code
}

// oddGet is the GET answer an oddity gives about in.
func oddGet(in Intent, o Oddity) shortIntent {
	v := shortView(in)
	switch o.Kind {
	case OddConfirmedNoSummary:
		v.Status, v.Expired, v.PaymentSummary = StatusConfirmed, false, nil
	case OddPaymentSummary:
		st := o.Value
		if st == "" {
			st = "PROCESSING"
		}
		v.PaymentSummary = &paymentSummary{Status: st}
	case OddUnknownStatus:
		st := o.Value
		if st == "" {
			st = "AUTHORIZED"
		}
		v.Status = st
	case OddOtherID:
		id := o.Value
		if id == "" {
			id = newUUID(globalRand{})
		}
		v = shortIntent{ID: id, Status: StatusConfirmed, PaymentSummary: &paymentSummary{Status: PaymentSuccess}}
	}
	return v
}

// oddCancel plays a cancel oddity on in; it returns the answer's status
// code and body. The caller holds s.mu.
func (s *Server) oddCancel(in *Intent, o Oddity) (int, any) {
	now := s.wireNow()
	switch o.Kind {
	case OddCancelSaysConfirmed:
		if in.Status == StatusPending && !s.expired(in, now) {
			in.Status, in.CancelReason, in.UpdatedAt = StatusCancelled, CancelRequested, now
		}
		return http.StatusBadRequest, map[string]string{"message": msgAlreadyConfirmed}
	case OddNotFound:
		return http.StatusNotFound, map[string]string{"message": msgIntentNotFound}
	}
	v := fullView(s.view(in, now))
	switch o.Kind {
	case OddCancelLiesCancelled:
		v.Status = StatusCancelled
	case OddCancelAnswersPending:
		v.Status = StatusPending
	case OddCancelAnswersConfirmed:
		v.Status = StatusConfirmed
	}
	return http.StatusOK, v
}

// pickOddity takes the oddity, if any, that answers this request.
func (s *Server) pickOddity(op, key string) (Oddity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.oddities) == 0 {
		return Oddity{}, false
	}
	return s.takeOddity(op, key)
}

func (s *Server) playCreate(w http.ResponseWriter, org *Org, p createParams, o Oddity) {
	if o.Kind == OddRateLimited {
		oddRateLimited(w, o)
		return
	}
	s.mu.Lock()
	in, err := s.oddCreate(org, p, o)
	s.mu.Unlock()
	if err != nil {
		writeError(w, err.status, err.message)
		return
	}
	writeJSON(w, http.StatusCreated, fullView(in))
}

func (s *Server) playGet(w http.ResponseWriter, org *Org, id string, o Oddity) {
	switch o.Kind {
	case OddRateLimited:
		oddRateLimited(w, o)
		return
	case OddNotFound:
		writeError(w, http.StatusNotFound, msgIntentNotFound)
		return
	}
	in, err := s.get(org, id)
	if err != nil {
		writeError(w, err.status, err.message)
		return
	}
	writeJSON(w, http.StatusOK, oddGet(in, o))
}

func (s *Server) playCancel(w http.ResponseWriter, org *Org, id string, o Oddity) {
	if o.Kind == OddRateLimited {
		oddRateLimited(w, o)
		return
	}
	s.mu.Lock()
	in, ok := s.lookup(org, id)
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, msgIntentNotFound)
		return
	}
	status, body := s.oddCancel(in, o)
	s.mu.Unlock()
	writeJSON(w, status, body)
}
