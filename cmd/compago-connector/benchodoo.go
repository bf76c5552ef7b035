package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/compago-odoo/connector/config"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/odoo"
	"github.com/compago-odoo/connector/odoo/odoosim"
)

// benchOdoo is the Odoo the load plays the POS against: the bench's own
// calls (orders, flags, the cashier's cancel, the monitor's reads), never
// the daemon's. odoosim answers in this process (none of these calls is
// counted as the daemon's); a real Odoo over its external API.
type benchOdoo interface {
	// newOrder creates a draft order of amount pesos in the open session.
	newOrder(ctx context.Context, amount float64) (int64, error)
	// write sets the Compago fields (by their default names) on one order.
	write(ctx context.Context, id int64, vals map[string]any) error
	// settled returns the Compago state of those of ids whose state is final.
	settled(ctx context.Context, ids []int64) (map[int64]string, error)
	// paymentLines counts the payment lines of ids by transaction id.
	paymentLines(ctx context.Context, ids []int64) (map[string]int, error)
	// describe says which Odoo this is, for the report.
	describe() string
}

var finalStates = []any{connector.StatePaid, connector.StateCancelled, connector.StateExpired, connector.StateFailed}

// simBenchOdoo is odoosim.
type simBenchOdoo struct {
	srv     *odoosim.Server
	version int
	latency time.Duration
}

func (s simBenchOdoo) describe() string {
	return fmt.Sprintf("odoosim as Odoo %d, %s added to every request", s.version, s.latency)
}

func (s simBenchOdoo) newOrder(_ context.Context, amount float64) (int64, error) {
	res, err := s.srv.Exec("pos.order", "create", []any{map[string]any{
		"session_id": s.srv.Seed().SessionID, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0}}, nil)
	if err != nil {
		return 0, err
	}
	return toID(res), nil
}

func (s simBenchOdoo) write(_ context.Context, id int64, vals map[string]any) error {
	_, err := s.srv.Exec("pos.order", "write", []any{[]any{id}, vals}, nil)
	return err
}

func (s simBenchOdoo) settled(_ context.Context, ids []int64) (map[int64]string, error) {
	res, err := s.srv.Exec("pos.order", "search_read", []any{[]any{
		[]any{"id", "in", int64s(ids)}, []any{"x_compago_state", "in", finalStates},
	}}, map[string]any{"fields": []any{"id", "x_compago_state"}})
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	rows, _ := res.([]any)
	for _, r := range rows {
		row, _ := r.(map[string]any)
		state, _ := row["x_compago_state"].(string)
		out[toID(row["id"])] = state
	}
	return out, nil
}

func (s simBenchOdoo) paymentLines(_ context.Context, ids []int64) (map[string]int, error) {
	res, err := s.srv.Exec("pos.payment", "search_read", []any{[]any{[]any{"pos_order_id", "in", int64s(ids)}}},
		map[string]any{"fields": []any{"transaction_id"}})
	if err != nil {
		return nil, err
	}
	lines := map[string]int{}
	rows, _ := res.([]any)
	for _, p := range rows {
		row, _ := p.(map[string]any)
		if tx, _ := row["transaction_id"].(string); tx != "" {
			lines[tx]++
		}
	}
	return lines, nil
}

func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// realBenchOdoo is a real Odoo, reached with the daemon's own client and
// configuration: the POS side of the load, as the POS would write it.
type realBenchOdoo struct {
	c       *odoo.Client
	url     string // redacted
	fields  connector.Fields
	session int64
	product int64
	run     string // this run's mark in the receipt references

	mu  sync.Mutex
	seq int
}

