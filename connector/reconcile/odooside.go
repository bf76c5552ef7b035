package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// batch bounds the ids of one "in" search, so that a busy day is a few
// requests of reasonable size rather than one huge one.
const batch = 200

// flaggedLimit bounds the flagged orders read; more than this many is a
// daemon that has not run for a long time, which the first ones show.
const flaggedLimit = 1000

// readOdoo reads, with batched search_reads: the Compago payment method, its
// payment lines dated in the window, the payment lines of every intent the
// attempts hold, the orders of both, and the orders still flagged.
func (r *Reconciler) readOdoo(ctx context.Context, w *world, since time.Time) error {
	id, _, err := connector.FindPaymentMethod(ctx, readOnly{r.odoo}, r.cfg.PaymentMethod)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	w.methodIDs = map[int64]bool{id: true}
	// With the addon, a POS records a charge under the Compago method the
	// cashier chose (one per terminal): those lines are Compago's too. A
	// search on a selection value Odoo does not have finds nothing.
	var terminals []struct {
		ID int64 `json:"id"`
	}
	if err := r.odoo.SearchRead(ctx, "pos.payment.method", odoo.Cond("use_payment_terminal", "=", "compago"),
		// Archived ones too: a retired terminal's lines stay Compago's.
		odoo.Query{Fields: []string{"id"}, Context: map[string]any{"active_test": false}}, &terminals); err != nil {
		return fmt.Errorf("reconcile: read the Compago terminal methods: %w", err)
	}
	for _, m := range terminals {
		w.methodIDs[m.ID] = true
	}
	w.lines = map[int64]PaymentLine{}
	domain := odoo.Cond("payment_method_id", "in", slices.Sorted(maps.Keys(w.methodIDs)))
	if !since.IsZero() {
		domain = odoo.And(domain, odoo.Cond("payment_date", ">=", odoo.FormatDateTime(since)))
	}
	if err := r.readLines(ctx, w, domain); err != nil {
		return err
	}
	// A line of the window may pay an attempt begun before it: bring that
	// attempt in, so that its line is checked against it.
	known := map[string]bool{}
	for _, a := range w.attempts {
		known[a.IntentID] = true
	}
	for _, l := range w.lines {
		if l.TransactionID == "" || known[l.TransactionID] {
			continue
		}
		known[l.TransactionID] = true
		a, err := r.journal.ByIntent(ctx, l.TransactionID)
		switch {
		case err == nil:
			w.attempts[a.ID] = a
		case !errors.Is(err, journal.ErrNotFound):
			return fmt.Errorf("reconcile: read the journal: %w", err)
		}
	}
	var intents []string
	for _, a := range w.sortedAttempts() {
		if a.IntentID != "" {
			intents = append(intents, a.IntentID)
		}
	}
	for part := range chunks(intents) {
		if err := r.readLines(ctx, w, odoo.Cond("transaction_id", "in", part)); err != nil {
			return err
		}
	}
	return r.readOrders(ctx, w)
}

func (r *Reconciler) readLines(ctx context.Context, w *world, domain odoo.Domain) error {
	var rows []struct {
		ID            int64         `json:"id"`
		OrderID       odoo.Many2One `json:"pos_order_id"`
		MethodID      odoo.Many2One `json:"payment_method_id"`
		Amount        odoo.Float    `json:"amount"`
		TransactionID odoo.String   `json:"transaction_id"`
		Date          odoo.DateTime `json:"payment_date"`
	}
	err := r.odoo.SearchRead(ctx, "pos.payment", domain, odoo.Query{
		Fields: []string{"id", "pos_order_id", "payment_method_id", "amount", "transaction_id", "payment_date"},
		Order:  "id asc",
	}, &rows)
	if err != nil {
		return fmt.Errorf("reconcile: read payment lines from Odoo: %w", err)
	}
	for _, p := range rows {
		w.lines[p.ID] = PaymentLine{ID: p.ID, OrderID: p.OrderID.ID, MethodID: p.MethodID.ID,
			Amount: Money(p.Amount.Centavos()), TransactionID: string(p.TransactionID), Date: p.Date.Time}
	}
	return nil
}

