package odoo

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestRetryWaitEndsWhenTheContextEnds(t *testing.T) {
	p := retryPolicy{attempts: 4, base: time.Hour, max: time.Hour} // a wait that would hang the test
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := p.do(ctx, func() (json.RawMessage, error) {
		calls++
		cancel()
		return nil, &Error{Name: excSerialization}
	})
	if !IsConflict(err) || calls != 1 {
		t.Fatalf("after the caller gave up: %d calls, err %v; want 1 call and the conflict", calls, err)
	}
}

func TestRetryStopsAtTheFirstNonConflict(t *testing.T) {
	p := retryPolicy{attempts: 4, base: time.Millisecond, max: time.Millisecond}
	calls := 0
	_, err := p.do(context.Background(), func() (json.RawMessage, error) {
		calls++
		if calls == 1 {
			return nil, &Error{Name: excLockNotAvail}
		}
		return nil, &Error{Name: excUserError}
	})
	if !IsUserError(err) || calls != 2 {
		t.Fatalf("%d calls, err %v; want 2 calls ending on the user error", calls, err)
	}
}
