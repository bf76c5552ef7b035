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

	// AddPaymentUntil is when an add_payment of this attempt whose answer
	// never came may still commit in Odoo; zero when none is in flight.
	// The recorder sets it before the call and clears it once Odoo
	// answered; no other step touches it, so what overwrites the reason or
	// the message cannot make the recorder forget a payment that may be in
	// Odoo already.
	AddPaymentUntil time.Time
	// A human's word on an Unknown outcome (Settle); only Settle sets them.
	Settled    Outcome   // "" until settled
	SettledAt  time.Time // zero until settled
	SettledBy  string    // who settled it (the admin's account)
	SettleNote string    // what they checked

	// Actor and Answer go to the event an Update (or Begin, Insert) writes
	// when the state changes, for the audit trail; they are not stored on
	// the attempt and read back empty. Actor is who asked for the change
	// (ActorCashier, ActorSweep, ActorAdmin, ActorConnector); Answer is the
	// Compago or Odoo answer behind it, as received (sanitised by the
	// caller: no secret, bounded).
	Actor  string
	Answer string
}

// Who asked for a change of an attempt (Event.Actor).
const (
	ActorCashier   = "cashier"   // the order's flag in Odoo: requested, cancel_requested
	ActorSweep     = "sweep"     // the cron sweep: expiry, stuck work, orphans
	ActorAdmin     = "admin"     // a command run by an administrator (intents settle, cancel)
	ActorConnector = "connector" // the daemon acting on Compago's or Odoo's answer
)

// Outcome is what a human found an Unknown attempt came to, having
// checked the terminal and Compago.
type Outcome string

const (
	OutcomeCharged    Outcome = "charged"     // the card was charged: handled by hand in Odoo or refunded
	OutcomeNotCharged Outcome = "not_charged" // no charge: nothing to do but close it
)

// Valid reports whether o is one of the declared outcomes.
func (o Outcome) Valid() bool { return o == OutcomeCharged || o == OutcomeNotCharged }

// Settlement is what Settle records.
type Settlement struct {
	Outcome Outcome
	Note    string // what was checked; required
	By      string // who settles; optional
}

// NeedsHuman reports whether the attempt waits on a human: parked, or an
// unknown outcome no one has settled.
func (a Attempt) NeedsHuman() bool {
	return a.Attention || (a.State == Unknown && a.Settled == "")
}

// Unsynced reports whether Odoo has not yet seen the attempt's latest version.
func (a Attempt) Unsynced() bool { return a.Version > a.SyncedVersion }

// NewAttempt is what Begin needs to record a fresh attempt.
type NewAttempt struct {
	OrderID          int64
	Amount           int64 // centavos, > 0
	Terminal         string
	ExternalIDPrefix string
	Actor            string // who asked for it, on its first event; "" = ActorCashier

	// AfterSeq, when > 0, is the highest attempt number known elsewhere
	// (the order's externalId in Odoo): the new attempt is numbered above
	// it, so a lost journal never reuses an externalId Compago has seen.
	AfterSeq int
	// CheckLatest makes Begin fail with ErrStale unless the order's latest
	// journaled attempt is still number LatestSeq (0: none). The caller
	// decided on what it read; another daemon, or this one before a stall,
	// may have begun an attempt since.
	CheckLatest bool
	LatestSeq   int
}

// Filter selects attempts for List. Empty fields select everything.
type Filter struct {
	States        []State // any of; empty = all
	OrderIDs      []int64 // any of; empty = all
	Terminal      string  // exact, "" = any
	Unsynced      bool    // only Version > SyncedVersion
	Attention     bool    // only attempts parked for a human
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
	Actor     string // who asked (Actor* constants); "" for events older than the audit columns
	Answer    string // the Compago or Odoo answer behind the change, if any
}

// AuditEvent is one event with the attempt it belongs to, for the export.
type AuditEvent struct {
	Event
	OrderID    int64
	Seq        int
	ExternalID string
	IntentID   string // the attempt's intent id as it stands now
	Terminal   string
	Amount     int64 // centavos
}

