//! `sync_cursor` table: one cursor per synced entity (e.g. `sessions`, `contacts`,
//! `messages`, `notes:<session>`). A cursor is the upper bound of the last window whose pages
//! were all stored, and it is written in the same transaction as that window's last page.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

/// The cursor of `entity`, if any window completed.
pub fn get(c: &Connection, entity: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT cursor FROM sync_cursor WHERE entity = ?1")?
            .query_row([entity], |r| r.get(0))
            .optional()?,
    )
}

/// Moves the cursor of `entity` to `cursor` (canonical UTC text).
pub fn set(c: &Connection, entity: &str, cursor: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO sync_cursor (entity, cursor, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(entity) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    )?
    .execute(params![entity, cursor, crate::time::format(chrono::Utc::now())])?;
    Ok(())
}

/// Ids of the sessions whose `{prefix}{id}` cursor is missing or not after the session's last
/// visible change (`updated_at` or `last_interaction_at`): what was pulled per session under
/// that cursor (its messages, its notes) is due again. Derived from stored rows, so a pass that
/// fails after storing a session, or a restart, leaves the session due until its pull commits.
pub fn sessions_due(c: &Connection, prefix: &str) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT s.id FROM session s LEFT JOIN sync_cursor k ON k.entity = ?1 || s.id
         WHERE k.cursor IS NULL
            OR k.cursor <= max(coalesce(s.updated_at, ''), coalesce(s.last_interaction_at, ''))",
    )?;
    let rows = st.query_map([prefix], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
