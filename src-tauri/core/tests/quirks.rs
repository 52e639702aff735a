//! Integration: the client copes with the real API's answer shapes. A full
//! [`Syncer::sync_once`] against a simulator with `Faults::quirks` on (timestamps with 0 to 7
//! fractional digits, unknown fields, `contactDetails` null in session lists now and then,
//! contacts in the other spelling or both, reference lists as plain arrays or envelopes) and
//! with enum values helena.md does not list in its world (`ON_HOLD`, `WAITING_NEW`,
//! `INTERACTIVE`, `WEBCHAT`) stores every session, contact and message, skips nothing, keeps
//! timestamps canonical, and a second pass over an unchanged server changes nothing (a re-read
//! must not look like a change). Once with the global message list, once per conversation.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atende_core::api::budget::Budget;
use atende_core::store::{self, Store};
use atende_core::sync::{SyncOptions, Syncer};
use atende_core::time;
use atende_sim::quirks::{self, Spelling};
use atende_sim::{Faults, SimConfig, WorldDump};
use support::{client, fast_retries, signed_in_store};

fn ids(store: &Store, sql: &str) -> BTreeSet<String> {
    let mut st = store.conn().prepare(sql).unwrap();
    let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn one<T: rusqlite::types::FromSql>(store: &Store, sql: &str, id: &str) -> T {
    store.conn().query_row(sql, [id], |r| r.get(0)).unwrap()
}

async fn sync_with_quirks(no_global_messages: bool) {
    let sim = atende_sim::start(SimConfig {
        newer_enum_values: true,
        faults: Faults {
            quirks: true,
            no_global_messages,
            ..Faults::default()
        },
        ..SimConfig::small()
    })
    .await
    .expect("simulator starts");
    // More of them at run time, on top of the seeded ones.
    let newer = sim.world().adopt_newer_values();
    assert!(!newer.on_hold.is_empty() && !newer.interactive.is_empty());
    tokio::time::sleep(Duration::from_millis(20)).await;

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(signed_in_store(
        &dir.path().join("account.db"),
        &sim,
    )));
    let syncer = Syncer::new(
        client(&sim, Budget::unlimited(), fast_retries()),
        store.clone(),
        SyncOptions {
            reference_every: Duration::ZERO,
            ..SyncOptions::default()
        },
    );
    let report = syncer.sync_once().await.expect("sync with quirks");
    assert_eq!(report.skipped, 0, "{report:?}");
    let quirked = sim.stats().faults.get("quirks").copied().unwrap_or(0);
    assert!(quirked > 5, "answers were reshaped: {quirked}");

    check_store(&store.lock().unwrap(), &sim.world_dump());

    // An unchanged server: re-reads (window overlaps, reference lists in the other form)
    // change no row.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = syncer.sync_once().await.expect("second sync");
    assert_eq!(again.skipped, 0);
    assert_eq!(again.changed, 0, "{again:?}");
    assert_eq!(again.changed_sessions, 0, "{again:?}");
}

