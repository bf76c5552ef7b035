package connector_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compago-odoo/connector/compago/compagosim"
	"github.com/compago-odoo/connector/connector"
	"github.com/compago-odoo/connector/connector/journal"
	"github.com/compago-odoo/connector/connector/simworld"
	"github.com/compago-odoo/connector/odoo"
)

// transports lists every Odoo transport the daemon can use, with an Odoo
// version that has it.
var transports = []struct {
	name     string
	version  int
	protocol odoo.Protocol
}{
	{"jsonrpc-16", 16, odoo.ProtocolJSONRPC},
	{"jsonrpc-18", 18, odoo.ProtocolJSONRPC},
	{"xmlrpc-17", 17, odoo.ProtocolXMLRPC},
	{"json2-19", 19, odoo.ProtocolJSON2},
}

func TestRoutedPaymentEndsPaidWithOnePaymentLine(t *testing.T) {
	eachTransport(t, routedPaymentEndsPaid)
}

// routedPaymentEndsPaid: a payment routed to a terminal shows the cashier
// the intent, the terminal and the amount while pending; once the card is
// charged the order is paid with exactly one payment line of its amount.
// Like every scenario of e2eScenarios it runs on odoosim and on real Odoo
// (realodoo_e2e_test.go).
func routedPaymentEndsPaid(t *testing.T, w *world) {
	w.startDaemon(nil)
	id := w.NewOrder(350.50, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})

	o := w.WaitState(id, connector.StatePending)
	intent, _ := o["x_compago_intent_id"].(string)
	if intent == "" {
		t.Fatalf("pending order shows no intent id: %v", o)
	}
	if want := "compago-pos-app:///charge/payment-intent/" + intent; o["x_compago_deeplink"] != want {
		t.Errorf("deep link = %v, want %s", o["x_compago_deeplink"], want)
	}
	if want := fmt.Sprintf("sandbox-%d-1", id); o["x_compago_external_id"] != want {
		t.Errorf("externalId = %v, want %s", o["x_compago_external_id"], want)
	}
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "TERMINAL-001") || !strings.Contains(msg, "350.50 MXN") {
		t.Errorf("cashier message = %q, want the terminal and the amount", msg)
	}
	in := w.intentOf(id)
	if in.TerminalCode != "TERMINAL-001" || in.Amount != 35050 || in.Currency != "MXN" {
		t.Errorf("intent at Compago = %+v, want 350.50 MXN routed to TERMINAL-001", in)
	}

	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	o = w.WaitState(id, connector.StatePaid)
	if o["state"] != "paid" {
		t.Errorf("order state = %v, want paid (completed like the back-office Payment button)", o["state"])
	}
	pays := w.Payments(id)
	if len(pays) != 1 {
		t.Fatalf("payment lines = %v, want exactly one", pays)
	}
	p := pays[0]
	if p["transaction_id"] != intent || simworld.Float(p["amount"]) != 350.5 || p["payment_status"] != "done" {
		t.Errorf("payment line = %v, want 350.5 with transaction_id %s and status done", p, intent)
	}
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "Paid 350.50 MXN") {
		t.Errorf("cashier message = %q, want it to say paid", msg)
	}
	w.CheckInvariants()
}

func TestUnroutedPaymentIsTakenByAnyTerminal(t *testing.T) {
	eachTransport(t, unroutedPayment)
}

