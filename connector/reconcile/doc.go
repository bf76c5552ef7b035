// Package reconcile is the back office's reconciliation report: every
// payment attempt of a time window as the journal, Odoo and (when asked)
// Compago see it, and every place where they do not agree.
//
// It only reads. The journal can be the daemon's own, opened read-only
// beside it (journal.OpenSQLiteReadOnly); Odoo is read with a few batched
// search_reads (the Compago payment method, its payment lines dated in the
// window, pos.payment by transaction_id in [...], pos.order by id in [...],
// and the orders still flagged); Compago with one GET per intent, a few at a
// time: with AskEnded (the daily report and the reconcile command set it)
// for every attempt of the window that ended without a recorded charge
// (expired, cancelled, failed or unknown, with an intent id), since a
// charge that landed after the daemon gave an intent up shows only at
// Compago; with Refresh for every intent.
//
// The discrepancies (Kind, names stable):
//
//	charged_without_payment_line  recorded (or confirmed past the grace period), no pos.payment for the intent
//	payment_line_without_charge   a Compago pos.payment no charged attempt accounts for
//	duplicate_payment_line        several pos.payment for one intent
//	amount_mismatch               payment lines (or Compago) say another amount than the journal
//	payment_line_on_other_order   the intent's pos.payment is on another order than its attempt's
//	payment_line_other_method     the charged intent's pos.payment is not under a Compago method (e.g. cash)
//	outcome_unknown               state unknown, or a write-ahead without Compago's answer past the grace period
//	order_left_flagged            requested/pending/cancel_requested while the last attempt is over, or absent
//	needs_attention               parked by the daemon for a human
//	odoo_behind                   a change Odoo has not acknowledged past the grace period
//	unverified_intent             an order names an intent this journal did not create: never recorded as money, a person decides
//	compago_disagrees             (asked) Compago says charged and the journal not, or the reverse, or does not know the intent
//
// Decisions taken where the specification is silent:
//   - The window holds the attempts begun in [since, until), plus every
//     attempt still live, not yet seen by Odoo, parked or of unknown
//     outcome whatever its age (a parked payment or a possible charge from
//     last week is still today's problem), plus the attempt of any Compago
//     payment line dated in the window.
//   - An unknown outcome is outcome_unknown (not also needs_attention,
//     though the journal parks it) until a human settles it (`intents
//     settle`); settled, it is no discrepancy.
//   - Every order still flagged is checked, whatever its age.
//   - The grace period (default 5 minutes; the command uses sweep.stuck_after
//     when longer) is what the daemon may take to finish before unfinished
//     work is called a discrepancy: a card charged a second ago has no
//     payment line yet, and that is fine.
//   - A payment line is "Compago's" when its payment method is the
//     configured one; a line of another method that names an intent id as
//     its transaction_id is still compared with that intent's attempt.
//   - Compago's GET answers a short shape without the amount, so a refresh
//     compares the charge itself (CONFIRMED with paymentSummary SUCCESS) and
//     the amount whenever the answer carries one, 0 included (an amount of 0
//     is a mismatch, not a missing amount).
//   - A refresh that cannot reach Compago (anything but "not found") fails:
//     a report that says "clean" must have asked about every intent.
//   - WriteDaily writes CSV, named after now's date in now's location, and
//     replaces the day's file atomically.
package reconcile
