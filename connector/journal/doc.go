// Package journal is the daemon's durable, write-ahead record of payment
// attempts. The engine writes an attempt here before it asks Compago for
// anything, and every state change before it acts on it in Odoo, so that a
// crash at any point resumes without a second intent for the same attempt
// and without losing a confirmed payment. It is also the outbox: an attempt
// whose Version is above its SyncedVersion is one Odoo has not seen yet.
//
// Store is the contract; SQLite (modernc.org/sqlite, pure Go) implements it
// today, and journaltest.RunConformance is the behavioural suite every
// driver must pass, so a PostgreSQL driver can follow. The SQL is kept
// portable (partial unique index, ON CONFLICT, RETURNING, CASE, BOOLEAN);
// only pragmas and the error classification are SQLite's own.
//
// The SQLite journal:
//   - journal_mode WAL, synchronous FULL (a commit is on disk when it
//     returns), foreign keys on, busy timeout 5 s, and every write in a
//     BEGIN IMMEDIATE transaction. Open refuses a database that did not
//     get WAL and full sync rather than run weaker than promised.
//   - Writes from this process queue on one in-process slot (honouring the
//     context) instead of spinning in SQLite's busy handler; reads run
//     beside them, as WAL allows.
//   - Single instance: an exclusive, non-blocking flock on PATH.lock, held
//     until Close. flock belongs to the open file, so a second store in the
//     same process is refused like one in another process, and the kernel
//     releases it however the holder dies. The lock file is never removed
//     (removing it would let two processes lock two different files).
//   - The directory is created 0700, the database 0600 (SQLite gives its
//     WAL and shared-memory files the database's mode).
//   - Schema: numbered, embedded migrations/NNNN_name.sql, each applied in
//     its own transaction with its schema_migrations row. A journal from a
//     newer build (a higher number than this one knows) is refused.
//
// Decisions taken where the issue is silent:
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
//   - Prune also keeps parked attempts (Attention), however old.
//   - Begin requires a positive amount; Insert accepts zero (an attempt
//     adopted from Odoo whose amount is not known).
//   - A write error (a full disk included) is returned and its transaction
//     rolled back: nothing is half-written.
package journal
