package odoosim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// CallFault makes the next matching model calls fail the way a proxy in
// front of Odoo, or a slow Odoo, makes them fail. The three ways differ in
// what Odoo applied, which is what a client cannot see:
//
//   - When "before": answered Status (default 502) and NOT applied, as a
//     proxy that could not reach Odoo.
//   - When "after": applied and committed, then answered Status (default
//     504) instead of the result, as a proxy that gave up while Odoo worked.
//   - When "late": held without being applied for Delay, then applied and
//     answered if its client still waits; with Delay 0 it is held until
//     ReleaseHeld, or dropped unapplied by DropHeld. Held longer than the client's timeout, it is a call
//     stuck behind a row lock, or queued in a proxy, that commits after its
//     client stopped waiting.
//
// Model and Method select the call ("pos.order", "add_payment"); an empty
// one matches any. Match, when set, also asks that the request's body
// contain it as is (a field or domain term, e.g. "session_id.state"), so a
// test can hold one daemon's particular read among others of the same
// method. Times is how many calls it hits (default 1).
type CallFault struct {
	Model  string        `json:"model"`
	Method string        `json:"method"`
	Match  string        `json:"match"`
	When   string        `json:"when"`
	Status int           `json:"status"`
	Delay  time.Duration `json:"-"`
	Times  int           `json:"times"`
}

// callFaults are the armed faults and the calls held by "late" ones.
type callFaults struct {
	mu      sync.Mutex
	armed   []CallFault
	release chan struct{} // closed by ReleaseHeld
	drop    chan struct{} // closed by DropHeld
	held    sync.WaitGroup
	holding int // late calls held now
	applied int // late calls applied so far
}

// AddCallFault arms f. It returns an error for a When it does not know.
func (s *Server) AddCallFault(f CallFault) error {
	switch f.When {
	case "before", "after", "late":
	default:
		return &Fault{Name: "odoosim", Message: `call fault "when" must be "before", "after" or "late"`}
	}
	if f.Times <= 0 {
		f.Times = 1
	}
	c := &s.calls
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release == nil {
		c.release, c.drop = make(chan struct{}), make(chan struct{})
	}
	c.armed = append(c.armed, f)
	return nil
}

// ClearCallFaults disarms every call fault (held calls stay held until
// ReleaseHeld).
func (s *Server) ClearCallFaults() {
	s.calls.mu.Lock()
	s.calls.armed = nil
	s.calls.mu.Unlock()
}

// ReleaseHeld lets every call held by a "late" fault without a delay go
// on, and waits until they have been applied.
func (s *Server) ReleaseHeld() {
	c := &s.calls
	c.mu.Lock()
	if c.release != nil {
		close(c.release)
		c.release = make(chan struct{})
	}
	c.mu.Unlock()
	c.held.Wait()
}

// DropHeld ends every call held by a "late" fault without a delay
// without applying it, as Odoo's limit_time_real kills the worker that
// held it and its transaction rolls back: the client never gets an answer.
func (s *Server) DropHeld() {
	c := &s.calls
	c.mu.Lock()
	if c.drop != nil {
		close(c.drop)
		c.drop = make(chan struct{})
	}
	c.mu.Unlock()
	c.held.Wait()
}

// Holding is how many calls a "late" fault holds now.
func (s *Server) Holding() int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.holding
}

// LateApplied is how many held calls have been applied so far.
func (s *Server) LateApplied() int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return s.calls.applied
}

// take returns the fault armed for model.method, counting it, if any.
func (c *callFaults) take(model, method string, body []byte) (f CallFault, release, drop chan struct{}, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.armed {
		f := &c.armed[i]
		if (f.Model == "" || f.Model == model) && (f.Method == "" || f.Method == method) &&
			(f.Match == "" || bytes.Contains(body, []byte(f.Match))) {
			hit := *f
			f.Times--
			if f.Times <= 0 {
				c.armed = append(c.armed[:i], c.armed[i+1:]...)
			}
			return hit, c.release, c.drop, true
		}
	}
	return CallFault{}, nil, nil, false
}

func (c *callFaults) any() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.armed) > 0
}

