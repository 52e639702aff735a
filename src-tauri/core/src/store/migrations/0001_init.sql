-- Atende local store, schema 1.
-- Synced tables keep the server id, the columns we query on, and `raw`: the last server JSON, so
-- fields we do not model yet survive API changes. Local-only tables: outbox, sync_cursor,
-- quick_message, meta. Timestamps are canonical UTC text (see time.rs), so they sort as text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE department (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    is_default  INTEGER NOT NULL DEFAULT 0,
    raw         TEXT NOT NULL
);

CREATE TABLE agent (
    id         TEXT PRIMARY KEY,
    user_id    TEXT,
    name       TEXT NOT NULL,
    short_name TEXT,
    email      TEXT,
    raw        TEXT NOT NULL
);
CREATE INDEX agent_user ON agent(user_id);

CREATE TABLE agent_department (
    agent_id      TEXT NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
    department_id TEXT NOT NULL,
    is_supervisor INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, department_id)
) WITHOUT ROWID;
CREATE INDEX agent_department_dept ON agent_department(department_id);

CREATE TABLE channel (
    id           TEXT PRIMARY KEY,
    channel_type TEXT,
    human_id     TEXT,
    display_name TEXT,
    platform     TEXT,
    provider     TEXT,
    raw          TEXT NOT NULL
);

CREATE TABLE tag (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    color TEXT,
    raw   TEXT NOT NULL
);

CREATE TABLE custom_field (
    id          TEXT PRIMARY KEY,
    key         TEXT NOT NULL,
    name        TEXT,
    field_type  TEXT,
    entity_type TEXT,
    raw         TEXT NOT NULL
);

CREATE TABLE template (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    channel_id TEXT,
    category   TEXT,
    status     TEXT,
    text       TEXT,
    params     TEXT NOT NULL DEFAULT '[]', -- JSON array of parameter names
    raw        TEXT NOT NULL
);

CREATE TABLE contact (
    id            TEXT PRIMARY KEY,
    name          TEXT,
    phone         TEXT,  -- API form: +55|11999999999
    phone_display TEXT,  -- +55 (11) 99999-9999
    phone_digits  TEXT,  -- national and international digits, for search
    email         TEXT,
    instagram     TEXT,
    status        TEXT,
    annotation    TEXT,
    created_at    TEXT,
    updated_at    TEXT,
    raw           TEXT NOT NULL
);
CREATE INDEX contact_updated ON contact(updated_at);

CREATE TABLE contact_tag (
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tag_tag ON contact_tag(tag_id);

CREATE TABLE contact_field (
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT,
    PRIMARY KEY (contact_id, key)
) WITHOUT ROWID;

CREATE TABLE session (
    id                  TEXT PRIMARY KEY,
    contact_id          TEXT,
    contact_name        TEXT,  -- from contactDetails, so the inbox reads well before contacts sync
    contact_phone       TEXT,
    channel_id          TEXT,
    department_id       TEXT,
    user_id             TEXT,
    status              TEXT NOT NULL,
    window_status       TEXT,
    channel_type        TEXT,
    number              TEXT,
    title               TEXT,
    created_at          TEXT,
    updated_at          TEXT,
    start_at            TEXT,
    end_at              TEXT,
    last_interaction_at TEXT,
    last_message_text   TEXT,
    unread_count        INTEGER NOT NULL DEFAULT 0,
    raw                 TEXT NOT NULL
);
CREATE INDEX session_status ON session(status, last_interaction_at);
CREATE INDEX session_user ON session(user_id, status, last_interaction_at);
CREATE INDEX session_department ON session(department_id, status, last_interaction_at);
CREATE INDEX session_contact ON session(contact_id);

-- Messages and internal notes share one table, told apart by `kind`. `seq` is the local rowid:
-- the FTS index and UI cursors use it; the server id stays unique beside it.
CREATE TABLE message (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('message', 'note')),
    direction  TEXT CHECK (direction IN ('in', 'out')),
    type       TEXT NOT NULL,
    status     TEXT,
    text       TEXT,
    user_id    TEXT,
    sender_id  TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    raw        TEXT NOT NULL
);
CREATE INDEX message_session ON message(session_id, created_at, seq);
CREATE INDEX message_sender ON message(sender_id) WHERE sender_id IS NOT NULL;

CREATE VIRTUAL TABLE message_fts USING fts5(
    text, content = 'message', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER message_fts_ai AFTER INSERT ON message WHEN new.text IS NOT NULL BEGIN
    INSERT INTO message_fts(rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER message_fts_ad AFTER DELETE ON message WHEN old.text IS NOT NULL BEGIN
    INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;
CREATE TRIGGER message_fts_au AFTER UPDATE OF text ON message BEGIN
    INSERT INTO message_fts(message_fts, rowid, text) SELECT 'delete', old.seq, old.text WHERE old.text IS NOT NULL;
    INSERT INTO message_fts(rowid, text) SELECT new.seq, new.text WHERE new.text IS NOT NULL;
END;

CREATE VIRTUAL TABLE contact_fts USING fts5(
    name, phone_digits, content = 'contact', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contact_fts_ai AFTER INSERT ON contact BEGIN
    INSERT INTO contact_fts(rowid, name, phone_digits) VALUES (new.rowid, new.name, new.phone_digits);
END;
CREATE TRIGGER contact_fts_ad AFTER DELETE ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, phone_digits) VALUES ('delete', old.rowid, old.name, old.phone_digits);
END;
CREATE TRIGGER contact_fts_au AFTER UPDATE OF name, phone_digits ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, phone_digits) VALUES ('delete', old.rowid, old.name, old.phone_digits);
    INSERT INTO contact_fts(rowid, name, phone_digits) VALUES (new.rowid, new.name, new.phone_digits);
END;

-- Agent actions, persisted in the same transaction as their optimistic local change and
-- delivered by the sync worker. `id` is the client id (UUIDv7), sent to the API as senderId.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    session_id      TEXT,
    action          TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'uncertain', 'failed', 'done')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT
);
CREATE INDEX outbox_state ON outbox(state, session_id, created_at);

CREATE TABLE sync_cursor (
    entity     TEXT PRIMARY KEY,
    cursor     TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE quick_message (
    id         INTEGER PRIMARY KEY,
    shortcut   TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
