-- The audit trail (intents export): each event says who asked for the
-- change (cashier, sweep, admin, connector) and the Compago or Odoo answer
-- behind it; exports select events by time.
ALTER TABLE events ADD COLUMN actor  TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN answer TEXT NOT NULL DEFAULT '';
CREATE INDEX events_at ON events (at);

-- The journal's identity: two daemons with two journals must not work one
-- Odoo database (the daemon records in Odoo which journal works it).
-- Daemons sharing this journal (PostgreSQL) share its identity.
CREATE TABLE journal_identity (
    id         TEXT   NOT NULL PRIMARY KEY CHECK (id <> ''),
    created_at BIGINT NOT NULL
);
INSERT INTO journal_identity (id, created_at)
    VALUES (lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000000000 AS INTEGER));