// serveFaulty serves r through an armed call fault when one matches; it
// reports whether it answered.
func (s *Server) serveFaulty(w http.ResponseWriter, r *http.Request) bool {
	if !s.calls.any() || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	model, method := callTarget(r.URL.Path, body)
	if model == "" {
		return false
	}
	f, release, drop, ok := s.calls.take(model, method, body)
	if !ok {
		return false
	}
	switch f.When {
	case "before":
		gatewayError(w, f.Status, http.StatusBadGateway)
	case "after":
		s.route(httptest.NewRecorder(), r)
		gatewayError(w, f.Status, http.StatusGatewayTimeout)
	case "late":
		// The call outlives its client: it runs on a request of its own.
		detached := r.Clone(context.WithoutCancel(r.Context()))
		detached.Body = io.NopCloser(bytes.NewReader(body))
		s.calls.held.Add(1)
		s.calls.mu.Lock()
		s.calls.holding++
		s.calls.mu.Unlock()
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		dropped := false // set before done is closed
		go func() {
			defer s.calls.held.Done()
			defer close(done)
			if f.Delay > 0 {
				time.Sleep(f.Delay)
			} else {
				select {
				case <-release:
				case <-drop:
					dropped = true
					s.calls.mu.Lock()
					s.calls.holding--
					s.calls.mu.Unlock()
					return
				}
			}
			s.route(rec, detached)
			s.calls.mu.Lock()
			s.calls.holding--
			s.calls.applied++
			s.calls.mu.Unlock()
		}()
		select {
		case <-done:
			if dropped {
				panic(http.ErrAbortHandler) // the connection closes unanswered
			}
			// The client waited long enough: it gets Odoo's answer.
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		case <-r.Context().Done():
		}
	}
	return true
}

func gatewayError(w http.ResponseWriter, status, def int) {
	if status == 0 {
		status = def
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "<html><body><h1>"+http.StatusText(status)+"</h1></body></html>\n")
}

// callTarget finds the model and method a request calls on any transport,
// or "" when it calls none (a login, a version query).
func callTarget(path string, body []byte) (model, method string) {
	switch {
	case strings.HasPrefix(path, "/json/2/"):
		parts := strings.Split(strings.TrimPrefix(path, "/json/2/"), "/")
		if len(parts) == 2 {
			return parts[0], parts[1]
		}
	case path == "/jsonrpc":
		var req struct {
			Params struct {
				Service string `json:"service"`
				Args    []any  `json:"args"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &req) == nil && req.Params.Service == "object" && len(req.Params.Args) >= 5 {
			model, _ = req.Params.Args[3].(string)
			method, _ = req.Params.Args[4].(string)
		}
	case path == "/web/dataset/call_kw" || strings.HasPrefix(path, "/web/dataset/call_kw/"):
		var req struct {
			Params struct {
				Model  string `json:"model"`
				Method string `json:"method"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &req) == nil {
			return req.Params.Model, req.Params.Method
		}
	case strings.HasSuffix(path, "/object"):
		if _, params, err := decodeMethodCall(body); err == nil && len(params) >= 5 {
			model, _ = params[3].(string)
			method, _ = params[4].(string)
		}
	}
	return model, method
}

// callFaultRequest is the control API's body for POST /sim/call-faults.
type callFaultRequest struct {
	CallFault
	Delay string `json:"delay"`
}

// serveCallFaults is POST /sim/call-faults (arm one), DELETE (disarm all)
// and POST /sim/call-faults/release (let held calls go on).
func (s *Server) serveCallFaults(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/sim/call-faults/release" && r.Method == http.MethodPost:
		s.ReleaseHeld()
		simJSON(w, http.StatusOK, map[string]any{"applied": s.LateApplied()})
	case r.URL.Path == "/sim/call-faults" && r.Method == http.MethodDelete:
		s.ClearCallFaults()
		simJSON(w, http.StatusOK, map[string]any{})
	case r.URL.Path == "/sim/call-faults" && r.Method == http.MethodPost:
		var req callFaultRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			simJSON(w, http.StatusBadRequest, map[string]any{"error": "bad JSON: " + err.Error()})
			return
		}
		f := req.CallFault
		if req.Delay != "" {
			d, err := time.ParseDuration(req.Delay)
			if err != nil || d < 0 {
				simJSON(w, http.StatusBadRequest, map[string]any{"error": `want "delay": "5s"`})
				return
			}
			f.Delay = d
		}
		if err := s.AddCallFault(f); err != nil {
			simJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		simJSON(w, http.StatusOK, map[string]any{"armed": f.Model + "." + f.Method, "when": f.When})
	default:
		simJSON(w, http.StatusNotFound, map[string]any{"error": "unknown control endpoint"})
	}
}
