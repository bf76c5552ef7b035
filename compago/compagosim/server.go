package compagosim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Org is an organization (a Compago merchant) with its API key and the
// serial numbers of its POS terminals.
type Org struct {
	ID, Name, APIKey string
	Terminals        []string // serials, the terminalCode of the API
}

// Options configures a Server. The zero value gives the sandbox defaults.
type Options struct {
	// Orgs defaults to one organization with API key "sandbox-key" and the
	// terminals TERMINAL-001..003. An Org without ID gets a generated one.
	Orgs []Org
	// Start is the simulator's time when it starts (default time.Now()).
	// The clock then runs with real time, plus whatever Advance adds.
	Start time.Time
	// Seed drives fault injection and generated organization and terminal
	// ids, so a test's run is repeatable.
	Seed int64
	// OrphanKeys are API keys of users without an organization: every call
	// with one answers 400 "User does not have an organization".
	OrphanKeys []string
}

// Server is an in-memory Compago payment-intent API. It is an http.Handler:
// serve it with httptest.NewServer in tests or http.Server in the sandbox.
type Server struct {
	mux   *http.ServeMux
	clock *clock

	mu         sync.Mutex
	orgsByKey  map[string]*Org
	orphans    map[string]bool
	terminals  map[string]*terminal // by serial
	termOrder  []*terminal
	intents    []*Intent // creation order
	byID       map[string]*Intent
	byExternal map[string]*Intent // organizationID + "\x00" + externalID
	requests   map[string]int
	faults     Faults
	oddities   []Oddity
	rng        *rand.Rand
}

type terminal struct {
	code, id, orgID string
}

// DefaultAPIKey is the API key of the default organization.
const DefaultAPIKey = "sandbox-key"

// New returns a Server with opts applied. It panics when two organizations
// share an API key or a terminal serial: that is a broken test setup, and
// serials identify physical devices, so they are unique across organizations.
func New(opts Options) *Server {
	s := &Server{
		orgsByKey:  map[string]*Org{},
		orphans:    map[string]bool{},
		terminals:  map[string]*terminal{},
		byID:       map[string]*Intent{},
		byExternal: map[string]*Intent{},
		requests:   map[string]int{},
		rng:        rand.New(rand.NewPCG(uint64(opts.Seed), 0x636f6d7061676f)),
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now()
	}
	s.clock = newClock(start)
	orgs := opts.Orgs
	if len(orgs) == 0 {
		orgs = []Org{{Name: "Sandbox", APIKey: DefaultAPIKey,
			Terminals: []string{"TERMINAL-001", "TERMINAL-002", "TERMINAL-003"}}}
	}
	for i := range orgs {
		s.addOrg(orgs[i])
	}
	for _, k := range opts.OrphanKeys {
		s.orphans[k] = true
	}
	s.mux = s.routes()
	return s
}

func (s *Server) addOrg(o Org) {
	if o.ID == "" {
		o.ID = newUUID(s.rng)
	}
	o.Terminals = append([]string(nil), o.Terminals...)
	if _, dup := s.orgsByKey[o.APIKey]; dup || o.APIKey == "" {
		panic(fmt.Sprintf("compagosim: organization %q needs a unique, non-empty API key", o.Name))
	}
	s.orgsByKey[o.APIKey] = &o
	for _, code := range o.Terminals {
		if _, dup := s.terminals[code]; dup {
			panic(fmt.Sprintf("compagosim: terminal %q listed twice", code))
		}
		t := &terminal{code: code, id: newUUID(s.rng), orgID: o.ID}
		s.terminals[code] = t
		s.termOrder = append(s.termOrder, t)
	}
}

// ServeHTTP serves the public API under /api/ and the control API under /sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Now is the simulator's current time.
func (s *Server) Now() time.Time { return s.clock.now() }

// Advance moves the simulator's clock forward by d (negative d is ignored).
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }

// Requests counts the public API requests received, faulted ones included,
// by route pattern, e.g. "GET /api/payment-intent/{id}".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

func (s *Server) countRequest(pattern string) {
	s.mu.Lock()
	s.requests[pattern]++
	s.mu.Unlock()
}

// clock is real elapsed time (monotonic) since start, plus advances.
type clock struct {
	start    time.Time
	realZero time.Time
	mu       sync.Mutex
	advanced time.Duration
}

func newClock(start time.Time) *clock {
	return &clock{start: start.Round(0), realZero: time.Now()}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(time.Since(c.realZero) + c.advanced).UTC()
}

func (c *clock) advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.advanced += d
	c.mu.Unlock()
}

// globalRand draws from the process-wide random source. Intent ids come from
// it rather than from the seed so that ids never repeat across sandbox
// restarts, where a journal may still hold ids from an earlier run.
type globalRand struct{}

func (globalRand) Uint64() uint64 { return rand.Uint64() }

// newUUID returns a version 4 UUID drawn from r.
func newUUID(r interface{ Uint64() uint64 }) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
