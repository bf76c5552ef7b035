// Package faulttest proves, with the real daemon binary, that no charged
// card is lost and none is charged twice whatever a crash, an outage or a
// full disk does. It holds only tests.
//
// The harness builds `compago-connector` once, serves the Odoo and Compago
// simulators on loopback behind in-process toxiproxy proxies (TCP faults),
// configures the daemon through COMPAGO_CONNECTOR_* variables, flags orders
// in Odoo as a cashier does, approves the intents as a customer does, and
// kills and restarts the daemon. After every run it checks the invariants:
//
//   - no externalId twice, no transaction_id twice;
//   - every charged intent has exactly one payment line, unless the journal
//     holds it as unknown (a human was told: the create's answer was lost
//     and Compago cannot be asked by externalId);
//   - no payment line without a charged intent;
//   - no order left pending in Odoo whose intent is final;
//   - every journal attempt final and written to Odoo, or parked for a
//     human (a charge the daemon would not record: the order changed
//     under it); a parked charge shows its order pending with the sentence
//     "… The back office has been alerted.", and `compago-connector
//     reconcile` lists it as needs_attention;
//   - no order paid beyond its total (no line beyond what is due);
//   - no cashier told "paid": an order showing x_compago_state paid, or a
//     sentence with "Paid ", is paid, done or invoiced in Odoo, or its
//     amount_paid covers its card lines and the sentence states the rest
//     still due.
//
// The exactly-once classes (exactlyonce_test.go) run on odoosim 17, 18
// and 19: odoosim's call faults (502 not applied, 504 applied, applied
// late) on add_payment, the completion and the order's write while cards
// are charged; a cashier cancelling while the intent is created, while the
// card is pending and while add_payment is held, asking again right after,
// paying part in cash or lowering the total under a pending card; the
// journal restored from a backup or removed between runs. A late
// add_payment on 17 and 18 is applied at most 4 s after it was sent, under
// odoo.timeout plus odoo.limit_time_real (5 s): beyond that only 19's
// unique payment uuid, or the addon, can refuse a second line, so later
// delays run on 19 only. Those runs set compago.late_charge_grace to 10 s:
// a request made again after a cancel is held that long (2 minutes by
// default) in case the cancelled intent is charged late.
//
// The suite is skipped unless COMPAGO_FAULT_RUNS is set: it is the number
// of crash runs (30 in CI, 200 in the long mode; see docs/RELIABILITY.md).
// COMPAGO_FAULT_REPORT names a file the figures are appended to;
// COMPAGO_FAULT_LOGS a directory every daemon's log is copied to.
//
// Decisions taken where the specification is silent:
//   - A customer taps the card as soon as the terminal shows the intent,
//     whatever Odoo shows: that is what makes a crash between the Compago
//     create and the journal's record of it visible.
//   - A charged intent whose create answer was lost ends "unknown" in the
//     journal and failed in Odoo with an ATTENTION log; the suite counts it
//     apart ("held for a human"), not as lost, and not as recorded.
//   - The daemon runs without the race detector (the engine's own tests
//     run with it); the suite is about what the process leaves on disk and
//     in the two systems.
package faulttest
