//! `outbox` table: agent actions waiting to be delivered to the API, and the optimistic changes
//! they make to the synced tables.
//!
//! An action is appended in the same transaction as its optimistic local change, so it is
//! persisted before any attempt to send it. Its id is a UUIDv7 client id that the API receives as
//! `senderId`, which lets the worker check whether an uncertain attempt landed. Rows are ordered
//! by their `lane` (one per conversation or contact) and, inside a lane, by insertion (`rowid`).
//!
//! States: `pending` (waiting, maybe until `next_attempt_at`), `sending` (an attempt was
//! committed before its HTTP call), `uncertain` (the outcome of the last attempt is unknown),
//! `failed` (the server refused it; waits for retry or discard), `done`.
//!
//! **Server state wins, pending actions on top.** A row changed optimistically is marked `dirty`.
//! The next server copy of that row replaces the columns even when its raw JSON did not change
//! and clears the flag; the outbox (`outbox::apply`) then puts the still-undelivered actions back
//! on top in the same transaction, through the primitives at the end of this module. This module
//! is persistence only: it knows no action type.
//! Placeholders of sends and notes live in `message` (id = sender id = client id) until the
//! worker re-keys them to the server id or the server copy arrives through sync.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::Result;

/// Local message status of a placeholder waiting for delivery.
pub const PLACEHOLDER_PENDING: &str = "PENDING";
/// Local message status of a placeholder the server refused (kept visible until discarded).
pub const PLACEHOLDER_REJECTED: &str = "REJECTED";

/// States whose row is still to be delivered.
const UNDELIVERED: &str = "('pending', 'sending', 'uncertain')";

/// One queued action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub lane: String,
    pub session_id: Option<String>,
    pub action: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub attempted_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub server_id: Option<String>,
}

const COLUMNS: &str = "id, coalesce(lane, ''), session_id, action, payload, state, attempts, \
                       last_error, created_at, attempted_at, next_attempt_at, server_id";

fn entry(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        lane: r.get(1)?,
        session_id: r.get(2)?,
        action: r.get(3)?,
        payload: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        attempted_at: r.get(9)?,
        next_attempt_at: r.get(10)?,
        server_id: r.get(11)?,
    })
}

/// A row to append.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    pub id: &'a str,
    pub lane: &'a str,
    pub session_id: Option<&'a str>,
    pub action: &'a str,
    pub payload: &'a str,
    pub created_at: &'a str,
}

/// Appends an action in state `pending`.
pub fn insert(c: &Connection, e: &NewEntry<'_>) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO outbox (id, lane, session_id, action, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        e.id,
        e.lane,
        e.session_id,
        e.action,
        e.payload,
        e.created_at
    ])?;
    Ok(())
}

/// One row by id.
pub fn get(c: &Connection, id: &str) -> Result<Option<Entry>> {
    Ok(
        c.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
            .query_row([id], entry)
            .optional()?,
    )
}

/// The head of every lane that has something to deliver: its oldest row that is not `done`,
/// when that row is not `failed` (a failed row blocks its lane until retried or discarded).
/// Oldest lanes first. Whether a head is due yet is for the caller to decide.
pub fn lane_heads(c: &Connection) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o
         WHERE o.state IN {UNDELIVERED}
           AND NOT EXISTS (SELECT 1 FROM outbox p
                           WHERE p.lane = o.lane AND p.state <> 'done' AND p.rowid < o.rowid)
         ORDER BY o.rowid"
    ))?;
    let rows = st.query_map([], entry)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The head of one lane (its oldest row not `done`), whatever its state.
pub fn lane_head(c: &Connection, lane: &str) -> Result<Option<Entry>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE lane = ?1 AND state <> 'done' ORDER BY rowid LIMIT 1"
    ))?
    .query_row([lane], entry)
    .optional()?)
}

/// Actions not yet delivered (pending, in flight or uncertain), oldest first.
pub fn undelivered(c: &Connection) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE state IN {UNDELIVERED} ORDER BY rowid"
    ))?;
    let rows = st.query_map([], entry)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Actions the server refused, oldest first.
pub fn failed(c: &Connection) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE state = 'failed' ORDER BY rowid"
    ))?;
    let rows = st.query_map([], entry)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many actions still wait for delivery or for the agent (failed ones), for the status bar.
pub fn pending_count(c: &Connection) -> Result<i64> {
    Ok(c.prepare_cached(
        "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending', 'uncertain', 'failed')",
    )?
    .query_row([], |r| r.get(0))?)
}

