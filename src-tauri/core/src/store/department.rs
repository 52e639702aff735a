//! `department` table: teams ("equipes"), refreshed in full from `GET /core/v2/department`.

use rusqlite::{params, Connection};

use crate::api::dto::DepartmentDto;
use crate::error::Result;

/// Inserts or updates one team with its raw JSON.
pub fn upsert(c: &Connection, d: &DepartmentDto, raw: &str) -> Result<bool> {
    let changed = c.prepare_cached(
        "INSERT INTO department (id, name, description, is_default, raw) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description,
           is_default = excluded.is_default, raw = excluded.raw
         WHERE department.raw IS NOT excluded.raw",
    )?
    .execute(params![
        d.id,
        d.name.as_deref().unwrap_or(""),
        d.description,
        d.is_default.unwrap_or(false),
        raw
    ])?
        > 0;
    Ok(changed)
}

/// A team's name.
pub fn name(c: &Connection, id: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(
        c.prepare_cached("SELECT name FROM department WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
    )
}
