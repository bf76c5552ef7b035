package faulttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
)

// finalOdooStates are the order flags that end a payment request.
var finalOdooStates = []string{connector.StatePaid, connector.StatePartiallyPaid, connector.StateFailed, connector.StateCancelled, connector.StateExpired}

// pay creates a draft order of amount pesos and flags it for a Compago
// payment on terminal, as the POS does when the cashier picks Compago.
func (w *world) pay(amount float64, terminal string) int64 {
	w.t.Helper()
	res, err := w.odoo.Exec("pos.order", "create", []any{map[string]any{
		"session_id": w.session, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
	}}, nil)
	if err != nil {
		w.t.Fatalf("create an order: %v", err)
	}
	id := toID(res)
	if _, err := w.odoo.Exec("pos.order", "write", []any{[]any{id}, map[string]any{
		"x_compago_state": connector.StateRequested, "x_compago_terminal": terminal,
	}}, nil); err != nil {
		w.t.Fatalf("flag order %d: %v", id, err)
	}
	w.mu.Lock()
	w.orders = append(w.orders, id)
	w.mu.Unlock()
	return id
}

func toID(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

// orderView is what the cashier sees of an order.
type orderView struct {
	ID         int64
	State      string // draft, paid, ...
	Flag       string // x_compago_state
	IntentID   string
	Message    string // x_compago_message: the cashier's sentence
	AmountPaid float64
	Total      float64
}

func (w *world) readOrders(ids []int64) map[int64]orderView {
	w.t.Helper()
	if len(ids) == 0 {
		return nil
	}
	anyIDs := make([]any, len(ids))
	for i, id := range ids {
		anyIDs[i] = id
	}
	res, err := w.odoo.Exec("pos.order", "read", []any{anyIDs, []any{"id", "state", "x_compago_state", "x_compago_intent_id", "x_compago_message", "amount_paid", "amount_total"}}, nil)
	if err != nil {
		w.t.Fatalf("read orders: %v", err)
	}
	out := map[int64]orderView{}
	rows, _ := res.([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		v := orderView{ID: toID(m["id"]), State: str(m["state"]), Flag: str(m["x_compago_state"]), IntentID: str(m["x_compago_intent_id"]), Message: str(m["x_compago_message"])}
		v.AmountPaid, _ = m["amount_paid"].(float64)
		v.Total, _ = m["amount_total"].(float64)
		out[v.ID] = v
	}
	return out
}

// str reads an Odoo char field: false when empty.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// settled reports whether every flagged order shows a final flag in Odoo.
func (w *world) settled() bool {
	w.mu.Lock()
	ids := slices.Clone(w.orders)
	w.mu.Unlock()
	for _, o := range w.readOrders(ids) {
		if !slices.Contains(finalOdooStates, o.Flag) && !parkedView(o) {
			return false
		}
	}
	return true
}

// parkedView reports whether the order shows a charge parked for a human:
// it stays pending with the sentence saying the back office was alerted.
// The daemon is done with it; checkInvariants checks the journal agrees.
func parkedView(o orderView) bool {
	return o.Flag == connector.StatePending &&
		strings.HasPrefix(o.Message, "The card was charged but the payment could not be added to the order") &&
		strings.Contains(o.Message, "The back office has been alerted.")
}

// waitSettled waits until every flagged order is final in Odoo.
func (w *world) waitSettled(within time.Duration, d *daemon) {
	w.t.Helper()
	if !waitFor(within, w.settled) {
		w.mu.Lock()
		ids := slices.Clone(w.orders)
		w.mu.Unlock()
		var open []string
		for _, o := range w.readOrders(ids) {
			if !slices.Contains(finalOdooStates, o.Flag) && !parkedView(o) {
				open = append(open, fmt.Sprintf("order %d %s/%s", o.ID, o.State, o.Flag))
			}
		}
		log := ""
		if d != nil {
			log = tail(d.logText(), 4000)
		}
		w.t.Fatalf("orders still open after %s: %s\n%s", within, strings.Join(open, ", "), log)
	}
}

// customer taps the card on every terminal that shows one of our intents,
// after delay, until ctx ends; it returns when it stopped.
func (w *world) customer(ctx context.Context, delay time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			now := w.compago.Now()
			for _, in := range w.compago.Intents() {
				if in.Status == compagosim.StatusPending && !in.Expired && strings.HasPrefix(in.ExternalID, prefix+"-") &&
					now.Sub(in.CreatedAt) >= delay {
					w.compago.Approve(in.ID) // a race with a cancel is fine
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}
