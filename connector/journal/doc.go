// Package journal is the daemon's durable, write-ahead record of payment
// attempts. The engine writes an attempt here before it asks Compago for
// anything, and every state change before it acts on it in Odoo, so that a
// crash at any point resumes without a second intent for the same attempt
// and without losing a confirmed payment. It is also the outbox: an attempt
// whose Version is above its SyncedVersion is one Odoo has not seen yet.
//
// Journal is the contract, with two drivers: SQLite (modernc.org/sqlite, pure
// Go; OpenSQLite), the embedded default for one daemon, and PostgreSQL
// (github.com/jackc/pgx/v5 through database/sql; OpenPostgres), for two or
// more daemons sharing one journal so that a dead host costs seconds.
// Both run the same SQL (sqljournal.go and the files beside it, written with ?
// placeholders; partial unique index, ON CONFLICT, RETURNING, CASE,
// BOOLEAN); what differs is filled in at open: placeholders, row locks,
// the order lock, error classification, and each driver's migrations
// (migrations/sqlite, migrations/postgres: same numbers, same names).
// journaltest.RunConformance and journaltest.RunOwnership are the
// behavioural suites both drivers pass.
//
// The SQLite journal:
//   - journal_mode WAL, synchronous FULL (a commit is on disk when it
//     returns), foreign keys on, busy timeout 5 s, and every write in a
//     BEGIN IMMEDIATE transaction. Open refuses a database that did not
//     get WAL and full sync rather than run weaker than promised.
//   - Writes from this process queue on one in-process slot (honouring the
//     context) instead of spinning in SQLite's busy handler; reads run
//     beside them, as WAL allows.
//   - Single instance: an exclusive, non-blocking flock on the database
//     file itself (a descriptor of its own, held until Close), so a second
//     daemon reaching the same file through a symlink, a hard link or after
//     PATH.lock was removed is refused too; within one process the file is
//     known by device and inode and refused before any descriptor of it is
//     opened (closing one would drop SQLite's fcntl locks). On Linux flock
//     and SQLite's fcntl locks do not interact. The flock on PATH.lock is
//     still taken, so a daemon of an earlier build stays out during an
//     upgrade. The kernel releases both however the holder dies.
//   - The directory is created 0700, the database 0600 (SQLite gives its
//     WAL and shared-memory files the database's mode).
//   - Schema: numbered, embedded migrations/NNNN_name.sql, each applied in
//     its own transaction with its schema_migrations row. A journal from a
//     newer build (a higher number than this one knows) is refused.
//
// The PostgreSQL journal:
//   - Lives in a schema of its own (Options.Schema, default
//     compago_connector), created when missing, set as search_path on every
//     connection: it can sit in Odoo's own database without touching
//     Odoo's tables, and several journals (one per Odoo database) can share
//     one database.
//   - Several daemons may open it; there is no file lock. Migrations run
//     under an advisory lock, each step re-checking the version once it
//     holds it, so daemons starting together apply each step once. During a
//     rolling upgrade the first new daemon migrates while old ones still
//     run: migrations must therefore only add (tables, nullable or
//     defaulted columns, indexes), never rename or drop; a daemon of an
//     older build started after that refuses the newer schema.
//   - Transactions are READ COMMITTED; every write locks what it decides
//     on: the attempt row (FOR NO KEY UPDATE) for Update and MarkSynced, a
//     transaction-scoped advisory lock on the order for Begin, Insert and a
//     move back to a live state (so two daemons cannot both number an
//     attempt 1), the lease row for claims (the upsert re-checks it once
//     locked) and FOR SHARE on it for a fenced update.
//   - Uniqueness violations are told apart by constraint name
//     (attempts_live_order is ErrLiveAttempt, the rest ErrDuplicate).
//   - The DSN is anything libpq takes. Without connect_timeout, dials time
//     out after 10 s; at most 8 connections per daemon. No error shows the
//     DSN: a string that does not parse gets a fixed message, since pgx
//     only redacts passwords on a best-effort basis.
//   - Every connection carries lock_timeout 5 s, statement_timeout 30 s
//     and idle_in_transaction_session_timeout 10 s (a DSN that sets one
//     keeps its own): a daemon stopped inside a transaction blocks the
//     others' writes of the same rows for at most 10 s, each waiter gets
//     an error after 5 s instead of hanging, and the stopped daemon's
//     transaction is rolled back, so its commit fails when it resumes.
//     Migration steps lift the lock and statement timeouts for themselves.
//   - PostgreSQL down: every call returns an error as soon as the
//     connection fails (Ping is the readiness probe); nothing is kept in
//     memory, and the same journal works again once the server is back.
//   - Check verifies the schema version, that no index of the schema is
//     invalid (a second live attempt could slip past a broken
//     attempts_live_order) and that no event or lease lost its attempt.
//
// Ownership of work. With several daemons on one journal, each piece of
// work has one worker at a time:
//   - A lease (Claim, ClaimDue) gives one owner one kind of work on one
//     attempt (KindCreate, KindPoll, KindSync; kinds are free strings and
//     leased apart, so an attempt can be polled by one daemon while another
//     writes it to Odoo) until it expires. The holder renews it (Renew)
//     while it works and releases it (Release) when done; a daemon that
//     dies has its leases taken over once they expire.
//   - Every claim of an attempt and kind gets a higher token (the row stays
//     when released, with no owner, so the count never restarts).
//     UpdateFenced writes only while the lease is still the current one,
//     checked in the same transaction as the write, so a holder that
//     stalled past its expiry and was taken over cannot write over the new
//     holder's work: it gets ErrLeaseLost and must drop the attempt.
//     Expiry alone decides takeover; the token alone decides who may
//     write. A lease that expired but that nobody took is still current,
//     and renews.
//   - ClaimDue takes up to Filter.Limit matching attempts no one holds,
//     oldest id first; on PostgreSQL the candidates are locked SKIP LOCKED,
//     so daemons claiming together get different attempts instead of
//     waiting on the same ones. Filter{States: ...} finds creates and polls,
//     Filter{Unsynced: true} the outbox.
//   - TryLeader is a lease on a name for singleton jobs (the sweep, the
//     watcher), kept by calling it again before it expires; ResignLeader
//     frees it on shutdown. It is a row, not a session advisory lock, so it
//     works the same on both drivers and through connection poolers, and
//     its expiry reads the same injected clock.
//   - Expiry is read on each daemon's clock (Options.Now): hosts sharing a
//     journal need their clocks in step (NTP) to well within a ttl. A skew
//     only makes a takeover early, and the token keeps an early takeover
//     from losing a write.
//   - Leases guard the journal, not the outside world: two daemons can
//     still both call Compago for one attempt when one stalls past its
//     lease. That is safe because an attempt has one externalId, which
//     Compago accepts once.
//   - On SQLite (one daemon) the same calls work against the same tables,
//     so the engine has one code path; they order the daemon's own
//     goroutines.
//
// Decisions taken where the specification is silent:
//   - Times are stored as integer Unix nanoseconds, UTC; 0 means never.
//     Integers compare and index the same in every database and keep the
//     full resolution of the clock.
//   - Attempt numbers are never reused, even after Prune: order_seqs keeps
//     each order's highest number, since Compago rejects a repeated
//     externalId for good.
//   - Begin and Insert write the attempt's first event (From ""); Update
//     writes one only when the state changes. Events are the audit trail.
//   - Update refuses (ErrImmutable) changes to ID, OrderID, Seq, ExternalID,
//     to an IntentID once set, and to the fields the store keeps (Version,
//     sync bookkeeping, times). It may change IntentID (once), Terminal,
//     Amount, State, Reason, Message, LastError and Attention.
//   - The journal guards one rule of the state machine itself, because
//     breaking it loses money: a Confirmed attempt can only become
//     Recorded, and a Recorded one never changes state (ErrTransition).
//     Any state may move to Confirmed: Compago's word that the card was
//     charged wins over what the engine believed.
//   - On an error from fn, Update returns that error unwrapped together with
//     the attempt as committed, so a caller that declines a change still
//     sees the current attempt.
//   - MarkSynced never moves SyncedVersion back (a late acknowledgement of
//     an older write cannot mark a newer version seen) and refuses a version
//     the attempt never had. It does not clear Attention.
//   - SyncFailed can park an attempt (Attention) but never unparks one; only
//     Update clears Attention, so an ordinary failure cannot hide an attempt
//     that needs a human.
//   - An Unknown attempt (the intent may exist at Compago, perhaps charged,
//     its id never received) is for attention until a human settles it:
//     every write that leaves an attempt Unknown and unsettled sets
//     Attention, whatever the caller said (Begin, Insert, Update); a
//     migration parked the ones journaled before the rule. Settle records
//     the human's word (charged or not_charged, a required note, who) in
//     the settled_* columns and as an event Unknown -> Unknown with reason
//     settled_<outcome>, and clears Attention; it bumps no Version (Odoo
//     has nothing new to show) and refuses a second settlement
//     (ErrSettled). A SQLite journal opened beside its daemon with
//     OpenSQLiteSettle allows Settle and no other write.
//   - Prune never deletes an unsettled Unknown attempt, by its state as
//     well as its Attention, and a settled one only once the cutoff is
//     past its settlement.
//   - Prune also keeps parked attempts (Attention), however old. It deletes
//     attempts in one statement; their events and leases go by ON DELETE
//     CASCADE, so an attempt changed while pruning is kept or deleted
//     whole.
//   - Begin requires a positive amount; Insert accepts zero (an attempt
//     adopted from Odoo whose amount is not known).
//   - A write error (a full disk included) is returned and its transaction
//     rolled back: nothing is half-written.
package journal
