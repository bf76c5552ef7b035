package compagosim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// The public API's error messages. The first six are the document's table.
const (
	msgNoOrganization      = "User does not have an organization"
	msgCurrency            = "Only MXN currency is supported."
	msgAlreadyConfirmed    = "Payment intent already confirmed"
	msgUnauthorized        = "Unauthorized"
	msgTerminalNotFound    = "Terminal not found"
	msgIntentNotFound      = "Payment intent not found"
	msgDuplicateExternalID = "Payment intent with this externalId already exists"
	msgInvalidJSON         = "Invalid JSON body"
	msgBodyTooLarge        = "Request body too large"
)

// maxRequestBody bounds a create request; the real body is under 200 bytes.
const maxRequestBody = 64 << 10

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /api/payment-intent", s.public(s.handleCreate))
	mux.Handle("GET /api/payment-intent/{id}", s.public(s.handleGet))
	mux.Handle("POST /api/payment-intent/{id}/cancel", s.public(s.handleCancel))
	s.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
	})
	return mux
}

type publicHandler func(w http.ResponseWriter, r *http.Request, org *Org)

// public wraps an endpoint of the public API. Checks run in a fixed order:
// injected faults (they stand for the network and the load balancer), the
// API key, then the endpoint's own rules.
func (s *Server) public(h publicHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.countRequest(r.Pattern)
		s.withFaults(w, r, func(w http.ResponseWriter) {
			org, err := s.authenticate(r)
			if err != nil {
				writeError(w, err.status, err.message)
				return
			}
			h(w, r, org)
		})
	})
}

func (s *Server) authenticate(r *http.Request) (*Org, *apiError) {
	key := r.Header.Get("x-api-key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orphans[key] {
		return nil, &apiError{http.StatusBadRequest, msgNoOrganization}
	}
	org, ok := s.orgsByKey[key]
	if !ok || key == "" {
		return nil, &apiError{http.StatusUnauthorized, msgUnauthorized}
	}
	return org, nil
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, org *Org) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, msgBodyTooLarge)
			return
		}
		writeError(w, http.StatusBadRequest, msgInvalidJSON)
		return
	}
	p, aerr := decodeCreate(body)
	if aerr == nil {
		if odd, ok := s.pickOddity("create", p.externalID); ok {
			s.playCreate(w, org, p, odd)
			return
		}
		var in Intent
		if in, aerr = s.create(org, p); aerr == nil {
			writeJSON(w, http.StatusCreated, fullView(in))
			return
		}
	}
	writeError(w, aerr.status, aerr.message)
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, org *Org) {
	if odd, ok := s.pickOddity("get", r.PathValue("id")); ok {
		s.playGet(w, org, r.PathValue("id"), odd)
		return
	}
	in, err := s.get(org, r.PathValue("id"))
	if err != nil {
		writeError(w, err.status, err.message)
		return
	}
	writeJSON(w, http.StatusOK, shortView(in))
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request, org *Org) {
	if odd, ok := s.pickOddity("cancel", r.PathValue("id")); ok {
		s.playCancel(w, org, r.PathValue("id"), odd)
		return
	}
	in, err := s.cancel(org, r.PathValue("id"))
	if err != nil {
		writeError(w, err.status, err.message)
		return
	}
	writeJSON(w, http.StatusOK, fullView(in))
}

// fullIntent is the document's create response.
type fullIntent struct {
	ID             string      `json:"id"`
	Status         string      `json:"status"`
	Amount         json.Number `json:"amount"`
	Currency       string      `json:"currency"`
	ExternalID     string      `json:"externalId"`
	OrganizationID string      `json:"organizationId"`
	TerminalID     *string     `json:"terminalId"` // null while unrouted
	CreatedAt      string      `json:"createdAt"`
	UpdatedAt      string      `json:"updatedAt"`
}

func fullView(in Intent) fullIntent {
	f := fullIntent{
		ID: in.ID, Status: in.Status, Amount: formatAmount(in.Amount),
		Currency: in.Currency, ExternalID: in.ExternalID, OrganizationID: in.OrganizationID,
		CreatedAt: formatTime(in.CreatedAt), UpdatedAt: formatTime(in.UpdatedAt),
	}
	if in.TerminalID != "" {
		id := in.TerminalID
		f.TerminalID = &id
	}
	return f
}

// shortIntent is the document's GET response.
type shortIntent struct {
	ID             string          `json:"id"`
	Status         string          `json:"status"`
	Expired        bool            `json:"expired"`
	PaymentSummary *paymentSummary `json:"paymentSummary,omitempty"`
}

type paymentSummary struct {
	Status string `json:"status"`
}

func shortView(in Intent) shortIntent {
	v := shortIntent{ID: in.ID, Status: in.Status, Expired: in.Expired}
	if in.PaymentStatus != "" {
		v.PaymentSummary = &paymentSummary{Status: in.PaymentStatus}
	}
	return v
}

// formatTime writes the document's timestamps: UTC, milliseconds, "Z".
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// writeError is the one constructor of error answers: {"message": ...}.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}