/// How many actions failed for good and wait for the agent to retry or discard them.
pub fn failed_count(c: &Connection) -> Result<i64> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM outbox WHERE state = 'failed'")?
            .query_row([], |r| r.get(0))?,
    )
}

/// Marks an attempt as started (`sending`, `attempted_at = now`, one more attempt). Only a row
/// still waiting can be claimed; returns whether this one was (a discard may have won).
pub fn claim(c: &Connection, id: &str, now: &str) -> Result<bool> {
    Ok(c.prepare_cached(&format!(
        "UPDATE outbox SET state = 'sending', attempted_at = ?2, attempts = attempts + 1,
                next_attempt_at = NULL
         WHERE id = ?1 AND state IN {UNDELIVERED}"
    ))?
    .execute(params![id, now])?
        == 1)
}

/// The last attempt may or may not have reached the server: check before sending again.
pub fn mark_uncertain(c: &Connection, id: &str, error: &str, next_attempt_at: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = 'uncertain', last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, error, next_attempt_at])?;
    Ok(())
}

/// Leaves the row in its state (`pending` or `uncertain`) and tries again at `next_attempt_at`.
pub fn defer(c: &Connection, id: &str, error: &str, next_attempt_at: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = CASE WHEN state = 'sending' THEN 'uncertain' ELSE state END,
                last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, error, next_attempt_at])?;
    Ok(())
}

/// The attempt certainly did not apply (refused before processing, e.g. 429): back to
/// `pending`, tried again at `next_attempt_at`.
pub fn mark_pending(c: &Connection, id: &str, error: &str, next_attempt_at: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = 'pending', last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, error, next_attempt_at])?;
    Ok(())
}

/// The server refused the action: it waits for the agent (retry or discard).
pub fn mark_failed(c: &Connection, id: &str, error: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = 'failed', last_error = ?2, next_attempt_at = NULL WHERE id = ?1",
    )?
    .execute(params![id, error])?;
    Ok(())
}

/// Delivered; `server_id` is the id the server gave a message or note.
pub fn mark_done(c: &Connection, id: &str, server_id: Option<&str>) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = 'done', server_id = ?2, last_error = NULL,
                next_attempt_at = NULL WHERE id = ?1",
    )?
    .execute(params![id, server_id])?;
    Ok(())
}

/// A failed row goes back to `pending`, due now. Returns whether it was failed.
pub fn reset_failed(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE outbox SET state = 'pending', last_error = NULL, next_attempt_at = NULL
         WHERE id = ?1 AND state = 'failed'",
    )?
    .execute([id])?
        == 1)
}

