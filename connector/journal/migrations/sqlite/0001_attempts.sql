-- Attempts and their events. Portable SQL: the PostgreSQL driver runs the
-- same statements (migrations/postgres) with identity columns for the ids.
-- Times are integer unix nanoseconds, UTC; 0 means never.

CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    order_id       BIGINT  NOT NULL CHECK (order_id > 0),
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    external_id    TEXT    NOT NULL CHECK (external_id <> ''),
    intent_id      TEXT             CHECK (intent_id <> ''),
    terminal       TEXT    NOT NULL DEFAULT '',
    amount         BIGINT  NOT NULL CHECK (amount >= 0),
    state          TEXT    NOT NULL CHECK (state IN ('creating', 'pending', 'cancelling', 'confirmed',
                                                     'recorded', 'cancelled', 'expired', 'failed', 'unknown')),
    reason         TEXT    NOT NULL DEFAULT '',
    message        TEXT    NOT NULL DEFAULT '',
    version        BIGINT  NOT NULL CHECK (version >= 1),
    synced_version BIGINT  NOT NULL DEFAULT 0 CHECK (synced_version >= 0 AND synced_version <= version),
    sync_failures  INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT    NOT NULL DEFAULT '',
    attention      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    synced_at      BIGINT  NOT NULL DEFAULT 0,
    CONSTRAINT attempts_order_seq UNIQUE (order_id, seq),
    CONSTRAINT attempts_external_id UNIQUE (external_id),
    CONSTRAINT attempts_intent_id UNIQUE (intent_id)
);

-- At most one live attempt per order, enforced by the schema itself.
CREATE UNIQUE INDEX attempts_live_order ON attempts (order_id)
    WHERE state IN ('creating', 'pending', 'cancelling', 'confirmed');

CREATE INDEX attempts_state ON attempts (state);
CREATE INDEX attempts_updated_at ON attempts (updated_at);

-- The highest attempt number ever given to an order. It outlives pruning, so
-- an externalId is never handed out twice (Compago rejects a repeated one).
CREATE TABLE order_seqs (
    order_id BIGINT  NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL CHECK (last_seq >= 1)
);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    attempt_id BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    from_state TEXT   NOT NULL,
    to_state   TEXT   NOT NULL,
    reason     TEXT   NOT NULL DEFAULT '',
    message    TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX events_attempt ON events (attempt_id);
