-- Ownership of work when several daemons share one journal (see doc.go).
-- SQLite serves one daemon, but keeps the same tables so that the engine
-- runs one code path on both drivers. Times are unix nanoseconds, UTC.

-- Who works on an attempt, per kind of work ("create", "poll", "sync"), and
-- until when. A released lease keeps its row (owner '') so that its token
-- keeps counting: a token is never handed out twice for one attempt and kind.
CREATE TABLE leases (
    attempt_id BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL CHECK (kind <> ''),
    owner      TEXT   NOT NULL DEFAULT '',
    token      BIGINT NOT NULL CHECK (token >= 1),
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, kind)
);

-- Singleton jobs (the sweep, the watcher): one owner at a time per name.
CREATE TABLE leaders (
    name       TEXT   NOT NULL PRIMARY KEY CHECK (name <> ''),
    owner      TEXT   NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL
);
