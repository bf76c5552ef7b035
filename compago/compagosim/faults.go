package compagosim

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Faults are injected into the public API only; the control API never fails.
type Faults struct {
	// ErrorRate is the share of requests, 0 to 1, answered with Status.
	ErrorRate float64
	// Status of a faulted answer; 0 means 503.
	Status int
	// Latency delays every public request, faulted or not.
	Latency time.Duration
	// When is "before" (the default: a faulted request is rejected and has
	// no effect, and the latency is spent before it is handled) or "after"
	// (the request takes effect, then its answer is lost: the latency is
	// spent after it, and a faulted request is answered with Status).
	When string
	// RetryAfter, when positive, is sent as Retry-After (whole seconds,
	// rounded up) on faulted answers.
	RetryAfter time.Duration
	// Body, when set, is the faulted answer's body instead of
	// {"message": ...}: a way to serve malformed, mistyped or huge answers
	// (with Status 200 they look like success).
	Body string
}

// Fault timings.
const (
	FaultBefore = "before"
	FaultAfter  = "after"
)

// SetFaults replaces the injected faults. Out-of-range values are clamped.
func (s *Server) SetFaults(f Faults) {
	f.ErrorRate = min(max(f.ErrorRate, 0), 1)
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	if f.When != FaultAfter {
		f.When = FaultBefore
	}
	f.Latency = max(f.Latency, 0)
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// ClearFaults stops all fault injection.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = Faults{}
	s.mu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// drawFault reports the faults in force and whether this request is hit.
func (s *Server) drawFault() (Faults, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	return f, f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate
}

// withFaults runs handle under the injected faults.
func (s *Server) withFaults(w http.ResponseWriter, r *http.Request, handle func(http.ResponseWriter)) {
	f, hit := s.drawFault()
	if f.When == FaultAfter {
		var buf bufferedResponse
		handle(&buf)
		if !wait(r, f.Latency) {
			return
		}
		if hit {
			writeFault(w, f)
			return
		}
		buf.copyTo(w)
		return
	}
	// A client that gave up while the request was delayed never reached the
	// service: the request has no effect. The body is read first, because
	// the HTTP server notices a client leaving only once the body is read.
	if f.Latency > 0 {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if !wait(r, f.Latency) {
		return
	}
	if hit {
		writeFault(w, f)
		return
	}
	handle(w)
}

// wait sleeps d unless the client goes away first; it reports whether the
// client is still there.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeFault(w http.ResponseWriter, f Faults) {
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	if f.Body == "" {
		writeError(w, f.Status, http.StatusText(f.Status))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}

// bufferedResponse holds an answer until the fault decides its fate.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(max(b.status, http.StatusOK))
	_, _ = w.Write(b.body.Bytes())
}