// Journal is the durable journal. Every method that changes something has
// committed it durably when it returns nil.
type Journal interface {
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
	// Audit returns every event at or after since and before until (zero:
	// no bound), with its attempt, oldest first (by time, then by the order
	// they were written). Read-only: it may run beside the daemon.
	Audit(ctx context.Context, since, until time.Time) ([]AuditEvent, error)
	// Identity names this journal: the same for every daemon sharing it,
	// another for any other journal. Created with the journal.
	Identity(ctx context.Context) (string, error)

	// Ownership of work among daemons sharing the journal (see the package
	// doc). On SQLite, one daemon's goroutines use the same calls.

	// Claim takes the kind of work on the attempt for owner until ttl from
	// now, when no one else holds it (never held, released, or expired).
	// false, and no error, when someone does. ErrNotFound for a missing
	// attempt.
	Claim(ctx context.Context, attemptID int64, owner, kind string, ttl time.Duration) (Lease, bool, error)
	// ClaimDue claims up to f.Limit (required) attempts matching f that no
	// one holds for kind, oldest id first. Rows another daemon is claiming
	// at the same moment are passed over, not waited for.
	ClaimDue(ctx context.Context, owner, kind string, f Filter, ttl time.Duration) ([]Lease, error)
	// Renew extends a lease to ttl from now; ErrLeaseLost once it was taken
	// over or released.
	Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// Release gives the work up at once, for anyone to claim. Releasing a
	// lease that was lost already does nothing.
	Release(ctx context.Context, l Lease) error
	// UpdateFenced is Update, done only while l is the attempt's current
	// lease of its kind; ErrLeaseLost, and nothing changed, otherwise.
	UpdateFenced(ctx context.Context, l Lease, fn func(a *Attempt) error) (Attempt, error)
	// TryLeader makes owner the one runner of the singleton job name (the
	// sweep, the watcher) until ttl from now, when no one else is or the
	// holder's time ran out; the holder calls it again to stay. false, and
	// no error, when another owner holds it.
	TryLeader(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ResignLeader lets another owner take the job at once.
	ResignLeader(ctx context.Context, name, owner string) error

	// Settle records a human's word on an Unknown attempt: its outcome, an
	// event (Unknown to Unknown, reason "settled_<outcome>", the note) and
	// Attention cleared. Version is not bumped: Odoo has nothing new to
	// see. ErrTransition for an attempt that is not Unknown, ErrSettled
	// for one already settled, ErrInvalid without an outcome or a note.
	Settle(ctx context.Context, id int64, st Settlement) (Attempt, error)
	// Prune deletes final, fully synced, unparked attempts (and their
	// events) not updated since before, and returns how many attempts went.
	// An Unknown attempt goes only once settled before before.
	Prune(ctx context.Context, before time.Time) (int64, error)
	// Check verifies the journal's integrity.
	Check(ctx context.Context) error
	// Ping reports whether the journal's database answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}

// Kinds of work on an attempt, each leased on its own: the Compago side of
// an attempt and its write-back to Odoo run side by side.
const (
	KindCreate = "create" // the Compago create of a creating attempt, or its recovery
	KindPoll   = "poll"   // polling a pending intent, and cancelling it
	KindSync   = "sync"   // writing the attempt's latest version to Odoo (the outbox)
)

// Lease is owner's right to do one kind of work on one attempt until
// Expires. Token grows with every claim of that attempt and kind, so a
// holder that was taken over holds a stale token, and UpdateFenced refuses
// its writes.
type Lease struct {
	AttemptID int64
	Kind      string
	Owner     string
	Token     int64
	Expires   time.Time
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
	ErrLeaseLost   = errors.New("journal: lease lost: taken over or released")
	ErrStale       = errors.New("journal: the order's attempts changed since they were read")
	ErrSettled     = errors.New("journal: already settled")
)

// Options tune a store.
type Options struct {
	// Now is the clock; the default is time.Now().UTC(). Lease and leader
	// expiry are read on it too, so daemons sharing a journal need clocks
	// in step (NTP) to well within a lease's ttl.
	Now func() time.Time
	// Schema is the PostgreSQL schema that holds the journal's tables;
	// default "compago_connector". It is created when missing. SQLite
	// ignores it.
	Schema string
}
