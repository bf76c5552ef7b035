package odoo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compago-odoo/connector/odoo"
)

// faulty stands in front of a replay server and breaks object calls the way
// production breaks them: a serialization conflict answered by Odoo, or a
// network or proxy failure with no Odoo answer at all.
type faulty struct {
	next http.Handler

	mu          sync.Mutex
	conflicts   int    // answer the next n object calls with a serialization failure
	mode        string // "", "drop", "hang", "502", "404", "redirect", "garbage"
	objectCalls int
	onConflict  func()
}

func (f *faulty) set(mode string, conflicts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.conflicts, f.objectCalls = mode, conflicts, 0
}

func (f *faulty) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.objectCalls
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	object := r.URL.Path == "/xmlrpc/2/object" ||
		(r.URL.Path == "/jsonrpc" && bytes.Contains(body, []byte(`"execute_kw"`))) ||
		(strings.HasPrefix(r.URL.Path, "/json/2/") && !strings.HasSuffix(r.URL.Path, "/context_get"))
	if !object {
		f.next.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	f.objectCalls++
	mode, conflict, hook := f.mode, f.conflicts > 0, f.onConflict
	if conflict {
		f.conflicts--
	}
	f.mu.Unlock()
	switch {
	case conflict:
		writeConflict(w, r.URL.Path)
		if hook != nil {
			hook()
		}
	case mode == "drop": // the worker dies after reading the request
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	case mode == "hang":
		<-r.Context().Done()
	case mode == "502":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
	case mode == "404":
		http.NotFound(w, r)
	case mode == "redirect":
		http.Redirect(w, r, "https://odoo.example.com"+r.URL.Path, http.StatusMovedPermanently)
	case mode == "garbage":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc": "2.0", "id": 1, "result": [tru`)
	default:
		f.next.ServeHTTP(w, r)
	}
}

const conflictMessage = "could not serialize access due to concurrent update"

