package connector

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// Recording a charged payment in Odoo, exactly once.
//
// A lookup that finds no pos.payment for the intent proves only that no
// add_payment has committed *yet*: a call whose answer was lost (a proxy's
// 504, a timeout, a crash) may still commit later. So the recorder never
// adds a payment while an earlier add_payment of the same attempt may
// still commit:
//
//   - Before every add_payment the journal records until when that call
//     may commit (Attempt.AddPaymentUntil: the call's deadline). Nothing
//     else writes that field, so a cashier's cancel, a restart or another
//     daemon cannot make the recorder forget it.
//   - On Odoo 19 the payment carries a uuid derived from the attempt, and
//     Odoo's unique constraint on pos.payment.uuid refuses a second one
//     whenever the first commits: Odoo itself guarantees one line.
//   - On Odoo 17 and 18 (no such constraint) a payment whose add_payment
//     had no answer is added again only once that call can no longer
//     commit: its deadline plus Odoo's limit_time_real (Config.
//     LateCommitWindow), after which a multi-worker Odoo has killed any
//     request still running. A constraint from the POS addon (not built
//     yet) would remove the wait.
//   - The lookup is always made, on this order's own payments, before an
//     add: a journal restored from a backup, or lost, knows nothing of a
//     line added since.
//
// An order that changed under the charge (no longer a draft, less due than
// the card paid, its session closed, the method not allowed in its POS) is
// parked for a human, never paid over.

// errSettling says an earlier add_payment of the attempt may still commit:
// the payment is looked for again at retryAt, and added only then.
type errSettling struct{ retryAt time.Time }

func (e *errSettling) Error() string {
	return fmt.Sprintf("an earlier add_payment may still commit in Odoo; looking again at %s", e.retryAt.Format(time.RFC3339))
}

// recordPayment makes sure the order has exactly one pos.payment for the
// attempt's intent and completes the order when it is fully paid, the way
// Odoo's back-office Payment button does. It returns what is still due.
func (e *Engine) recordPayment(ctx context.Context, a journal.Attempt) (stillDue int64, err error) {
	if e.useAddon(ctx) {
		return e.recordViaAddon(ctx, a)
	}
	o, err := e.orderToPay(ctx, a.OrderID)
	if err != nil {
		return 0, err
	}
	lines, err := e.paymentLines(ctx, o, a)
	if err != nil {
		return 0, err
	}
	if len(lines) > 1 {
		return 0, &attentionError{
			what:    fmt.Sprintf("the order has %d payment lines for this one card charge of %s", len(lines), MXN(a.Amount)),
			cashier: msgDuplicateLines(a.Amount, len(lines)),
		}
	}
	if len(lines) == 1 && !slices.Contains([]string{"draft", "paid", "done", "invoiced"}, string(o.State)) {
		// The line is there, but the order was cancelled (or worse) since:
		// the customer paid for an order Odoo no longer sells.
		return 0, &attentionError{what: fmt.Sprintf("the order is %s although the card payment is on it", o.State)}
	}
	paid := o.AmountPaid.Centavos()
	if len(lines) == 0 {
		if err := e.checkPayable(ctx, a, o); err != nil {
			return 0, err
		}
		if err := e.addPayment(ctx, a); err != nil {
			return 0, err
		}
		paid += a.Amount
	}
	stillDue = o.AmountTotal.Centavos() - paid
	if o.State == "draft" && stillDue <= 0 {
		if err := e.completeOrder(ctx, a, o); err != nil {
			return 0, err
		}
	}
	return max(stillDue, 0), nil
}

// checkPayable refuses to add the attempt's payment to an order that is no
// longer what the card was charged for.
func (e *Engine) checkPayable(ctx context.Context, a journal.Attempt, o payableOrder) error {
	if o.State != "draft" {
		return &attentionError{what: fmt.Sprintf("the order is already %s", o.State)}
	}
	if !o.SessionOpen {
		return &attentionError{what: "its POS session is closed"}
	}
	if due := o.AmountTotal.Centavos() - o.AmountPaid.Centavos(); a.Amount > due {
		return &attentionError{what: fmt.Sprintf("the order changed while the card was being charged (%s charged, %s due)", MXN(a.Amount), MXN(max(due, 0)))}
	}
	allowed, err := e.methods.allowedIn(ctx, e.odoo, e.cfg.PaymentMethod, o.ConfigID.ID, time.Now())
	if err != nil {
		return err
	}
	if !allowed {
		return &attentionError{what: fmt.Sprintf("payment method %q is not allowed in POS %q", e.cfg.PaymentMethod, o.ConfigID.Name)}
	}
	return nil
}

