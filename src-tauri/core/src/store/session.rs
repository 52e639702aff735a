//! `session` table: conversations ("atendimentos"), pulled incrementally from
//! `GET /chat/v2/session` by `UpdatedAt` and `LastInteractionAt`.
//!
//! A server copy replaces the row when its raw JSON differs, or when the row is `dirty` (changed
//! locally by an outbox action), but never with a copy older than the one held (`updatedAt`): a
//! page fetched before an action's answer must not undo it. The outbox re-applies the actions
//! still undelivered on top (`outbox::apply::store_session`).

use rusqlite::{params, Connection, OptionalExtension};

use crate::api::dto::SessionDto;
use crate::error::Result;
use crate::time;

/// Inserts or updates one session with its raw JSON. Returns whether the row changed; a change counts one more `server_rev` (see
/// `store::sync_cursor::sessions_due`).
pub fn upsert(c: &Connection, s: &SessionDto, raw: &str) -> Result<bool> {
    let cd = s.contact_details.as_ref();
    let changed = c.prepare_cached(
        "INSERT INTO session (id, contact_id, contact_name, contact_phone, channel_id, department_id,
                              user_id, status, window_status, channel_type, number, title, created_at,
                              updated_at, start_at, end_at, last_interaction_at, last_message_text,
                              unread_count, raw, server_rev)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 1)
         ON CONFLICT(id) DO UPDATE SET contact_id = excluded.contact_id,
           contact_name = coalesce(excluded.contact_name, session.contact_name),
           contact_phone = coalesce(excluded.contact_phone, session.contact_phone),
           channel_id = excluded.channel_id, department_id = excluded.department_id,
           user_id = excluded.user_id, status = excluded.status, window_status = excluded.window_status,
           channel_type = excluded.channel_type, number = excluded.number, title = excluded.title,
           created_at = excluded.created_at, updated_at = excluded.updated_at,
           start_at = excluded.start_at, end_at = excluded.end_at,
           last_interaction_at = excluded.last_interaction_at,
           last_message_text = excluded.last_message_text, unread_count = excluded.unread_count,
           raw = excluded.raw, dirty = 0, server_rev = session.server_rev + 1
         WHERE (session.raw IS NOT excluded.raw OR session.dirty)
           AND (session.updated_at IS NULL OR excluded.updated_at IS NULL
                OR excluded.updated_at >= session.updated_at)",
    )?
    .execute(params![
        s.id,
        s.contact_id,
        cd.and_then(|d| d.name.as_deref()),
        cd.and_then(|d| d.phonenumber_formatted.as_deref().or(d.phonenumber.as_deref())),
        s.channel_id,
        s.department_id,
        s.user_id,
        s.status.as_deref().unwrap_or("UNDEFINED"),
        s.window_status,
        s.channel_type,
        s.number,
        s.title,
        time::canonical(s.created_at.as_deref()),
        time::canonical(s.updated_at.as_deref()),
        time::canonical(s.start_at.as_deref()),
        time::canonical(s.end_at.as_deref()),
        time::canonical(s.last_interaction_date.as_deref()),
        s.last_message_text,
        s.unread_count.unwrap_or(0),
        raw
    ])?
        > 0;
    Ok(changed)
}

/// Ids of sessions the signed-in user works: assigned to them and open, or waiting in their
/// teams. Their internal notes are pulled eagerly; the rest on demand.
pub fn working_set(c: &Connection, me_user_id: &str) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT id FROM session
         WHERE (user_id = ?1 AND status IN ('IN_PROGRESS', 'STARTED'))
            OR (status = 'PENDING' AND department_id IN (
                  SELECT ad.department_id FROM agent a JOIN agent_department ad ON ad.agent_id = a.id
                  WHERE a.user_id = ?1))
         ORDER BY last_interaction_at DESC",
    )?;
    let rows = st.query_map([me_user_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many times a server copy rewrote the session's row (0 when it is not stored).
pub fn server_rev(c: &Connection, id: &str) -> Result<i64> {
    Ok(
        c.prepare_cached("SELECT server_rev FROM session WHERE id = ?1")?
            .query_row(params![id], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    )
}

/// Whether a session exists locally.
pub fn exists(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM session WHERE id = ?1")?
        .exists(params![id])?)
}
