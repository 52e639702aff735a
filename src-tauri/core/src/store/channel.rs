//! `channel` table: WhatsApp / Instagram / Messenger connections, refreshed in full from
//! `GET /chat/v1/channel`.

use rusqlite::{params, Connection};

use crate::api::dto::ChannelDto;
use crate::error::Result;

/// Inserts or updates one channel with its raw JSON.
pub fn upsert(c: &Connection, ch: &ChannelDto, raw: &str) -> Result<bool> {
    let id = ch.identity.as_ref();
    let changed = c.prepare_cached(
        "INSERT INTO channel (id, channel_type, human_id, display_name, platform, provider, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET channel_type = excluded.channel_type, human_id = excluded.human_id,
           display_name = excluded.display_name, platform = excluded.platform,
           provider = excluded.provider, raw = excluded.raw
         WHERE channel.raw IS NOT excluded.raw",
    )?
    .execute(params![
        ch.id,
        ch.channel_type,
        id.and_then(|i| i.human_id.as_deref()),
        id.and_then(|i| i.display_name.as_deref())
            .or(ch.display_name.as_deref()),
        id.and_then(|i| i.platform.as_deref()),
        id.and_then(|i| i.provider.as_deref()),
        raw
    ])?
        > 0;
    Ok(changed)
}