/// The store holds every session, contact and message of `dump`, as the world has them.
fn check_store(s: &Store, dump: &WorldDump) {
    // Every session, contact and message, by id.
    let want = |it: &mut dyn Iterator<Item = String>| it.collect::<BTreeSet<_>>();
    assert_eq!(
        ids(s, "SELECT id FROM session"),
        want(&mut dump.sessions.iter().map(|x| x.id.clone()))
    );
    assert_eq!(
        ids(s, "SELECT id FROM contact"),
        want(&mut dump.contacts.iter().map(|x| x.id.clone()))
    );
    assert_eq!(
        ids(s, "SELECT id FROM message WHERE kind = 'message'"),
        want(&mut dump.messages.iter().map(|x| x.id.clone()))
    );
    for (table, n) in [
        ("tag", dump.tags.len()),
        ("agent", dump.agents.len()),
        ("department", dump.departments.len()),
        ("channel", dump.channels.len()),
        ("template", dump.templates.len()),
    ] {
        assert_eq!(
            store::count(s.conn(), table).unwrap() as usize,
            n,
            "{table}"
        );
    }

    // The values the console has no case for are stored as they came.
    for x in &dump.sessions {
        let status: String = one(s, "SELECT status FROM session WHERE id = ?1", &x.id);
        assert_eq!(status, x.status.as_str());
        let channel: Option<String> =
            one(s, "SELECT channel_type FROM session WHERE id = ?1", &x.id);
        assert_eq!(channel.as_deref(), Some(x.channel_type.as_str()));
        // Timestamps are kept canonical, whatever the spelling served.
        let updated: Option<String> = one(s, "SELECT updated_at FROM session WHERE id = ?1", &x.id);
        assert_eq!(updated, Some(atende_sim::model::ts::format(&x.updated_at)));
    }
    let statuses = ids(s, "SELECT DISTINCT status FROM session");
    assert!(
        statuses.contains("ON_HOLD") && statuses.contains("WAITING_NEW"),
        "{statuses:?}"
    );
    let interactive: i64 = one(
        s,
        "SELECT count(*) FROM message WHERE type = ?1",
        "INTERACTIVE",
    );
    assert!(interactive > 0);
    let webchat: i64 = one(
        s,
        "SELECT count(*) FROM channel WHERE raw LIKE '%' || ?1 || '%'",
        "WEBCHAT",
    );
    assert_eq!(webchat, 1);
    for m in dump.messages.iter().step_by(7) {
        let created: String = one(s, "SELECT created_at FROM message WHERE id = ?1", &m.id);
        assert_eq!(created, atende_sim::model::ts::format(&m.created_at));
    }

    // Contacts in either spelling (or both) have their phone and tags.
    let mut spellings = BTreeSet::new();
    for c in &dump.contacts {
        spellings.insert(format!("{:?}", quirks::contact_spelling(&c.id)));
        let phone: Option<String> = one(s, "SELECT phone FROM contact WHERE id = ?1", &c.id);
        assert_eq!(phone, c.phonenumber, "{}", c.id);
        let tags: i64 = one(
            s,
            "SELECT count(*) FROM contact_tag WHERE contact_id = ?1",
            &c.id,
        );
        assert_eq!(tags as usize, c.tags_id.len(), "{}", c.id);
        let fields: i64 = one(
            s,
            "SELECT count(*) FROM contact_field WHERE contact_id = ?1",
            &c.id,
        );
        assert_eq!(fields as usize, c.custom_field_values.len(), "{}", c.id);
    }
    assert!(spellings.contains(&format!("{:?}", Spelling::Other)));
    assert!(spellings.contains(&format!("{:?}", Spelling::Both)));
    // The raw JSON is the server's text; normalised, it is the world's item.
    let some = dump
        .contacts
        .iter()
        .find(|c| quirks::contact_spelling(&c.id) == Spelling::Other)
        .unwrap();
    let raw: String = one(s, "SELECT raw FROM contact WHERE id = ?1", &some.id);
    let mut raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert!(raw.get("phoneNumber").is_some() && raw.get("phonenumber").is_none());
    quirks::normalize_contact(&mut raw);
    let mut expected = serde_json::to_value(some).unwrap();
    expected["tags"] = raw["tags"].clone(); // names come from the tag list, as served
    assert_eq!(raw, expected);
}

#[tokio::test]
async fn a_full_sync_with_quirks_and_the_global_message_list_stores_everything() {
    sync_with_quirks(false).await;
}

#[tokio::test]
async fn a_full_sync_with_quirks_and_messages_per_conversation_stores_everything() {
    sync_with_quirks(true).await;
}

#[test]
fn dotnet_timestamps_parse_to_the_same_instant() {
    let instant = time::parse("2026-11-22T14:05:09.120Z").unwrap();
    for s in [
        "2026-11-22T14:05:09.12Z",
        "2026-11-22T14:05:09.1200000Z",
        "2026-11-22T14:05:09.120+00:00",
        "2026-11-22T14:05:09.1200000",
        "2026-11-22T11:05:09.12-03:00",
    ] {
        assert_eq!(time::parse(s), Some(instant), "{s}");
        assert_eq!(
            time::canonical(Some(s)).as_deref(),
            Some("2026-11-22T14:05:09.120Z"),
            "{s}"
        );
    }
    // Whole seconds: no fraction at all, with or without `Z`.
    for s in ["2026-11-22T14:05:09Z", "2026-11-22T14:05:09"] {
        assert_eq!(
            time::canonical(Some(s)).as_deref(),
            Some("2026-11-22T14:05:09.000Z"),
            "{s}"
        );
    }
    // Seven digits keep the milliseconds (sub-millisecond digits are below the store's
    // precision).
    assert_eq!(
        time::canonical(Some("2026-11-22T14:05:09.1234567Z")).as_deref(),
        Some("2026-11-22T14:05:09.123Z")
    );
    // Every spelling the simulator serves reads back as the instant it re-spelled.
    for ms in (0..1000).step_by(7) {
        let canonical = format!("2026-11-22T14:05:09.{ms:03}Z");
        let served = quirks::respell_timestamp(&canonical).unwrap();
        assert_eq!(time::canonical(Some(&served)), Some(canonical), "{served}");
    }
}