// unroutedPayment: an intent without a terminal is taken by whichever
// terminal the customer uses.
func unroutedPayment(t *testing.T, w *world) {
	w.startDaemon(nil)
	id := w.NewOrder(120, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	w.WaitState(id, connector.StatePending)
	if in := w.intentOf(id); in.TerminalCode != "" {
		t.Fatalf("intent routed to %q, want unrouted", in.TerminalCode)
	}
	if _, err := w.Compago.ApproveTerminal("TERMINAL-002"); err != nil {
		t.Fatalf("TERMINAL-002 takes the unrouted intent: %v", err)
	}
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
}

func TestDefaultTerminalOfThePOSConfig(t *testing.T) {
	eachTransport(t, defaultTerminalOfThePOSConfig)
}

// defaultTerminalOfThePOSConfig: an order of the "Shop" config without a
// terminal goes to the one the daemon's configuration names for Shop.
func defaultTerminalOfThePOSConfig(t *testing.T, w *world) {
	w.startDaemon(func(c *connector.Config) { c.Terminals = map[string]string{"Shop": "TERMINAL-003"} })
	id := w.NewOrder(80, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	w.WaitState(id, connector.StatePending)
	if in := w.intentOf(id); in.TerminalCode != "TERMINAL-003" {
		t.Fatalf("intent routed to %q, want the Shop's default TERMINAL-003", in.TerminalCode)
	}
}

func TestCashierCancelsAPendingPayment(t *testing.T) {
	eachTransport(t, cashierCancels)
}

// cashierCancels: the cashier cancels while the card is not charged; the
// terminal is freed and Odoo has no line.
func cashierCancels(t *testing.T, w *world) {
	w.startDaemon(nil)
	id := w.NewOrder(99.99, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(id, connector.StatePending)
	w.Flag(id, map[string]any{"x_compago_state": "cancel_requested"})
	o := w.WaitState(id, connector.StateCancelled)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "cancelled") {
		t.Errorf("cashier message = %q", msg)
	}
	if in := w.intentOf(id); in.Status != "CANCELLED" {
		t.Errorf("intent at Compago is %s, want CANCELLED (the terminal is freed)", in.Status)
	}
	if pays := w.Payments(id); len(pays) != 0 {
		t.Errorf("a cancelled payment has payment lines: %v", pays)
	}
	w.CheckInvariants()
}

func TestCancelRacingTheCardEndsPaid(t *testing.T) {
	eachTransport(t, cancelRacingTheCard)
}

// cancelRacingTheCard: the card is charged just before the cashier's
// cancel; the cancel learns of the charge and the order ends paid once.
func cancelRacingTheCard(t *testing.T, w *world) {
	w.startDaemon(func(c *connector.Config) { c.PollInterval = time.Hour }) // only the cancel can learn of the charge
	id := w.NewOrder(45, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(id, connector.StatePending)
	if _, err := w.Compago.ApproveTerminal("TERMINAL-001"); err != nil {
		t.Fatal(err)
	}
	w.Flag(id, map[string]any{"x_compago_state": "cancel_requested"})
	o := w.WaitState(id, connector.StatePaid)
	if len(w.Payments(id)) != 1 || o["state"] != "paid" {
		t.Fatalf("the customer paid before the cancel: want the order paid with one line, got %v", o)
	}
	w.CheckInvariants()
}

func TestNewerPaymentOnTheTerminalReplacesTheOlder(t *testing.T) {
	eachTransport(t, newerPaymentReplacesTheOlder)
}

// newerPaymentReplacesTheOlder: a second order sent to a busy terminal
// replaces the first, whose cashier is told so.
func newerPaymentReplacesTheOlder(t *testing.T, w *world) {
	w.startDaemon(nil)
	first := w.NewOrder(10, nil)
	w.Flag(first, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(first, connector.StatePending)
	second := w.NewOrder(20, nil)
	w.Flag(second, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(second, connector.StatePending)

	o := w.WaitState(first, connector.StateCancelled)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "Replaced") || !strings.Contains(msg, "TERMINAL-001") {
		t.Errorf("the first cashier reads %q, want to be told a newer payment replaced it", msg)
	}
	w.Compago.ApproveTerminal("TERMINAL-001")
	w.WaitState(second, connector.StatePaid)
	w.CheckInvariants()
}

func TestExpiredPaymentIsRetriedWithANewExternalID(t *testing.T) {
	eachTransport(t, expiredThenRetried)
}

// expiredThenRetried: an intent that expires unpaid ends expired; the
// cashier's new request goes with a new externalId and is paid.
func expiredThenRetried(t *testing.T, w *world) {
	// The daemon's clock (engine and journal) is moved past the grace
	// period of the expired attempt, which a new request waits for.
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())).UTC() }
	j, err := journal.OpenSQLite(t.Context(), w.JournalPath, journal.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	w.startDaemonOn(j, func(c *connector.Config) { c.Now = clock })
	id := w.NewOrder(200, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-002"})
	w.WaitState(id, connector.StatePending)
	w.Compago.Advance(11 * time.Minute)
	o := w.WaitState(id, connector.StateExpired)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "expired") {
		t.Errorf("cashier message = %q, want it to say the request expired", msg)
	}
	offset.Add(int64(3 * time.Minute))

	w.Flag(id, map[string]any{"x_compago_state": "requested"})
	w.WaitFor("a second attempt", func() bool {
		o := w.Order(id)
		return o["x_compago_state"] == connector.StatePending && o["x_compago_external_id"] == fmt.Sprintf("sandbox-%d-2", id)
	})
	w.Compago.ApproveTerminal("TERMINAL-002")
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
}

func TestUnknownTerminalFailsWithAMessage(t *testing.T) {
	eachTransport(t, unknownTerminal)
}

// unknownTerminal: a terminal Compago does not know fails the request
// with a message naming it.
func unknownTerminal(t *testing.T, w *world) {
	w.startDaemon(nil)
	id := w.NewOrder(50, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "NO-SUCH-TERMINAL"})
	o := w.WaitState(id, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "NO-SUCH-TERMINAL") {
		t.Errorf("cashier message = %q, want it to name the terminal", msg)
	}
	w.CheckInvariants()
}

func TestOrdersThatCannotBeChargedAreRefused(t *testing.T) {
	eachTransport(t, refusals)
}

// refusals: an order asking more than what is due is refused before any
// intent is created.
func refusals(t *testing.T, w *world) {
	w.startDaemon(nil)
	tooMuch := w.NewOrder(100, nil)
	w.Flag(tooMuch, map[string]any{"x_compago_state": "requested", "x_compago_amount": 150.0})
	o := w.WaitState(tooMuch, connector.StateFailed)
	if msg, _ := o["x_compago_message"].(string); !strings.Contains(msg, "more than what is due") {
		t.Errorf("cashier message = %q", msg)
	}
	if n := len(w.Compago.Intents()); n != 0 {
		t.Errorf("%d intents created for refused orders, want none", n)
	}
}

func TestOdooDownWhenTheCardIsChargedIsRecordedLater(t *testing.T) {
	eachTransport(t, odooDownWhenCharged)
}

// odooDownWhenCharged: Odoo is down (as the daemon sees it) when the card
// is charged; the journal holds the charge and Odoo gets it once back.
func odooDownWhenCharged(t *testing.T, w *world) {
	d := w.startDaemon(nil)
	id := w.NewOrder(75.25, nil)
	w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": "TERMINAL-001"})
	w.WaitState(id, connector.StatePending)

	w.SetOdooDown(true)
	w.Compago.ApproveTerminal("TERMINAL-001")
	simworld.WaitFor(t, "the journal to hold the charge while Odoo is down", func() bool {
		a, err := d.journal.Latest(t.Context(), id)
		return err == nil && a.State == "confirmed"
	})
	w.SetOdooDown(false)
	w.WaitState(id, connector.StatePaid)
	w.CheckInvariants()
}

func TestCompago503sStillPayEveryOrder(t *testing.T) {
	eachTransport(t, compago503s)
}

// compago503s: Compago answers 503 to 30% of calls; every order is still
// paid once.
func compago503s(t *testing.T, w *world) {
	w.startDaemon(nil)
	w.Compago.SetFaults(compagosim.Faults{ErrorRate: 0.3, Status: 503, When: "before"})
	// Ten orders, three at a time (one per terminal: a second intent on a
	// terminal would replace the first).
	var orders []int64
	for first := 0; first < 10; first += 3 {
		var batch []int64
		for i := first; i < min(first+3, 10); i++ {
			id := w.NewOrder(float64(10+i), nil)
			w.Flag(id, map[string]any{"x_compago_state": "requested", "x_compago_terminal": fmt.Sprintf("TERMINAL-00%d", i%3+1)})
			batch = append(batch, id)
		}
		for _, id := range batch {
			w.WaitState(id, connector.StatePending)
			if _, err := w.Compago.Approve(w.intentOf(id).ID); err != nil {
				t.Fatal(err)
			}
		}
		orders = append(orders, batch...)
	}
	for _, id := range orders {
		w.WaitState(id, connector.StatePaid)
	}
	w.Compago.ClearFaults()
	w.CheckInvariants()
}

// eachTransport runs a scenario once per Odoo transport on odoosim, with
// the invariants checked after it.
func eachTransport(t *testing.T, scenario func(t *testing.T, w *world)) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{version: tr.version, protocol: tr.protocol})
			scenario(t, w)
			if !t.Failed() {
				w.CheckInvariants()
			}
		})
	}
}
