//! The `apply_pages` benchmark's workload, checked rather than timed: the sync path stores
//! exactly the rows the pages hold (the same ones the raw baseline writes), re-applying them
//! changes nothing, and full-text search finds a word sampled from them.

#[path = "../benches/support/pages.rs"]
mod pages;

use atende_core::store::{self, message, Store};
use rusqlite::Connection;

/// Every message column, in seq order, as comparable rows.
fn stored(c: &Connection) -> Vec<pages::Row> {
    let mut st = c
        .prepare(
            "SELECT id, session_id, direction, type, status, text, user_id, sender_id, created_at,
                    created_ms, updated_at, raw
               FROM message ORDER BY seq",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok(pages::Row {
            id: r.get(0)?,
            session_id: r.get(1)?,
            direction: r.get(2)?,
            message_type: r.get(3)?,
            status: r.get(4)?,
            text: r.get(5)?,
            user_id: r.get(6)?,
            sender_id: r.get(7)?,
            created_at: r.get(8)?,
            created_ms: r.get(9)?,
            updated_at: r.get(10)?,
            raw: r.get(11)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

#[test]
fn applying_the_bench_pages_stores_exactly_their_rows_and_search_finds_them() {
    let msgs = pages::messages(3_000, 120);
    let bodies = pages::pages(&msgs);
    assert_eq!(bodies.len(), 30);
    let rows = pages::rows(&bodies);
    assert_eq!(rows.len(), 3_000);

    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("sync.db")).unwrap();
    let applied = pages::apply_pages(&mut s, &bodies);
    assert_eq!((applied.stored, applied.changed), (3_000, 3_000));
    assert_eq!(stored(s.conn()), rows);

    // The raw baseline writes the very same rows.
    let mut raw = Store::open(dir.path().join("raw.db")).unwrap();
    assert_eq!(pages::insert_rows(&mut raw, &rows, false), 3_000);
    assert_eq!(stored(raw.conn()), rows);
    // And skips the ones already there when asked to.
    assert_eq!(pages::insert_rows(&mut raw, &rows[2_900..], true), 0);
    assert_eq!(store::count(raw.conn(), "message").unwrap(), 3_000);

    // A re-read of the same pages (a window overlap) stores nothing new and rewrites nothing.
    let again = pages::apply_pages(&mut s, &bodies);
    assert_eq!((again.stored, again.changed), (3_000, 0));
    assert_eq!(store::count(s.conn(), "message").unwrap(), 3_000);

    // Full-text search finds a word of a sampled message, without accents and in any case.
    let (seq, text): (i64, String) = s
        .conn()
        .query_row(
            "SELECT seq, text FROM message WHERE length(text) > 40 ORDER BY seq LIMIT 1 OFFSET 1234",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let word = text
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.chars().count())
        .unwrap();
    assert!(word.chars().count() >= 4, "{text}");
    let query = format!("\"{}\"", word.to_uppercase());
    let hits = message::search(s.conn(), &query, 3_000).unwrap();
    assert!(hits.contains(&seq), "{word} not found in {hits:?}");
    assert!(hits.len() < rows.len(), "{word} matches everything");
}
