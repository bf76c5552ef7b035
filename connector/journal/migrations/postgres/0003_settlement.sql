-- A human's word on an unknown outcome (an intent that may exist at
-- Compago, perhaps charged, whose id the daemon never received): until
-- someone checked the terminal and Compago and settled it, the attempt is
-- for attention and is never pruned. Only adds, so that daemons of the
-- previous build keep running beside a migrated journal.

ALTER TABLE attempts ADD COLUMN settled     TEXT   NOT NULL DEFAULT '' CHECK (settled IN ('', 'charged', 'not_charged'));
ALTER TABLE attempts ADD COLUMN settled_at  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN settled_by  TEXT   NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN settle_note TEXT   NOT NULL DEFAULT '';

-- Unknown outcomes journaled before this rule are for attention too.
UPDATE attempts SET attention = TRUE WHERE state = 'unknown';
