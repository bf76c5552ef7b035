package compago

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

const (
	opCreate = "create"
	opGet    = "get"
	opCancel = "cancel"

	// maxBody caps an answer; a real one is under a kilobyte.
	maxBody = 1 << 20
	// maxRetryAfter is the longest Retry-After waited for inside a call;
	// beyond it the error is returned with RetryAfter for the caller to plan.
	maxRetryAfter = time.Minute
)

// decoder turns a 2xx body into an Intent.
type decoder func(body []byte) (*Intent, error)

// attempt is one HTTP exchange, bounded by the per-attempt timeout. sent
// reports whether the request may have reached Compago: true as soon as a
// connection was obtained, since bytes may have left from then on.
func (c *Client) attempt(ctx context.Context, op, method, path string, body []byte, decode decoder) (in *Intent, e *Error, sent bool) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.timeout)
	defer cancel()
	var gotConn atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Op: op, Kind: ErrValidation, Err: err}, false
	}
	req.Header.Set("x-api-key", string(c.key))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Op: op, Kind: ErrUnavailable, Err: err}, gotConn.Load()
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return nil, &Error{Op: op, StatusCode: resp.StatusCode, Kind: ErrUnavailable,
			Message: "answer cut short", Err: err}, true
	case len(data) > maxBody:
		return nil, &Error{Op: op, StatusCode: resp.StatusCode, Kind: ErrUnavailable,
			Message: fmt.Sprintf("answer larger than %d bytes", maxBody)}, true
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, c.responseError(op, resp, data), true
	}
	if in, err = decode(data); err != nil {
		kind := ErrUnavailable
		var wrong *wrongIntentError
		if errors.As(err, &wrong) {
			kind = ErrWrongIntent
		}
		return nil, &Error{Op: op, StatusCode: resp.StatusCode, Kind: kind,
			Message: "unusable answer", Err: err}, true
	}
	return in, nil, true
}

// retryable reports whether another attempt may get a different answer.
func retryable(e *Error) bool {
	return e.Kind == ErrUnavailable || e.Kind == ErrRateLimited || e.Kind == ErrWrongIntent
}

// retrying runs the attempts of a read or a cancel: both are safe to repeat.
func (c *Client) retrying(ctx context.Context, try func() (*Intent, *Error, bool)) (*Intent, error) {
	for n := 1; ; n++ {
		in, e, _ := try()
		if e == nil {
			return in, nil
		}
		if !retryable(e) || n >= c.opts.attempts || !c.pause(ctx, n, e.RetryAfter) {
			return nil, e
		}
	}
}

// pause waits before attempt n+1: exponential backoff with jitter, or the
// server's Retry-After when longer. It reports false, at once, when the
// caller's context ends first or Retry-After is beyond reason.
func (c *Client) pause(ctx context.Context, n int, retryAfter time.Duration) bool {
	if ctx.Err() != nil || retryAfter > maxRetryAfter {
		return false
	}
	d := c.opts.backoffBase << min(n-1, 20)
	if d <= 0 || d > c.opts.backoffMax {
		d = c.opts.backoffMax
	}
	d = d/2 + rand.N(d/2+1) // equal jitter: spread the herd, keep a floor
	d = max(d, retryAfter)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
