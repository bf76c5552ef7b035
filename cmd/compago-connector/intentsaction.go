package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/reconcile"
	"github.com/compago-odoo/connector/connector/safetext"
	"github.com/compago-odoo/connector/odoo"
)

// refused ends an intents command that changed nothing, with the reason.
func (c *intentsCmd) refused(format string, args ...any) error {
	// The reason may quote Odoo (an order's state, a last error): escaped.
	fmt.Fprintf(c.stderr, "not done: %s\n", safetext.Terminal(fmt.Sprintf(format, args...)))
	return exitCode(1)
}

// latestOf resolves the attempt and makes sure it is its order's latest:
// only the latest attempt speaks for the order.
func (c *intentsCmd) latestOf(ctx context.Context, pos []string) (journal.Attempt, error) {
	a, err := c.resolve(ctx, pos)
	if err != nil {
		return a, err
	}
	latest, err := c.j.Latest(ctx, a.OrderID)
	if err != nil {
		return a, err
	}
	if latest.ID != a.ID {
		return a, c.refused("attempt %d is not order %d's latest: attempt %d (%s, %s) is", a.ID, a.OrderID, latest.ID, latest.ExternalID, latest.State)
	}
	return a, nil
}

// retryRefusal says why the daemon cannot be asked for a new attempt, or ""
// when it can.
func retryRefusal(a journal.Attempt, force bool) string {
	switch {
	case a.State == journal.Recorded:
		return fmt.Sprintf("order %d is paid: attempt %s was charged and recorded", a.OrderID, a.ExternalID)
	case a.State == journal.Confirmed && a.Attention:
		return fmt.Sprintf("the card was charged (%s) and the payment is parked: %s. Fix that in Odoo; the daemon retries parked payments every 5 minutes, and at once when restarted (safe: the journal resumes it)", a.ExternalID, dashed(a.LastError))
	case a.State == journal.Confirmed:
		return fmt.Sprintf("the card was charged (%s); the daemon is adding the payment to the order by itself", a.ExternalID)
	case a.State == journal.Creating:
		return fmt.Sprintf("the daemon is still asking Compago for %s and retries by itself with the same externalId (safe to repeat); restart the daemon to retry at once. Last message: %s", a.ExternalID, dashed(a.Message))
	case a.State == journal.Pending:
		return fmt.Sprintf("intent %s is waiting on the terminal; cancel it first (compago-connector intents cancel %d)", a.IntentID, a.ID)
	case a.State == journal.Cancelling:
		return fmt.Sprintf("intent %s is being cancelled; retry once it is cancelled", dashed(a.IntentID))
	case a.State == journal.Unknown && !force:
		return fmt.Sprintf("the outcome of %s is unknown: the customer may have been charged. Check the terminal and Compago first, then retry with --force", a.ExternalID)
	case a.Unsynced():
		return fmt.Sprintf("Odoo has not been told yet that attempt %s ended (%s); the daemon writes that first. Retry once it has (see `compago-connector reconcile`)", a.ExternalID, a.State)
	}
	return ""
}

// retry asks the running daemon, through Odoo, for a new attempt: the
// order is flagged "requested" again, as the cashier's button does.
func (c *intentsCmd) retry(ctx context.Context, pos []string) error {
	a, err := c.latestOf(ctx, pos)
	if err != nil {
		return err
	}
	if why := retryRefusal(a, c.flags.force); why != "" {
		return c.refused("%s", why)
	}
	oc, fields, o, err := c.order(ctx, a.OrderID)
	if err != nil {
		return err
	}
	switch {
	case !o.found:
		return c.refused("order %d no longer exists in Odoo", a.OrderID)
	case o.state != "draft":
		return c.refused("order %d is %s in Odoo: nothing to charge", a.OrderID, o.state)
	case o.total-o.paid <= 0:
		return c.refused("order %d has nothing left to pay", a.OrderID)
	case o.flag == connector.StateRequested || o.flag == connector.StatePending || o.flag == connector.StateCancelRequested:
		return c.refused("order %d is already flagged %s in Odoo; the daemon acts on it (if it does not, see `compago-connector reconcile`)", a.OrderID, o.flag)
	}
	if err := oc.Write(ctx, "pos.order", []int64{a.OrderID}, map[string]any{fields.State: connector.StateRequested}); err != nil {
		return fmt.Errorf("flag order %d requested in Odoo: %w", a.OrderID, err)
	}
	fmt.Fprintf(c.stdout, "order %d flagged %q in Odoo: the daemon starts attempt %d (externalId %s-%d-%d) on its next watch\n",
		a.OrderID, connector.StateRequested, a.Seq+1, c.cfg.Connector.ExternalIDPrefix, a.OrderID, a.Seq+1)
	return nil
}

