//! Integration: the sync pulls the simulator's workspace over loopback HTTP into a real SQLite
//! file, matches the simulator's data, and on a second pass fetches only what changed.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use atende_core::api::budget::Budget;
use atende_core::store::{self, Store};
use atende_core::sync::{SyncOptions, Syncer};
use atende_sim::{SimConfig, SimHandle};
use support::{client, fast_retries, signed_in_store};

struct Fixture {
    sim: SimHandle,
    syncer: Syncer,
    store: Arc<Mutex<Store>>,
    _dir: tempfile::TempDir,
}

async fn fixture(cfg: SimConfig) -> Fixture {
    fixture_with(cfg, SyncOptions::default()).await
}

/// Reference data refreshed at every pass, so a test sees deletions at once.
fn reference_every_pass() -> SyncOptions {
    SyncOptions {
        reference_every: Duration::ZERO,
        ..SyncOptions::default()
    }
}

async fn fixture_with(cfg: SimConfig, options: SyncOptions) -> Fixture {
    let sim = atende_sim::start(cfg).await.expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(signed_in_store(
        &dir.path().join("account.db"),
        &sim,
    )));
    let client = client(&sim, Budget::unlimited(), fast_retries());
    let syncer = Syncer::new(client, store.clone(), options);
    Fixture {
        sim,
        syncer,
        store,
        _dir: dir,
    }
}

fn count(f: &Fixture, table: &str) -> i64 {
    store::count(f.store.lock().unwrap().conn(), table).unwrap()
}

fn one<T: rusqlite::types::FromSql>(f: &Fixture, sql: &str, id: &str) -> T {
    f.store
        .lock()
        .unwrap()
        .conn()
        .query_row(sql, [id], |r| r.get(0))
        .unwrap()
}

fn items(stats: &atende_sim::Stats, route: &str) -> u64 {
    stats.by_route.get(route).map_or(0, |r| r.items)
}

fn requests(stats: &atende_sim::Stats, route: &str) -> u64 {
    stats.by_route.get(route).map_or(0, |r| r.requests)
}

