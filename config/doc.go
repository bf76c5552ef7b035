// Package config is the configuration of compago-connector: one typed
// Config, loaded with github.com/knadh/koanf/v2 from layers of increasing
// precedence, defaults → YAML file (--config) → environment → flags that
// were set, then validated so that a bad configuration stops the daemon at
// start with one line per problem, each naming its key.
//
// The keys are those of DESIGN.md, plus compago.max_concurrent_polls,
// connector.fields, sweep.stuck_after, store.driver, store.dsn and the
// *_file keys;
// deploy/compago-connector.example.yaml shows each with its default. The
// package logs nothing: Load returns warnings for the caller to show.
//
// Decisions taken where the design is silent:
//   - Environment: COMPAGO_CONNECTOR_<SECTION>__<KEY>, "__" separating the
//     section from the key, the rest lowercased (…_ODOO__PASSWORD_FILE is
//     odoo.password_file). A variable with the prefix but no "__" is not a
//     key and is left alone; one with "__" naming no key is an error, like a
//     typo in the file. Mappings (connector.terminals, connector.fields) are
//     written "Shop=TERMINAL-001,Bar=TERMINAL-002" in the environment and in
//     flags, and replace the file's mapping whole; a POS name holding "," or
//     "=" can only be configured in the file.
//   - A null value in the file ("timeout:" with nothing after it) leaves the
//     default; to disable the HTTP listener write addr: "".
//   - A secret and its *_file in the same layer are an error; across layers
//     the higher one wins, so the environment can replace a file's
//     password_file with a password. An empty secret counts as not set.
//     Neither set: $CREDENTIALS_DIRECTORY/odoo-password and
//     .../compago-api-key (systemd LoadCredential=) are read when present.
//     Relative *_file paths are relative to the working directory.
//   - Secrets have no flags: a command line is readable by every local user.
//   - Values must have the type of their key: a number where a string is
//     expected (database: 2024) is an error asking for quotes, and a
//     duration needs its unit ("3s", not 3; only 0 may go without).
//   - store.path defaults to $STATE_DIRECTORY/journal.db (the first
//     directory, when systemd gives several), else
//     /var/lib/compago-connector/journal.db. connector.external_id_prefix
//     defaults to odoo.database lowercased with every run of other
//     characters made one "-", at most 24 characters ("odoo" if nothing is
//     left); a configured prefix may also hold upper case and "_".
//   - connector.language is es_MX (the default: Compago's shops are in
//     Mexico) or en, the language of the cashier's sentences. The default
//     sweep.retention is 550 days, longer than a card dispute window: the
//     journal's events are the audit trail (intents export).
//   - store.driver is sqlite (one daemon, store.path) or postgres (several
//     daemons share one journal, store.dsn). The DSN is a secret like the
//     passwords (store.dsn_file, the credential store-dsn), since it
//     usually carries one; it is checked only for its shape (a postgres://
//     URL or key=value pairs) and never echoed; the driver parses it. A
//     DSN set while the driver is sqlite is a warning, not an error.
//   - Minimums and maximums: poll_interval 1s–1m, watch_interval 250ms–1m,
//     timeouts from 1s, max_concurrent_polls 1–1024, retention 0 or ≥ 24h (the
//     journal is the record of what was charged), and stuck_after longer
//     than both timeouts, so the sweep never takes work whose call may still
//     be in flight.
//   - Leases (connector.poll_lease, create_lease, sync_lease, watch_lease)
//     matter only to daemons sharing a PostgreSQL journal. Each must
//     outlive the calls made under it, so that a daemon whose call is still
//     within its timeout still owns the work (else another takes it over
//     while the call is on the wire and both act); the daemon refuses to
//     start naming the key and the least value:
//     poll_lease >= compago.timeout + compago.poll_interval (a poll in
//     flight and the next tick's renewal; a stale poll only reads, a stale
//     cancel is idempotent and its outcome is written fenced);
//     create_lease >= 4 x compago.timeout + 45s (the client's 4 tries, at
//     most 15s of back-off between them, 30s for the journal writes around
//     the call); sync_lease >= 5 x odoo.timeout + 30s (the Odoo calls of
//     one recording: read the order, add_payment, the completion check, the
//     completion, the message); watch_lease >= odoo.timeout +
//     connector.watch_interval + 5s (a search in flight and the next
//     tick's renewal). Defaults: 30s, 2m, 3m, 45s, which hold for the
//     default timeouts; raising a timeout may need a lease raised with it.
//     A longer lease only delays the takeover from a daemon that died.
//   - Warnings: a config file readable by every user, or by its group too
//     when it holds a secret; a *_file readable by group or others; a
//     compago.base_url over plain http:// to a host that is not loopback.
package config
