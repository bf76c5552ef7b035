// Package connector is the engine of compago-connector: it watches Odoo for
// orders flagged for a Compago card payment, creates the payment intents,
// polls them, and writes the outcome back to Odoo, so that every card that
// is charged ends as exactly one payment line on its order.
//
// The engine owns the payment state machine on the server and keeps it in a
// durable journal (package journal). The journal is written before anything
// is done elsewhere:
//
//	flag "requested" in Odoo
//	  → Begin: attempt n recorded as creating, externalId <prefix>-<order>-<n>
//	  → Compago create (retried only with the same externalId)
//	  → pending: intent id recorded, then written to Odoo with the deep link
//	  → polled every poll interval (jitter, bounded concurrency, Retry-After)
//	  → confirmed: the card is charged; the payment must reach Odoo
//	  → recorded: pos.payment added (transaction_id = intent id), order
//	    completed through the back-office payment wizard, x_compago_state paid
//
// or cancelled (by the cashier, on the terminal, or replaced by a newer
// intent on the same terminal), expired, failed (Compago refused), or unknown
// (Compago says the externalId exists but never told us the intent id: a
// human must look).
//
// Odoo is a projection of the journal. Every attempt carries a version that
// each state change bumps, and the version Odoo last acknowledged; the outbox
// (the outbox) writes whatever Odoo is behind on until Odoo accepts it, so an
// Odoo outage delays the write-back but loses nothing. Recording a payment is
// idempotent: a pos.payment with the intent id as transaction_id means done.
//
// Parts, each a small loop around a synchronous step that tests can drive:
// the watcher (one search_read per tick for flagged orders), the creator, the
// poller (a timer heap, not a goroutine per intent), the canceller, the outbox
// and the cron sweep (stuck write-aheads, expiry, unknown Odoo flags, pruning).
//
// Decisions taken where the specification (compago-payment-intents.txt and
// DESIGN.md) is silent:
//   - A new attempt for an order starts only when its previous attempt is
//     final AND Odoo has seen that final state: a "requested" flag that Odoo
//     still shows because our write of "expired" has not landed yet is stale,
//     not a retry.
//   - While an attempt is being created or cancelled the engine does not write
//     x_compago_state (only the message), so a cashier's cancel written in
//     between is never overwritten.
//   - x_compago_amount larger than what is still due is refused: the card is
//     never charged for more than the order needs.
//   - An order in a closed session is refused before charging; a payment that
//     was charged and then meets a closed session or an order changed under
//     it is parked (Attention) and reported, never dropped.
package connector
