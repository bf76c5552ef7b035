package posui_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// attacks are the scenarios of a cashier who tries to steer money, or
// whose POS meets a race, on 19.0's front end (TestPOS runs them in the
// 19.0 shop): each states what the cashier and the back office must see.
// The goal: every charged card ends as exactly one payment line, no card
// is charged twice, no order is paid without a card charged. They use
// 19's own API; 17 and 18 share the fixes' code and run the ten flows.
var attacks = []struct {
	name string
	run  func(s *shop) func(*testing.T)
}{
	{"attack_force_done_from_the_console_then_validate", func(s *shop) func(*testing.T) { return s.forceDoneThenValidate }},
	{"attack_late_expired_status_after_retry", func(s *shop) func(*testing.T) { return s.lateExpiredAfterRetry }},
	{"attack_send_pressed_twice", func(s *shop) func(*testing.T) { return s.sendPressedTwice }},
	{"attack_cash_and_validate_while_the_card_waits", func(s *shop) func(*testing.T) { return s.cashWhileTheCardWaits }},
	{"attack_force_cancel_while_the_cancel_is_slow", func(s *shop) func(*testing.T) { return s.forceCancelWhileTheCancelIsSlow }},
}

// hold makes the page's requests matching pattern wait on the network at
// stage (before Odoo sees them, or before the page gets Odoo's answer) and
// returns them as they are held, for the test to let through
// (fetch.ContinueRequest) in the order it chooses.
func (p *pos) hold(pattern string, stage fetch.RequestStage) <-chan *fetch.EventRequestPaused {
	p.t.Helper()
	paused := make(chan *fetch.EventRequestPaused, 8)
	if err := chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			select {
			case paused <- e:
			default:
			}
		}
	}); err != nil {
		p.t.Fatalf("watch the page's requests: %v", err)
	}
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: pattern, RequestStage: stage}}}); err != nil {
		p.t.Fatalf("hold the page's requests to %s: %v", pattern, err)
	}
	return paused
}

// orderState is the order's state in Odoo and its payment lines' count.
func (s *shop) orderState(t *testing.T, ref string) (string, int) {
	t.Helper()
	res := s.o.Exec("pos.order", "search_read", []any{[]any{[]any{"uuid", "=", ref}}},
		map[string]any{"fields": []any{"state", "payment_ids"}})
	rows, _ := res.([]any)
	if len(rows) != 1 {
		t.Fatalf("Odoo holds %d orders of the POS's order %s, want exactly 1: %v", len(rows), ref, rows)
	}
	o := rows[0].(map[string]any)
	ids, _ := o["payment_ids"].([]any)
	state, _ := o["state"].(string)
	return state, len(ids)
}

// The cashier sends the card payment, then, from the browser's console,
// does what 19's hidden "Force done" does (the line's status set to done)
// and presses Validate, no card charged. Odoo must not complete the order:
// it holds no payment, and the cashier is not shown a receipt of a paid
// order. The customer then pays by card: the order ends paid with that one
// card line.
func (s *shop) forceDoneThenValidate(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	eval[bool](p, `(() => { const l = `+p.selectedLine()+`; l.setPaymentStatus("done"); posmodel.paymentTerminalInProgress = false; return true; })()`)
	find := `[...document.querySelectorAll(".payment-screen .next")].find((e) => e.textContent.includes("Validate"))`
	p.waitJS("Validate can be pressed", "!!"+find)
	eval[bool](p, find+`.click(), true`)
	// Odoo answers the sync: a refusal (a dialog) or the receipt.
	p.waitJS("Odoo's answer to Validate (a dialog or the receipt)",
		`!!document.querySelector(".receipt-screen") || !!document.querySelector(".modal-dialog, .o_dialog")`)
	p.shot("forced-validate")
	receipt := eval[bool](p, `!!document.querySelector(".receipt-screen")`)
	dialog := eval[string](p, `document.querySelector(".modal-dialog, .o_dialog")?.innerText ?? ""`)
	state, lines := s.orderState(t, uuid)
	t.Logf("after the forced Validate: receipt shown %v, dialog %q, Odoo's order %s with %d payment lines", receipt, dialog, state, lines)
	if state != "draft" || lines != 0 {
		t.Errorf("Odoo holds the order %s with %d payment lines though no card was charged; want it draft with none", state, lines)
	}
	if receipt {
		t.Errorf("the cashier is shown the receipt of an order no card paid")
	}
	if s.w.Compago.Intents() == nil {
		t.Fatalf("compagosim holds no intent")
	}
	// The customer pays by card after all: the order ends paid with that
	// one card line, the daemon's.
	s.approve(t)
	id := s.orderID(t, uuid)
	s.waitOrderState(t, id, "paid")
	if dialog != "" {
		eval[bool](p, `([...document.querySelectorAll(".modal-dialog button, .o_dialog button")].find((b) => /ok|close|cerrar/i.test(b.textContent))?.click(), true)`)
	}
	if !receipt {
		p.validate()
	}
	s.checkAgree(t, p, uuid, "paid")
}

