// Package compagosim is an in-memory Compago payment-intent API with virtual
// terminals, faithful to the Compago document (compago-payment-intents.txt).
// A Server is an http.Handler: tests serve it with net/http/httptest, the
// sandbox with http.Server, so tests and demo run the very same code.
//
// # Public API
//
//	POST /api/payment-intent              create
//	GET  /api/payment-intent/{id}         poll
//	POST /api/payment-intent/{id}/cancel  cancel
//
// Rules of the document, all enforced: an x-api-key per organization (401
// {"message":"Unauthorized"} otherwise); MXN only; externalId unique per
// organization, atomically under concurrent creates; a terminalCode (serial)
// routes the intent to that terminal and cancels the terminal's other
// PENDING intents; without one the intent is unrouted and any terminal of
// the organization can take it; intents expire 10 minutes after creation;
// only a pending intent can be cancelled; errors are {"message": ...} with
// the document's codes and texts; another organization's intent is 404,
// exactly like a missing one.
//
// Requests are checked in a fixed order: injected faults, the API key, the
// body (JSON object, amount, currency, externalId, terminalCode), the
// terminal, externalId uniqueness.
//
// # Decisions where the document is silent
//
//   - Create answers 201 with the document's full object (id, status,
//     amount, currency, externalId, organizationId, terminalId, createdAt,
//     updatedAt). terminalId is null for an unrouted intent: the document
//     shows one only for a routed intent. Amounts are written with two
//     decimals (350.50), timestamps in UTC with milliseconds.
//   - GET answers the document's short shape {id, status, expired} plus
//     paymentSummary {status} once the terminal has tried a card. The
//     document shows no other field, and a client must live with that.
//   - Cancel answers 200 with the full object, status CANCELLED.
//   - A duplicate externalId answers 409 {"message":"Payment intent with
//     this externalId already exists"}: the document says only "an error";
//     409 Conflict is the usual code and cannot be confused with the 400s of
//     the table.
//   - expired is true only while the status is PENDING and 10 minutes have
//     passed (the status stays PENDING, as the document's polling rules
//     imply by testing expired apart from status). A confirmed intent never
//     shows expired, so a poller that tests expired before paymentSummary
//     cannot miss a payment.
//   - Creating an intent for a terminal cancels its other PENDING intents
//     that have not expired; expired ones are over and stay as they are.
//   - Cancel of an expired intent succeeds and makes it CANCELLED (expired
//     false): nothing can be charged on it any more, it is what a clean-up
//     wants, and the document lists no error for it. Cancel of a cancelled
//     intent answers 200 with it again, unchanged, so a cancel retried after
//     a lost answer gets the same answer. Cancel of a confirmed intent is the
//     document's 400 "Payment intent already confirmed".
//   - Amount: a JSON number (a string is 400), greater than 0, at most two
//     decimal places (trailing zeros do not count: 350.500 is 350.50),
//     at most MaxAmount (1,000,000.00 MXN: a card-present charge beyond that
//     is a units mistake). Parsing is exact decimal arithmetic, no floats.
//   - externalId: a non-blank string of at most MaxExternalIDLength (255)
//     characters. terminalCode: a string; absent, null or "" is unrouted.
//     currency must be exactly "MXN" (missing or "mxn" is the document's
//     400 "Only MXN currency is supported."). Unknown fields are ignored,
//     and Content-Type is not checked (the body is read as JSON whatever
//     it says).
//     Validation errors are 400 with one sentence, e.g. "amount must have at
//     most 2 decimal places"; a body that is not a JSON object is 400
//     "Invalid JSON body"; a body over 64 KiB is 413.
//   - A terminalCode of another organization is 404 "Terminal not found".
//     Serials are unique across organizations (they name devices).
//   - An intent id that is not a UUID is simply not found (404), as is an
//     unknown route ("Cannot GET /path", the shape of the usual frameworks).
//   - An API key in OrphanKeys is a user without an organization: 400
//     "User does not have an organization" on every call.
//   - Intent ids are random UUIDs (never repeated across restarts);
//     organization and terminal ids derive from Options.Seed, so a sandbox
//     keeps them from one run to the next.
//
// # Terminal actions (control API)
//
//   - Expire (POST /sim/payment-intents/{id}/expire): that one intent's 10
//     minutes are over now; the clock does not move for the others.
//   - Approve: the card is charged: CONFIRMED, paymentSummary SUCCESS. An
//     unrouted intent approved by id is taken by its organization's first
//     terminal; ApproveTerminal approves the intent routed to that terminal,
//     else the organization's oldest unrouted pending one.
//   - Decline: the card was declined on the terminal. The intent stays
//     PENDING (the customer may try another card until it expires) and GET
//     shows paymentSummary {"status":"DECLINED"}; a later approve succeeds.
//   - Approving or declining an expired, cancelled or confirmed intent is
//     refused (ErrNotPending; 409 with a message on the HTTP control API).
//
// # Control API (no authentication, sandbox and tests only)
//
//	POST   /sim/payment-intents/{id}/approve
//	POST   /sim/payment-intents/{id}/decline
//	POST   /sim/payment-intents/{id}/expire
//	POST   /sim/payment-intents/{id}/charge-late
//	POST   /sim/terminals/{code}/approve   the intent routed to the terminal, else the oldest unrouted one
//	POST   /sim/terminals/{code}/decline   the same intent, its card declined (it stays PENDING)
//	GET    /sim/payment-intents       every intent, all fields, creation order
//	GET    /sim/terminals             terminals and their pending intent
//	GET    /sim/clock                 {"now": ...}
//	POST   /sim/clock                 {"advance":"10m"} answers the new time
//	GET    /sim/faults
//	POST   /sim/faults                {"error_rate":0.2,"status":503,"latency":"300ms","when":"before","retry_after":"2s"}
//	DELETE /sim/faults
//	GET    /sim/oddities
//	POST   /sim/oddities              {"kind":"create_amount","amount":35.05,"intent":"","times":1,"value":""}
//	DELETE /sim/oddities
//	GET    /sim/stats                 {"requests": {"GET /api/payment-intent/{id}": 3, ...}}
//
// Unauthenticated as it is, the control API must not be reachable from a
// web page open in the same browser: every request must name a loopback
// Host (or the IP address it arrived on), else 403 (DNS rebinding sends
// the attacker's name); every request but a GET must say Content-Type:
// application/json, else 415 (a cross-site form cannot, and a cross-site
// fetch that does needs a CORS preflight that is never granted).
//
// The clock is Options.Start plus real elapsed time plus every advance.
// Faults apply to the public API only. "before": a faulted request is
// rejected with the fault's status and has no effect. "after": the request
// takes effect and its answer is replaced by the fault's. Latency delays
// every public request at the same point; a client that gives up during a
// "before" delay never reaches the service. A fault may carry its own body
// (Faults.Body) to serve malformed or oversized answers.
//
// # Odd answers (oddities)
//
// A real backend answers in shapes the document does not show. An Oddity
// plays one of them on demand, so that tests, the sandbox and the bench
// can check what a client makes of it. Each is armed with POST
// /sim/oddities (or AddOddity), applies to the next request of its
// operation (or only to the intent named by "intent"; for a create, the
// request with that externalId), "times" times (default once, negative
// until DELETE /sim/oddities), and is played after the API key check: the
// request is otherwise well formed.
//
//	cancel_says_confirmed    cancel: 400 "Payment intent already confirmed" although nothing
//	                         was charged; a pending intent is cancelled, an expired or
//	                         cancelled one stays so
//	cancel_lies_cancelled    cancel: 200 CANCELLED while the intent stays PENDING (chargeable)
//	cancel_answers_pending   cancel: 200 PENDING ("accepted, in progress"); nothing changes
//	cancel_answers_confirmed cancel: 200 CONFIRMED without paymentSummary; nothing changes
//	create_amount            create: the intent is created and answered with "amount"
//	                         (the customer is asked to pay that)
//	create_foreign           create: the intent asked for is created (PENDING, its id never
//	                         told) and the answer is another integration's intent:
//	                         externalId "value" (default other-pos-77), "amount" (default
//	                         10.00), unrouted, stored so that it can be approved
//	create_terminal          create: the intent is created and answered routed to the next
//	                         terminal of the organization
//	confirmed_no_summary     get: CONFIRMED without paymentSummary
//	payment_summary          get: paymentSummary "value" (default PROCESSING; APPROVED,
//	                         FAILED, ...) beside the intent's real status
//	unknown_status           get: status "value" (default AUTHORIZED), unknown to the document
//	other_id                 get: the answer names another intent ("value", default a fresh
//	                         id), CONFIRMED with paymentSummary SUCCESS
//	not_found                get, cancel: 404 "Payment intent not found" for an intent
//	                         that exists; nothing changes
//	rate_limited             any: 429 with Retry-After "value" sent as is ("86400", or an
//	                         HTTP date hours ahead; default 86400); nothing changes
//
// Two more odd behaviours need no oddity: a 5xx storm is POST /sim/faults
// {"error_rate":1,"status":503} (every public request fails until DELETE),
// and a charge landing after the 10 minutes or after a cancel is POST
// /sim/payment-intents/{id}/charge-late (ChargeLate): the terminal started
// the charge in time and it completed late; the intent becomes CONFIRMED
// with paymentSummary SUCCESS whatever it was, unless already confirmed.
package compagosim
