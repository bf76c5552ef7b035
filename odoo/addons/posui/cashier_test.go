package posui_test

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/compago-odoo/connector/connector/simworld"
)

// The cashier's gestures, the same words on every version; the selectors
// are those of Odoo's own POS tours of the version.

// ring adds one item to a new order and returns the order's reference:
// its uuid (18, 19) or its name, Odoo's pos_reference (17).
func (p *pos) ring() string {
	p.t.Helper()
	// Every version loads the session's draft orders at start and shows
	// one: an order another scenario left open (a closed browser, an order
	// the back office flagged, a failure) is not this one's. The cashier
	// starts a new order.
	newOrder := `posmodel.add_new_order(); posmodel.showScreen("ProductScreen");`
	if p.s.major >= 19 {
		newOrder = `posmodel.addNewOrder(); posmodel.navigate("ProductScreen");`
	}
	eval[bool](p, `(() => {
		const o = `+p.order()+`;
		const lines = o ? (o.lines ?? o.orderlines ?? []) : [];
		const payments = o ? (o.payment_ids ?? o.paymentlines ?? []) : [];
		if (o && !lines.length && !payments.length) { return true; }
		`+newOrder+`
		return true;
	})()`)
	p.clickText("the item", ".product-list .product-name", "Compago test item")
	total := p.order() + `.get_total_with_tax()`
	if p.s.major >= 19 {
		total = p.order() + `.totalDue`
	}
	p.waitJS("the order totals 350.50", fmt.Sprintf(`Math.abs(%s - %v) < 0.001`, total, itemPrice))
	if p.s.major < 18 {
		return eval[string](p, p.order()+`.name`)
	}
	return eval[string](p, p.order()+`.uuid`)
}

// order is the JavaScript of the POS's current order.
func (p *pos) order() string {
	if p.s.major >= 19 {
		return `posmodel.getOrder()`
	}
	return `posmodel.get_order()`
}

// pay goes to the payment screen.
func (p *pos) pay() {
	p.t.Helper()
	p.click("Payment", ".pay-order-button")
	p.waitJS("the payment screen", `!!document.querySelector(".payment-screen")`)
}

// method adds a payment line of the method called name for what is due.
func (p *pos) method(name string) {
	p.t.Helper()
	p.clickText("the "+name+" method", ".paymentmethods .paymentmethod", name)
}

// send presses Send on the selected Compago line.
func (p *pos) send() {
	p.t.Helper()
	p.click("Send", ".send_payment_request")
}

// validate presses Validate and waits for the receipt. A POS configured to
// validate on its own after a terminal payment (17's default) is already
// on the receipt.
func (p *pos) validate() {
	p.t.Helper()
	find := `[...document.querySelectorAll(".payment-screen .next")].find((e) => e.textContent.includes("Validate"))`
	p.waitJS("Validate can be pressed, or the receipt is shown", `!!document.querySelector(".receipt-screen") || !!`+find)
	eval[bool](p, `(document.querySelector(".receipt-screen") || `+find+`.click(), true)`)
	p.waitJS("the receipt", `!!document.querySelector(".receipt-screen")`)
}

// waitMessage waits until the Compago line says something containing want.
func (p *pos) waitMessage(want string) {
	p.t.Helper()
	p.waitJS(fmt.Sprintf("the Compago line says %q", want),
		fmt.Sprintf(`(document.querySelector(".compago-message")?.textContent ?? "").includes(%s)`, js(want)))
}

// waitLine waits until the selected line's status text is want.
func (p *pos) waitLine(want string) {
	p.t.Helper()
	p.waitJS(fmt.Sprintf("the payment line says %q", want),
		fmt.Sprintf(`[...document.querySelectorAll(".electronic_status")].some((e) => e.textContent.trim() === %s)`, js(want)))
}

func (p *pos) click(what, selector string) {
	p.t.Helper()
	p.waitJS(what+" can be pressed", fmt.Sprintf(`!!document.querySelector(%s)`, js(selector)))
	eval[bool](p, fmt.Sprintf(`document.querySelector(%s).click(), true`, js(selector)))
}

// clickText clicks the first element of selector whose text contains text.
func (p *pos) clickText(what, selector, text string) {
	p.t.Helper()
	find := fmt.Sprintf(`[...document.querySelectorAll(%s)].find((e) => e.textContent.includes(%s))`, js(selector), js(text))
	p.waitJS(what+" can be pressed", "!!"+find)
	eval[bool](p, find+`.click(), true`)
}

// payment is a payment line as the POS or Odoo holds it.
type payment struct {
	Amount float64 `json:"amount"`
	TX     string  `json:"tx"`
}

func (x payment) String() string { return fmt.Sprintf("%.2f %s", x.Amount, x.TX) }

// posPayments are the payment lines of the order as the POS holds them.
func (p *pos) posPayments(ref string) []payment {
	p.t.Helper()
	orders := `posmodel.models["pos.order"].getAll()`
	if p.s.major < 18 {
		orders = `posmodel.get_order_list()`
	}
	lines := `o.payment_ids.map((l) => ({amount: l.amount, tx: l.transaction_id || ""}))`
	if p.s.major < 18 {
		lines = `o.paymentlines.map((l) => ({amount: l.amount, tx: l.transaction_id || ""}))`
	}
	key := "uuid"
	if p.s.major < 18 {
		key = "name"
	}
	return eval[[]payment](p, fmt.Sprintf(`(() => { const o = %s.find((o) => o.%s === %s); return o ? %s : null; })()`,
		orders, key, js(ref), lines))
}

// checkAgree: the order as the POS shows it and as Odoo holds it agree,
// Odoo has it once, and every charged intent is exactly one payment line.
func (s *shop) checkAgree(t *testing.T, p *pos, ref string, wantState string) {
	t.Helper()
	field := "uuid"
	if s.major < 18 {
		field = "pos_reference"
	}
	res := s.o.Exec("pos.order", "search_read", []any{[]any{[]any{field, "=", ref}}},
		map[string]any{"fields": []any{"state", "amount_total", "amount_paid", "payment_ids"}})
	rows, _ := res.([]any)
	if len(rows) != 1 {
		t.Fatalf("Odoo holds %d orders of the POS's order %s, want exactly 1: %v", len(rows), ref, rows)
	}
	o := rows[0].(map[string]any)
	if wantState != "" && o["state"] != wantState && !(wantState == "paid" && (o["state"] == "done" || o["state"] == "invoiced")) {
		t.Errorf("Odoo holds the order %v, the cashier was shown it %s", o["state"], wantState)
	}
	id := simworld.ID(t, o["id"])
	var odooLines []payment
	for _, l := range s.w.Payments(id) {
		tx, _ := l["transaction_id"].(string)
		odooLines = append(odooLines, payment{Amount: simworld.Float(l["amount"]), TX: tx})
	}
	if posLines := p.posPayments(ref); posLines != nil && !samePayments(posLines, odooLines) {
		t.Errorf("the POS shows the payments %v, Odoo holds %v", posLines, odooLines)
	}
	s.w.CheckInvariants()
}

func samePayments(a, b []payment) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(xs []payment) []string {
		var out []string
		for _, x := range xs {
			out = append(out, fmt.Sprintf("%.2f %s", math.Round(x.Amount*100)/100, x.TX))
		}
		sort.Strings(out)
		return out
	}
	return strings.Join(key(a), "|") == strings.Join(key(b), "|")
}