#[tokio::test]
async fn first_sync_matches_the_simulator_and_second_fetches_only_changes() {
    let f = fixture_with(SimConfig::small(), reference_every_pass()).await;
    let report = f.syncer.sync_once().await.expect("first sync");

    // Row counts equal the simulator's.
    let (sessions, contacts, messages, notes, tags, agents, departments, channels, templates) = {
        let w = f.sim.world();
        (
            w.sessions.len() as i64,
            w.contacts.len() as i64,
            w.messages.len() as i64,
            w.notes.len() as i64,
            w.tags.len() as i64,
            w.agents.len() as i64,
            w.departments.len() as i64,
            w.channels.len() as i64,
            w.templates.len() as i64,
        )
    };
    assert_eq!(count(&f, "session"), sessions);
    assert_eq!(count(&f, "contact"), contacts);
    assert_eq!(count(&f, "tag"), tags);
    assert_eq!(count(&f, "agent"), agents);
    assert_eq!(count(&f, "department"), departments);
    assert_eq!(count(&f, "channel"), channels);
    assert_eq!(count(&f, "template"), templates);
    let local_messages: i64 = one(
        &f,
        "SELECT count(*) FROM message WHERE kind = ?1",
        "message",
    );
    assert_eq!(local_messages, messages);
    let local_notes: i64 = one(&f, "SELECT count(*) FROM message WHERE kind = ?1", "note");
    assert!(local_notes > 0, "notes of the working set are pulled");
    assert!(local_notes <= notes);
    assert_eq!(report.skipped, 0);
    assert_eq!(report.changed_sessions as i64, sessions);

    // Field values match, for a sample of each entity.
    {
        let w = f.sim.world();
        for s in w.sessions.iter().step_by(7) {
            let status: String = one(&f, "SELECT status FROM session WHERE id = ?1", &s.id);
            assert_eq!(serde_json::to_value(s.status).unwrap(), status.as_str());
            let user: Option<String> = one(&f, "SELECT user_id FROM session WHERE id = ?1", &s.id);
            assert_eq!(user, s.user_id);
            let last: Option<String> = one(
                &f,
                "SELECT last_message_text FROM session WHERE id = ?1",
                &s.id,
            );
            assert_eq!(last, s.last_message_text);
        }
        for c in w.contacts.iter().step_by(5) {
            let name: Option<String> = one(&f, "SELECT name FROM contact WHERE id = ?1", &c.id);
            assert_eq!(name.as_deref(), Some(c.name.as_str()));
            let phone: Option<String> = one(&f, "SELECT phone FROM contact WHERE id = ?1", &c.id);
            assert_eq!(phone, c.phonenumber);
            let ntags: i64 = one(
                &f,
                "SELECT count(*) FROM contact_tag WHERE contact_id = ?1",
                &c.id,
            );
            assert_eq!(ntags as usize, c.tags_id.len());
        }
        for m in w.messages.iter().step_by(13) {
            let text: Option<String> = one(&f, "SELECT text FROM message WHERE id = ?1", &m.id);
            assert_eq!(text, m.text);
            let dir: Option<String> = one(&f, "SELECT direction FROM message WHERE id = ?1", &m.id);
            let expected = match serde_json::to_value(m.direction).unwrap().as_str() {
                Some("TO_HUB") => "in",
                _ => "out",
            };
            assert_eq!(dir.as_deref(), Some(expected));
            // The raw server JSON is kept beside the columns.
            let raw: String = one(&f, "SELECT raw FROM message WHERE id = ?1", &m.id);
            let raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
            assert_eq!(raw["id"], m.id.as_str());
        }
    }

    // Change data on the simulator.
    let (contact_id, session_in, session_done, tag_gone, new_msg) = {
        let mut w = f.sim.world();
        let contact_id = w.contacts[3].id.clone();
        w.update_contact(&contact_id, |c| c.name = "Renomeada da Silva".into())
            .unwrap();
        let open = w
            .sessions
            .iter()
            .find(|s| status_of(s) == "IN_PROGRESS")
            .expect("an open session")
            .id
            .clone();
        let new_msg = w.add_message(&open, atende_sim::Direction::ToHub, "Chegou o meu pedido?");
        let pending = w
            .sessions
            .iter()
            .find(|s| status_of(s) == "PENDING")
            .expect("a waiting session")
            .id
            .clone();
        w.set_session_status(&pending, atende_sim::SessionStatus::Completed)
            .unwrap();
        let tag = w.tags[0].id.clone();
        w.delete_tag(&tag).unwrap();
        (contact_id, open, pending, tag, new_msg)
    };
    // A poll comes some time after the changes; the simulator's stamps may run 1 ms ahead.
    tokio::time::sleep(Duration::from_millis(20)).await;
    f.sim.reset_stats();
    let report2 = f.syncer.sync_once().await.expect("second sync");
    let stats = f.sim.stats();

    // Only what changed came back: one contact, two sessions, one message. The deleted tag also
    // changed the contacts that carried it.
    assert_eq!(items(&stats, "GET /chat/v1/message"), 1, "{stats:?}");
    let session_items = items(&stats, "GET /chat/v2/session");
    assert_eq!(
        session_items, 2,
        "one by UpdatedAt, one by LastInteractionAt: {stats:?}"
    );
    let contact_items = items(&stats, "GET /core/v1/contact");
    assert!(
        contact_items >= 1 && contact_items < contacts as u64 / 2,
        "{stats:?}"
    );
    assert_eq!(report2.changed_sessions, 2);
    // Requests: reference lists (6), two session windows, three contact statuses, one message
    // window, and notes only for changed sessions of the working set.
    let reference = [
        "GET /core/v1/agent",
        "GET /core/v2/department",
        "GET /core/v1/tag",
        "GET /chat/v1/channel",
        "GET /chat/v1/template",
        "GET /core/v1/custom-field",
    ]
    .iter()
    .map(|r| requests(&stats, r))
    .sum::<u64>();
    assert_eq!(reference, 6);
    assert_eq!(requests(&stats, "GET /chat/v2/session"), 2);
    assert_eq!(requests(&stats, "GET /core/v1/contact"), 3);
    assert_eq!(requests(&stats, "GET /chat/v1/message"), 1);
    assert!(requests(&stats, "GET /chat/v1/session/{id}/note") <= 2);
    assert!(stats.requests <= 14, "{stats:?}");
    assert_eq!(report2.requests, stats.requests);

    // And the store reflects the changes.
    let name: String = one(&f, "SELECT name FROM contact WHERE id = ?1", &contact_id);
    assert_eq!(name, "Renomeada da Silva");
    let text: String = one(&f, "SELECT text FROM message WHERE id = ?1", &new_msg);
    assert_eq!(text, "Chegou o meu pedido?");
    let status: String = one(
        &f,
        "SELECT status FROM session WHERE id = ?1",
        &session_done,
    );
    assert_eq!(status, "COMPLETED");
    let last: String = one(
        &f,
        "SELECT last_message_text FROM session WHERE id = ?1",
        &session_in,
    );
    assert_eq!(last, "Chegou o meu pedido?");
    let gone: i64 = one(&f, "SELECT count(*) FROM tag WHERE id = ?1", &tag_gone);
    assert_eq!(
        gone, 0,
        "a tag missing from the full list is deleted locally"
    );
    assert_eq!(report2.deleted, 1);

    // A third pass with no new change re-reads only the 2-minute overlap: the same items,
    // which change no row and so send no change notice.
    f.sim.reset_stats();
    let mut notices = f.syncer.changes();
    let report3 = f.syncer.sync_once().await.expect("third sync");
    assert_eq!(report3.changed, 0, "{report3:?}");
    assert_eq!(report3.changed_sessions, 0);
    assert!(notices.try_recv().is_err(), "no change, no notice");
    let again = f.sim.stats();
    for route in [
        "GET /chat/v1/message",
        "GET /chat/v2/session",
        "GET /core/v1/contact",
    ] {
        assert_eq!(items(&again, route), items(&stats, route), "{route}");
    }
}