// writeConflict answers as Odoo does once its own retries are exhausted.
func writeConflict(w http.ResponseWriter, path string) {
	switch {
	case path == "/jsonrpc":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error", "data": {"name": "psycopg2.errors.SerializationFailure", "message": %q, "arguments": [%q], "context": {}, "debug": "Traceback (most recent call last): ..."}}}`, conflictMessage, conflictMessage)
	case strings.HasPrefix(path, "/xmlrpc/"):
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>Traceback (most recent call last):\n  File \"odoo/service/model.py\", line 156, in retrying\npsycopg2.errors.SerializationFailure: %s\n</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n", conflictMessage)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"name": "psycopg2.errors.SerializationFailure", "message": %q, "arguments": [%q], "context": {}, "debug": ""}`, conflictMessage, conflictMessage)
	}
}

type setup struct {
	name    string
	version int
	p       odoo.Protocol
	write   string // the recording that answers Write(pos.order, [order], amount_total 350.5)
	order   int64
}

var setups = []setup{
	{"odoo 17 jsonrpc", 17, odoo.ProtocolJSONRPC, "write ok", 21},
	{"odoo 17 xmlrpc", 17, odoo.ProtocolXMLRPC, "write ok", 21},
	{"odoo 19 jsonrpc", 19, odoo.ProtocolJSONRPC, "write ok", 27},
	{"odoo 19 xmlrpc", 19, odoo.ProtocolXMLRPC, "write ok", 27},
	{"odoo 19 json2", 19, odoo.ProtocolJSON2, "json2 read", 27},
}

// faultyClient is a connected client whose object calls go through f.
func faultyClient(t *testing.T, s setup, timeout time.Duration) (*odoo.Client, *faulty) {
	t.Helper()
	replay := replayServer(t, s.version, append(connectNames(s.p), s.write)...)
	f := &faulty{next: replay.Config.Handler}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := odoo.New(odoo.Config{URL: srv.URL, Database: dbOf(s.version), Username: "admin", Password: "admin-long-enough",
		Protocol: s.p, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c, f
}

// call is the one object call each setup has a recorded success for.
func call(ctx context.Context, c *odoo.Client, s setup) error {
	if s.p == odoo.ProtocolJSON2 {
		var out []map[string]any
		return c.Read(ctx, "pos.order", []int64{s.order}, []string{"name", "amount_paid"}, &out)
	}
	return c.Write(ctx, "pos.order", []int64{s.order}, map[string]any{"amount_total": 350.5})
}

func TestSerializationConflictIsRetriedUntilOdooAccepts(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			c, f := faultyClient(t, s, 5*time.Second)
			f.set("", 2)
			if err := call(context.Background(), c, s); err != nil {
				t.Fatalf("after two conflicts the call should go through, got %v", err)
			}
			if n := f.calls(); n != 3 {
				t.Errorf("Odoo saw %d calls, want 3 (two conflicts, one success)", n)
			}
		})
	}
}

func TestLastingConflictIsReportedAsSafeToRetry(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			c, f := faultyClient(t, s, 5*time.Second)
			f.set("", 1000)
			err := call(context.Background(), c, s)
			if !odoo.IsConflict(err) || odoo.IsOutcomeUnknown(err) || odoo.IsUserError(err) {
				t.Fatalf("a lasting conflict = %v, want a conflict (rolled back, safe to retry)", err)
			}
			var e *odoo.Error
			if !errors.As(err, &e) || e.Name != "psycopg2.errors.SerializationFailure" || !strings.Contains(e.Message, "concurrent update") {
				t.Errorf("error = %#v", e)
			}
			if n := f.calls(); n != 4 {
				t.Errorf("Odoo saw %d calls, want 4 (the first and three retries)", n)
			}
		})
	}
}

func TestCallerGivingUpDuringAConflictStopsTheRetries(t *testing.T) {
	s := setups[0]
	c, f := faultyClient(t, s, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.set("", 1000)
	f.mu.Lock()
	f.onConflict = cancel // the caller gives up while Odoo answers the conflict
	f.mu.Unlock()
	if err := call(ctx, c, s); err == nil {
		t.Fatal("the call succeeded after the caller gave up")
	}
	if n := f.calls(); n != 1 {
		t.Errorf("Odoo saw %d calls after the caller gave up, want 1", n)
	}
}

func TestNoAnswerFromOdooMeansOutcomeUnknown(t *testing.T) {
	for _, mode := range []string{"drop", "hang", "502", "garbage"} {
		for _, s := range setups {
			t.Run(mode+" "+s.name, func(t *testing.T) {
				c, f := faultyClient(t, s, 5*time.Second)
				f.set(mode, 0)
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				err := call(ctx, c, s)
				if !odoo.IsOutcomeUnknown(err) || !odoo.IsTransport(err) {
					t.Fatalf("%s: error = %v, want outcome unknown (the call may have been applied)", mode, err)
				}
				if odoo.IsConflict(err) || odoo.IsUserError(err) || odoo.IsMissing(err) || odoo.IsAccessDenied(err) {
					t.Errorf("%s: an unanswered call looks like an Odoo refusal: %v", mode, err)
				}
				if n := f.calls(); n != 1 {
					t.Errorf("%s: Odoo saw %d calls, want 1 (an unknown outcome is never retried blindly)", mode, n)
				}
			})
		}
	}
}

func TestRefusedConnectionIsATransportFailureWithNothingApplied(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			replay := replayServer(t, s.version, append(connectNames(s.p), s.write)...)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(replay.Config.Handler)
			srv.Listener = ln
			srv.Start()
			// No kept-alive connection: each call dials, as after a long idle.
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			c, err := odoo.New(odoo.Config{URL: srv.URL, Database: dbOf(s.version), Username: "admin", Password: "admin",
				Protocol: s.p, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Connect(context.Background()); err != nil {
				t.Fatalf("Connect: %v", err)
			}
			srv.Close() // Odoo is down
			err = call(context.Background(), c, s)
			if !odoo.IsTransport(err) || odoo.IsOutcomeUnknown(err) {
				t.Fatalf("error = %v, want a transport failure that applied nothing", err)
			}
		})
	}
}

func TestMissingEndpointAndRedirectAreExplained(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			c, f := faultyClient(t, s, 5*time.Second)
			f.set("404", 0)
			err := call(context.Background(), c, s)
			var e *odoo.Error
			if !errors.As(err, &e) || e.HTTPStatus != http.StatusNotFound || odoo.IsOutcomeUnknown(err) {
				t.Errorf("RPC disabled: error = %v", err)
			}
			f.set("redirect", 0)
			err = call(context.Background(), c, s)
			if err == nil || !strings.Contains(err.Error(), "https://odoo.example.com") {
				t.Errorf("redirect: error = %v, want it to name the new address", err)
			}
		})
	}
}

func TestSlowOdooTimesOutWithOutcomeUnknown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(srv.Close)
	c, err := odoo.New(odoo.Config{URL: srv.URL, Database: "sandbox", Username: "admin", Password: "admin",
		Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Connect(context.Background())
	if !odoo.IsOutcomeUnknown(err) {
		t.Fatalf("Connect to a server that never answers = %v, want a timeout (outcome unknown)", err)
	}
}
