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
