package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// recordPayment makes sure the order has exactly one pos.payment for the
// attempt's intent and completes the order when it is fully paid, the way
// Odoo's back-office Payment button does. It is idempotent: a pos.payment
// with the intent id as transaction_id means the payment is there. It
// returns what is still due on the order.
func (e *Engine) recordPayment(ctx context.Context, a journal.Attempt) (stillDue int64, err error) {
	methodID, configIDs, err := e.methods.get(ctx, e.odoo, e.cfg.PaymentMethod)
	if err != nil {
		return 0, err
	}
	// Write-ahead on the Odoo side too: once the journal says "recording",
	// an add_payment may have been applied without us hearing of it, so a
	// retry looks for the payment first. The first try saves that read.
	//
	// The decision is taken on the journal's row, never on the caller's
	// copy: with several daemons that copy may predate another daemon's
	// recording of this very payment.
	mayExist := false
	_, marked, err := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		mayExist = false
		if x.State != journal.Confirmed {
			return errNoChange
		}
		if x.Reason == reasonRecording {
			mayExist = true
			return errNoChange
		}
		x.Reason = reasonRecording
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !marked && !mayExist {
		return 0, errMovedOn
	}
	exists := false
	if mayExist {
		var payments []struct {
			ID int64 `json:"id"`
		}
		if err := e.odoo.SearchRead(ctx, "pos.payment", odoo.Cond("transaction_id", "=", a.IntentID),
			odoo.Query{Fields: []string{"id"}, Limit: 1}, &payments); err != nil {
			return 0, fmt.Errorf("look for the payment of intent %s: %w", a.IntentID, err)
		}
		exists = len(payments) > 0
	}
	o, err := e.orderToPay(ctx, a.OrderID, exists)
	if err != nil {
		return 0, err
	}
	if !exists {
		if len(configIDs) > 0 && !slices.Contains(configIDs, o.ConfigID.ID) {
			return 0, &attentionError{what: fmt.Sprintf("payment method %q is not allowed in POS %q", e.cfg.PaymentMethod, o.ConfigID.Name)}
		}
		err := e.odoo.Execute(ctx, odoo.Call{
			Model: "pos.order", Method: "add_payment", IDs: []int64{a.OrderID},
			Args: []odoo.Arg{{Name: "data", Value: map[string]any{
				"pos_order_id":      a.OrderID,
				"amount":            odoo.Amount(a.Amount),
				"payment_method_id": methodID,
				"transaction_id":    a.IntentID,
				"payment_status":    "done",
			}}},
		}, nil)
		if err != nil {
			// A lost answer is fine: the next pass finds the payment by
			// its transaction_id before adding anything.
			return 0, fmt.Errorf("add payment of intent %s to order %d: %w", a.IntentID, a.OrderID, err)
		}
		crashPoint(CrashAfterAddPayment)
		o.AmountPaid += odoo.Float(odoo.Amount(a.Amount))
	}
	stillDue = odoo.Centavos(float64(o.AmountTotal)) - odoo.Centavos(float64(o.AmountPaid))
	if o.State == "draft" && stillDue <= 0 {
		if err := e.completeOrder(ctx, a.OrderID, methodID, o.ConfigID.ID); err != nil {
			return 0, err
		}
	}
	return max(stillDue, 0), nil
}

// errMovedOn says the attempt is no longer a payment to record (another
// daemon recorded it meanwhile): nothing to write, the next pass sees its
// new version.
var errMovedOn = errors.New("attempt moved on")

// reasonRecording marks a confirmed attempt whose payment may already be
// in Odoo.
const reasonRecording = "recording"

// payableOrder is what the recorder reads of an order.
type payableOrder struct {
	ID          int64         `json:"id"`
	State       odoo.String   `json:"state"`
	AmountTotal odoo.Float    `json:"amount_total"`
	AmountPaid  odoo.Float    `json:"amount_paid"`
	ConfigID    odoo.Many2One `json:"config_id"`
}

// payableFields are the order fields the recorder reads.
var payableFields = []string{"id", "state", "amount_total", "amount_paid", "config_id"}

// orderToPay reads the order in one call whose domain also asks that its
// session be open; only when that finds nothing does a second read say
// why. A payment is added only to a draft order of an open session.
func (e *Engine) orderToPay(ctx context.Context, orderID int64, paymentExists bool) (payableOrder, error) {
	// The prefetched row predates this pass's recordings: only good for a
	// payment no one can have added yet.
	if o, ok := e.syncer.prefetched(orderID); ok && o.State == "draft" && !paymentExists {
		return o, nil
	}
	fields := payableFields
	var orders []payableOrder
	if err := e.odoo.SearchRead(ctx, "pos.order",
		odoo.And(odoo.Cond("id", "=", orderID), odoo.Cond("session_id.state", "=", "opened")),
		odoo.Query{Fields: fields}, &orders); err != nil {
		return payableOrder{}, fmt.Errorf("read order %d: %w", orderID, err)
	}
	if len(orders) == 0 {
		if err := e.odoo.Read(ctx, "pos.order", []int64{orderID}, fields, &orders); err != nil {
			return payableOrder{}, fmt.Errorf("read order %d: %w", orderID, err)
		}
		if len(orders) == 0 {
			return payableOrder{}, &attentionError{what: "the order no longer exists in Odoo"}
		}
		if !paymentExists {
			return payableOrder{}, &attentionError{what: "its POS session is closed"}
		}
	}
	o := orders[0]
	if !paymentExists && o.State != "draft" {
		return payableOrder{}, &attentionError{what: fmt.Sprintf("the order is already %s", o.State)}
	}
	return o, nil
}

