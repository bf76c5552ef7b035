package compagosim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
)

func (s *Server) controlRoutes(mux *http.ServeMux) {
	control(mux, "POST /sim/payment-intents/{id}/approve", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.Approve(r.PathValue("id")))
	})
	control(mux, "POST /sim/payment-intents/{id}/decline", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.Decline(r.PathValue("id")))
	})
	control(mux, "POST /sim/payment-intents/{id}/expire", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.Expire(r.PathValue("id")))
	})
	control(mux, "POST /sim/payment-intents/{id}/charge-late", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.ChargeLate(r.PathValue("id")))
	})
	control(mux, "GET /sim/oddities", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, odditiesView(s.Oddities()))
	})
	control(mux, "POST /sim/oddities", s.handleAddOddity)
	control(mux, "DELETE /sim/oddities", func(w http.ResponseWriter, r *http.Request) {
		s.ClearOddities()
		writeJSON(w, http.StatusOK, odditiesView(nil))
	})
	control(mux, "POST /sim/terminals/{code}/approve", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.ApproveTerminal(r.PathValue("code")))
	})
	control(mux, "POST /sim/terminals/{code}/decline", func(w http.ResponseWriter, r *http.Request) {
		s.answerIntent(w)(s.DeclineTerminal(r.PathValue("code")))
	})
	control(mux, "GET /sim/payment-intents", func(w http.ResponseWriter, r *http.Request) {
		list := s.Intents()
		out := make([]simIntent, 0, len(list))
		for _, in := range list {
			out = append(out, simView(in))
		}
		writeJSON(w, http.StatusOK, out)
	})
	control(mux, "GET /sim/terminals", s.handleTerminals)
	control(mux, "GET /sim/clock", s.handleClock)
	control(mux, "POST /sim/clock", s.handleClock)
	control(mux, "GET /sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, faultsView(s.currentFaults()))
	})
	control(mux, "POST /sim/faults", s.handleSetFaults)
	control(mux, "DELETE /sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		writeJSON(w, http.StatusOK, faultsView(Faults{}))
	})
	control(mux, "GET /sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": s.Requests()})
	})
}

// answerIntent writes the result of a control action: the intent, or 404
// for an unknown intent or terminal, or 409 for one that cannot be charged.
func (s *Server) answerIntent(w http.ResponseWriter) func(Intent, error) {
	return func(in Intent, err error) {
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, simView(in))
		case errors.Is(err, ErrIntentNotFound), errors.Is(err, ErrTerminalNotFound):
			writeError(w, http.StatusNotFound, err.Error())
		default:
			writeError(w, http.StatusConflict, err.Error())
		}
	}
}

// simIntent is an intent as the control API shows it: every field.
type simIntent struct {
	ID             string      `json:"id"`
	Status         string      `json:"status"`
	Expired        bool        `json:"expired"`
	Amount         json.Number `json:"amount"`
	AmountCentavos int64       `json:"amountCentavos"`
	Currency       string      `json:"currency"`
	ExternalID     string      `json:"externalId"`
	OrganizationID string      `json:"organizationId"`
	TerminalID     string      `json:"terminalId"`
	TerminalCode   string      `json:"terminalCode"`
	PaymentStatus  string      `json:"paymentStatus"`
	CancelReason   string      `json:"cancelReason"`
	CreatedAt      string      `json:"createdAt"`
	UpdatedAt      string      `json:"updatedAt"`
	ExpiresAt      string      `json:"expiresAt"`
}

func simView(in Intent) simIntent {
	return simIntent{
		ID: in.ID, Status: in.Status, Expired: in.Expired,
		Amount: formatAmount(in.Amount), AmountCentavos: in.Amount, Currency: in.Currency,
		ExternalID: in.ExternalID, OrganizationID: in.OrganizationID,
		TerminalID: in.TerminalID, TerminalCode: in.TerminalCode,
		PaymentStatus: in.PaymentStatus, CancelReason: in.CancelReason,
		CreatedAt: formatTime(in.CreatedAt), UpdatedAt: formatTime(in.UpdatedAt),
		ExpiresAt: formatTime(expiresAt(in)),
	}
}

