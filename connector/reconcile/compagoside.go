package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/connector/journal"
)

// readCompago asks Compago about every intent the attempts hold (Refresh),
// or about those of the attempts that ended without a recorded charge
// (AskEnded), a few at a time. An intent Compago does not know is a finding; any other failure
// means the refreshed report cannot be made, and is returned.
func (r *Reconciler) readCompago(ctx context.Context, w *world) error {
	w.intents = map[string]intentInfo{}
	var ids []string
	for _, a := range w.sortedAttempts() {
		if a.IntentID != "" && (r.cfg.Refresh || endedUncharged(a)) {
			ids = append(ids, a.IntentID)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, r.cfg.Concurrency)
	)
	for _, id := range ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			in, err := r.compago.Get(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				w.intents[id] = intentInfo{intent: in}
			case errors.Is(err, compago.ErrIntentNotFound):
				w.intents[id] = intentInfo{notFound: true}
			default:
				errs = append(errs, fmt.Errorf("intent %s: %w", id, err))
				cancel() // the report cannot be complete: stop asking
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("reconcile: refresh from Compago: %w", errs[0])
	}
	return ctx.Err()
}

// endedUncharged reports whether the attempt ended without a recorded
// charge: what only Compago can still contradict.
func endedUncharged(a journal.Attempt) bool {
	switch a.State {
	case journal.Expired, journal.Cancelled, journal.Failed, journal.Unknown:
		return true
	}
	return false
}