// completeOrder runs the back-office payment wizard with amount 0 on a
// fully paid draft order: Odoo then marks it paid and does what its own
// POS does (picking, invoice when asked, open screens told).
func (e *Engine) completeOrder(ctx context.Context, orderID, methodID, configID int64) error {
	octx := map[string]any{"active_id": orderID, "active_ids": []int64{orderID}, "active_model": "pos.order"}
	wizard, err := e.wizard.get(ctx, e.odoo, methodID, configID, octx)
	if err != nil {
		return err
	}
	var action map[string]any
	err = e.odoo.Execute(ctx, odoo.Call{Model: "pos.make.payment", Method: "check", IDs: []int64{wizard}, Context: octx}, &action)
	if odoo.IsMissing(err) && !odoo.IsOutcomeUnknown(err) {
		// Odoo vacuums old wizards; open a new one and try once more.
		e.wizard.forget(wizard)
		if wizard, err = e.wizard.get(ctx, e.odoo, methodID, configID, octx); err != nil {
			return err
		}
		err = e.odoo.Execute(ctx, odoo.Call{Model: "pos.make.payment", Method: "check", IDs: []int64{wizard}, Context: octx}, &action)
	}
	if err != nil {
		if odoo.IsUserError(err) {
			return &attentionError{what: "Odoo refused to complete the order: " + odooMessage(err)}
		}
		return fmt.Errorf("complete order %d: %w", orderID, err)
	}
	crashPoint(CrashAfterWizard)
	return nil
}

// wizardCache keeps one pos.make.payment wizard (amount 0) open and reuses
// it: its check works on the order named by the call's active_id, so one
// wizard serves every order and completing an order costs one call.
type wizardCache struct {
	mu sync.Mutex
	id int64
}

func (w *wizardCache) get(ctx context.Context, o Odoo, methodID, configID int64, octx map[string]any) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.id != 0 {
		return w.id, nil
	}
	id, err := o.Create(ctx, "pos.make.payment", map[string]any{
		"amount": 0.0, "payment_method_id": methodID, "config_id": configID,
	}, octx)
	if err != nil {
		return 0, fmt.Errorf("open the payment wizard: %w", err)
	}
	w.id = id
	return id, nil
}

func (w *wizardCache) forget(id int64) {
	w.mu.Lock()
	if w.id == id {
		w.id = 0
	}
	w.mu.Unlock()
}

// odooMessage is the human part of an Odoo error.
func odooMessage(err error) string {
	if oe, ok := err.(*odoo.Error); ok && oe.Message != "" {
		return oe.Message
	}
	return err.Error()
}

// methodCache resolves the configured payment method once.
type methodCache struct {
	mu        sync.Mutex
	id        int64
	configIDs []int64
}

func (m *methodCache) get(ctx context.Context, o Odoo, nameOrID string) (int64, []int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != 0 {
		return m.id, m.configIDs, nil
	}
	id, configIDs, err := FindPaymentMethod(ctx, o, nameOrID)
	if err != nil {
		return 0, nil, err
	}
	m.id, m.configIDs = id, configIDs
	return id, configIDs, nil
}

// FindPaymentMethod finds the pos.payment.method named (or numbered)
// nameOrID and the POS configs that allow it.
func FindPaymentMethod(ctx context.Context, o Odoo, nameOrID string) (int64, []int64, error) {
	domain := odoo.Cond("name", "=", nameOrID)
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		domain = odoo.Cond("id", "=", id)
	}
	var methods []struct {
		ID        int64   `json:"id"`
		ConfigIDs []int64 `json:"config_ids"`
	}
	if err := o.SearchRead(ctx, "pos.payment.method", domain,
		odoo.Query{Fields: []string{"id", "config_ids"}, Limit: 2}, &methods); err != nil {
		return 0, nil, fmt.Errorf("find payment method %q: %w", nameOrID, err)
	}
	switch len(methods) {
	case 0:
		return 0, nil, &attentionError{what: fmt.Sprintf("payment method %q does not exist in Odoo (connector.payment_method)", nameOrID)}
	case 1:
		return methods[0].ID, methods[0].ConfigIDs, nil
	default:
		return 0, nil, &attentionError{what: fmt.Sprintf("several payment methods are named %q; give its id in connector.payment_method", nameOrID)}
	}
}
