package posui_test

import (
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"

	"github.com/compago-odoo/connector/odoo/odootest"
)

// TestPOS runs the cashier's scenarios on each version, one Odoo per
// version shared by its scenarios: all ten on 17.0, 18.0 and 19.0, and the
// attacks (attack_test.go) on 19.0, in CI too (about 9 minutes on two
// cores).
func TestPOS(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(s *shop) func(*testing.T)
	}{
		{"pay_the_whole_order", func(s *shop) func(*testing.T) { return s.payTheWholeOrder }},
		{"split_tender", func(s *shop) func(*testing.T) { return s.splitTender }},
		{"cancel_before_the_card", func(s *shop) func(*testing.T) { return s.cancelBeforeTheCard }},
		{"cancel_after_the_charge", func(s *shop) func(*testing.T) { return s.cancelAfterTheCharge }},
		{"decline_then_another_card", func(s *shop) func(*testing.T) { return s.declineThenAnotherCard }},
		{"expiry_then_retry", func(s *shop) func(*testing.T) { return s.expiryThenRetry }},
		{"replaced_by_a_second_request", func(s *shop) func(*testing.T) { return s.replacedBySecondRequest }},
		{"reload_after_send", func(s *shop) func(*testing.T) { return s.reloadAfterSend }},
		{"closed_browser_then_reopen", func(s *shop) func(*testing.T) { return s.closedBrowserThenReopen }},
		{"odoo_unreachable_at_send", func(s *shop) func(*testing.T) { return s.odooUnreachable }},
	}
	odootest.Each(t, func(t *testing.T, version string) {
		s := startShop(t, version)
		for _, sc := range scenarios {
			t.Run(sc.name, sc.run(s))
		}
		if version == "19.0" {
			for _, sc := range attacks {
				t.Run(sc.name, sc.run(s))
			}
		}
	})
}

// The cashier rings up an item, chooses Compago for the whole amount and
// presses Send; the line shows the daemon's sentence and the same-device
// button; the customer's card is charged on the terminal; the line turns
// done with the intent as its transaction, and the cashier validates.
func (s *shop) payTheWholeOrder(t *testing.T) {
	p := s.openPOS(t, "")
	uuid := p.ring()
	p.pay()
	p.method("Compago")
	p.shot("compago-line")
	p.send()
	p.waitMessage("Waiting for the card")
	// Odoo's "Force done" would mark the line paid with no card charged
	// (19 offers it on a line waiting for the card): a Compago line is done
	// only when the daemon recorded the charge.
	if eval[bool](p, `!!document.querySelector(".paymentline .send_force_done")`) {
		t.Errorf("the waiting Compago line offers the cashier \"Force done\"")
	}
	p.waitJS("the same-device button opens the Compago app",
		`(document.querySelector(".compago-deeplink")?.getAttribute("href") ?? "").startsWith("compago-pos-app:///charge/payment-intent/")`)
	p.shot("waiting-for-the-card")
	if _, err := s.w.Compago.ApproveTerminal(terminal); err != nil {
		t.Fatalf("approve the card on %s: %v", terminal, err)
	}
	p.waitLine("Payment Successful")
	p.shot("paid")
	p.validate()
	p.shot("receipt")
	s.checkAgree(t, p, uuid, "paid")

	// What the POS page loads holds neither Compago's key nor its URL.
	page := eval[string](p, `(async () => {
		const urls = [location.href, ...[...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((e) => e.src || e.href)];
		const texts = await Promise.all(urls.map((u) => fetch(u).then((r) => r.text())));
		return texts.join("\n");
	})()`)
	for _, secret := range []string{compagosim.DefaultAPIKey, s.w.CompagoURL, strings.TrimPrefix(s.w.CompagoURL, "http://")} {
		if strings.Contains(page, secret) {
			t.Errorf("the POS's page and assets contain %q", secret)
		}
	}
}
