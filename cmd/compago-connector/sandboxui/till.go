package sandboxui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// createOrder rings up a draft order and flags it for Compago, as the POS
// would: create, then write the flag.
func (u *ui) createOrder(r *http.Request) (any, error) {
	var in struct {
		Amount   string `json:"amount"`
		Terminal string `json:"terminal"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	amount, err := parseAmount(in.Amount)
	if err != nil {
		return nil, err
	}
	in.Terminal = strings.TrimSpace(in.Terminal)
	res, err := u.exec("pos.order", "create", []any{map[string]any{
		"session_id": u.seed.SessionID, "amount_total": odoo.Amount(amount),
		"amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
	}})
	if err != nil {
		return nil, err
	}
	id, ok := res.(int64)
	if !ok {
		return nil, fmt.Errorf("odoo answered %v to create an order", res)
	}
	f := u.opts.Fields
	vals := map[string]any{f.State: connector.StateRequested}
	if in.Terminal != "" {
		vals[f.Terminal] = in.Terminal
	}
	if err := u.write(id, vals); err != nil {
		return nil, err
	}
	return map[string]any{"id": id}, nil
}

// cancelOrder asks the daemon to cancel the order's payment.
func (u *ui) cancelOrder(r *http.Request) (any, error) {
	return u.flag(r, connector.StateCancelRequested,
		"Only a payment that is requested or pending on a terminal can be cancelled.",
		connector.StateRequested, connector.StatePending)
}

// retryOrder requests the payment again after it ended without a charge.
func (u *ui) retryOrder(r *http.Request) (any, error) {
	return u.flag(r, connector.StateRequested,
		"Only a payment that expired, was cancelled or failed can be requested again.",
		connector.StateExpired, connector.StateCancelled, connector.StateFailed)
}

// flag writes x_compago_state = to on the order of the path, when its
// current state is one of from.
func (u *ui) flag(r *http.Request, to, refusal string, from ...string) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, badRequest("There is no such order.")
	}
	orders, err := u.readOrders([]any{[]any{"id", "=", id}}, 1)
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		return nil, &userError{http.StatusNotFound, "There is no such order."}
	}
	o := orders[0]
	if o.State != "draft" && to == connector.StateRequested {
		return nil, conflict(fmt.Sprintf("This order is already %s; nothing to charge.", o.State))
	}
	ok := false
	for _, s := range from {
		ok = ok || string(o.CompagoState) == s
	}
	if !ok {
		return nil, conflict(refusal)
	}
	if err := u.write(id, map[string]any{u.opts.Fields.State: to}); err != nil {
		return nil, err
	}
	return map[string]any{"id": id}, nil
}

func (u *ui) write(id int64, vals map[string]any) error {
	_, err := u.exec("pos.order", "write", []any{[]any{id}, vals})
	return err
}

// exec runs an ORM call and turns Odoo's refusal into a sentence.
func (u *ui) exec(model, method string, args []any) (any, error) {
	return u.execKw(model, method, args, nil)
}

func (u *ui) execKw(model, method string, args []any, kw map[string]any) (any, error) {
	res, err := u.opts.Odoo.Exec(model, method, args, kw)
	var f *odoosim.Fault
	if errors.As(err, &f) {
		msg := "Odoo refused: " + strings.TrimRight(f.Message, ".") + "."
		if strings.Contains(f.Message, "'"+u.opts.Fields.State+"'") {
			msg += " The Compago fields are missing: run compago-connector setup against this Odoo" +
				" (the sandbox does it when it runs the connector)."
		}
		return nil, conflict(msg)
	}
	return res, err
}

// odooOrder is a pos.order as the till lists it.
type odooOrder struct {
	ID           int64     `json:"id"`
	Name         text      `json:"name"`
	State        text      `json:"state"`
	AmountTotal  float64   `json:"amount_total"`
	AmountPaid   float64   `json:"amount_paid"`
	CompagoState text      `json:"-"`
	Terminal     text      `json:"-"`
	IntentID     text      `json:"-"`
	ExternalID   text      `json:"-"`
	DeepLink     text      `json:"-"`
	Message      text      `json:"-"`
	Payments     []payment `json:"-"`
}

// payment is a pos.payment line.
type payment struct {
	OrderID       many2one `json:"pos_order_id"`
	Amount        float64  `json:"amount"`
	Method        many2one `json:"payment_method_id"`
	TransactionID text     `json:"transaction_id"`
	Status        text     `json:"payment_status"`
}

// readOrders reads the orders of domain, newest first, with their payment
// lines.
func (u *ui) readOrders(domain []any, limit int) ([]odooOrder, error) {
	f := u.opts.Fields
	custom := []string{f.State, f.Terminal, f.IntentID, f.ExternalID, f.DeepLink, f.Message}
	fields := []any{"id", "name", "state", "amount_total", "amount_paid"}
	for _, c := range custom {
		fields = append(fields, c)
	}
	res, err := u.execKw("pos.order", "search_read", []any{domain},
		map[string]any{"fields": fields, "order": "id desc", "limit": limit})
	if err != nil {
		return nil, err
	}
	var rows []map[string]json.RawMessage
	if err := remarshal(res, &rows); err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	orders := make([]odooOrder, len(rows))
	ids := make([]any, len(rows))
	for i, row := range rows {
		o := &orders[i]
		if err := remarshal(row, o); err != nil {
			return nil, fmt.Errorf("read orders: %w", err)
		}
		for j, dst := range []*text{&o.CompagoState, &o.Terminal, &o.IntentID, &o.ExternalID, &o.DeepLink, &o.Message} {
			_ = json.Unmarshal(row[custom[j]], dst) // a field missing before setup reads as empty
		}
		ids[i] = o.ID
	}
	if len(ids) == 0 {
		return orders, nil
	}
	res, err = u.execKw("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "in", ids}}},
		map[string]any{"fields": []any{"pos_order_id", "amount", "payment_method_id", "transaction_id", "payment_status"}, "order": "id"})
	if err != nil {
		return nil, err
	}
	var pays []payment
	if err := remarshal(res, &pays); err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	for _, p := range pays {
		for i := range orders {
			if orders[i].ID == p.OrderID.ID {
				orders[i].Payments = append(orders[i].Payments, p)
			}
		}
	}
	return orders, nil
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// text is an Odoo char or selection value: false reads as "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	if string(b) == "false" || string(b) == "null" {
		*t = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = text(s)
	return nil
}

// many2one is an Odoo [id, "name"] pair; false reads as the zero value.
type many2one struct {
	ID   int64
	Name string
}

func (m *many2one) UnmarshalJSON(b []byte) error {
	if string(b) == "false" || string(b) == "null" {
		*m = many2one{}
		return nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("many2one: want [id, name], got %s", b)
	}
	if err := json.Unmarshal(pair[0], &m.ID); err != nil {
		return fmt.Errorf("many2one id: %w", err)
	}
	return json.Unmarshal(pair[1], &m.Name)
}
