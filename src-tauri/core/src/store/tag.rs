//! `tag` table: contact tags ("etiquetas"), refreshed in full from `GET /core/v1/tag`.

use rusqlite::{params, Connection};

use crate::api::dto::TagDto;
use crate::error::Result;

/// A tag as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
}

/// Inserts or updates one tag with its raw JSON.
pub fn upsert(c: &Connection, t: &TagDto, raw: &str) -> Result<bool> {
    let changed = c.prepare_cached(
        "INSERT INTO tag (id, name, color, raw) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, color = excluded.color, raw = excluded.raw
         WHERE tag.raw IS NOT excluded.raw",
    )?
    .execute(params![t.id, t.name.as_deref().unwrap_or(""), t.color, raw])?
        > 0;
    Ok(changed)
}

/// The tags of a contact, by name.
pub fn of_contact(c: &Connection, contact_id: &str) -> Result<Vec<Tag>> {
    let mut st = c.prepare_cached(
        "SELECT t.id, t.name, t.color FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
         WHERE ct.contact_id = ?1 ORDER BY t.name",
    )?;
    let rows = st.query_map([contact_id], |r| {
        Ok(Tag {
            id: r.get(0)?,
            name: r.get(1)?,
            color: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
