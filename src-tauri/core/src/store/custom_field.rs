//! `custom_field` table: definitions of contact custom fields, refreshed in full from
//! `GET /core/v1/custom-field?EntityType=CONTACT`. Values live in `contact_field`.

use rusqlite::{params, Connection};

use crate::api::dto::CustomFieldDto;
use crate::error::Result;

/// The id a definition is stored under: its `id`, or its `key` when the API sends no id.
pub fn id_of(f: &CustomFieldDto) -> &str {
    f.id.as_deref().unwrap_or(&f.key)
}

/// Inserts or updates one definition with its raw JSON.
pub fn upsert(c: &Connection, f: &CustomFieldDto, raw: &str) -> Result<bool> {
    let changed = c.prepare_cached(
        "INSERT INTO custom_field (id, key, name, field_type, entity_type, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET key = excluded.key, name = excluded.name,
           field_type = excluded.field_type, entity_type = excluded.entity_type, raw = excluded.raw
         WHERE custom_field.raw IS NOT excluded.raw",
    )?
    .execute(params![id_of(f), f.key, f.name, f.field_type, f.entity_type, raw])?
        > 0;
    Ok(changed)
}
