package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/compago-odoo/connector/connector/grant"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/odoo"
)

// The Odoo addon pos_compago_connector (odoo/addons/<version>/), when it is
// installed, records a charge in one call: pos.order.compago_record_payment
// makes the checks, the payment line (with the POS line's uuid where the
// POS has one), completes the order when it is fully paid, and writes the
// state and the message, in one Odoo transaction. Odoo itself then refuses
// a second line for one intent (a unique index on
// pos.payment.compago_intent_id), so a call whose answer was lost is simply
// made again: it finds its line and adds nothing.
//
// For an order the POS drives (it sent the request with its payment line's
// uuid) the addon leaves completion to the POS's own validation (receipt,
// invoice, change) for a grace period (the addon's
// pos_compago_connector.complete_grace_seconds, default 120 s), and says
// how long is left: the recorder calls again then, and the addon completes
// the order itself if the POS never came back.
//
// Without the addon the recorder keeps its add_payment path.

// AddonModule is the Odoo module the daemon looks for.
const AddonModule = grant.GroupModule

// addonRecheck is how long a detection of the addon is trusted.
const addonRecheck = 5 * time.Minute

// DetectAddon reports whether the addon is installed in Odoo
// (grant.AddonInstalled: by its field on pos.payment).
func DetectAddon(ctx context.Context, o Odoo) (bool, error) { return grant.AddonInstalled(ctx, o) }

// addonCache remembers the detection for addonRecheck.
type addonCache struct {
	mu        sync.Mutex
	installed bool
	at        time.Time
}

// useAddon reports whether charges are recorded through the addon. A
// failed look keeps the last answer (none yet: the add_payment path,
// which is safe with or without the addon).
func (e *Engine) useAddon(ctx context.Context) bool {
	c := &e.addon
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < addonRecheck {
		return c.installed
	}
	installed, err := DetectAddon(ctx, e.odoo)
	if err != nil && (odoo.IsOutcomeUnknown(err) || ctx.Err() != nil) {
		e.log.Warn().Err(err).Msg("cannot tell whether the Odoo addon is installed; looking again at the next payment")
		return c.installed
	}
	if err != nil {
		// Odoo answered, and not with pos.payment's fields: no addon.
		e.log.Info().Err(err).Msg("cannot read pos.payment's fields: recording charges with pos.order.add_payment")
		installed = false
	}
	if installed != c.installed || c.at.IsZero() {
		if installed {
			e.log.Info().Str("module", AddonModule).Msg("Odoo addon installed: charges are recorded through pos.order.compago_record_payment")
		} else {
			e.log.Info().Str("module", AddonModule).Msg("Odoo addon not installed: charges are recorded with pos.order.add_payment")
		}
	}
	c.installed, c.at = installed, time.Now()
	return installed
}

// forgetAddon makes the next payment look for the addon again (it was
// uninstalled under us).
func (e *Engine) forgetAddon() {
	e.addon.mu.Lock()
	e.addon.at = time.Time{}
	e.addon.mu.Unlock()
}

// errAwaitingPOS says the charge is recorded and the order fully paid, and
// the addon leaves its completion to the POS until retryAt.
type errAwaitingPOS struct{ retryAt time.Time }

func (e *errAwaitingPOS) Error() string {
	return fmt.Sprintf("recorded; the POS validates the order itself until %s", e.retryAt.Format(time.RFC3339))
}

// addonRecord is the addon's answer.
type addonRecord struct {
	LineID        int64       `json:"line_id"`
	Created       bool        `json:"created"`
	Completed     bool        `json:"completed"`
	CompleteAfter float64     `json:"complete_after"`
	OrderState    odoo.String `json:"order_state"`
	AmountDue     odoo.Float  `json:"amount_due"`
}

// recordViaAddon records the attempt's charge with the addon's one call,
// through the one door. It returns what is still due.
func (e *Engine) recordViaAddon(ctx context.Context, a journal.Attempt) (int64, error) {
	now := e.cfg.Now()
	// An add_payment of this attempt sent before the addon was found may
	// still commit; the addon adopts such a line once it is there, so the
	// call waits until it can no longer commit.
	if !a.AddPaymentUntil.IsZero() && !e.uuidGuard() {
		if settled := a.AddPaymentUntil.Add(e.cfg.LateCommitWindow); now.Before(settled) {
			return 0, &errSettling{retryAt: settled}
		}
	}
	o, err := e.orderToPay(ctx, a.OrderID)
	if err != nil {
		return 0, err
	}
	methodID, err := e.methods.id(ctx, e.odoo, e.cfg.PaymentMethod)
	if err != nil {
		return 0, err
	}
	callCtx, cancel, err := e.act(ctx, a.ID, "record payment through the Odoo addon", journal.KindSync)
	if err != nil {
		return 0, err
	}
	defer cancel()
	callCtx, cancelCall := context.WithTimeout(callCtx, e.cfg.OdooTimeout)
	defer cancelCall()
	vals := map[string]any{
		"intent_id":         a.IntentID,
		"external_id":       a.ExternalID,
		"amount":            odoo.Amount(a.Amount),
		"payment_method_id": methodID,
		// The terminal it was routed to ("" unrouted): the addon records
		// the charge under that terminal's Compago method, not the method
		// of a newer request on the order.
		"terminal": a.Terminal,
		"message":  e.say.Paid(a.Amount, max(o.AmountTotal.Centavos()-o.AmountPaid.Centavos()-a.Amount, 0)),
	}
	var res addonRecord
	err = e.odoo.Execute(callCtx, odoo.Call{
		Model: "pos.order", Method: "compago_record_payment",
		Args: []odoo.Arg{{Name: "order_id", Value: a.OrderID}, {Name: "vals", Value: vals}},
	}, &res)
	switch {
	case err == nil:
	case odoo.IsOutcomeUnknown(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		// It may have committed: calling again is safe, the addon finds
		// its line by the intent id.
		return 0, fmt.Errorf("record intent %s on order %d through the addon (outcome unknown): %w", a.IntentID, a.OrderID, err)
	case odoo.IsUserError(err):
		return 0, &attentionError{what: "Odoo refused the payment: " + odooMessage(err)}
	default:
		// Odoo answered with something else than a refusal: the addon may
		// have been uninstalled (the method is gone; its message may be
		// withheld from us, so it is not read). The next pass looks for
		// the addon again, and records with add_payment if it is gone.
		e.forgetAddon()
		return 0, fmt.Errorf("record intent %s on order %d through the addon: %w", a.IntentID, a.OrderID, err)
	}
	crashPoint(CrashAfterAddPayment)
	due := res.AmountDue.Centavos()
	if !res.Completed && res.OrderState == "draft" && due <= 0 && res.CompleteAfter > 0 {
		return 0, &errAwaitingPOS{retryAt: now.Add(time.Duration(res.CompleteAfter * float64(time.Second)))}
	}
	return max(due, 0), nil
}
