//! `template` table: WhatsApp message templates ("modelos de mensagem") with their parameter
//! names, refreshed in full from `GET /chat/v1/template?IncludeDetails=Params`.

use rusqlite::{params, Connection};

use crate::api::dto::TemplateDto;
use crate::error::Result;

/// Inserts or updates one template with its raw JSON.
pub fn upsert(c: &Connection, t: &TemplateDto, raw: &str) -> Result<bool> {
    let names: Vec<&str> = t.params.iter().flatten().map(|p| p.name.as_str()).collect();
    let params_json = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
    let changed =
        c.prepare_cached(
            "INSERT INTO template (id, name, channel_id, category, status, text, params, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, channel_id = excluded.channel_id,
           category = excluded.category, status = excluded.status, text = excluded.text,
           params = excluded.params, raw = excluded.raw
         WHERE template.raw IS NOT excluded.raw",
        )?
        .execute(params![
            t.id,
            t.name.as_deref().unwrap_or(""),
            t.channel_id,
            t.category,
            t.status,
            t.text,
            params_json,
            raw
        ])? > 0;
    Ok(changed)
}
