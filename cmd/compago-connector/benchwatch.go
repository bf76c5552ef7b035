package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector"
)

// realOdooMonitorEvery is how often the monitor reads a real Odoo.
const realOdooMonitorEvery = 100 * time.Millisecond

// monitor follows the run from outside the daemon, every 20 ms: intents
// appearing at Compago (flag → intent latency, then the customer's card)
// and orders settling in Odoo (approval → paid latency; a real Odoo every
// 100 ms).
func (b *bench) monitor(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var timers sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		// odoosim is read in this process for free; a real Odoo is read
		// less often, so that the monitor does not become Odoo's load.
		every := 20 * time.Millisecond
		if b.odoo == nil {
			every = realOdooMonitorEvery
		}
		var read time.Time
		for {
			b.watchIntents(ctx, &timers)
			if time.Since(read) >= every {
				read = time.Now()
				b.watchOrders(ctx)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		timers.Wait()
	}
}

// orderOf reads the order id out of "bench-<order>-<attempt>".
func orderOf(externalID string) (int64, bool) {
	parts := strings.Split(externalID, "-")
	if len(parts) != 3 || parts[0] != benchPrefix || parts[2] != "1" {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	return id, err == nil
}

func (b *bench) watchIntents(ctx context.Context, timers *sync.WaitGroup) {
	for _, in := range b.compago.Intents() {
		id, ok := orderOf(in.ExternalID)
		if !ok {
			continue
		}
		b.mu.Lock()
		o := b.orders[id]
		if o == nil || o.intentID != "" {
			b.mu.Unlock()
			continue
		}
		o.intentID, o.intentAt = in.ID, in.CreatedAt
		b.byIntID[in.ID] = o
		b.mu.Unlock()
		card := b.cardTime()
		timers.Add(1)
		go func() {
			defer timers.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(card):
			}
			b.customer(ctx, o)
		}()
	}
}

// customer plays the order's fate on the terminal or at the till.
func (b *bench) customer(ctx context.Context, o *benchOrder) {
	switch o.fate {
	case "cancel":
		if err := b.pos.write(ctx, o.id, map[string]any{"x_compago_state": connector.StateCancelRequested}); err != nil && ctx.Err() == nil {
			fmt.Fprintf(b.log, "bench: the cashier's cancel of order %d: %v\n", o.id, err)
		}
	case "expire":
		b.compago.Expire(o.intentID)
	default:
		b.mu.Lock()
		o.approveAt = time.Now()
		b.mu.Unlock()
		if _, err := b.compago.Approve(o.intentID); err != nil {
			b.mu.Lock()
			o.approveAt = time.Time{} // replaced or expired meanwhile: not a paid order
			b.mu.Unlock()
		}
	}
}

func (b *bench) watchOrders(ctx context.Context) {
	b.mu.Lock()
	var open []int64
	for id, o := range b.orders {
		if o.final == "" {
			open = append(open, id)
		}
	}
	b.mu.Unlock()
	if len(open) == 0 {
		return
	}
	settled, err := b.pos.settled(ctx, open)
	if err != nil {
		return // read again at the next pass
	}
	now := time.Now()
	for id, state := range settled {
		b.mu.Lock()
		o := b.orders[id]
		if o != nil && o.final == "" {
			o.final, o.doneAt = state, now
			b.free = append(b.free, o.terminal)
		}
		b.mu.Unlock()
	}
}

// settle waits until every order has reached a final state, or the limit.
func (b *bench) settle(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		b.mu.Lock()
		open := 0
		for _, o := range b.orders {
			if o.final == "" {
				open++
			}
		}
		b.mu.Unlock()
		if open == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// collect turns the run into figures and checks the invariants.
func (b *bench) collect(ctx context.Context) (*benchResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := &benchResult{other: map[string]int{}}
	var ids []int64
	for _, o := range b.orders {
		ids = append(ids, o.id)
		r.orders++
		if !o.intentAt.IsZero() {
			r.flagIntent = append(r.flagIntent, max(o.intentAt.Sub(o.flagAt), 0))
		}
		switch o.final {
		case "paid":
			r.paid++
			if !o.approveAt.IsZero() {
				r.approvalPaid = append(r.approvalPaid, o.doneAt.Sub(o.approveAt))
			}
		case "":
			r.unsettled++
		default:
			r.other[o.final]++
		}
	}
	slices.Sort(r.flagIntent)
	slices.Sort(r.approvalPaid)
	charged := map[string]int64{}
	seen := map[string]bool{}
	for _, in := range b.compago.Intents() {
		if seen[in.ExternalID] {
			r.duplicated++
		}
		seen[in.ExternalID] = true
		if in.PaymentStatus == "SUCCESS" {
			charged[in.ID] = in.Amount
		}
	}
	lines, err := b.pos.paymentLines(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("bench: read the payment lines of the orders: %w", err)
	}
	for id := range charged {
		switch n := lines[id]; {
		case n == 0:
			r.lost++
		case n > 1:
			r.duplicated += n - 1
		}
	}
	for tx := range lines {
		if _, ok := charged[tx]; !ok {
			r.duplicated++ // a payment line without a charge
		}
	}
	return r, nil
}