// The request expires; the cashier presses Retry, and a status of the
// expired request reaches the page only now (a bus notification delivered
// late, or replayed as the page's websocket reconnects; a poll's answer
// overtaken by Send's). The line must go on waiting for the new request:
// the customer's card is charged on the terminal and the cashier sees
// "Payment Successful", never "Transaction cancelled" over a live request
// (he would take cash for a card the terminal then charges).
func (s *shop) lateExpiredAfterRetry(t *testing.T) {
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
	id := s.orderID(t, uuid)
	// The expired request's status, as Odoo sends it on the bus.
	eval[bool](p, fmt.Sprintf(`posmodel.env.services.orm.call("pos.order", "compago_status", [[%d]]).then((r) => (window.__stale = r[0], r[0].state === "expired"))`, id))
	p.send() // Retry
	p.waitMessage("Waiting for the card")
	p.waitJS("the line knows the new intent", fmt.Sprintf(`(() => { const l = %s; return !!(l && l.compago && l.compago.intent_id && l.compago.intent_id !== %s); })()`,
		p.selectedLine(), js(in.ID)))
	// The late notification reaches the POS's bus handler (pos_store.js:
	// every Compago terminal applies it).
	eval[bool](p, `(posmodel.compagoTerminals().forEach((term) => term.apply(window.__stale)), true)`)
	p.shot("late-expired")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// The cashier's Send is taken twice before the POS redraws (a double tap
// on a busy tablet: both clicks queued before the next frame). Odoo
// answers both requests: one is sent to the terminal, the other refused
// ("already in progress"). The refusal's answer is held on the network so
// that it reaches the page after the accepted one's (it often does so by
// itself: 1 run in 2 without the hold). One request goes to the terminal;
// the line must wait for it: the card is charged once, the cashier sees
// "Payment Successful" and validates.
func (s *shop) sendPressedTwice(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	before := len(s.w.Compago.Intents())
	paused := p.hold("*compago_send*", fetch.RequestStageResponse)
	p.waitJS("Send can be pressed", `!!document.querySelector(".send_payment_request")`)
	eval[bool](p, `(() => { const b = document.querySelector(".send_payment_request"); b.click(); b.click(); return true; })()`)
	// Odoo's answers, held: the first one, and a second one if the second
	// tap made its own request.
	var answers []*fetch.EventRequestPaused
	for limit := waitLimit; len(answers) < 2; limit = 15 * time.Second {
		select {
		case e := <-paused:
			answers = append(answers, e)
			continue
		case <-time.After(limit):
		}
		break
	}
	if len(answers) == 0 {
		p.fail("Send made no request to Odoo")
	}
	refused := func(e *fetch.EventRequestPaused) bool {
		b, err := chromedp.Call(p.ctx, fetch.GetResponseBody, fetch.GetResponseBodyParams{RequestID: e.RequestID})
		if err != nil {
			t.Fatalf("read Odoo's answer to Send: %v", err)
		}
		return strings.Contains(string(b.Body), `"error"`)
	}
	sort.SliceStable(answers, func(i, j int) bool { return !refused(answers[i]) && refused(answers[j]) })
	t.Logf("Send pressed twice: %d requests to Odoo, refused: %v", len(answers), func() []bool {
		var r []bool
		for _, a := range answers {
			r = append(r, refused(a))
		}
		return r
	}())
	for i, e := range answers {
		if _, err := chromedp.Call(p.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID}); err != nil {
			t.Fatalf("give the page Odoo's answer: %v", err)
		}
		if i == 0 && len(answers) > 1 {
			// The accepted answer is taken: the line waits for the card.
			p.waitJS("the line waits for the card", p.selectedLine()+`.payment_status === "waitingCard"`)
		}
	}
	if _, err := chromedp.Call(p.ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatalf("stop holding answers: %v", err)
	}
	// The daemon sends the accepted request to the terminal.
	deadline := time.Now().Add(waitLimit)
	for len(s.w.Compago.Intents()) == before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	p.shot("sent-twice")
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
	if n := len(s.w.Compago.Intents()) - before; n != 1 {
		t.Errorf("Send pressed twice made %d intents on the terminal, want 1", n)
	}
}

