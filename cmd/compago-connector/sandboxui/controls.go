package sandboxui

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
)

// Compago fault levels of the page's switch.
const (
	faultsOff  = "off"
	faultsSome = "some" // 30% of public calls answer 503
	faultsAll  = "all"  // every public call answers 503
)

// approve charges the card on the terminal of the path.
func (u *ui) approve(r *http.Request) (any, error) {
	code := r.PathValue("code")
	in, err := u.opts.Compago.ApproveTerminal(code)
	if err != nil {
		return nil, terminalError(code, err)
	}
	return map[string]any{"intent": in.ID, "amount": connector.MXN(in.Amount)}, nil
}

// decline declines the card on the intent the terminal's card shows.
func (u *ui) decline(r *http.Request) (any, error) {
	code := r.PathValue("code")
	for _, t := range u.terminals() {
		if t.Code != code {
			continue
		}
		if t.Pending == nil {
			return nil, terminalError(code, compagosim.ErrNothingPending)
		}
		if _, err := u.opts.Compago.Decline(t.Pending.ID); err != nil {
			return nil, terminalError(code, err)
		}
		return map[string]any{"intent": t.Pending.ID}, nil
	}
	return nil, terminalError(code, compagosim.ErrTerminalNotFound)
}

// terminalError says what a terminal button could not do.
func terminalError(code string, err error) error {
	switch {
	case errors.Is(err, compagosim.ErrTerminalNotFound):
		return &userError{http.StatusNotFound, fmt.Sprintf("There is no terminal %s.", code)}
	case errors.Is(err, compagosim.ErrNothingPending):
		return conflict(fmt.Sprintf("Nothing is waiting for a card on %s.", code))
	case errors.Is(err, compagosim.ErrNotPending):
		return conflict(fmt.Sprintf("The payment on %s can no longer be charged: it was cancelled, expired or already paid.", code))
	}
	return err
}

// advanceClock moves the Compago simulator's clock forward.
func (u *ui) advanceClock(r *http.Request) (any, error) {
	var in struct {
		Advance string `json:"advance"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(in.Advance)
	if err != nil || d <= 0 || d > 24*time.Hour {
		return nil, badRequest("Advance the clock by a duration like 1m or 10m (at most 24h).")
	}
	u.opts.Compago.Advance(d)
	return map[string]any{"now": u.opts.Compago.Now().UTC().Format(time.RFC3339)}, nil
}

// setFaults flips the outage switches; a switch left out keeps its value.
func (u *ui) setFaults(r *http.Request) (any, error) {
	var in struct {
		OdooDown *bool  `json:"odooDown"`
		Compago  string `json:"compago"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var rate float64
	switch in.Compago {
	case "":
	case faultsOff:
	case faultsSome:
		rate = 0.3
	case faultsAll:
		rate = 1
	default:
		return nil, badRequest("Compago faults are off, some or all.")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if in.OdooDown != nil {
		u.opts.Odoo.SetDown(*in.OdooDown)
		u.odooDown = *in.OdooDown
	}
	switch {
	case in.Compago == faultsOff:
		u.opts.Compago.ClearFaults()
	case in.Compago != "":
		u.opts.Compago.SetFaults(compagosim.Faults{ErrorRate: rate, Status: http.StatusServiceUnavailable})
	}
	if in.Compago != "" {
		u.compagoLevel = in.Compago
	}
	return faultsView{OdooDown: u.odooDown, Compago: u.compagoLevel}, nil
}
