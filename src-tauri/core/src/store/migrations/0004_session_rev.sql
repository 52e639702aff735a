-- Atende local store, schema 4: a conversation whose server copy changed is due for a pull.
--
-- `session.server_rev` counts the rewrites of a session's row by a server copy (any field:
-- `lastInteractionDate`, `unreadCount`, `lastMessageText`, ...). A per-session pull (messages,
-- notes) records in its cursor row the revision it started from (`sync_cursor.rev`), so a row
-- rewritten since is due again whatever the cursor's time says: a late-committed message
-- carries a time older than the cursor but does change its conversation's row.

ALTER TABLE session ADD COLUMN server_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_cursor ADD COLUMN rev INTEGER;