fn status_of(s: &atende_sim::model::Session) -> String {
    serde_json::to_value(s.status)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn default_demo_workspace_syncs_in_full_with_few_requests() {
    let mut cfg = SimConfig::default();
    cfg.limits.enabled = false;
    let f = fixture(cfg).await;
    let report = f.syncer.sync_once().await.expect("full sync");
    let (sessions, contacts, messages) = {
        let w = f.sim.world();
        (w.sessions.len(), w.contacts.len(), w.messages.len())
    };
    assert_eq!((sessions, contacts, messages), (1500, 800, 40_000));
    assert_eq!(count(&f, "session"), 1500);
    assert_eq!(count(&f, "contact"), 800);
    let local_messages: i64 = one(
        &f,
        "SELECT count(*) FROM message WHERE kind = ?1",
        "message",
    );
    assert_eq!(local_messages, 40_000);
    let fts: i64 = one(
        &f,
        "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?1",
        "pedido",
    );
    assert!(fts > 0, "the FTS index is filled");
    // A naive full refresh pulls each session's messages and notes: 2 requests per session on
    // top of the lists. The windowed pull with the global message list needs a fraction.
    let naive = 2 * sessions as u64
        + (sessions as u64).div_ceil(100)
        + 3 * (contacts as u64).div_ceil(100)
        + 6;
    eprintln!(
        "initial sync of the default demo workspace: {} requests (naive per-session refresh: {naive}); {:?}",
        report.requests, report.fetched
    );
    assert!(report.requests < naive / 3, "{} requests", report.requests);
    assert_eq!(report.requests, f.sim.stats().requests);
}

#[tokio::test]
async fn offline_server_is_reported_and_the_next_pass_recovers() {
    let f = fixture(SimConfig::small()).await;
    f.sim.set_online(false);
    let err = f.syncer.sync_once().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let status = f.syncer.status().borrow().clone();
    assert!(matches!(
        status.state,
        atende_core::sync::SyncState::Offline | atende_core::sync::SyncState::Error
    ));
    assert!(status.error.is_some());
    assert_eq!(count(&f, "session"), 0);

    f.sim.set_online(true);
    f.syncer.sync_once().await.expect("back online");
    let status = f.syncer.status().borrow().clone();
    assert_eq!(status.state, atende_core::sync::SyncState::Online);
    assert!(status.error.is_none() && status.last_sync_at.is_some());
    assert_eq!(count(&f, "session") as usize, f.sim.world().sessions.len());
}

#[tokio::test]
async fn reference_data_is_refreshed_at_start_not_at_every_pass() {
    let f = fixture(SimConfig::small()).await;
    let first = f.syncer.sync_once().await.expect("first sync");
    assert!(first.fetched.contains_key("agent") && first.changed > 0);
    let new_msg = {
        let mut w = f.sim.world();
        let open = w
            .sessions
            .iter()
            .find(|s| status_of(s) == "IN_PROGRESS")
            .unwrap()
            .id
            .clone();
        w.add_message(&open, atende_sim::Direction::ToHub, "Alguém aí?")
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    f.sim.reset_stats();
    let second = f.syncer.sync_once().await.expect("second sync");
    let stats = f.sim.stats();
    for route in [
        "GET /core/v1/agent",
        "GET /core/v2/department",
        "GET /core/v1/tag",
        "GET /chat/v1/channel",
        "GET /chat/v1/template",
        "GET /core/v1/custom-field",
    ] {
        assert_eq!(
            requests(&stats, route),
            0,
            "{route} within the refresh interval"
        );
    }
    assert!(!second.fetched.contains_key("agent"));
    assert_eq!(items(&stats, "GET /chat/v1/message"), 1);
    let text: String = one(&f, "SELECT text FROM message WHERE id = ?1", &new_msg);
    assert_eq!(text, "Alguém aí?");
}
