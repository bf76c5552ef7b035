package odoosim

import (
	"context"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a simulated Odoo server.
type Options struct {
	Version  int              // 16, 17, 18 or 19; default 18
	Database string           // default "sandbox"
	Now      func() time.Time // default time.Now (datetimes are stored UTC)
}

// Seed holds the ids of the records New creates.
type Seed struct {
	UserID, CompanyID, CurrencyID, ConfigID, SessionID, ClosedSessionID, PaymentMethodID, CashPaymentMethodID int64
}

// Server is an in-memory Odoo external-API server, an http.Handler.
type Server struct {
	version int
	opts    Options

	mu   sync.Mutex // guards db, seed, sessions and stats: one call at a time
	db   *db
	seed Seed
	// sessions are the web-client session cookies handed out by
	// /web/session/authenticate, mapped to their uid.
	sessions map[string]int64
	stats    map[string]int
	failNext int

	ctl     sync.Mutex // guards down and latency, read on every request
	down    bool
	latency time.Duration

	calls callFaults // armed CallFaults and the calls they hold
}

// New returns a server seeded with the sandbox data (see Seed and doc.go).
// It panics only if the embedded field tables are broken.
func New(opts Options) *Server {
	s, err := newServer(opts, seedSandbox)
	if err != nil {
		panic("odoosim: " + err.Error())
	}
	return s
}

func newServer(opts Options, seed func(*Server) error) (*Server, error) {
	switch opts.Version {
	case 16, 17, 18, 19:
	default:
		opts.Version = 18
	}
	if opts.Database == "" {
		opts.Database = "sandbox"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d, err := newDB(opts.Version, opts.Database, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{version: opts.Version, opts: opts, db: d,
		sessions: map[string]int64{}, stats: map[string]int{}}
	if err := seed(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Seed returns the ids of the seed records.
func (s *Server) Seed() Seed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seed
}

// SetDown starts (true) or ends an outage: every endpoint but /sim/ drops the
// connection without an answer, as a dead server or a cut network would.
func (s *Server) SetDown(down bool) {
	s.ctl.Lock()
	s.down = down
	s.ctl.Unlock()
}

// SetLatency adds d to every public request.
func (s *Server) SetLatency(d time.Duration) {
	s.ctl.Lock()
	s.latency = d
	s.ctl.Unlock()
}

// FailNext makes the next n object calls fail with a serialization conflict
// (psycopg2.errors.SerializationFailure) before they change anything.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Stats returns RPC calls counted by "model.method" (object calls on any
// transport) and "common.<method>" / "db.<method>".
func (s *Server) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ResetStats clears the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = map[string]int{}
	s.mu.Unlock()
}

// Exec runs a model method as the admin user, without authentication and
// without counting it, with the semantics and errors of execute_kw. Errors
// are *Fault. Results are JSON-compatible values.
func (s *Server) Exec(model, method string, args []any, kwargs map[string]any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pos, _ := normalize(args).([]any)
	kw, _ := normalize(kwargs).(map[string]any)
	res, f := s.callLocked(call{uid: s.seed.UserID, model: model, method: method, args: pos, kwargs: kw})
	if f != nil {
		return nil, f
	}
	return plain(res), nil
}

// ServeHTTP routes the public endpoints and the /sim/ control API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/sim/") {
		s.serveSim(w, r)
		return
	}
	s.ctl.Lock()
	down, latency := s.down, s.latency
	s.ctl.Unlock()
	if down {
		dropConnection(w)
		return
	}
	if latency > 0 && !sleepCtx(r.Context(), latency) {
		return
	}
	if s.serveFaulty(w, r) {
		return
	}
	s.route(w, r)
}

// route answers a public endpoint.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/jsonrpc":
		s.serveJSONRPC(w, r)
	case strings.HasPrefix(path, "/xmlrpc/"):
		s.serveXMLRPC(w, r)
	case strings.HasPrefix(path, "/json/2/") && s.version >= 19:
		s.serveJSON2(w, r)
	case strings.HasPrefix(path, "/web/"):
		s.serveWeb(w, r)
	default:
		notFoundPage(w)
	}
}

// dropConnection closes the connection without a response, so the client
// sees a transport failure; 503 where the connection cannot be taken over.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	http.Error(w, "odoosim: outage", http.StatusServiceUnavailable)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func notFoundPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!DOCTYPE html>\n<html>\n<head><title>Odoo</title></head>\n<body><h1>404: Page not found</h1>\n<p>The page you were looking for could not be found.</p></body>\n</html>\n"))
}

// serveSim is the unauthenticated control API (sandbox and tests only).
// A web page open in the same browser must not drive it: a state-changing
// request must say Content-Type: application/json (which a cross-site
// page cannot send without a CORS preflight, never granted here), and
// every request must name a loopback Host or the IP address it arrived on
// (DNS rebinding sends the attacker's name).
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	if !localHost(r) {
		simJSON(w, http.StatusForbidden, map[string]any{"error": "the control API answers only requests addressed to localhost or to the address it listens on"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			simJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "the control API takes JSON (Content-Type: application/json)"})
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/sim/call-faults") {
		s.serveCallFaults(w, r)
		return
	}
	var body struct {
		Down    *bool  `json:"down"`
		Latency string `json:"latency"`
		N       int    `json:"n"`
	}
	if r.Method == http.MethodPost && r.Body != nil {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err.Error() != "EOF" {
			simJSON(w, http.StatusBadRequest, map[string]any{"error": "bad JSON: " + err.Error()})
			return
		}
	}
	switch {
	case r.URL.Path == "/sim/outage" && r.Method == http.MethodPost:
		if body.Down == nil {
			simJSON(w, http.StatusBadRequest, map[string]any{"error": `want {"down": true|false}`})
			return
		}
		s.SetDown(*body.Down)
		simJSON(w, http.StatusOK, map[string]any{"down": *body.Down})
	case r.URL.Path == "/sim/outage" && r.Method == http.MethodGet:
		s.ctl.Lock()
		down := s.down
		s.ctl.Unlock()
		simJSON(w, http.StatusOK, map[string]any{"down": down})
	case r.URL.Path == "/sim/stats" && r.Method == http.MethodGet:
		simJSON(w, http.StatusOK, s.Stats())
	case r.URL.Path == "/sim/stats" && r.Method == http.MethodDelete:
		s.ResetStats()
		simJSON(w, http.StatusOK, map[string]any{})
	case r.URL.Path == "/sim/latency" && r.Method == http.MethodPost:
		d, err := time.ParseDuration(body.Latency)
		if err != nil || d < 0 {
			simJSON(w, http.StatusBadRequest, map[string]any{"error": `want {"latency": "300ms"}`})
			return
		}
		s.SetLatency(d)
		simJSON(w, http.StatusOK, map[string]any{"latency": d.String()})
	case r.URL.Path == "/sim/fail-next" && r.Method == http.MethodPost:
		s.FailNext(body.N)
		simJSON(w, http.StatusOK, map[string]any{"n": body.N})
	default:
		simJSON(w, http.StatusNotFound, map[string]any{"error": "unknown control endpoint"})
	}
}

func simJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// localHost reports whether the request's Host is loopback, or the IP
// address the request arrived on. Any other name is refused: that is what
// a DNS rebinding attack sends. (compagosim.LocalHost is the same rule;
// the Odoo simulator does not import the Compago side.)
func localHost(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	la, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	return ok && la.IP.Equal(ip)
}
