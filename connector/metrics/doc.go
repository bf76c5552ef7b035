// Package metrics makes the engine visible to the admin: Prometheus metrics
// of what it does, and the health that /healthz, /readyz and the systemd
// watchdog report.
//
// Observer implements connector.Observer: every Odoo and Compago call is a
// latency observation and, when it failed, an error counted by kind; every
// state change is counted, with the attempt's age when it entered the new
// state (the age at "pending" is the create latency, at "confirmed" the time
// the customer took, at "recorded" the time until Odoo had the payment).
// JournalCollector reads the journal at each scrape for what only the
// journal knows: live attempts by state, the outbox (attempts Odoo has not
// seen at their latest version) and the oldest pending intent. Health keeps
// the time of the last answer from each system and of the last pass of each
// engine loop.
//
// Decisions taken where the specification is silent:
//   - Metric names start with compago_connector_. Odoo operations are
//     labelled model.method; the engine calls a fixed set, so the label stays
//     small.
//   - An error's kind is what an admin acts on: for Odoo "unreachable",
//     "access_denied", "conflict", "missing", "user_error", "canceled" or
//     "other"; for Compago the client's error kind ("unavailable",
//     "rate_limited", "unauthorized", "outcome_unknown", ...).
//   - A system is reachable when it answered, even with a refusal: a
//     business error from Odoo or a 404 from Compago proves the network, the
//     server and the credentials path work.
//   - The journal has no count query, so the collector lists rows: all live
//     attempts (few by nature), the outbox, and attempts begun in the last
//     24 hours by state. Settled attempts older than that are left out so a
//     scrape stays cheap however long the retention.
//   - Readiness: Odoo must have answered within OdooWindow (the watcher asks
//     it every watch interval, so silence means trouble); Compago is asked
//     only while there is work, so it is not ready only when its latest call
//     went unanswered, that call is recent (CompagoWindow), and no answer
//     came after it. The watcher must have run a pass within LoopStall, and
//     the journal must answer a one-row query.
//   - Liveness (the watchdog and /healthz) asks only that every engine loop
//     ran a pass within LoopStall since Start; before Start (while the
//     daemon waits for Odoo at boot) the process is alive. LoopStall is long
//     by default (several call timeouts) because a pass may wait for a slow
//     Odoo; the watchdog is for a hung loop, not a slow one.
package metrics