// addPayment is the one place that sends pos.order.add_payment. It first
// makes sure no earlier add_payment of the attempt can still commit (or
// that Odoo would refuse a second one), journals the new call's deadline,
// and sends it with that deadline.
func (e *Engine) addPayment(ctx context.Context, a journal.Attempt) error {
	now := e.cfg.Now()
	guarded := e.uuidGuard()
	if !a.AddPaymentUntil.IsZero() && !guarded {
		if settled := a.AddPaymentUntil.Add(e.cfg.LateCommitWindow); now.Before(settled) {
			return &errSettling{retryAt: settled}
		}
	}
	methodID, err := e.methods.id(ctx, e.odoo, e.cfg.PaymentMethod)
	if err != nil {
		return err
	}
	// The one door: shared, the write-back lease is renewed (or found lost)
	// and the call ends before it can lapse, so a daemon taking the work
	// over finds this call's deadline in the journal.
	callCtx, cancel, err := e.act(ctx, a.ID, "add payment", journal.KindSync)
	if err != nil {
		return err
	}
	defer cancel()
	// The call cannot be on the wire after until: its context ends then,
	// or earlier with the lease.
	until := now.Add(e.cfg.OdooTimeout)
	_, err = e.journal.Update(ctx, a.ID, func(x *journal.Attempt) error {
		if x.State != journal.Confirmed {
			return errNoChange
		}
		x.AddPaymentUntil = maxTime(x.AddPaymentUntil, until)
		return nil
	})
	if errors.Is(err, errNoChange) {
		return errMovedOn
	}
	if err != nil {
		return fmt.Errorf("journal the add_payment of attempt %d: %w", a.ID, err)
	}
	data := map[string]any{
		"pos_order_id":      a.OrderID,
		"amount":            odoo.Amount(a.Amount),
		"payment_method_id": methodID,
		"transaction_id":    a.IntentID,
		"payment_status":    "done",
	}
	if e.odooMajor() >= 18 {
		data["uuid"] = paymentUUID(e.cfg.ExternalIDPrefix, a)
	}
	callCtx, cancelCall := context.WithDeadline(callCtx, e.wallToMono(until))
	defer cancelCall()
	err = e.odoo.Execute(callCtx, odoo.Call{
		Model: "pos.order", Method: "add_payment", IDs: []int64{a.OrderID},
		Args: []odoo.Arg{{Name: "data", Value: data}},
	}, nil)
	switch {
	case err == nil:
		crashPoint(CrashAfterAddPayment)
		return nil
	case guarded && odoo.IsUserError(err) && strings.Contains(odooMessage(err), "uuid"):
		// Most likely the uuid constraint: an earlier call committed
		// meanwhile. The next pass finds its line; if it does not, the
		// refusal was something else and that pass says what.
		return fmt.Errorf("add payment of intent %s to order %d refused (a payment with its uuid may exist): %w", a.IntentID, a.OrderID, err)
	case odoo.IsOutcomeUnknown(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		// It may still commit: AddPaymentUntil stays, and the next pass
		// looks before it adds anything.
		return fmt.Errorf("add payment of intent %s to order %d (outcome unknown): %w", a.IntentID, a.OrderID, err)
	}
	// Odoo answered and refused: nothing was committed, nothing is in flight.
	if _, _, cerr := e.transition(ctx, a.ID, func(x *journal.Attempt) error {
		if x.AddPaymentUntil.IsZero() {
			return errNoChange
		}
		x.AddPaymentUntil = time.Time{}
		return nil
	}); cerr != nil {
		e.log.Warn().Err(cerr).Int64("attempt_id", a.ID).Msg("journal: clear a refused add_payment")
	}
	if odoo.IsUserError(err) {
		return &attentionError{what: "Odoo refused the payment: " + odooMessage(err)}
	}
	return fmt.Errorf("add payment of intent %s to order %d: %w", a.IntentID, a.OrderID, err)
}

// uuidGuard reports whether Odoo refuses a second pos.payment with one
// uuid (Odoo 19's unique constraint).
func (e *Engine) uuidGuard() bool { return e.odooMajor() >= 19 }

// odooMajor is the connected Odoo's major version, 0 when unknown.
func (e *Engine) odooMajor() int {
	if v, ok := e.odoo.(versioned); ok {
		return v.Version().Major
	}
	return 0
}

// paymentUUID names the attempt's one payment line in Odoo: a name-based
// (version 5 style) UUID of the database prefix and the externalId, the
// same on every try, from every daemon.
func paymentUUID(prefix string, a journal.Attempt) string {
	sum := sha1.Sum([]byte("compago-connector/payment/" + prefix + "/" + a.ExternalID))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// wallToMono turns a wall-clock deadline of the engine's clock into one
// context.WithDeadline measures on the monotonic clock from now.
func (e *Engine) wallToMono(t time.Time) time.Time {
	return time.Now().Add(t.Sub(e.cfg.Now()))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// errMovedOn says the attempt is no longer a payment to record (another
// daemon recorded it meanwhile): nothing to write, the next pass sees its
// new version.
var errMovedOn = errors.New("attempt moved on")

// payableOrder is what the recorder reads of an order.
type payableOrder struct {
	ID          int64         `json:"id"`
	State       odoo.String   `json:"state"`
	AmountTotal odoo.Float    `json:"amount_total"`
	AmountPaid  odoo.Float    `json:"amount_paid"`
	ConfigID    odoo.Many2One `json:"config_id"`
	PaymentIDs  []int64       `json:"payment_ids"`
	SessionOpen bool          `json:"-"`
}

// payableFields are the order fields the recorder reads.
var payableFields = []string{"id", "state", "amount_total", "amount_paid", "config_id", "payment_ids"}

// orderToPay reads the order in one call whose domain also asks that its
// session be open; only when that finds nothing does a second read tell a
// closed session from a deleted order.
func (e *Engine) orderToPay(ctx context.Context, orderID int64) (payableOrder, error) {
	if o, ok := e.syncer.prefetched(orderID); ok {
		return o, nil
	}
	var orders []payableOrder
	if err := e.odoo.SearchRead(ctx, "pos.order",
		odoo.And(odoo.Cond("id", "=", orderID), odoo.Cond("session_id.state", "=", "opened")),
		odoo.Query{Fields: payableFields}, &orders); err != nil {
		return payableOrder{}, fmt.Errorf("read order %d: %w", orderID, err)
	}
	if len(orders) == 1 {
		orders[0].SessionOpen = true
		return orders[0], nil
	}
	if err := e.odoo.Read(ctx, "pos.order", []int64{orderID}, payableFields, &orders); err != nil {
		if odoo.IsMissing(err) {
			return payableOrder{}, &attentionError{what: "the order no longer exists in Odoo"}
		}
		return payableOrder{}, fmt.Errorf("read order %d: %w", orderID, err)
	}
	if len(orders) == 0 {
		return payableOrder{}, &attentionError{what: "the order no longer exists in Odoo"}
	}
	return orders[0], nil
}

// paymentLines lists the order's own payment lines for the intent. Only
// the order's lines are read: a line of another order that carries the
// same text in transaction_id is not this payment.
//
// A line carrying the intent id but another method or amount is not the
// charge (anyone who can write a payment can type an intent id): it is a
// case for a human, never taken as the card's line.
func (e *Engine) paymentLines(ctx context.Context, o payableOrder, a journal.Attempt) ([]int64, error) {
	if len(o.PaymentIDs) == 0 {
		return nil, nil
	}
	methodID, err := e.methods.id(ctx, e.odoo, e.cfg.PaymentMethod)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID            int64         `json:"id"`
		TransactionID odoo.String   `json:"transaction_id"`
		Order         odoo.Many2One `json:"pos_order_id"`
		Method        odoo.Many2One `json:"payment_method_id"`
		Amount        odoo.Float    `json:"amount"`
	}
	if err := e.odoo.Read(ctx, "pos.payment", o.PaymentIDs,
		[]string{"id", "transaction_id", "pos_order_id", "payment_method_id", "amount"}, &rows); err != nil {
		return nil, fmt.Errorf("read the payments of order %d: %w", o.ID, err)
	}
	var out []int64
	for _, r := range rows {
		if string(r.TransactionID) != a.IntentID || r.Order.ID != o.ID {
			continue
		}
		if r.Method.ID != methodID || r.Amount.Centavos() != a.Amount {
			return nil, &attentionError{what: fmt.Sprintf("payment line %d (%s) carries this card's intent id but not its method or amount", r.ID, MXN(r.Amount.Centavos()))}
		}
		out = append(out, r.ID)
	}
	return out, nil
}

// completeOrder runs the back-office payment wizard with amount 0 on a
// fully paid draft order: Odoo then marks it paid and does what its own
// POS does (picking, invoice when asked, open screens told). The wizard
// answers with its own form again when Odoo does not find the order paid:
// that is not a completion.
func (e *Engine) completeOrder(ctx context.Context, a journal.Attempt, o payableOrder) error {
	methodID, err := e.methods.id(ctx, e.odoo, e.cfg.PaymentMethod)
	if err != nil {
		return err
	}
	orderID := o.ID
	octx := map[string]any{"active_id": orderID, "active_ids": []int64{orderID}, "active_model": "pos.order"}
	wizard, err := e.wizard.get(ctx, e.odoo, methodID, o.ConfigID.ID, octx)
	if err != nil {
		return err
	}
	var action struct {
		Type odoo.String `json:"type"`
	}
	err = e.odoo.Execute(ctx, odoo.Call{Model: "pos.make.payment", Method: "check", IDs: []int64{wizard}, Context: octx}, &action)
	if odoo.IsMissing(err) && !odoo.IsOutcomeUnknown(err) {
		// Odoo vacuums old wizards; open a new one and try once more.
		e.wizard.forget(wizard)
		if wizard, err = e.wizard.get(ctx, e.odoo, methodID, o.ConfigID.ID, octx); err != nil {
			return err
		}
		err = e.odoo.Execute(ctx, odoo.Call{Model: "pos.make.payment", Method: "check", IDs: []int64{wizard}, Context: octx}, &action)
	}
	if err != nil {
		if odoo.IsUserError(err) {
			return &attentionError{what: "Odoo refused to complete the order: " + odooMessage(err),
				cashier: msgNotCompleted(a.Amount, odooMessage(err))}
		}
		return fmt.Errorf("complete order %d: %w", orderID, err)
	}
	if action.Type != "ir.actions.act_window_close" {
		return &attentionError{what: "Odoo did not complete the order: it does not find it fully paid",
			cashier: msgNotCompleted(a.Amount, "Odoo does not find the order fully paid")}
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

// methodCache resolves the configured payment method once, and reads the
// POS configs that allow it again when an order's POS is not among them
// (an admin may just have allowed it).
type methodCache struct {
	mu        sync.Mutex
	methodID  int64
	configIDs []int64
	readAt    time.Time
}

// load reads the method unless it was read at or after fresh.
func (m *methodCache) load(ctx context.Context, o Odoo, nameOrID string, fresh time.Time) (int64, []int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.methodID != 0 && !m.readAt.Before(fresh) {
		return m.methodID, m.configIDs, nil
	}
	id, configIDs, err := FindPaymentMethod(ctx, o, nameOrID)
	if err != nil {
		return 0, nil, err
	}
	m.methodID, m.configIDs, m.readAt = id, configIDs, time.Now()
	return id, configIDs, nil
}

// id is the payment method's id.
func (m *methodCache) id(ctx context.Context, o Odoo, nameOrID string) (int64, error) {
	id, _, err := m.load(ctx, o, nameOrID, time.Time{})
	return id, err
}

// allowedIn reports whether the POS config allows the payment method. When
// the cached list says no, it is read again unless it was read at or after
// fresh: a watch tick passes its start, so a burst of orders of a POS that
// does not allow it costs one read.
func (m *methodCache) allowedIn(ctx context.Context, o Odoo, nameOrID string, configID int64, fresh time.Time) (bool, error) {
	_, ids, err := m.load(ctx, o, nameOrID, time.Time{})
	if err != nil {
		return false, err
	}
	if slices.Contains(ids, configID) {
		return true, nil
	}
	if _, ids, err = m.load(ctx, o, nameOrID, fresh); err != nil {
		return false, err
	}
	return slices.Contains(ids, configID), nil
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
