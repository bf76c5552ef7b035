// Package sandboxui is the sandbox's web page: a Point of Sale till on the
// left, the virtual Compago terminals on the right, so that the whole
// payment story can be watched in a browser. The page (index.html, app.js,
// style.css) is embedded in the binary: no CDN, no build step.
//
// The page talks to a small JSON API of this package, and the API talks to
// the simulators in-process through their Go APIs (odoosim.Server.Exec and
// SetDown, compagosim.Server.Terminals, ApproveTerminal, Decline, Advance,
// SetFaults, Intents). The daemon is not called: it sees the till's orders
// the way it sees a real POS's, through Odoo.
//
//	GET  /api/state                    orders, terminals, clock and faults (the page polls it)
//	POST /api/orders                   {"amount":"350.50","terminal":"TERMINAL-001"}: a flagged draft order
//	POST /api/orders/{id}/cancel       x_compago_state = cancel_requested
//	POST /api/orders/{id}/retry        x_compago_state = requested again
//	POST /api/terminals/{code}/approve the card is charged on that terminal
//	POST /api/terminals/{code}/decline the card is declined on that terminal
//	POST /api/clock                    {"advance":"10m"}: the Compago simulator's clock
//	POST /api/faults                   {"odooDown":true,"compago":"off"|"some"|"all"}
//
// Errors are {"error": "one sentence for the cashier"} with a 4xx or 5xx
// status.
//
// # Decisions
//
//   - Orders are created "as the POS would": pos.order create in the opened
//     session with amount_total, then a write of x_compago_state=requested
//     (and x_compago_terminal when a terminal is chosen). Cancel writes
//     cancel_requested, retry writes requested again. Nothing else.
//   - The till writes to Odoo through Exec, which an Odoo outage does not
//     stop: the outage switch cuts the daemon from Odoo, not the POS (which
//     is Odoo itself). An order flagged during an outage is picked up when it
//     ends.
//   - Amounts are typed as decimal text and parsed exactly into centavos
//     (more than two decimals, zero, negative or above 1,000,000.00 MXN is
//     refused); every amount the page shows is formatted by the connector's
//     own MXN ("1,234.50 MXN"), on the server, so the page does no money
//     arithmetic.
//   - Approve acts on the terminal (ApproveTerminal): the intent routed to it,
//     else the oldest unrouted one, which a terminal card shows as "offered
//     to any terminal". Decline acts on the intent the card shows.
//   - Compago faults: "some" answers 30% of public API calls with 503,
//     "all" every call; the page shows the faults it set itself.
//   - The orders list shows the 15 newest orders.
//   - A POST must say Content-Type: application/json: a cross-site form
//     cannot send that without a preflight this server never grants, so
//     another site open in the same browser cannot press the buttons.
//   - Every request must name a loopback Host (localhost, 127.0.0.1, ::1)
//     or the IP address the page listens on: a DNS rebinding attack, which
//     sends its own name, is refused (403). The simulators' /sim/ control
//     APIs hold to the same two rules.
package sandboxui
