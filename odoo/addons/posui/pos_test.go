package posui_test

import (
	"strings"
	"testing"

	"github.com/compago-odoo/connector/compago/compagosim"

	"github.com/compago-odoo/connector/odoo/odootest"
)

// TestPOS runs the cashier's scenarios on each version, one Odoo per
// version shared by its scenarios.
func TestPOS(t *testing.T) {
	odootest.Each(t, func(t *testing.T, version string) {
		s := startShop(t, version)
		t.Run("pay_the_whole_order", s.payTheWholeOrder)
		t.Run("split_tender", s.splitTender)
		t.Run("cancel_before_the_card", s.cancelBeforeTheCard)
		t.Run("cancel_after_the_charge", s.cancelAfterTheCharge)
		t.Run("decline_then_another_card", s.declineThenAnotherCard)
		t.Run("expiry_then_retry", s.expiryThenRetry)
		t.Run("replaced_by_a_second_request", s.replacedBySecondRequest)
		t.Run("reload_after_send", s.reloadAfterSend)
		t.Run("closed_browser_then_reopen", s.closedBrowserThenReopen)
		t.Run("odoo_unreachable_at_send", s.odooUnreachable)
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