// prepareRealOdoo connects to the configured Odoo and checks it has what
// the load needs, refusing with what to do when it lacks something: the
// Compago fields, the payment method, an opened session offering it, a
// product to sell, and no order already waiting on Compago (a live shop,
// or the leftovers of an interrupted run, which the daemon would take up).
func prepareRealOdoo(ctx context.Context, cfg *config.Config) (*realBenchOdoo, error) {
	url := config.RedactURL(cfg.Odoo.URL)
	oc, err := newOdooClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := oc.Connect(ctx); err != nil {
		return nil, fmt.Errorf("bench: connect to Odoo at %s: %w", url, err)
	}
	r := &realBenchOdoo{c: oc, url: url, fields: connector.DefaultFields().WithOverrides(cfg.Connector.Fields), run: randomHex(2)}
	var names []string
	for _, d := range r.fields.Definitions() {
		names = append(names, d.Name)
	}
	var present []struct {
		Name string `json:"name"`
	}
	if err := oc.SearchRead(ctx, "ir.model.fields", odoo.And(odoo.Cond("model", "=", "pos.order"), odoo.Cond("name", "in", names)),
		odoo.Query{Fields: []string{"name"}}, &present); err != nil {
		return nil, fmt.Errorf("bench: list the Compago fields on pos.order: %w", err)
	}
	if len(present) < len(names) {
		have := map[string]bool{}
		for _, p := range present {
			have[p.Name] = true
		}
		var missing []string
		for _, n := range names {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		return nil, fmt.Errorf("bench: Odoo at %s lacks the Compago fields on pos.order (%s): run `compago-connector setup` with the same configuration first",
			url, strings.Join(missing, ", "))
	}
	method, configs, err := connector.FindPaymentMethod(ctx, oc, cfg.Connector.PaymentMethod)
	if err != nil {
		return nil, fmt.Errorf("bench: connector.payment_method: %w (create a Bank payment method named %q in Point of Sale > Configuration > Payment Methods, or set connector.payment_method)",
			err, cfg.Connector.PaymentMethod)
	}
	var sessions []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if len(configs) > 0 {
		if err := oc.SearchRead(ctx, "pos.session", odoo.And(odoo.Cond("state", "=", "opened"), odoo.Cond("config_id", "in", configs)),
			odoo.Query{Fields: []string{"id", "name"}, Order: "id desc", Limit: 1}, &sessions); err != nil {
			return nil, fmt.Errorf("bench: find an opened POS session: %w", err)
		}
	}
	if len(sessions) == 0 {
		return nil, fmt.Errorf("bench: no opened POS session offers payment method %q (id %d, allowed in %d POS configs): open a session of a POS whose payment methods include it",
			cfg.Connector.PaymentMethod, method, len(configs))
	}
	r.session = sessions[0].ID
	var products []struct {
		ID int64 `json:"id"`
	}
	if err := oc.SearchRead(ctx, "product.product", odoo.And(odoo.Cond("available_in_pos", "=", true), odoo.Cond("sale_ok", "=", true)),
		odoo.Query{Fields: []string{"id"}, Order: "id", Limit: 1}, &products); err != nil {
		return nil, fmt.Errorf("bench: find a product sold in the POS: %w", err)
	}
	if len(products) == 0 {
		return nil, errors.New("bench: no product is available in the POS: the orders need one line of a product (mark one \"Available in POS\")")
	}
	r.product = products[0].ID
	waiting, err := oc.SearchCount(ctx, "pos.order", odoo.Cond(r.fields.State, "in",
		[]any{connector.StateRequested, connector.StatePending, connector.StateCancelRequested}))
	if err != nil {
		return nil, fmt.Errorf("bench: count the orders already waiting on Compago: %w", err)
	}
	if waiting > 0 {
		return nil, fmt.Errorf("bench: %d orders in Odoo at %s are already waiting on Compago (%s requested, pending or cancel_requested): "+
			"the bench needs a test database where nothing else is paying; settle or cancel them first", waiting, url, r.fields.State)
	}
	return r, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	h := randomHex(16)
	b := []byte(h)
	b[12] = '4'                  // version 4
	b[16] = "89ab"[int(b[16])%4] // the variant
	s := string(b)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func (r *realBenchOdoo) describe() string {
	return fmt.Sprintf("Odoo %s at %s over %s, session %d", r.c.Version(), r.url, r.c.Protocol(), r.session)
}

// newOrder creates the order the POS would: one line of the product at the
// amount, a receipt reference, uuids where the version has them, so that
// completing it makes a picking (18+) as a shop's order does.
func (r *realBenchOdoo) newOrder(ctx context.Context, amount float64) (int64, error) {
	r.mu.Lock()
	r.seq++
	seq := r.seq
	r.mu.Unlock()
	major := r.c.Version().Major
	line := map[string]any{"product_id": r.product, "qty": 1, "price_unit": amount, "price_subtotal": amount,
		"price_subtotal_incl": amount, "discount": 0, "full_product_name": "Compago bench item", "tax_ids": []any{}}
	vals := map[string]any{
		"session_id": r.session, "amount_total": amount, "amount_tax": 0.0, "amount_paid": 0.0, "amount_return": 0.0,
		"sequence_number": seq, "pos_reference": fmt.Sprintf("Order %05d-%s-%04d", r.session, r.run, seq),
		"lines": []any{[]any{0, 0, line}},
	}
	if major >= 17 {
		line["uuid"] = newUUID()
	}
	if major >= 18 {
		vals["uuid"] = newUUID()
	}
	return r.c.Create(ctx, "pos.order", vals, nil)
}

// rename maps the default field names of vals to the configured ones.
func (r *realBenchOdoo) rename(vals map[string]any) map[string]any {
	d := connector.DefaultFields()
	names := map[string]string{d.State: r.fields.State, d.Terminal: r.fields.Terminal}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		if n, ok := names[k]; ok {
			k = n
		}
		out[k] = v
	}
	return out
}

func (r *realBenchOdoo) write(ctx context.Context, id int64, vals map[string]any) error {
	return r.c.Write(ctx, "pos.order", []int64{id}, r.rename(vals))
}

func (r *realBenchOdoo) settled(ctx context.Context, ids []int64) (map[int64]string, error) {
	var rows []map[string]any
	if err := r.c.SearchRead(ctx, "pos.order", odoo.And(odoo.Cond("id", "in", ids), odoo.Cond(r.fields.State, "in", finalStates)),
		odoo.Query{Fields: []string{"id", r.fields.State}}, &rows); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, row := range rows {
		state, _ := row[r.fields.State].(string)
		out[toID(row["id"])] = state
	}
	return out, nil
}

func (r *realBenchOdoo) paymentLines(ctx context.Context, ids []int64) (map[string]int, error) {
	var rows []struct {
		TransactionID any `json:"transaction_id"` // false when empty
	}
	if err := r.c.SearchRead(ctx, "pos.payment", odoo.Cond("pos_order_id", "in", ids),
		odoo.Query{Fields: []string{"transaction_id"}}, &rows); err != nil {
		return nil, err
	}
	lines := map[string]int{}
	for _, row := range rows {
		if tx, _ := row.TransactionID.(string); tx != "" {
			lines[tx]++
		}
	}
	return lines, nil
}
