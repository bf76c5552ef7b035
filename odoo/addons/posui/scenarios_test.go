package posui_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
)

// intentFor waits until the daemon made an intent for the order's
// current request and returns it (compagosim's view).
func (s *shop) intentFor(t *testing.T, p *pos) compagosim.Intent {
	t.Helper()
	var id string
	p.waitJS("the line knows its Compago intent", fmt.Sprintf(`(() => {
		const l = %s; return !!(l && l.compago && l.compago.intent_id); })()`, p.selectedLine()))
	id = eval[string](p, p.selectedLine()+`.compago.intent_id`)
	for _, in := range s.w.Compago.Intents() {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("compagosim has no intent %s", id)
	return compagosim.Intent{}
}

// selectedLine is the JavaScript of the order's selected payment line.
func (p *pos) selectedLine() string {
	switch {
	case p.s.major >= 19:
		return p.order() + `.getSelectedPaymentline()`
	case p.s.major == 18:
		return p.order() + `.get_selected_paymentline()`
	}
	return p.order() + `.selected_paymentline`
}

// setAmount types an amount for the selected payment line on the numpad:
// backspace over what is there, then the digits.
func (p *pos) setAmount(amount string) {
	p.t.Helper()
	key := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll(".numpad button")].find((b) => b.textContent.trim() === %s)`, js(text))
	}
	// 19 drops more than two keys inside its scanner window (a barcode
	// scanner types that fast, a cashier does not): each key is handled
	// before the next is pressed, as Odoo's own tours do.
	handled := ""
	if p.s.major >= 19 {
		handled = `, posmodel.numberBuffer.capture()`
	}
	p.waitJS("the numpad", "!!"+key("⌫"))
	for i := 0; i < 8; i++ {
		eval[bool](p, key("⌫")+`.click()`+handled+`, true`)
	}
	for _, c := range amount {
		eval[bool](p, key(string(c))+`.click()`+handled+`, true`)
	}
}

func (s *shop) approve(t *testing.T) {
	t.Helper()
	if _, err := s.w.Compago.ApproveTerminal(terminal); err != nil {
		t.Fatalf("approve the card on %s: %v", terminal, err)
	}
}

// Cash for a part, Compago for the rest.
func (s *shop) splitTender(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Cash")
	p.setAmount("100")
	p.method("Compago")
	p.waitJS("the Compago line is for the rest", p.selectedLine()+`.amount === 250.5`)
	p.send()
	p.waitMessage("Waiting for the card")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.shot("split-paid")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// Cancel while the terminal waits: no money taken, the cashier takes cash.
func (s *shop) cancelBeforeTheCard(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	p.click("Cancel", ".send_payment_cancel")
	p.waitMessage("No money was taken")
	p.waitLine("Transaction cancelled")
	p.shot("cancelled")
	p.click("remove the Compago line", ".paymentline.selected .delete-button")
	p.method("Cash")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// The card is charged as the cashier presses Cancel: the line turns done,
// never cancelled over a charge.
func (s *shop) cancelAfterTheCharge(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	s.approve(t)
	eval[bool](p, `(document.querySelector(".send_payment_cancel")?.click(), true)`)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// A declined card, then another card on the same request.
func (s *shop) declineThenAnotherCard(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	in := s.intentFor(t, p)
	if _, err := s.w.Compago.Decline(in.ID); err != nil {
		t.Fatalf("decline: %v", err)
	}
	p.waitMessage("declined")
	p.shot("declined")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// The request expires; Retry is a new attempt, then paid.
func (s *shop) expiryThenRetry(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	in := s.intentFor(t, p)
	if _, err := s.w.Compago.Expire(in.ID); err != nil {
		t.Fatalf("expire: %v", err)
	}
	p.waitLine("Transaction cancelled")
	p.shot("expired")
	p.send() // Retry
	p.waitMessage("Waiting for the card")
	if again := s.intentFor(t, p); again.ID == in.ID || again.ExternalID == in.ExternalID {
		t.Errorf("the retry reused intent %s / %s, want a new attempt", in.ID, in.ExternalID)
	}
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// A reload after Send: the POS goes on where the daemon is.
func (s *shop) reloadAfterSend(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	p.reload()
	p.waitMessage("Waiting for the card")
	p.shot("after-reload")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// Odoo unreachable at Send: a clear sentence, nothing created.
func (s *shop) odooUnreachable(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	before := len(s.w.Compago.Intents())
	p.unreachable(true)
	p.send()
	p.waitMessage("Odoo cannot be reached")
	p.waitLine("Transaction cancelled")
	p.shot("unreachable")
	p.unreachable(false)
	if n := len(s.w.Compago.Intents()); n != before {
		t.Errorf("an intent was created while Odoo was unreachable (%d before, %d after)", before, n)
	}
	field, ref := "uuid", uuid
	if s.major < 18 {
		field = "pos_reference"
	}
	res := s.o.Exec("pos.order", "search_count", []any{[]any{[]any{field, "=", ref}, []any{"x_compago_state", "!=", false}}}, nil)
	if n, _ := res.(float64); n != 0 {
		t.Errorf("Odoo holds %v flagged orders for the order sent while unreachable", n)
	}
}

// A second request on the same terminal (another order, from the back
// office) replaces the first: the cashier reads why and retries.
func (s *shop) replacedBySecondRequest(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	other := s.o.NewOrder(99.90, nil)
	s.o.Exec("pos.order", "compago_send", []any{other, map[string]any{"amount": 99.90, "payment_method_id": s.o.PaymentMethodID}}, nil)
	p.waitMessage("Replaced")
	p.waitLine("Transaction cancelled")
	p.shot("replaced")
	s.o.Exec("pos.order", "compago_cancel", []any{other}, nil)
	s.waitOrderState(t, other, "cancelled", "failed", "expired")
	// The back office cancels the order it no longer charges: a POS opened
	// later does not load it as a draft of this shop.
	s.o.Exec("pos.order", "action_pos_order_cancel", []any{[]any{other}}, nil)
	p.send() // Retry
	p.waitMessage("Waiting for the card")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// The browser is closed after Send; the card is charged; a POS opened
// later (another browser) finds the order with its one paid line.
func (s *shop) closedBrowserThenReopen(t *testing.T) {
	if s.major < 18 {
		t.Skip("17 loads no draft order of the server at start: the reopened POS finds it through its order list")
	}
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	in := s.intentFor(t, p)
	p.close()
	s.approve(t)
	id := s.orderID(t, uuid)
	s.waitOrderState(t, id, "paid")
	q := s.openPOS(t, "")
	q.waitJS("the reopened POS holds the order with its paid line", fmt.Sprintf(
		`posmodel.models["pos.order"].getAll().some((o) => o.uuid === %s && o.payment_ids.some((l) => l.transaction_id === %s))`,
		js(uuid), js(in.ID)))
	q.shot("reopened")
	s.checkAgree(t, q, uuid, "")
}

// orderID is Odoo's id of the POS's order.
func (s *shop) orderID(t *testing.T, ref string) int64 {
	t.Helper()
	field := "uuid"
	if s.major < 18 {
		field = "pos_reference"
	}
	res := s.o.Exec("pos.order", "search", []any{[]any{[]any{field, "=", ref}}}, nil)
	ids, _ := res.([]any)
	if len(ids) != 1 {
		t.Fatalf("Odoo holds %d orders %s, want 1", len(ids), ref)
	}
	return int64(ids[0].(float64))
}

// waitOrderState waits until the order's Compago state is one of want.
func (s *shop) waitOrderState(t *testing.T, id int64, want ...string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	var last any
	for time.Now().Before(deadline) {
		res := s.o.Exec("pos.order", "read", []any{[]any{id}, []any{"x_compago_state"}}, nil)
		last = res.([]any)[0].(map[string]any)["x_compago_state"]
		for _, w := range want {
			if last == w {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("order %d: Compago state %v, want one of %v", id, last, want)
}
