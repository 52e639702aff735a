//! Workload of the `apply_pages` benchmark, shared with its correctness test
//! (`tests/apply_pages.rs`, which includes this file by path).
//!
//! The messages come from the simulator's seeded world (`atende_sim::seed`): the demo
//! workspace's generator, so PT-BR texts of varied length, every message type with its
//! `details` (files, locations, shared contacts, tracks, transcriptions), ~1,500 sessions, random
//! v4 ids and ISO-8601 UTC timestamps. They are ordered by `updatedAt` as the sync asks for them
//! and cut into the server's §1.1 page envelopes of 100, serialized with `serde_json` as the
//! simulator's handlers do. The baseline's rows are extracted from the same bytes once, outside
//! any timing.

use std::collections::HashMap;

use atende_core::api::client::{decode_page, PAGE_SIZE};
use atende_core::api::dto::MessageDto;
use atende_core::store::message::{self, Kind};
use atende_core::store::Store;
use atende_core::sync::{apply_items, Applied};
use atende_core::time;
use atende_sim::model::Message;
use atende_sim::query::Page;
use atende_sim::{SeedSize, SimConfig};
use rusqlite::params;

/// The path the pages stand for (the global message list), used as the decode context.
pub const PATH: &str = "/chat/v1/message";

/// Seeds a world of `messages` over `sessions` sessions and returns its messages in sync order
/// (`updatedAt`, then id). Deterministic: fixed seed and base time.
pub fn messages(messages: usize, sessions: usize) -> Vec<Message> {
    let cfg = SimConfig {
        size: SeedSize {
            sessions,
            messages,
            contacts: sessions.clamp(1, 800),
            ..SeedSize::default()
        },
        base_time: Some("2026-11-22T12:00:00Z".parse().expect("base time")),
        ..SimConfig::default()
    };
    let mut all = atende_sim::seed(&cfg, "http://127.0.0.1:8787").messages;
    all.sort_by(|a, b| {
        a.updated_at
            .cmp(&b.updated_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    all
}

/// The bodies of the pages listing `msgs`, 100 items each, as the server sends them.
pub fn pages(msgs: &[Message]) -> Vec<Vec<u8>> {
    let size = PAGE_SIZE as usize;
    let total = msgs.len() as u64;
    let total_pages = total.div_ceil(size as u64);
    msgs.chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let page = Page {
                page_number: i as u32 + 1,
                page_size: PAGE_SIZE,
                order_by: "UpdatedAt",
                order_direction: "ASCENDING",
                items: chunk.iter().collect(),
                total_items: total,
                total_pages,
                has_more_pages: (i as u64 + 1) < total_pages,
            };
            serde_json::to_vec(&page).expect("page serialises")
        })
        .collect()
}

/// The sync path ([`Syncer::pull_window`](atende_core::sync::Syncer) without the HTTP): per
/// page, decode the body, then one write transaction applying its items with
/// [`message::upsert`].
pub fn apply_pages(store: &mut Store, pages: &[Vec<u8>]) -> Applied {
    let mut applied = Applied::default();
    let mut skipped = 0;
    for (i, body) in pages.iter().enumerate() {
        let page = decode_page(PATH, body, i as u32 + 1).expect("page decodes");
        applied += store
            .write(|tx| {
                apply_items(
                    tx,
                    &page.items,
                    &mut skipped,
                    &mut |c, m: &MessageDto, raw| message::upsert(c, m, raw, Kind::Message, None),
                )
            })
            .expect("page applies");
    }
    assert_eq!(skipped, 0, "generated items are all well-formed");
    applied
}

/// One message row as the store keeps it, already extracted from the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub session_id: String,
    pub direction: Option<String>,
    pub message_type: String,
    pub status: Option<String>,
    pub text: Option<String>,
    pub user_id: Option<String>,
    pub sender_id: Option<String>,
    pub created_at: String,
    pub created_ms: i64,
    pub updated_at: Option<String>,
    pub raw: String,
}