func (s *Server) handleTerminals(w http.ResponseWriter, r *http.Request) {
	type simTerminal struct {
		Code           string     `json:"code"`
		ID             string     `json:"id"`
		OrganizationID string     `json:"organizationId"`
		Pending        *simIntent `json:"pending"`
	}
	var out []simTerminal
	for _, t := range s.Terminals() {
		st := simTerminal{Code: t.Code, ID: t.ID, OrganizationID: t.OrganizationID}
		if t.Pending != nil {
			v := simView(*t.Pending)
			st.Pending = &v
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleClock answers the time; with {"advance":"10m"} it moves it first.
func (s *Server) handleClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			Advance string `json:"advance"`
		}
		if err := decodeControl(r, &req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		d, err := time.ParseDuration(req.Advance)
		if err != nil || d < 0 {
			writeError(w, http.StatusBadRequest, `advance must be a positive duration such as "10m"`)
			return
		}
		s.Advance(d)
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": formatTime(s.Now())})
}

// faultsJSON is Faults on the wire, durations as Go duration strings.
type faultsJSON struct {
	ErrorRate  float64 `json:"error_rate"`
	Status     int     `json:"status"`
	Latency    string  `json:"latency"`
	When       string  `json:"when"`
	RetryAfter string  `json:"retry_after"`
	Body       string  `json:"body,omitempty"`
}

func faultsView(f Faults) faultsJSON {
	return faultsJSON{ErrorRate: f.ErrorRate, Status: f.Status, Latency: f.Latency.String(),
		When: f.When, RetryAfter: f.RetryAfter.String(), Body: f.Body}
}

func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var req faultsJSON
	if err := decodeControl(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f, err := req.faults()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, faultsView(s.currentFaults()))
}

func (j faultsJSON) faults() (Faults, error) {
	f := Faults{ErrorRate: j.ErrorRate, Status: j.Status, When: j.When, Body: j.Body}
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		return Faults{}, errors.New("error_rate must be between 0 and 1")
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return Faults{}, errors.New("status must be an HTTP status code")
	}
	if f.When != "" && f.When != FaultBefore && f.When != FaultAfter {
		return Faults{}, errors.New(`when must be "before" or "after"`)
	}
	var err error
	if f.Latency, err = optionalDuration("latency", j.Latency); err != nil {
		return Faults{}, err
	}
	if f.RetryAfter, err = optionalDuration("retry_after", j.RetryAfter); err != nil {
		return Faults{}, err
	}
	return f, nil
}

func optionalDuration(name, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s must be a duration such as \"300ms\"", name)
	}
	return d, nil
}

// decodeControl reads a small JSON body of the control API.
func decodeControl(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errors.New("cannot read the request body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errors.New("the request body must be a JSON object")
	}
	return nil
}

// oddityJSON is an Oddity on the wire; amount in pesos, as the public API.
type oddityJSON struct {
	Kind   string      `json:"kind"`
	Intent string      `json:"intent,omitempty"`
	Times  int         `json:"times,omitempty"`
	Amount json.Number `json:"amount,omitempty"`
	Value  string      `json:"value,omitempty"`
}

func odditiesView(list []Oddity) []oddityJSON {
	out := make([]oddityJSON, 0, len(list))
	for _, o := range list {
		j := oddityJSON{Kind: o.Kind, Intent: o.Intent, Times: o.Times, Value: o.Value}
		if o.Amount != 0 {
			j.Amount = formatAmount(o.Amount)
		}
		out = append(out, j)
	}
	return out
}

// handleAddOddity arms one oddity: {"kind":"create_amount","amount":35.05},
// {"kind":"rate_limited","value":"86400","times":-1}, ...
func (s *Server) handleAddOddity(w http.ResponseWriter, r *http.Request) {
	var req oddityJSON
	if err := decodeControl(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	o := Oddity{Kind: req.Kind, Intent: req.Intent, Times: req.Times, Value: req.Value}
	if req.Amount != "" {
		amount, msg := parseAmount(json.RawMessage(req.Amount))
		if msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
		o.Amount = amount
	}
	if err := s.AddOddity(o); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, odditiesView(s.Oddities()))
}

// control registers a control endpoint behind its guard: the control API
// is unauthenticated, so a web page open in the same browser must not be
// able to drive it. A state-changing request must say Content-Type:
// application/json (a cross-site form cannot, and a cross-site fetch that
// does needs a CORS preflight this server never grants), and every request
// must name a loopback Host (DNS rebinding points an attacker's name at
// 127.0.0.1; the Host header still carries that name) or the IP address it
// arrived on (a sandbox shown on the LAN by address).
func control(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !LocalHost(r) {
			writeError(w, http.StatusForbidden, "The control API answers only requests addressed to localhost or to the address it listens on.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "The control API takes JSON (Content-Type: application/json).")
				return
			}
		}
		h(w, r)
	})
}

// LocalHost reports whether the request's Host is loopback, or the IP
// address the request arrived on. A DNS name other than localhost is
// refused: that is what a rebinding attack sends. The sandbox page guards
// itself with it too; odoosim keeps its own copy, since the Odoo side
// does not depend on the Compago side.
func LocalHost(r *http.Request) bool {
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
