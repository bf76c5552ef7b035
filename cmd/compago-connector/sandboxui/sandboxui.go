package sandboxui

import (
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"sync"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

//go:embed web
var webFS embed.FS

// Options say which simulators the page drives.
type Options struct {
	Odoo    *odoosim.Server    // required
	Compago *compagosim.Server // required
	// OdooURL and CompagoURL are shown on the page as links, when set.
	OdooURL, CompagoURL string
	// Fields names the pos.order fields; default connector.DefaultFields().
	Fields connector.Fields
	// Orders is how many of the newest orders the till lists; default 15.
	Orders int
}

// ui is the page and its JSON API.
type ui struct {
	opts Options
	seed odoosim.Seed

	mu           sync.Mutex // guards the fault switches
	odooDown     bool
	compagoLevel string // "off", "some" or "all"
}

// New returns the sandbox page as an http.Handler. It panics if a simulator
// is missing: that is a programming error of the caller.
func New(opts Options) http.Handler {
	if opts.Odoo == nil || opts.Compago == nil {
		panic("sandboxui: Options.Odoo and Options.Compago are required")
	}
	if opts.Fields == (connector.Fields{}) {
		opts.Fields = connector.DefaultFields()
	}
	if opts.Orders <= 0 {
		opts.Orders = 15
	}
	u := &ui{opts: opts, seed: opts.Odoo.Seed(), compagoLevel: faultsOff}
	static, err := fs.Sub(webFS, "web")
	if err != nil {
		panic("sandboxui: " + err.Error())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", noCache(http.FileServerFS(static)))
	mux.HandleFunc("GET /api/state", u.serveState)
	mux.HandleFunc("POST /api/orders", u.post(u.createOrder))
	mux.HandleFunc("POST /api/orders/{id}/cancel", u.post(u.cancelOrder))
	mux.HandleFunc("POST /api/orders/{id}/retry", u.post(u.retryOrder))
	mux.HandleFunc("POST /api/terminals/{code}/approve", u.post(u.approve))
	mux.HandleFunc("POST /api/terminals/{code}/decline", u.post(u.decline))
	mux.HandleFunc("POST /api/clock", u.post(u.advanceClock))
	mux.HandleFunc("POST /api/faults", u.post(u.setFaults))
	return localOnly(mux)
}

// localOnly refuses a request whose Host is not loopback, or the IP
// address it arrived on: DNS rebinding points an attacker's name at
// 127.0.0.1, and the Host header still carries that name.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !compagosim.LocalHost(r) {
			writeError(w, &userError{http.StatusForbidden, "The sandbox page answers only when opened as localhost or by its IP address."})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noCache keeps a browser from showing an old page after a rebuild.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// userError is a sentence for the cashier and the status to send it with.
type userError struct {
	status int
	msg    string
}

func (e *userError) Error() string { return e.msg }

func badRequest(msg string) error { return &userError{http.StatusBadRequest, msg} }
func conflict(msg string) error   { return &userError{http.StatusConflict, msg} }

// post wraps an action: it checks the request is JSON, runs the action and
// answers its result or its error sentence.
func (u *ui) post(action func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, &userError{http.StatusUnsupportedMediaType, "The sandbox API takes JSON (Content-Type: application/json)."})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		res, err := action(r)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// decodeBody reads an optional JSON object body into v.
func decodeBody(r *http.Request, v any) error {
	err := json.NewDecoder(r.Body).Decode(v)
	if err != nil && !errors.Is(err, io.EOF) {
		return badRequest("The request is not a JSON object the sandbox understands.")
	}
	return nil
}

func writeError(w http.ResponseWriter, err error) {
	var ue *userError
	if !errors.As(err, &ue) {
		ue = &userError{http.StatusInternalServerError, "The sandbox page failed: " + err.Error() + "."}
	}
	writeJSON(w, ue.status, map[string]string{"error": ue.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
