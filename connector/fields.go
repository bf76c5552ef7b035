package connector

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/compago-odoo/connector/odoo"
)

// The values of x_compago_state. The POS or the back office writes
// StateRequested and StateCancelRequested; the daemon writes the rest.
const (
	StateRequested       = "requested"
	StatePending         = "pending"
	StatePaid            = "paid"
	StateCancelRequested = "cancel_requested"
	StateCancelled       = "cancelled"
	StateExpired         = "expired"
	StateFailed          = "failed"
)

// States lists every value of x_compago_state with its label, in the order
// `setup` creates the selection.
var States = [][2]string{
	{StateRequested, "Requested"},
	{StatePending, "Pending on terminal"},
	{StatePaid, "Paid"},
	{StateCancelRequested, "Cancel requested"},
	{StateCancelled, "Cancelled"},
	{StateExpired, "Expired"},
	{StateFailed, "Failed"},
}

// Fields names the pos.order fields of the Odoo contract (DESIGN.md). The
// names are configurable so that a database with a naming clash can rename
// them; DefaultFields gives the documented ones.
type Fields struct {
	State      string
	Terminal   string
	Amount     string
	IntentID   string
	ExternalID string
	DeepLink   string
	Message    string
	// PaymentUUID is the POS payment line's uuid, written by the addon's
	// compago_send: the line the addon records the charge on.
	PaymentUUID string
}

// DefaultFields are the field names of DESIGN.md.
func DefaultFields() Fields {
	return Fields{
		State:       "x_compago_state",
		Terminal:    "x_compago_terminal",
		Amount:      "x_compago_amount",
		IntentID:    "x_compago_intent_id",
		ExternalID:  "x_compago_external_id",
		DeepLink:    "x_compago_deeplink",
		Message:     "x_compago_message",
		PaymentUUID: "x_compago_payment_uuid",
	}
}

// WithOverrides returns f with the names in m (keyed by the default name,
// e.g. "x_compago_state") replaced.
func (f Fields) WithOverrides(m map[string]string) Fields {
	d := DefaultFields()
	for _, p := range []struct {
		def string
		dst *string
	}{
		{d.State, &f.State}, {d.Terminal, &f.Terminal}, {d.Amount, &f.Amount},
		{d.IntentID, &f.IntentID}, {d.ExternalID, &f.ExternalID},
		{d.DeepLink, &f.DeepLink}, {d.Message, &f.Message}, {d.PaymentUUID, &f.PaymentUUID},
	} {
		if v, ok := m[p.def]; ok && v != "" {
			*p.dst = v
		}
	}
	return f
}

// Definitions lists the fields `setup` creates: name, Odoo type, label.
func (f Fields) Definitions() []FieldDefinition {
	return []FieldDefinition{
		{f.State, "selection", "Compago state"},
		{f.Terminal, "char", "Compago terminal"},
		{f.Amount, "float", "Compago amount"},
		{f.IntentID, "char", "Compago intent"},
		{f.ExternalID, "char", "Compago external id"},
		{f.DeepLink, "char", "Compago deep link"},
		{f.Message, "char", "Compago message"},
		{f.PaymentUUID, "char", "Compago payment line uuid"},
	}
}

// FieldDefinition is one manual field on pos.order.
type FieldDefinition struct {
	Name, Type, Label string
}

// order is the part of a pos.order the engine reads.
type order struct {
	ID          int64
	Name        string
	State       string // draft, paid, done, invoiced, cancel
	AmountTotal int64  // centavos
	AmountPaid  int64  // centavos
	ConfigID    int64
	SessionID   int64
	Flag        string // x_compago_state
	Terminal    string
	Amount      int64 // x_compago_amount in centavos, 0 = the amount still due
	IntentID    string
	ExternalID  string
}

// due is what is still to be paid on the order.
func (o order) due() int64 { return o.AmountTotal - o.AmountPaid }

// orderFields lists what the watcher reads of each flagged order.
func (f Fields) orderFields() []string {
	return []string{"id", "name", "state", "amount_total", "amount_paid", "config_id", "session_id",
		f.State, f.Terminal, f.Amount, f.IntentID, f.ExternalID}
}

// decodeOrders turns search_read rows into orders.
func (f Fields) decodeOrders(rows []map[string]json.RawMessage) ([]order, error) {
	out := make([]order, 0, len(rows))
	for _, r := range rows {
		var o order
		var err error
		get := func(name string, dst any) {
			if err == nil {
				raw, ok := r[name]
				if !ok {
					err = fmt.Errorf("pos.order field %s: missing from the answer", name)
					return
				}
				if err = json.Unmarshal(raw, dst); err != nil {
					err = fmt.Errorf("pos.order field %s: %w", name, err)
				}
			}
		}
		var name, state, flag, terminal, intent, ext odoo.String
		var total, paid, amount odoo.Float
		var cfg, session odoo.Many2One
		get("id", &o.ID)
		get("name", &name)
		get("state", &state)
		get("amount_total", &total)
		get("amount_paid", &paid)
		get("config_id", &cfg)
		get("session_id", &session)
		get(f.State, &flag)
		get(f.Terminal, &terminal)
		get(f.Amount, &amount)
		get(f.IntentID, &intent)
		get(f.ExternalID, &ext)
		if err != nil {
			return nil, err
		}
		o.Name, o.State, o.Flag = string(name), string(state), string(flag)
		o.Terminal, o.IntentID, o.ExternalID = strings.TrimSpace(string(terminal)), string(intent), string(ext)
		o.AmountTotal, o.AmountPaid, o.Amount = odoo.Centavos(float64(total)), odoo.Centavos(float64(paid)), odoo.Centavos(float64(amount))
		o.ConfigID, o.SessionID = cfg.ID, session.ID
		out = append(out, o)
	}
	return out, nil
}
