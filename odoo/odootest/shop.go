package odootest

import (
	"context"
	"fmt"
)

// configureShop makes the template a Mexican shop through the external API,
// as a merchant's administrator would: MXN as the company currency, a bank
// journal and a "Compago" payment method on it allowed in the "Shop"
// config, a product to sell, and an opened session.
func configureShop(ctx context.Context, r *rpc, major int) (Shop, error) {
	var s Shop
	step := func(what string, model, method string, args []any, kwargs map[string]any) (any, error) {
		res, err := r.exec(ctx, model, method, args, kwargs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return res, nil
	}
	res, err := step("find MXN", "res.currency", "search", []any{[]any{[]any{"name", "=", "MXN"}}},
		map[string]any{"context": map[string]any{"active_test": false}})
	if err != nil {
		return s, err
	}
	if s.CurrencyID, err = id(res); err != nil {
		return s, fmt.Errorf("find MXN: %w", err)
	}
	if _, err := step("activate MXN", "res.currency", "write", []any{[]any{s.CurrencyID}, map[string]any{"active": true}}, nil); err != nil {
		return s, err
	}
	if res, err = step("find the company", "res.users", "read", []any{[]any{r.uid}, []any{"company_id"}}, nil); err != nil {
		return s, err
	}
	if s.CompanyID, err = id(res.([]any)[0].(map[string]any)["company_id"].([]any)[0]); err != nil {
		return s, err
	}
	if _, err := step("MXN as the company currency", "res.company", "write",
		[]any{[]any{s.CompanyID}, map[string]any{"currency_id": s.CurrencyID}}, nil); err != nil {
		return s, err
	}
	if res, err = step("bank journal", "account.journal", "create",
		[]any{map[string]any{"name": "Compago", "code": "CMPG", "type": "bank"}}, nil); err != nil {
		return s, err
	}
	if s.JournalID, err = id(res); err != nil {
		return s, err
	}
	if res, err = step("find the Shop config", "pos.config", "search", []any{[]any{}}, map[string]any{"limit": 1, "order": "id"}); err != nil {
		return s, err
	}
	if ids, _ := res.([]any); len(ids) == 0 {
		// 17 installs the "Shop" config as data; 18 and 19 leave it to
		// the onboarding, so make it as the back office's form would,
		// before the Compago method exists: its defaults then create Cash,
		// Card (on the bank journal) and Customer Account, as in 17.
		if res, err = step("create the Shop config", "pos.config", "create", []any{map[string]any{"name": "Shop"}}, nil); err != nil {
			return s, err
		}
	}
	if s.ConfigID, err = id(res); err != nil {
		return s, fmt.Errorf("find the Shop config: %w", err)
	}
	if res, err = step("payment method", "pos.payment.method", "create",
		[]any{map[string]any{"name": "Compago", "journal_id": s.JournalID}}, nil); err != nil {
		return s, err
	}
	if s.PaymentMethodID, err = id(res); err != nil {
		return s, err
	}
	if _, err := step("allow the method in the config", "pos.config", "write",
		[]any{[]any{s.ConfigID}, map[string]any{"payment_method_ids": []any{[]any{4, s.PaymentMethodID}}}}, nil); err != nil {
		return s, err
	}
	// A consumable sold in the POS: order lines need a product, and 18+
	// makes the order's picking from it.
	if res, err = step("product", "product.product", "create", []any{map[string]any{
		"name": "Compago test item", "type": "consu", "available_in_pos": true, "list_price": 1.0, "taxes_id": []any{}}}, nil); err != nil {
		return s, err
	}
	if s.ProductID, err = id(res); err != nil {
		return s, err
	}
	if res, err = step("session", "pos.session", "create", []any{map[string]any{"config_id": s.ConfigID, "user_id": r.uid}}, nil); err != nil {
		return s, err
	}
	if s.SessionID, err = id(res); err != nil {
		return s, err
	}
	open := "set_opening_control"
	if major < 18 {
		open = "set_cashbox_pos"
	}
	if _, err := step("open the session", "pos.session", open, []any{[]any{s.SessionID}, 0.0, ""}, nil); err != nil {
		return s, err
	}
	if res, err = step("read the session", "pos.session", "read", []any{[]any{s.SessionID}, []any{"name", "state"}}, nil); err != nil {
		return s, err
	}
	row := res.([]any)[0].(map[string]any)
	if row["state"] != "opened" {
		return s, fmt.Errorf("session %d is %v after %s, want opened", s.SessionID, row["state"], open)
	}
	s.SessionName, _ = row["name"].(string)
	return s, nil
}
