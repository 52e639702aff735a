-- Atende local store, schema 2: messages keyed so that storing a pulled page is cheap.
--
-- A pulled page of 100 messages is one write transaction, and in WAL mode a commit writes every
-- b-tree page it touched. Schema 1 wrote ~170 pages (~700 KB) for 100 messages of ~60 KB, and its
-- FTS triggers flushed the full-text index once per row. Measurements: benches/README.md.
-- 1. `UNIQUE (id)` on random v4 UUIDs put every new message on a page of its own in that index,
--    and `message_session` on the session's UUID did the same per conversation. One lean index
--    now does both jobs: `message_session (session_key, created_ms)`. `session_key` is a local
--    number given to a session when its first message is stored (table `session_key`), so the
--    conversations that start during a pull sit side by side at the index's tail; `created_ms`
--    is `created_at` as an integer (at most 8 bytes where the text takes 24). A message never changes
--    session or creation time, so the upsert finds it by (session_key, created_ms, id); it is
--    the only writer of `message` and keeps that triple unique. The rowid ends every index
--    entry, so the conversation view reads the index in (created_ms, seq) order.
-- 2. The message FTS index is written by `store::message` instead of triggers: a trigger makes
--    each INSERT a statement transaction, and FTS5 flushes its pending terms at every savepoint,
--    so every message became a segment of its own, merged again and again. Written explicitly, a
--    page's terms are flushed once, at commit. Deletes keep their trigger. `columnsize = 0`:
--    message search orders by recency, not rank, so per-row sizes were never read. `detail`
--    stays `full` (phrase queries work) and merging keeps its defaults: `detail=column|none` and
--    `automerge=16` measured no faster.
-- Lookups by message id alone are no longer indexed; nothing in the app makes them.
-- Rows keep their `seq` (UI cursors and FTS rowids stay valid); the FTS index is rebuilt.

DROP TRIGGER message_fts_ai;
DROP TRIGGER message_fts_au;
DROP TRIGGER message_fts_ad;
DROP TABLE message_fts;

CREATE TABLE session_key (
    key        INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE
);
INSERT INTO session_key (session_id)
    SELECT session_id FROM message GROUP BY session_id ORDER BY min(seq);

CREATE TABLE message_v2 (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    session_key INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('message', 'note')),
    direction   TEXT CHECK (direction IN ('in', 'out')),
    type        TEXT NOT NULL,
    status      TEXT,
    text        TEXT,
    user_id     TEXT,
    sender_id   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT,
    raw         TEXT NOT NULL
);
-- created_at is canonical (`2026-11-22T14:05:09.123Z`): whole seconds + milliseconds is exact.
INSERT INTO message_v2 (seq, id, session_id, session_key, created_ms, kind, direction, type,
                        status, text, user_id, sender_id, created_at, updated_at, raw)
    SELECT m.seq, m.id, m.session_id, k.key,
           coalesce(unixepoch(substr(m.created_at, 1, 19)) * 1000
                        + CAST(substr(m.created_at, 21, 3) AS INTEGER),
                    CAST(round(unixepoch(m.created_at, 'subsec') * 1000) AS INTEGER), 0),
           m.kind, m.direction, m.type, m.status, m.text, m.user_id, m.sender_id, m.created_at,
           m.updated_at, m.raw
      FROM message m JOIN session_key k ON k.session_id = m.session_id
     ORDER BY m.seq;
DROP TABLE message;
ALTER TABLE message_v2 RENAME TO message;
CREATE INDEX message_session ON message(session_key, created_ms);
CREATE INDEX message_sender ON message(sender_id) WHERE sender_id IS NOT NULL;

CREATE VIRTUAL TABLE message_fts USING fts5(
    text, content = 'message', content_rowid = 'seq', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_fts(message_fts) VALUES ('rebuild');
CREATE TRIGGER message_fts_ad AFTER DELETE ON message WHEN old.text IS NOT NULL BEGIN
    INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;
