package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// Journal is what the report reads of the journal; a read-only journal
// (journal.OpenSQLiteReadOnly) is enough.
type Journal interface {
	List(ctx context.Context, f journal.Filter) ([]journal.Attempt, error)
	Latest(ctx context.Context, orderID int64) (journal.Attempt, error)
	ByIntent(ctx context.Context, intentID string) (journal.Attempt, error)
}

// Odoo is what the report reads of Odoo: searches only, it writes nothing.
type Odoo interface {
	SearchRead(ctx context.Context, model string, domain odoo.Domain, q odoo.Query, out any) error
}

// Compago is what a refreshed report asks Compago.
type Compago interface {
	Get(ctx context.Context, id string) (*compago.Intent, error)
}

// Config tunes a Reconciler.
type Config struct {
	PaymentMethod string           // the pos.payment.method of Compago payments: name or numeric id
	Fields        connector.Fields // zero: connector.DefaultFields()
	// Grace is how long the daemon may take to settle something before the
	// report calls it a discrepancy (a confirmed payment not yet in Odoo, a
	// write-ahead without answer, a flag left on an order). Default 5m.
	Grace time.Duration
	// Refresh asks Compago for every intent of the window (GET, bounded
	// concurrency) and compares its answer with the journal.
	Refresh bool
	// AskEnded asks Compago (GET) about every attempt of the window that
	// ended without a recorded charge (expired, cancelled, failed or unknown
	// with an intent id): a charge that landed after the daemon gave the
	// intent up shows only there. Refresh asks about every intent anyway.
	AskEnded bool
	// Concurrency bounds the Compago reads of a refresh; default 4.
	Concurrency int
}

// Reconciler builds reports. It only reads: the journal, Odoo, and (with
// Refresh) Compago.
type Reconciler struct {
	cfg     Config
	journal Journal
	odoo    Odoo
	compago Compago
}

// New returns a Reconciler. c may be nil when cfg.Refresh is false.
func New(cfg Config, j Journal, o Odoo, c Compago) (*Reconciler, error) {
	if cfg.Fields == (connector.Fields{}) {
		cfg.Fields = connector.DefaultFields()
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 5 * time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	var errs []error
	if cfg.PaymentMethod == "" {
		errs = append(errs, errors.New("reconcile: payment method is empty"))
	}
	if j == nil || o == nil {
		errs = append(errs, errors.New("reconcile: a journal and an Odoo client are required"))
	}
	if (cfg.Refresh || cfg.AskEnded) && c == nil {
		errs = append(errs, errors.New("reconcile: refresh and ask-ended need a Compago client"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Reconciler{cfg: cfg, journal: j, odoo: o, compago: c}, nil
}

// Run reconciles the attempts begun in [since, now), every attempt still
// live, not yet seen by Odoo, parked or of unknown outcome whatever its age, the Compago payment lines
// dated in the window, and every order still flagged in Odoo. An error
// means the report could not be made (the journal, Odoo or, with Refresh,
// Compago could not be read); discrepancies are in the report.
func (r *Reconciler) Run(ctx context.Context, since, now time.Time) (*Report, error) {
	w := &world{attempts: map[int64]journal.Attempt{}}
	if err := r.readJournal(ctx, w, since); err != nil {
		return nil, err
	}
	if err := r.readOdoo(ctx, w, since); err != nil {
		return nil, err
	}
	if r.cfg.Refresh || r.cfg.AskEnded {
		if err := r.readCompago(ctx, w); err != nil {
			return nil, err
		}
	}
	rep := &Report{Since: since, Until: now, Refreshed: r.cfg.Refresh}
	check(w, rep, checkParams{now: now, grace: r.cfg.Grace, fields: r.cfg.Fields})
	return rep, nil
}

// world is everything the checks look at, read once.
type world struct {
	attempts  map[int64]journal.Attempt // by attempt id
	methodIDs map[int64]bool            // the Compago pos.payment.methods: the configured one, and the addon's terminal methods
	lines     map[int64]PaymentLine     // by pos.payment id
	orders    map[int64]orderInfo       // by pos.order id
	flagged   []int64                   // orders flagged requested, pending or cancel_requested
	latest    map[int64]journal.Attempt // flagged order -> its latest attempt (absent: none)
	foreign   map[int64]string          // flagged order -> why its intent id is not one of ours
	intents   map[string]intentInfo     // with refresh: by intent id
}

type orderInfo struct {
	ID                      int64
	Name, State, Flag       string
	IntentID                string
	WriteDate               time.Time
	AmountTotal, AmountPaid int64
}

type intentInfo struct {
	intent   *compago.Intent // nil when Compago does not know it
	notFound bool
}

func (r *Reconciler) readJournal(ctx context.Context, w *world, since time.Time) error {
	live := []journal.State{journal.Creating, journal.Pending, journal.Cancelling, journal.Confirmed}
	window := journal.Filter{} // since zero: the whole journal
	if !since.IsZero() {
		window.CreatedAfter = since.Add(-time.Nanosecond) // CreatedAfter is strict; the window includes since
	}
	// Parked attempts and unknown outcomes wait on a human: every report
	// lists them, whatever their age, until one settles them.
	waiting := []journal.Filter{{Attention: true}, {States: []journal.State{journal.Unknown}}}
	for _, f := range append([]journal.Filter{window, {States: live}, {Unsynced: true}}, waiting...) {
		list, err := r.journal.List(ctx, f)
		if err != nil {
			return fmt.Errorf("reconcile: read the journal: %w", err)
		}
		for _, a := range list {
			w.attempts[a.ID] = a
		}
	}
	return nil
}

// sortedAttempts lists the attempts by id.
func (w *world) sortedAttempts() []journal.Attempt {
	out := make([]journal.Attempt, 0, len(w.attempts))
	for _, a := range w.attempts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
