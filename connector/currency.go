package connector

import (
	"context"
	"fmt"

	"github.com/compago-odoo/connector/compago"
	"github.com/compago-odoo/connector/odoo"
)

// CurrencyFinding is one currency `check` and `doctor` look at: Compago
// charges MXN only, so the company, the Compago payment method's journal
// and the POS configs offering it must be in pesos. An order's currency is
// its POS config's (pos.order.currency_id is related to config_id's,
// itself the config's journal's currency, else that journal's company's,
// else the config's company's; Odoo 17-19); the watcher refuses an order
// in another currency before any intent, and these findings say so before
// a cashier meets it.
type CurrencyFinding struct {
	What   string // "company My Company", "payment method journal Compago", "point of sale Shop"
	OK     bool
	Detail string // the currency found, and what is wrong
}

// CheckCurrencies reads the currencies of the companies, of the journal of
// the payment method methodID, and of the POS configs allowing it.
func CheckCurrencies(ctx context.Context, o Odoo, methodID int64, configIDs []int64) ([]CurrencyFinding, error) {
	var out []CurrencyFinding
	finding := func(what string, cur odoo.Many2One, empty string) {
		name := cur.Name
		switch {
		case cur.ID == 0 && empty != "":
			out = append(out, CurrencyFinding{What: what, OK: true, Detail: empty})
		case name == compago.Currency:
			out = append(out, CurrencyFinding{What: what, OK: true, Detail: name})
		default:
			out = append(out, CurrencyFinding{What: what, Detail: fmt.Sprintf("%s, but Compago charges %s only: its orders would be refused", orUnknown(name), compago.Currency)})
		}
	}
	var companies []struct {
		Name     odoo.String   `json:"name"`
		Currency odoo.Many2One `json:"currency_id"`
	}
	if err := o.SearchRead(ctx, "res.company", nil, odoo.Query{Fields: []string{"name", "currency_id"}, Order: "id asc"}, &companies); err != nil {
		return nil, fmt.Errorf("read the companies' currencies: %w", err)
	}
	for _, c := range companies {
		finding("company "+string(c.Name), c.Currency, "")
	}
	var methods []struct {
		Journal odoo.Many2One `json:"journal_id"`
	}
	if err := o.Read(ctx, "pos.payment.method", []int64{methodID}, []string{"journal_id"}, &methods); err != nil {
		return nil, fmt.Errorf("read the payment method's journal: %w", err)
	}
	if len(methods) == 1 && methods[0].Journal.ID != 0 {
		var journals []struct {
			Name     odoo.String   `json:"name"`
			Currency odoo.Many2One `json:"currency_id"`
		}
		if err := o.Read(ctx, "account.journal", []int64{methods[0].Journal.ID}, []string{"name", "currency_id"}, &journals); err != nil {
			return nil, fmt.Errorf("read the payment method's journal currency: %w", err)
		}
		if len(journals) == 1 {
			finding("payment method journal "+string(journals[0].Name), journals[0].Currency, "the company's currency")
		}
	}
	if len(configIDs) > 0 {
		var configs []struct {
			Name     odoo.String   `json:"name"`
			Currency odoo.Many2One `json:"currency_id"`
		}
		if err := o.Read(ctx, "pos.config", configIDs, []string{"name", "currency_id"}, &configs); err != nil {
			return nil, fmt.Errorf("read the POS configs' currencies: %w", err)
		}
		for _, c := range configs {
			finding("point of sale "+string(c.Name), c.Currency, "")
		}
	}
	return out, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "no currency"
	}
	return s
}
