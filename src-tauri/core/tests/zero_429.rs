//! Integration: the request budget keeps the client under Helena's documented limits.
//!
//! The default demo workspace (1,500 sessions, 40,000 messages) is synced from an empty store,
//! then the engine follows the simulator's customer traffic for ten minutes of *simulated*
//! time. Client and simulator share one scaled clock (20× real time), so the 5-minute and
//! 5-second windows of both sides are the documented ones in simulated time while the test
//! lasts about a minute. The simulator enforces the real limits; the test asserts it never
//! had to answer 429, reports the request count of the initial sync next to what a naive full
//! refresh would cost, and checks the store caught up with the traffic.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atende_core::api::budget::Budget;
use atende_core::api::client::RetryPolicy;
use atende_core::clock::SharedClock;
use atende_core::engine::{Engine, PollOptions};
use atende_core::store;
use atende_core::sync::{SyncOptions, Syncer};
use atende_sim::{ScaledClock, SimConfig, TrafficConfig};
use chrono::Utc;
use support::{client, signed_in_store, ClientClock};

/// Simulated time per real second.
const SPEED: f64 = 20.0;
/// How long the engine follows traffic after the initial sync, in simulated time.
const FOLLOW: Duration = Duration::from_secs(10 * 60);

/// What refreshing everything naively costs: every list in full, and every session's
/// messages and notes one session at a time (helena.md §10 without cursors).
fn naive_refresh_requests(dump: &atende_sim::WorldDump) -> u64 {
    let pages = |n: usize| n.div_ceil(100).max(1) as u64;
    let reference = 6; // agents, teams, tags, channels, templates, custom fields
    let sessions = pages(dump.sessions.len());
    let contacts = 3 * pages(dump.contacts.len()); // ACTIVE, ARCHIVED, BLOCKED
    let mut per_session = std::collections::HashMap::<&str, usize>::new();
    for m in &dump.messages {
        *per_session.entry(m.session_id.as_str()).or_default() += 1;
    }
    let messages: u64 = dump
        .sessions
        .iter()
        .map(|s| pages(per_session.get(s.id.as_str()).copied().unwrap_or(0)))
        .sum();
    let notes = dump.sessions.len() as u64;
    reference + sessions + contacts + messages + notes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_demo_syncs_and_follows_ten_minutes_of_traffic_without_a_429() {
    let sim_clock = Arc::new(ScaledClock::new(Instant::now(), Utc::now(), SPEED));
    let clock: SharedClock = Arc::new(ClientClock(sim_clock.clone()));
    let sim = atende_sim::start(SimConfig {
        clock: sim_clock.clone(),
        traffic: Some(TrafficConfig::default()),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    assert!(
        SimConfig::default().limits.enabled,
        "the documented limits are on"
    );

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(signed_in_store(
        &dir.path().join("account.db"),
        &sim,
    )));
    let client = client(
        &sim,
        Budget::helena_with_clock(clock.clone()),
        RetryPolicy::default(),
    );
    let syncer = Arc::new(Syncer::new(client, store.clone(), SyncOptions::default()));

    // Initial sync from an empty store.
    let naive = naive_refresh_requests(&sim.world_dump());
    let started = clock.now();
    let initial = syncer.sync_once().await.expect("initial sync");
    let initial_sim_secs = clock.now().duration_since(started).as_secs_f64();
    println!(
        "initial sync: {} requests (naive full refresh: {naive}), {initial_sim_secs:.0} s simulated, {} messages",
        initial.requests,
        initial.fetched.get("message").copied().unwrap_or(0)
    );
    assert!(
        initial.requests * 3 < naive,
        "the initial sync ({}) should cost well under a naive refresh ({naive})",
        initial.requests
    );

    // Follow the traffic with the engine, window focused (fastest polling).
    let engine = Engine::new(syncer.clone(), PollOptions::default());
    let follow_start = clock.now();
    let granted_before = syncer.client().budget().granted();
    let running = tokio::spawn(engine.clone().run());
    tokio::time::sleep(clock.real(FOLLOW)).await;
    running.abort();
    let follow_requests = syncer.client().budget().granted() - granted_before;
    let followed = clock.now().duration_since(follow_start);
    println!(
        "followed traffic for {:.0} s simulated: {follow_requests} requests",
        followed.as_secs_f64()
    );

    let stats = sim.stats();
    println!(
        "simulator: {} requests, {} answered 429",
        stats.requests, stats.rate_limited
    );
    assert_eq!(stats.rate_limited, 0, "the simulator had to rate-limit us");
    assert_eq!(stats.stormed, 0);

    // The store kept up: a last pass leaves it with every message and session of the world.
    syncer.sync_once().await.expect("last pass");
    let dump = sim.world_dump();
    let (sessions, messages) = {
        let s = store.lock().unwrap();
        (
            store::count(s.conn(), "session").unwrap(),
            s.conn()
                .query_row(
                    "SELECT count(*) FROM message WHERE kind = 'message'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap(),
        )
    };
    assert_eq!(sessions as usize, dump.sessions.len());
    assert_eq!(messages as usize, dump.messages.len());
    assert!(
        dump.messages.len() > 40_000,
        "traffic added messages while the engine followed"
    );
    assert_eq!(sim.stats().rate_limited, 0);
}
