//! `meta` table: small local key/value facts about this database (e.g. which user is signed in).

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// Key under which the signed-in agent's user id is kept.
pub const ME_USER_ID: &str = "me.user_id";
/// Set when a sync pass first succeeded on this store (the first sync is over).
pub const FIRST_SYNC_DONE: &str = "sync.first_pass_done";

/// Reads a value.
pub fn get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Writes a value.
pub fn set(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}