/// Deletes a row.
pub fn delete(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM outbox WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Server ids already taken by delivered rows of a lane (so an uncertain note is not matched
/// to a note another row delivered).
pub fn server_ids_in_lane(c: &Connection, lane: &str) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT server_id FROM outbox WHERE lane = ?1 AND state = 'done' AND server_id IS NOT NULL",
    )?;
    let rows = st.query_map([lane], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes delivered rows last attempted before `before`. Returns how many went.
pub fn prune_done(c: &Connection, before: &str) -> Result<usize> {
    Ok(
        c.prepare_cached("DELETE FROM outbox WHERE state = 'done' AND attempted_at < ?1")?
            .execute([before])?,
    )
}

/// The lane of a session's actions.
pub fn session_lane(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// The lane of a contact's actions.
pub fn contact_lane(contact_id: &str) -> String {
    format!("contact:{contact_id}")
}

/// Sets the local status of a placeholder (`PENDING` again on retry, `REJECTED` on failure).
pub fn set_placeholder_status(c: &Connection, client_id: &str, status: &str) -> Result<()> {
    c.prepare_cached("UPDATE message SET status = ?2 WHERE id = ?1 AND sender_id = ?1")?
        .execute(params![client_id, status])?;
    Ok(())
}

/// Deletes a placeholder (discarded, or replaced by the server's copy).
pub fn delete_placeholder(c: &Connection, client_id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM message WHERE id = ?1 AND sender_id = ?1")?
        .execute([client_id])?;
    Ok(())
}

/// Drops the local copies of an outbox send (its placeholder, or the placeholder re-keyed to
/// the server id with a creation time the server later corrected) once the server's own copy
/// `server_id` is stored. Only rows of actions this outbox queued are touched.
pub fn drop_local_copies(c: &Connection, client_id: &str, server_id: &str) -> Result<()> {
    c.prepare_cached(
        "DELETE FROM message WHERE sender_id = ?1 AND id <> ?2
           AND EXISTS (SELECT 1 FROM outbox WHERE outbox.id = ?1)",
    )?
    .execute([client_id, server_id])?;
    Ok(())
}

/// Re-keys a placeholder to the id the server gave it, with the server's status and stamps
/// merged into its raw JSON; the full server copy replaces it on the next sync. If the server
/// copy already arrived, the placeholder just goes.
pub fn rekey_placeholder(
    c: &Connection,
    client_id: &str,
    answer: &serde_json::Value,
) -> Result<()> {
    let Some(server_id) = answer.get("id").and_then(|v| v.as_str()) else {
        return Ok(());
    };
    // The placeholder and any copy already stored, in one indexed lookup.
    let mut st = c.prepare_cached("SELECT id, raw FROM message WHERE sender_id = ?1")?;
    let copies: Vec<(String, String)> = st
        .query_map([client_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if copies.iter().any(|(id, _)| id == server_id) {
        return delete_placeholder(c, client_id);
    }
    let Some((_, raw)) = copies.into_iter().find(|(id, _)| id == client_id) else {
        return Ok(());
    };
    let mut merged: serde_json::Value =
        serde_json::from_str(&raw).unwrap_or_else(|_| serde_json::json!({}));
    if let (Some(m), Some(a)) = (merged.as_object_mut(), answer.as_object()) {
        for (k, v) in a {
            if !v.is_null() {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    let s = |k: &str| answer.get(k).and_then(|v| v.as_str());
    c.prepare_cached(
        "UPDATE message SET id = ?2, status = coalesce(?3, status),
                created_at = coalesce(?4, created_at), created_ms = coalesce(?5, created_ms),
                updated_at = ?6, raw = ?7
         WHERE id = ?1 AND sender_id = ?1",
    )?
    .execute(params![
        client_id,
        server_id,
        s("status"),
        crate::time::canonical(s("createdAt")),
        crate::time::canonical_ms(s("createdAt")).map(|(_, ms)| ms),
        crate::time::canonical(s("updatedAt")),
        merged.to_string()
    ])?;
    Ok(())
}

// ----- optimistic changes (the SQL of `outbox::apply`) -------------------------------------------

/// The undelivered actions of a lane, in queue order (what is re-applied on top of a server copy).
pub fn undelivered_in_lane(c: &Connection, lane: &str) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE lane = ?1 AND state IN {UNDELIVERED} ORDER BY rowid"
    ))?;
    let rows = st.query_map([lane], entry)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A send's effect on its session: the preview text and the last interaction.
pub fn session_sent(c: &Connection, session_id: &str, text: Option<&str>, at: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE session SET last_message_text = ?2,
           last_interaction_at = max(coalesce(last_interaction_at, ''), ?3), dirty = 1
         WHERE id = ?1",
    )?
    .execute(params![session_id, text, at])?;
    Ok(())
}

/// An assume: the session is the user's, and in progress unless it was already past that.
pub fn session_assumed(c: &Connection, session_id: &str, user_id: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE session SET user_id = ?2, dirty = 1,
           status = CASE WHEN status IN ('PENDING', 'STARTED', 'UNDEFINED')
                         THEN 'IN_PROGRESS' ELSE status END
         WHERE id = ?1",
    )?
    .execute(params![session_id, user_id])?;
    Ok(())
}

/// A transfer: to a team (kept when `None`) and a user, waiting when there is no user.
pub fn session_transferred(
    c: &Connection,
    session_id: &str,
    department_id: Option<&str>,
    user_id: Option<&str>,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE session SET department_id = coalesce(?2, department_id), user_id = ?3,
           status = CASE WHEN ?3 IS NULL THEN 'PENDING' ELSE 'IN_PROGRESS' END,
           end_at = NULL, dirty = 1
         WHERE id = ?1",
    )?
    .execute(params![session_id, department_id, user_id])?;
    Ok(())
}

/// A conclusion at `at` (an end already set is kept), nothing unread.
pub fn session_concluded(c: &Connection, session_id: &str, at: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE session SET unread_count = 0, dirty = 1,
           end_at = CASE WHEN status = 'COMPLETED' AND end_at IS NOT NULL
                         THEN end_at ELSE ?2 END,
           status = 'COMPLETED'
         WHERE id = ?1",
    )?
    .execute(params![session_id, at])?;
    Ok(())
}

/// A reopening: in progress, no end.
pub fn session_reopened(c: &Connection, session_id: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE session SET status = 'IN_PROGRESS', end_at = NULL, dirty = 1 WHERE id = ?1",
    )?
    .execute([session_id])?;
    Ok(())
}

/// How a tag edit combines the given tags with the contact's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagEdit {
    Add,
    Remove,
    Replace,
}

