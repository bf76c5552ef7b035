package sandboxui

import (
	"fmt"
	"net/http"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
)

// state is what the page shows; every amount is already text ("350.50 MXN").
type state struct {
	Orders    []orderView    `json:"orders"`
	Terminals []terminalView `json:"terminals"`
	Clock     clockView      `json:"clock"`
	Faults    faultsView     `json:"faults"`
	Links     linksView      `json:"links"`
}

type orderView struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	State        string        `json:"state"` // Odoo's: draft, paid, ...
	Amount       string        `json:"amount"`
	Paid         string        `json:"paid"`
	CompagoState string        `json:"compagoState"`
	Terminal     string        `json:"terminal"`
	IntentID     string        `json:"intentId"`
	ExternalID   string        `json:"externalId"`
	DeepLink     string        `json:"deepLink"`
	Message      string        `json:"message"`
	CanCancel    bool          `json:"canCancel"`
	CanRetry     bool          `json:"canRetry"`
	Payments     []paymentView `json:"payments"`
}

type paymentView struct {
	Amount        string `json:"amount"`
	Method        string `json:"method"`
	TransactionID string `json:"transactionId"`
	Status        string `json:"status"`
}

type terminalView struct {
	Code    string      `json:"code"`
	Pending *intentView `json:"pending"` // nil: idle
}

type intentView struct {
	ID         string `json:"id"`
	Amount     string `json:"amount"`
	ExternalID string `json:"externalId"`
	Routed     bool   `json:"routed"`   // false: offered to any terminal
	Declined   bool   `json:"declined"` // a card was declined; another may be tried
	ExpiresIn  string `json:"expiresIn"`
}

type clockView struct {
	Now   string `json:"now"`   // the Compago simulator's time, HH:MM:SS UTC
	Ahead string `json:"ahead"` // how far it was advanced, "" when not
}

type faultsView struct {
	OdooDown bool   `json:"odooDown"`
	Compago  string `json:"compago"`
}

type linksView struct {
	Odoo    string `json:"odoo,omitempty"`
	Compago string `json:"compago,omitempty"`
}

func (u *ui) serveState(w http.ResponseWriter, r *http.Request) {
	st, err := u.snapshot()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (u *ui) snapshot() (state, error) {
	orders, err := u.readOrders([]any{}, u.opts.Orders)
	if err != nil {
		return state{}, err
	}
	st := state{Orders: make([]orderView, 0, len(orders)), Terminals: u.terminals(),
		Links: linksView{Odoo: u.opts.OdooURL, Compago: u.opts.CompagoURL}}
	for _, o := range orders {
		st.Orders = append(st.Orders, orderOf(o))
	}
	now := u.opts.Compago.Now()
	st.Clock.Now = now.UTC().Format("15:04:05") + " UTC"
	if ahead := now.Sub(time.Now()).Round(time.Minute); ahead >= time.Minute {
		st.Clock.Ahead = fmt.Sprintf("%d min ahead", int(ahead.Minutes()))
	}
	u.mu.Lock()
	st.Faults = faultsView{OdooDown: u.odooDown, Compago: u.compagoLevel}
	u.mu.Unlock()
	return st, nil
}

func orderOf(o odooOrder) orderView {
	cs := string(o.CompagoState)
	v := orderView{
		ID: o.ID, Name: string(o.Name), State: string(o.State),
		Amount: connector.MXN(odoo.Centavos(o.AmountTotal)), Paid: connector.MXN(odoo.Centavos(o.AmountPaid)),
		CompagoState: cs, Terminal: string(o.Terminal), IntentID: string(o.IntentID),
		ExternalID: string(o.ExternalID), DeepLink: string(o.DeepLink), Message: string(o.Message),
		CanCancel: cs == connector.StateRequested || cs == connector.StatePending,
		CanRetry: o.State == "draft" && (cs == connector.StateExpired || cs == connector.StateCancelled ||
			cs == connector.StateFailed),
		Payments: []paymentView{},
	}
	if v.Name == "" || v.Name == "/" { // a draft made in the back office has no name yet
		v.Name = fmt.Sprintf("Order #%d", o.ID)
	}
	for _, p := range o.Payments {
		v.Payments = append(v.Payments, paymentView{Amount: connector.MXN(odoo.Centavos(p.Amount)),
			Method: p.Method.Name, TransactionID: string(p.TransactionID), Status: string(p.Status)})
	}
	return v
}

// terminals shows each terminal with the intent it would charge now: the
// one routed to it, else the oldest unrouted one of its organization.
func (u *ui) terminals() []terminalView {
	sim := u.opts.Compago
	now := sim.Now()
	unrouted := map[string]*compagosim.Intent{} // by organization
	for _, in := range sim.Intents() {
		if in.Status == compagosim.StatusPending && !in.Expired && in.TerminalID == "" && unrouted[in.OrganizationID] == nil {
			unrouted[in.OrganizationID] = &in
		}
	}
	var out []terminalView
	for _, t := range sim.Terminals() {
		tv := terminalView{Code: t.Code}
		switch {
		case t.Pending != nil:
			tv.Pending = intentOf(*t.Pending, now, true)
		case unrouted[t.OrganizationID] != nil:
			tv.Pending = intentOf(*unrouted[t.OrganizationID], now, false)
		}
		out = append(out, tv)
	}
	return out
}

func intentOf(in compagosim.Intent, now time.Time, routed bool) *intentView {
	left := max(in.CreatedAt.Add(compagosim.ExpiresAfter).Sub(now), 0)
	return &intentView{ID: in.ID, Amount: connector.MXN(in.Amount), ExternalID: in.ExternalID, Routed: routed,
		Declined:  in.PaymentStatus == compagosim.PaymentDeclined,
		ExpiresIn: fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)}
}
