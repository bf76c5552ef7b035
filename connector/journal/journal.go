package journal

import (
	"context"
	"errors"
	"time"
)

// State is where an attempt stands in the payment lifecycle.
type State string

// The states of an attempt. The first four are live: the engine still has
// work to do on them. The rest are final.
const (
	Creating   State = "creating"   // write-ahead: attempt recorded, Compago create not known to have succeeded
	Pending    State = "pending"    // intent exists at Compago (IntentID set), being polled
	Cancelling State = "cancelling" // the cashier asked to cancel; cancel call not yet answered
	Confirmed  State = "confirmed"  // card charged; the payment must be recorded in Odoo
	Recorded   State = "recorded"   // payment line in Odoo (final)
	Cancelled  State = "cancelled"  // final
	Expired    State = "expired"    // final
	Failed     State = "failed"     // final: Compago refused the create definitively, or the order could not be paid
	Unknown    State = "unknown"    // final, needs attention: the intent may exist at Compago, its id is unknown
)

// Final reports whether the attempt needs no more work from the engine.
func (s State) Final() bool {
	switch s {
	case Recorded, Cancelled, Expired, Failed, Unknown:
		return true
	}
	return false
}

// Valid reports whether s is one of the declared states.
func (s State) Valid() bool {
	switch s {
	case Creating, Pending, Cancelling, Confirmed:
		return true
	}
	return s.Final()
}

// Attempt is one try at charging a card for an order. An order that is
// retried after expiry or failure gets a new attempt with the next Seq, and
// so a new ExternalID.
type Attempt struct {
	ID            int64
	OrderID       int64
	Seq           int    // attempt number for the order, 1-based
	ExternalID    string // unique across the journal
	IntentID      string // "" until known; unique when set
	Terminal      string // terminal serial it was routed to, "" = unrouted
	Amount        int64  // centavos
	State         State
	Reason        string // short code for why it is in that state: "cashier", "replaced", "expired", ...
	Message       string // the sentence for the cashier
	Version       int64  // bumped by every Update; Odoo must see the attempt at this version
	SyncedVersion int64  // the version last written to Odoo (Version > SyncedVersion: Odoo is behind)
	SyncFailures  int    // consecutive failed writes to Odoo since the last success
	LastError     string // last sync error (sanitized by the caller)
	Attention     bool   // parked: needs a human
	CreatedAt     time.Time
	UpdatedAt     time.Time
	SyncedAt      time.Time // zero if never
}

// Unsynced reports whether Odoo has not yet seen the attempt's latest version.
func (a Attempt) Unsynced() bool { return a.Version > a.SyncedVersion }

// NewAttempt is what Begin needs to record a fresh attempt.
type NewAttempt struct {
	OrderID          int64
	Amount           int64 // centavos, > 0
	Terminal         string
	ExternalIDPrefix string
}

// Filter selects attempts for List. Empty fields select everything.
type Filter struct {
	States        []State // any of; empty = all
	OrderIDs      []int64 // any of; empty = all
	Terminal      string  // exact, "" = any
	Unsynced      bool    // only Version > SyncedVersion
	CreatedAfter  time.Time
	UpdatedBefore time.Time
	Limit         int // 0 = no limit
}

// Event is one state change of an attempt, kept for the audit trail. The
// first event of an attempt has From == "" (it was begun or inserted).
type Event struct {
	AttemptID int64
	At        time.Time
	From, To  State
	Reason    string
	Message   string
}

// Store is the durable journal. Every method that changes something has
// committed it durably when it returns nil.
type Store interface {
	// Begin records a new attempt for the order in state Creating, with the
	// next Seq and ExternalID "<prefix>-<order>-<seq>". ErrLiveAttempt if the
	// order already has a live attempt.
	Begin(ctx context.Context, n NewAttempt) (Attempt, error)
	// Insert adopts an attempt known from elsewhere (Odoo), with its Seq,
	// ExternalID, IntentID and State. ErrDuplicate or ErrLiveAttempt when it
	// clashes with one already journaled.
	Insert(ctx context.Context, a Attempt) (Attempt, error)
	// Update reads the attempt, lets fn change it, and writes it back with
	// Version+1, all under the write lock. An error from fn aborts the update
	// and is returned. fn must be quick and must not call the store.
	Update(ctx context.Context, id int64, fn func(a *Attempt) error) (Attempt, error)
	// MarkSynced records that Odoo has seen the attempt at version.
	MarkSynced(ctx context.Context, id, version int64) error
	// SyncFailed records a failed write to Odoo.
	SyncFailed(ctx context.Context, id int64, errText string, attention bool) error

	Get(ctx context.Context, id int64) (Attempt, error)
	Latest(ctx context.Context, orderID int64) (Attempt, error)
	ByIntent(ctx context.Context, intentID string) (Attempt, error)
	ByExternalID(ctx context.Context, externalID string) (Attempt, error)
	List(ctx context.Context, f Filter) ([]Attempt, error)
	Events(ctx context.Context, attemptID int64) ([]Event, error)

	// Prune deletes final, fully synced attempts (and their events) not
	// updated since before, and returns how many attempts went.
	Prune(ctx context.Context, before time.Time) (int64, error)
	// Check verifies the journal's integrity.
	Check(ctx context.Context) error
	Close() error
}

// Errors callers branch on with errors.Is.
var (
	ErrNotFound    = errors.New("journal: attempt not found")
	ErrLiveAttempt = errors.New("journal: order already has a live attempt")
	ErrDuplicate   = errors.New("journal: attempt already journaled")
	ErrLocked      = errors.New("journal: in use by another process")
	ErrImmutable   = errors.New("journal: field cannot be changed")
	ErrTransition  = errors.New("journal: state change not allowed")
	ErrInvalid     = errors.New("journal: invalid attempt")
)

// Options tune a store.
type Options struct {
	// Now is the clock; the default is time.Now().UTC().
	Now func() time.Time
}