// readOrders reads the orders the attempts and lines name, and the orders
// still flagged, and finds the latest attempt of each flagged order.
func (r *Reconciler) readOrders(ctx context.Context, w *world) error {
	f := r.cfg.Fields
	w.orders = map[int64]orderInfo{}
	w.latest = map[int64]journal.Attempt{}
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, a := range w.sortedAttempts() {
		add(a.OrderID)
	}
	for _, l := range w.lines {
		add(l.OrderID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for part := range chunks(ids) {
		if _, err := r.readOrderRows(ctx, w, odoo.Cond("id", "in", part), 0); err != nil {
			return err
		}
	}
	flags := []string{connector.StateRequested, connector.StatePending, connector.StateCancelRequested}
	flagged, err := r.readOrderRows(ctx, w, odoo.Cond(f.State, "in", flags), flaggedLimit)
	if err != nil {
		return err
	}
	w.flagged = flagged
	w.foreign = map[int64]string{}
	for _, id := range flagged {
		a, err := r.journal.Latest(ctx, id)
		switch {
		case err == nil:
			w.latest[id] = a
		case !errors.Is(err, journal.ErrNotFound):
			return fmt.Errorf("reconcile: read the journal: %w", err)
		}
		if why, err := r.foreignIntent(ctx, w.orders[id], a); err != nil {
			return err
		} else if why != "" {
			w.foreign[id] = why
		}
	}
	return nil
}

// foreignIntent says why the intent id a flagged order names is not one
// this journal created for it, or "" when it is (or there is none).
func (r *Reconciler) foreignIntent(ctx context.Context, o orderInfo, latest journal.Attempt) (string, error) {
	if o.IntentID == "" || latest.IntentID == o.IntentID {
		return "", nil
	}
	a, err := r.journal.ByIntent(ctx, o.IntentID)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return "the journal did not create it", nil
	case err != nil:
		return "", fmt.Errorf("reconcile: read the journal: %w", err)
	case a.OrderID != o.ID:
		return fmt.Sprintf("the journal created it for order %d", a.OrderID), nil
	}
	return "", nil // an older attempt of this order: order_left_flagged says it
}

// readOrderRows reads the orders matching domain into w.orders and returns
// their ids.
func (r *Reconciler) readOrderRows(ctx context.Context, w *world, domain odoo.Domain, limit int) ([]int64, error) {
	f := r.cfg.Fields
	var rows []map[string]json.RawMessage
	err := r.odoo.SearchRead(ctx, "pos.order", domain, odoo.Query{
		Fields: []string{"id", "name", "state", "write_date", "amount_total", "amount_paid", f.State, f.IntentID},
		Order:  "id asc", Limit: limit,
	}, &rows)
	if err != nil {
		return nil, fmt.Errorf("reconcile: read orders from Odoo: %w", err)
	}
	var ids []int64
	for _, row := range rows {
		o, err := decodeOrder(row, f)
		if err != nil {
			return nil, fmt.Errorf("reconcile: read orders from Odoo: %w", err)
		}
		w.orders[o.ID] = o
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func decodeOrder(row map[string]json.RawMessage, f connector.Fields) (orderInfo, error) {
	var o orderInfo
	var name, state, flag, intent odoo.String
	var total, paid odoo.Float
	var written odoo.DateTime
	for _, d := range []struct {
		field string
		dst   any
	}{
		{"id", &o.ID}, {"name", &name}, {"state", &state}, {"write_date", &written},
		{"amount_total", &total}, {"amount_paid", &paid}, {f.State, &flag}, {f.IntentID, &intent},
	} {
		raw, ok := row[d.field]
		if !ok {
			return o, fmt.Errorf("pos.order field %s: missing from the answer (run `compago-connector setup`?)", d.field)
		}
		if err := json.Unmarshal(raw, d.dst); err != nil {
			return o, fmt.Errorf("pos.order field %s: %w", d.field, err)
		}
	}
	o.Name, o.State, o.Flag, o.IntentID = string(name), string(state), string(flag), string(intent)
	o.WriteDate, o.AmountTotal, o.AmountPaid = written.Time, total.Centavos(), paid.Centavos()
	return o, nil
}

// chunks yields ids in slices of at most batch.
func chunks[T any](ids []T) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(ids) > 0 {
			n := min(len(ids), batch)
			if !yield(ids[:n]) {
				return
			}
			ids = ids[n:]
		}
	}
}

// readOnly lets connector.FindPaymentMethod, which asks for the engine's
// whole Odoo port, run on the report's search-only one: a report never
// writes to Odoo, and the type says so.
type readOnly struct{ Odoo }

var errReadOnly = errors.New("reconcile: the report does not write to Odoo")

func (readOnly) Read(context.Context, string, []int64, []string, any) error   { return errReadOnly }
func (readOnly) Write(context.Context, string, []int64, map[string]any) error { return errReadOnly }
func (readOnly) Create(context.Context, string, map[string]any, map[string]any) (int64, error) {
	return 0, errReadOnly
}
func (readOnly) Execute(context.Context, odoo.Call, any) error { return errReadOnly }
