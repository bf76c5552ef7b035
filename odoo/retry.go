package odoo

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"
)

// retryPolicy repeats calls that failed with a serialization conflict. Odoo
// already retried them server side (up to 5 times) and rolled back, so
// repeating changes nothing twice; spacing the attempts lets the competing
// transaction finish.
type retryPolicy struct {
	attempts int           // in all, the first one included
	base     time.Duration // first wait; doubles each time
	max      time.Duration
}

var defaultRetry = retryPolicy{attempts: 4, base: 100 * time.Millisecond, max: 2 * time.Second}

func (p retryPolicy) do(ctx context.Context, f func() (json.RawMessage, error)) (json.RawMessage, error) {
	wait := p.base
	for attempt := 1; ; attempt++ {
		raw, err := f()
		if err == nil || !IsConflict(err) || attempt >= p.attempts {
			return raw, err
		}
		// Half fixed, half random: spread competing clients apart.
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		wait = min(wait*2, p.max)
	}
}
