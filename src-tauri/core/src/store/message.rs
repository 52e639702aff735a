//! `message` table: messages and internal notes of every session (told apart by `kind`), with
//! an FTS5 index over their text. Inserts and updates write the index here, explicitly (a
//! trigger would make FTS5 flush at every row, see `migrations/0002_message_keys.sql`);
//! deletes keep a trigger. Every write to `message` goes through this module.

use rusqlite::{params, Connection, OptionalExtension};

use crate::api::dto::MessageDto;
use crate::error::{Error, Result};
use crate::time;

/// Whether a row is a customer-facing message or an internal note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Note,
}

impl Kind {
    /// The value stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Note => "note",
        }
    }
}

/// Inserts or updates one message or note. `session_id` is used when the payload lacks one
/// (notes fetched per session). A row without any timestamp is refused: it could not be ordered.
/// Returns whether a row changed: a server copy identical to the stored one (same `raw`, e.g. a
/// window overlap re-read) is not rewritten.
pub fn upsert(
    c: &Connection,
    m: &MessageDto,
    raw: &str,
    kind: Kind,
    session_id: Option<&str>,
) -> Result<bool> {
    let (created, created_ms) = time::canonical_ms(m.created_at.as_deref())
        .or_else(|| time::canonical_ms(m.timestamp.as_deref()))
        .or_else(|| time::canonical_ms(m.updated_at.as_deref()))
        .ok_or_else(|| Error::Decode {
            context: format!("mensagem {}", m.id),
            detail: "sem data de criação".into(),
        })?;
    let session = m
        .session_id
        .as_deref()
        .or(session_id)
        .ok_or_else(|| Error::Decode {
            context: format!("mensagem {}", m.id),
            detail: "sem sessionId".into(),
        })?;
    let direction = match kind {
        Kind::Message => m.direction_code(),
        Kind::Note => None,
    };
    let updated = time::canonical_ms(m.updated_at.as_deref()).map(|(text, _)| text);
    let kind_col = m.kind.as_deref().unwrap_or("TEXT");
    // The session's key and, if stored, the message's seq: a message is found by its session,
    // creation time and id (schema 2). Nothing else writes this table, so that triple stays
    // unique. One statement for the common case, a new message of a known session.
    let found: Option<(i64, Option<i64>)> = c
        .prepare_cached(
            "SELECT k.key, (SELECT m.seq FROM message m
                             WHERE m.session_key = k.key AND m.created_ms = ?2 AND m.id = ?3)
               FROM session_key k WHERE k.session_id = ?1",
        )?
        .query_row(params![session, created_ms, m.id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (key, seq) = match found {
        Some(found) => found,
        None => (new_session_key(c, session)?, None),
    };
    let old: Option<(i64, Option<String>, bool)> = match seq {
        None => None,
        Some(seq) => Some(
            c.prepare_cached("SELECT seq, text, raw IS NOT ?2 FROM message WHERE seq = ?1")?
                .query_row(params![seq, raw], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?,
        ),
    };
    let Some((seq, old_text, differs)) = old else {
        // New: the row and its FTS entry.
        c.prepare_cached(
            "INSERT INTO message (id, session_id, session_key, created_ms, kind, direction, type,
                                  status, text, user_id, sender_id, created_at, updated_at, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            m.id,
            session,
            key,
            created_ms,
            kind.as_str(),
            direction,
            kind_col,
            m.status,
            m.text,
            m.user_id,
            m.sender_id,
            created,
            updated,
            raw
        ])?;
        if let Some(text) = &m.text {
            fts_insert(c, c.last_insert_rowid(), text)?;
        }
        drop_placeholder(c, m)?;
        return Ok(true);
    };
    // Known: rewritten only when the server's copy differs from the stored one.
    if !differs {
        return Ok(false);
    }
    c.prepare_cached(
        "UPDATE message SET kind = ?2, direction = ?3, type = ?4, status = ?5, text = ?6,
           user_id = ?7, sender_id = ?8, updated_at = ?9, raw = ?10
         WHERE seq = ?1",
    )?
    .execute(params![
        seq,
        kind.as_str(),
        direction,
        kind_col,
        m.status,
        m.text,
        m.user_id,
        m.sender_id,
        updated,
        raw
    ])?;
    drop_placeholder(c, m)?;
    if old_text != m.text {
        if let Some(old) = &old_text {
            c.prepare_cached(
                "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', ?1, ?2)",
            )?
            .execute(params![seq, old])?;
        }
        if let Some(text) = &m.text {
            fts_insert(c, seq, text)?;
        }
    }
    Ok(true)
}

/// The server copy of a message sent through the outbox replaces its local copies (the
/// placeholder's id is the client id the server echoes as `senderId`).
fn drop_placeholder(c: &Connection, m: &MessageDto) -> Result<()> {
    if let Some(sender) = m.sender_id.as_deref().filter(|s| *s != m.id) {
        crate::store::outbox::drop_local_copies(c, sender, &m.id)?;
    }
    Ok(())
}

/// Gives session `session_id` its local key (schema 2) when its first message is stored. Keys
/// grow with first appearance, so the conversations active in a pulled page are neighbours in
/// the `message_session` index (see `migrations/0002_message_keys.sql`).
fn new_session_key(c: &Connection, session_id: &str) -> Result<i64> {
    c.prepare_cached("INSERT INTO session_key (session_id) VALUES (?1)")?
        .execute([session_id])?;
    Ok(c.last_insert_rowid())
}

/// Indexes `text` as message `seq`'s. The FTS index is written here rather than by a trigger
/// (schema 2): see `migrations/0002_message_keys.sql`.
fn fts_insert(c: &Connection, seq: i64, text: &str) -> Result<()> {
    c.prepare_cached("INSERT INTO message_fts(rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    Ok(())
}

/// The id of a server message carrying `sender_id` (a client id), if it arrived locally.
pub fn by_sender(c: &Connection, sender_id: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT id FROM message WHERE sender_id = ?1 AND id <> ?1 LIMIT 1")?
            .query_row([sender_id], |r| r.get(0))
            .optional()?,
    )
}

/// Seqs of messages whose text matches an FTS5 query, newest first.
pub fn search(c: &Connection, fts_query: &str, limit: u32) -> Result<Vec<i64>> {
    let mut st = c.prepare_cached(
        "SELECT rowid FROM message_fts WHERE message_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![fts_query, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes the notes of `session_id` that the server no longer lists (`keep`), sparing the
/// placeholders of notes still waiting in the outbox. Returns how many went.
pub fn delete_missing_notes(c: &Connection, session_id: &str, keep: &[String]) -> Result<usize> {
    let keep = serde_json::to_string(keep).map_err(|e| Error::InvalidInput(e.to_string()))?;
    Ok(c.prepare_cached(
        "DELETE FROM message
          WHERE session_key = (SELECT key FROM session_key WHERE session_id = ?1) AND kind = 'note'
           AND id NOT IN (SELECT value FROM json_each(?2))
           AND id NOT IN (SELECT id FROM outbox WHERE state <> 'done')",
    )?
    .execute(params![session_id, keep])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn dto(raw: &str) -> MessageDto {
        serde_json::from_str(raw).unwrap()
    }

    #[test]
    fn upsert_keeps_one_row_per_id_and_fts_follows_edits() {
        let mut s = Store::open_in_memory().unwrap();
        let r1 = r#"{"id":"m1","sessionId":"s1","type":"TEXT","direction":"TO_HUB","text":"Olá, quero trocar o pedido","createdAt":"2026-11-20T10:00:00Z","status":"READ"}"#;
        assert!(s
            .write(|tx| upsert(tx, &dto(r1), r1, Kind::Message, None))
            .unwrap());
        // The same server copy again changes nothing (an overlap re-read).
        assert!(!s
            .write(|tx| upsert(tx, &dto(r1), r1, Kind::Message, None))
            .unwrap());
        assert_eq!(search(s.conn(), "pedido", 10).unwrap().len(), 1);
        // Accent-insensitive search.
        assert_eq!(search(s.conn(), "ola", 10).unwrap().len(), 1);

        let r2 = r#"{"id":"m1","sessionId":"s1","type":"TEXT","direction":"TO_HUB","text":"Mensagem apagada","createdAt":"2026-11-20T10:00:00Z","status":"DELETED"}"#;
        s.write(|tx| upsert(tx, &dto(r2), r2, Kind::Message, None))
            .unwrap();
        assert_eq!(crate::store::count(s.conn(), "message").unwrap(), 1);
        assert!(search(s.conn(), "pedido", 10).unwrap().is_empty());
        assert_eq!(search(s.conn(), "apagada", 10).unwrap().len(), 1);
        let (dir, raw): (String, String) = s
            .conn()
            .query_row(
                "SELECT direction, raw FROM message WHERE id='m1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(dir, "in");
        assert_eq!(raw, r2);
    }

    #[test]
    fn notes_take_the_session_from_the_caller_and_bad_rows_are_refused() {
        let mut s = Store::open_in_memory().unwrap();
        let n = r#"{"id":"n1","text":"Cliente VIP","createdAt":"2026-11-20T10:00:00Z","direction":"FROM_HUB"}"#;
        s.write(|tx| upsert(tx, &dto(n), n, Kind::Note, Some("s9")))
            .unwrap();
        let (sid, kind, dir): (String, String, Option<String>) = s
            .conn()
            .query_row(
                "SELECT session_id, kind, direction FROM message WHERE id='n1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((sid.as_str(), kind.as_str(), dir), ("s9", "note", None));

        let bad = r#"{"id":"x","sessionId":"s1"}"#;
        let err = s
            .write(|tx| upsert(tx, &dto(bad), bad, Kind::Message, None))
            .unwrap_err();
        assert_eq!(err.code(), "decode");
    }
}