/// A tag edit on a contact's tag rows.
pub fn contact_tags_edited(
    c: &Connection,
    contact_id: &str,
    tag_ids: &[String],
    edit: TagEdit,
) -> Result<()> {
    let ids = serde_json::to_string(tag_ids).expect("ids serialise");
    if edit == TagEdit::Replace {
        c.prepare_cached("DELETE FROM contact_tag WHERE contact_id = ?1")?
            .execute([contact_id])?;
    }
    let sql = match edit {
        TagEdit::Remove => {
            "DELETE FROM contact_tag WHERE contact_id = ?1
               AND tag_id IN (SELECT value FROM json_each(?2))"
        }
        TagEdit::Add | TagEdit::Replace => {
            "INSERT OR IGNORE INTO contact_tag (contact_id, tag_id)
             SELECT ?1, value FROM json_each(?2)"
        }
    };
    c.prepare_cached(sql)?.execute(params![contact_id, ids])?;
    mark_contact_dirty(c, contact_id)
}

/// Custom-field values set (`Some`) or cleared (`None`) on a contact.
pub fn contact_fields_edited(
    c: &Connection,
    contact_id: &str,
    fields: &[(&str, Option<String>)],
) -> Result<()> {
    for (key, value) in fields {
        match value {
            Some(v) => c
                .prepare_cached(
                    "INSERT OR REPLACE INTO contact_field (contact_id, key, value)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![contact_id, key, v])?,
            None => c
                .prepare_cached("DELETE FROM contact_field WHERE contact_id = ?1 AND key = ?2")?
                .execute(params![contact_id, key])?,
        };
    }
    mark_contact_dirty(c, contact_id)
}

/// A contact's status (`ACTIVE`, `ARCHIVED`, `BLOCKED`).
pub fn contact_status_set(c: &Connection, contact_id: &str, status: &str) -> Result<()> {
    c.prepare_cached("UPDATE contact SET status = ?2, dirty = 1 WHERE id = ?1")?
        .execute(params![contact_id, status])?;
    Ok(())
}

fn mark_contact_dirty(c: &Connection, contact_id: &str) -> Result<()> {
    c.prepare_cached("UPDATE contact SET dirty = 1 WHERE id = ?1")?
        .execute([contact_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn add(s: &mut Store, lane: &str, i: usize) -> String {
        let id = uuid::Uuid::now_v7().to_string();
        s.write(|tx| {
            insert(
                tx,
                &NewEntry {
                    id: &id,
                    lane,
                    session_id: Some("s1"),
                    action: "send_text",
                    payload: &format!(r#"{{"type":"send_text","text":"msg {i}"}}"#),
                    created_at: "2026-11-20T10:00:00.000Z",
                },
            )
        })
        .unwrap();
        id
    }

    #[test]
    fn lanes_deliver_in_order_and_a_failed_row_blocks_its_lane() {
        let mut s = Store::open_in_memory().unwrap();
        let a: Vec<String> = (0..3).map(|i| add(&mut s, "session:a", i)).collect();
        let b: Vec<String> = (0..2).map(|i| add(&mut s, "session:b", i)).collect();
        let heads = |s: &Store| -> Vec<String> {
            lane_heads(s.conn())
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(heads(&s), vec![a[0].clone(), b[0].clone()]);
        s.write(|tx| {
            assert!(claim(tx, &a[0], "2026-11-20T10:00:01.000Z")?);
            mark_done(tx, &a[0], Some("m1"))
        })
        .unwrap();
        s.write(|tx| mark_failed(tx, &b[0], "recusado")).unwrap();
        assert_eq!(
            heads(&s),
            vec![a[1].clone()],
            "lane b waits behind its failed row"
        );
        assert_eq!(pending_count(s.conn()).unwrap(), 4);
        assert_eq!(failed(s.conn()).unwrap().len(), 1);
        s.write(|tx| reset_failed(tx, &b[0])).unwrap();
        assert_eq!(heads(&s), vec![a[1].clone(), b[0].clone()]);
        let e = get(s.conn(), &a[0]).unwrap().unwrap();
        assert_eq!((e.state.as_str(), e.attempts), ("done", 1));
        assert_eq!(
            server_ids_in_lane(s.conn(), "session:a").unwrap(),
            vec!["m1"]
        );
        // A discarded row cannot be claimed any more.
        s.write(|tx| delete(tx, &a[1])).unwrap();
        assert!(!s
            .write(|tx| claim(tx, &a[1], "2026-11-20T10:00:02.000Z"))
            .unwrap());
        assert_eq!(undelivered(s.conn()).unwrap().len(), 3);
    }
}
