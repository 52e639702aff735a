-- Outbox delivery (schema step added by the outbox work; another step may be ordered before it).
--
-- `lane`: what orders delivery. Actions on one conversation are delivered strictly in order,
-- different lanes in parallel: `session:<id>` for sends, notes and session actions,
-- `contact:<id>` for contact tags, fields and status.
-- `attempted_at`: when the last attempt was marked `sending` (committed before the HTTP call).
-- An uncertain attempt is checked on the server no sooner than this + the request timeout.
-- `server_id`: the id the server gave the delivered message or note.
ALTER TABLE outbox ADD COLUMN lane TEXT;
ALTER TABLE outbox ADD COLUMN attempted_at TEXT;
ALTER TABLE outbox ADD COLUMN server_id TEXT;
UPDATE outbox SET lane = 'session:' || session_id WHERE lane IS NULL AND session_id IS NOT NULL;
UPDATE outbox SET lane = 'row:' || id WHERE lane IS NULL;
CREATE INDEX outbox_lane ON outbox(lane, state);

-- Rows changed optimistically by a pending action. The next server copy is applied even when its
-- raw JSON is unchanged (the columns hold local edits), clears the flag, and the still-pending
-- actions of the row are re-applied on top in the same transaction.
ALTER TABLE session ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0;