/// Extracts the rows of `pages` (what `upsert` writes), in page order.
pub fn rows(pages: &[Vec<u8>]) -> Vec<Row> {
    let mut out = Vec::new();
    for (i, body) in pages.iter().enumerate() {
        let page = decode_page(PATH, body, i as u32 + 1).expect("page decodes");
        for raw in &page.items {
            let m: MessageDto = serde_json::from_str(raw.get()).expect("item parses");
            let (created_at, created_ms) =
                time::canonical_ms(m.created_at.as_deref()).expect("createdAt");
            let created_at = created_at.into_owned();
            out.push(Row {
                direction: m.direction_code().map(str::to_string),
                message_type: m.kind.clone().unwrap_or_else(|| "TEXT".into()),
                created_at,
                created_ms,
                updated_at: time::canonical(m.updated_at.as_deref()),
                session_id: m.session_id.expect("sessionId"),
                id: m.id,
                status: m.status,
                text: m.text,
                user_id: m.user_id,
                sender_id: m.sender_id,
                raw: raw.get().to_string(),
            });
        }
    }
    out
}

/// The baseline's statements: plain prepared INSERTs of the extracted columns, of a new
/// session's key, and of a new row's text into the FTS index (schema 2 writes it explicitly).
const RAW_INSERT: &str = "INSERT INTO message (id, session_id, session_key, created_ms, kind, \
     direction, type, status, text, user_id, sender_id, created_at, updated_at, raw)
     VALUES (?1, ?2, ?3, ?4, 'message', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
const RAW_KEY_INSERT: &str = "INSERT INTO session_key (session_id) VALUES (?1)";
const RAW_FTS_INSERT: &str = "INSERT INTO message_fts(rowid, text) VALUES (?1, ?2)";
/// Whether a row is already stored (the schema has no unique constraint to make INSERT skip it).
const RAW_EXISTS: &str =
    "SELECT 1 FROM message WHERE session_key = ?1 AND created_ms = ?2 AND id = ?3";

/// The baseline: `rows` written with reused prepared statements, one write transaction per page
/// of 100. Session keys are kept in memory (loaded from the store first). Into an empty store
/// (`existing == false`) each row is just its INSERTs; otherwise a prepared SELECT first skips
/// rows already stored (the re-read overlap). Returns how many rows were inserted.
pub fn insert_rows(store: &mut Store, rows: &[Row], existing: bool) -> u64 {
    let mut keys: HashMap<String, i64> = store
        .conn()
        .prepare("SELECT session_id, key FROM session_key")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .expect("session keys load");
    let mut inserted = 0u64;
    for batch in rows.chunks(PAGE_SIZE as usize) {
        inserted += store
            .write(|tx| {
                let mut row = tx.prepare_cached(RAW_INSERT)?;
                let mut key_row = tx.prepare_cached(RAW_KEY_INSERT)?;
                let mut fts = tx.prepare_cached(RAW_FTS_INSERT)?;
                let mut exists = tx.prepare_cached(RAW_EXISTS)?;
                let mut n = 0;
                for r in batch {
                    let key = match keys.get(&r.session_id) {
                        Some(k) => *k,
                        None => {
                            key_row.execute([&r.session_id])?;
                            let k = tx.last_insert_rowid();
                            keys.insert(r.session_id.clone(), k);
                            k
                        }
                    };
                    if existing && exists.exists(params![key, r.created_ms, r.id])? {
                        continue;
                    }
                    row.execute(params![
                        r.id,
                        r.session_id,
                        key,
                        r.created_ms,
                        r.direction,
                        r.message_type,
                        r.status,
                        r.text,
                        r.user_id,
                        r.sender_id,
                        r.created_at,
                        r.updated_at,
                        r.raw
                    ])?;
                    if let Some(text) = &r.text {
                        fts.execute(params![tx.last_insert_rowid(), text])?;
                    }
                    n += 1;
                }
                Ok(n)
            })
            .expect("batch inserts");
    }
    inserted
}