// cancel asks the running daemon, through Odoo, to cancel the attempt:
// the order is flagged "cancel_requested", as the cashier's button does.
func (c *intentsCmd) cancel(ctx context.Context, pos []string) error {
	a, err := c.latestOf(ctx, pos)
	if err != nil {
		return err
	}
	switch a.State {
	case journal.Confirmed, journal.Recorded:
		return c.refused("the card was charged (%s, %s): a refund is made in Compago, not here", a.ExternalID, reconcile.Money(a.Amount))
	case journal.Cancelling:
		return c.refused("attempt %s is already being cancelled", a.ExternalID)
	}
	oc, fields, o, err := c.order(ctx, a.OrderID)
	if err != nil {
		return err
	}
	if !o.found {
		return c.refused("order %d no longer exists in Odoo", a.OrderID)
	}
	flagged := o.flag == connector.StateRequested || o.flag == connector.StatePending
	if a.State.Final() && (!flagged || a.Unsynced()) {
		return c.refused("nothing to cancel: attempt %s is already %s", a.ExternalID, a.State)
	}
	if err := oc.Write(ctx, "pos.order", []int64{a.OrderID}, map[string]any{fields.State: connector.StateCancelRequested}); err != nil {
		return fmt.Errorf("flag order %d cancel_requested in Odoo: %w", a.OrderID, err)
	}
	if a.State.Final() {
		fmt.Fprintf(c.stdout, "order %d flagged %q in Odoo: its attempt %s is already %s; the daemon shows that again and clears the flag\n",
			a.OrderID, connector.StateCancelRequested, a.ExternalID, a.State)
		return nil
	}
	fmt.Fprintf(c.stdout, "order %d flagged %q in Odoo: the daemon cancels %s on its next watch (if the customer has already paid, the payment is recorded instead)\n",
		a.OrderID, connector.StateCancelRequested, a.ExternalID)
	return nil
}

type orderState struct {
	found       bool
	state, flag string
	total, paid int64
}

// order connects to Odoo and reads what retry and cancel decide on.
func (c *intentsCmd) order(ctx context.Context, id int64) (*odoo.Client, connector.Fields, orderState, error) {
	fields := connector.DefaultFields().WithOverrides(c.cfg.Connector.Fields)
	oc, err := newOdooClient(c.cfg)
	if err != nil {
		return nil, fields, orderState{}, err
	}
	if err := oc.Connect(ctx); err != nil {
		return nil, fields, orderState{}, fmt.Errorf("connect to Odoo at %s: %w", config.RedactURL(c.cfg.Odoo.URL), err)
	}
	var rows []map[string]json.RawMessage
	if err := oc.Read(ctx, "pos.order", []int64{id}, []string{"state", "amount_total", "amount_paid", fields.State}, &rows); err != nil {
		return nil, fields, orderState{}, fmt.Errorf("read order %d from Odoo: %w", id, err)
	}
	if len(rows) == 0 {
		return oc, fields, orderState{}, nil // read leaves out a deleted order
	}
	var state, flag odoo.String
	var total, paid odoo.Float
	for name, dst := range map[string]any{"state": &state, "amount_total": &total, "amount_paid": &paid, fields.State: &flag} {
		raw, ok := rows[0][name]
		if !ok {
			return nil, fields, orderState{}, fmt.Errorf("read order %d from Odoo: no field %s (run `compago-connector setup`?)", id, name)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fields, orderState{}, fmt.Errorf("read order %d from Odoo: field %s: %w", id, name, err)
		}
	}
	o := orderState{found: true, state: string(state), flag: string(flag), total: total.Centavos(), paid: paid.Centavos()}
	return oc, fields, o, nil
}