// The cashier sends the card payment and, while the terminal waits for the
// card, tries to take the whole amount in cash and validate (19 drops a
// line that is not done at validation: the terminal would go on asking for
// the card of an order paid in cash). The POS refuses the cash line while
// the card payment is in progress; the card then pays the order, once.
func (s *shop) cashWhileTheCardWaits(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	p.method("Cash")
	p.waitJS("the POS refuses a cash line while the card payment is in progress",
		`document.body.innerText.includes("There is already an electronic payment in progress")`)
	p.shot("cash-refused")
	if n := eval[int](p, p.order()+`.payment_ids.length`); n != 1 {
		t.Errorf("the order holds %d payment lines after the refused cash line, want the Compago line only", n)
	}
	eval[bool](p, `([...document.querySelectorAll(".modal-dialog button, .o_dialog button")].find((b) => /ok/i.test(b.textContent))?.click(), true)`)
	s.approve(t)
	p.waitLine("Payment Successful")
	p.validate()
	s.checkAgree(t, p, uuid, "paid")
}

// intentStatus is compagosim's status of the intent id ("" if unknown).
func (s *shop) intentStatus(id string) string {
	for _, in := range s.w.Compago.Intents() {
		if in.ID == id {
			return in.Status
		}
	}
	return ""
}

// The cashier presses Cancel as the customer taps the card: Odoo's answer
// to the cancel is slow (its write waits on the order's row, which the
// daemon holds while it records the charge; here the request is held on
// the network). Meanwhile 19 shows "Force cancel" on a line waiting for its
// cancel. A Compago line must not be cancelled by the cashier over the
// daemon's word: the card may be charged. Pressed, the line says
// "Transaction cancelled"; the cashier removes it and takes cash; the card
// was charged: the customer pays twice.
func (s *shop) forceCancelWhileTheCancelIsSlow(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.send()
	p.waitMessage("Waiting for the card")
	paused := p.hold("*compago_cancel*", fetch.RequestStageRequest)
	var held *fetch.EventRequestPaused
	release := func() {
		if held == nil {
			return
		}
		if _, err := chromedp.Call(p.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held.RequestID}); err != nil {
			t.Fatalf("let the cancel through: %v", err)
		}
		held = nil
		if _, err := chromedp.Call(p.ctx, fetch.Disable, cdp.Empty{}); err != nil {
			t.Fatalf("stop holding: %v", err)
		}
	}
	defer release()
	p.click("Cancel", ".send_payment_cancel")
	select {
	case held = <-paused:
	case <-time.After(waitLimit):
		p.fail("Cancel made no request to Odoo")
	}
	p.waitJS("the line waits for its cancel", p.selectedLine()+`.payment_status === "waitingCancel"`)
	id := s.orderID(t, uuid)
	if !eval[bool](p, `!!document.querySelector(".paymentline .send_force_done")`) {
		t.Logf("no Force cancel offered: the line waits for the daemon's word")
		s.approve(t) // the card is charged as the cancel waits
		s.waitOrderState(t, id, "paid")
		release()
		p.waitLine("Payment Successful")
		p.validate()
		s.checkAgree(t, p, uuid, "paid")
		return
	}
	t.Errorf("the Compago line waiting for its cancel offers the cashier %q", eval[string](p, `document.querySelector(".paymentline .send_force_done").textContent.trim()`))
	p.click("Force cancel", ".paymentline .send_force_done")
	s.approve(t) // the card is charged as the cancel waits
	s.waitOrderState(t, id, "paid")
	p.waitLine("Transaction cancelled")
	p.shot("force-cancelled")
	p.click("remove the Compago line", ".paymentline.selected .delete-button")
	p.method("Cash")
	find := `[...document.querySelectorAll(".payment-screen .next")].find((e) => e.textContent.includes("Validate"))`
	p.waitJS("Validate can be pressed", "!!"+find)
	eval[bool](p, find+`.click(), true`)
	p.waitJS("Odoo's answer to Validate (a dialog or the receipt)",
		`!!document.querySelector(".receipt-screen") || !!document.querySelector(".modal-dialog, .o_dialog")`)
	p.shot("cash-after-force-cancel")
	state, _ := s.orderState(t, uuid)
	t.Logf("after Force cancel and cash: receipt shown %v, dialog %q; Odoo holds the order %s with the lines %v",
		eval[bool](p, `!!document.querySelector(".receipt-screen")`),
		eval[string](p, `document.querySelector(".modal-dialog, .o_dialog")?.innerText ?? ""`), state, s.w.Payments(id))
	release()
	var cards, cash int
	for _, l := range s.w.Payments(id) {
		if tx, _ := l["transaction_id"].(string); tx != "" {
			cards++
		} else {
			cash++
		}
	}
	if cards > 0 && cash > 0 {
		t.Errorf("the customer paid twice: Odoo holds %d card and %d cash lines for one 350.50 order", cards, cash)
	}
}
