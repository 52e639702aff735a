//! `message` table: messages and internal notes of every session (told apart by `kind`), with
//! an FTS5 index over their text maintained by triggers.

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
pub fn upsert(
    c: &Connection,
    m: &MessageDto,
    raw: &str,
    kind: Kind,
    session_id: Option<&str>,
) -> Result<bool> {
    let created = time::canonical(m.created_at.as_deref())
        .or_else(|| time::canonical(m.timestamp.as_deref()))
        .or_else(|| time::canonical(m.updated_at.as_deref()))
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
    let changed = c.prepare_cached(
        "INSERT INTO message (id, session_id, kind, direction, type, status, text, user_id, sender_id,
                              created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET session_id = excluded.session_id, kind = excluded.kind,
           direction = excluded.direction, type = excluded.type, status = excluded.status,
           text = excluded.text, user_id = excluded.user_id, sender_id = excluded.sender_id,
           created_at = excluded.created_at, updated_at = excluded.updated_at, raw = excluded.raw
         WHERE message.raw IS NOT excluded.raw",
    )?
    .execute(params![
        m.id,
        session,
        kind.as_str(),
        direction,
        m.kind.as_deref().unwrap_or("TEXT"),
        m.status,
        m.text,
        m.user_id,
        m.sender_id,
        created,
        time::canonical(m.updated_at.as_deref()),
        raw
    ])?
        > 0;
    // The server copy of a message sent through the outbox replaces its placeholder (whose id
    // is the client id the server echoes as `senderId`).
    if let Some(sender) = m.sender_id.as_deref().filter(|s| *s != m.id) {
        crate::store::outbox::delete_placeholder(c, sender)?;
    }
    Ok(changed)
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
        "DELETE FROM message WHERE session_id = ?1 AND kind = 'note'
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
