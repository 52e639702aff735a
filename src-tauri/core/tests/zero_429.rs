//! Integration: the request budget keeps the client under Helena's documented limits.
//!
//! The default demo workspace (1,500 sessions, 40,000 messages) is synced from an empty store,
//! then the engine follows the simulator's customer traffic for ten minutes of *simulated*
//! time. Client and simulator share one scaled clock (20× real time), so the 5-minute and
//! 5-second windows of both sides are the documented ones in simulated time while the test
//! lasts about a minute. The simulator enforces the real limits; the test asserts it never
//! had to answer 429, reports the request count of the initial sync next to what a naive full
//! refresh would cost, and checks the store caught up with the traffic.
//!
//! Three runs: the global message list with late commits (customers' messages stamped up to 90 s
//! before they become visible); the real API's shape, no global message list (404), so messages
//! come per conversation, with late commits too; and a negative control, the per-conversation
//! run with the budget off, where the simulator must answer 429s: the zero is the budget's doing.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atende_core::api::budget::Budget;
use atende_core::api::client::RetryPolicy;
use atende_core::clock::SharedClock;
use atende_core::engine::{Engine, PollOptions};
use atende_core::store;
use atende_core::sync::{SyncOptions, Syncer};
use atende_sim::{Faults, ScaledClock, SimConfig, TrafficConfig};
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

/// The real API's late commits: up to 90 s in the past, visible within 5 s.
fn late_commits() -> Faults {
    Faults {
        late_commit: 0.3,
        late_commit_max_ms: 90_000,
        late_visible_ms: 5_000,
        ..Faults::default()
    }
}

/// What one run measured.
struct Outcome {
    initial_requests: u64,
    naive: u64,
    rate_limited: u64,
}

/// Syncs the default demo from an empty store under `faults`, then (with `follow`) follows
/// its traffic with the engine for ten simulated minutes and checks the store caught up.
async fn run(faults: Faults, budget: fn(SharedClock) -> Budget, follow: bool) -> Outcome {
    let sim_clock = Arc::new(ScaledClock::new(Instant::now(), Utc::now(), SPEED));
    let clock: SharedClock = Arc::new(ClientClock(sim_clock.clone()));
    let mut sim = atende_sim::start(SimConfig {
        clock: sim_clock.clone(),
        traffic: Some(TrafficConfig::default()),
        faults,
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
    let client = client(&sim, budget(clock.clone()), RetryPolicy::default());
    let syncer = Arc::new(Syncer::new(client, store.clone(), SyncOptions::default()));

    // Initial sync from an empty store.
    let naive = naive_refresh_requests(&sim.world_dump());
    let started = clock.now();
    if !follow {
        // The negative control: as soon as the server rate-limits, the point is made.
        let pass = syncer.sync_once();
        let _ = tokio::time::timeout(Duration::from_secs(20), pass).await;
        return Outcome {
            initial_requests: syncer.client().budget().granted(),
            naive,
            rate_limited: sim.stats().rate_limited,
        };
    }
    let initial = syncer.sync_once().await.expect("initial sync");
    let initial_sim_secs = clock.now().duration_since(started).as_secs_f64();
    println!(
        "initial sync: {} requests (naive full refresh: {naive}), {initial_sim_secs:.0} s simulated, {} messages",
        initial.requests,
        initial.fetched.get("message").copied().unwrap_or(0)
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
        "simulator: {} requests, {} answered 429, faults {:?}",
        stats.requests, stats.rate_limited, stats.faults
    );
    assert_eq!(stats.rate_limited, 0, "the simulator had to rate-limit us");
    assert_eq!(stats.stormed, 0);

    // The store kept up: with the customers gone quiet and the last late commit landed, a last
    // pass leaves it with every message and session of the world.
    sim.stop_traffic();
    // ... and the overlap after the last change has passed: a conversation changed within it is
    // pulled once more then (what was stamped before the change may land until then).
    let settled = sim.world().settled_at()
        + chrono::Duration::from_std(SyncOptions::default().overlap).unwrap();
    while atende_sim::Clock::utc(&*sim_clock) <= settled {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    let stats = sim.stats();
    assert!(
        stats.faults.get("late_commit").copied().unwrap_or(0) > 0,
        "traffic made late commits: {:?}",
        stats.faults
    );
    assert_eq!(stats.rate_limited, 0);
    Outcome {
        initial_requests: initial.requests,
        naive,
        rate_limited: stats.rate_limited,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_demo_syncs_and_follows_ten_minutes_of_traffic_without_a_429() {
    let o = run(late_commits(), Budget::helena_with_clock, true).await;
    assert_eq!(o.rate_limited, 0);
    assert!(
        o.initial_requests * 3 < o.naive,
        "the initial sync ({}) should cost well under a naive refresh ({})",
        o.initial_requests,
        o.naive
    );
}

/// The real API's shape: no global message list, so every conversation's messages come on
/// their own route, plus late commits. Still no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_conversation_messages_with_late_commits_stay_under_the_limits() {
    let faults = Faults {
        no_global_messages: true,
        ..late_commits()
    };
    let o = run(faults, Budget::helena_with_clock, true).await;
    assert_eq!(o.rate_limited, 0);
    assert!(
        o.initial_requests < o.naive,
        "per conversation ({}) still costs less than a naive refresh ({})",
        o.initial_requests,
        o.naive
    );
}

/// The negative control: the same server with the budget off answers 429s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_budget_the_same_server_answers_429() {
    let faults = Faults {
        no_global_messages: true,
        ..late_commits()
    };
    let o = run(faults, |_| Budget::unlimited(), false).await;
    println!(
        "budget off: {} requests, {} answered 429",
        o.initial_requests, o.rate_limited
    );
    assert!(
        o.rate_limited > 0,
        "with the budget off the documented limits must bite ({} requests)",
        o.initial_requests
    );
}

/// If the real limit is per endpoint ("1,000 requests every 2 minutes, per endpoint", one public
/// transcription of the docs) and its 429s carry no `Retry-After`, the budget slows the route
/// that got them and nothing else: the initial sync of a workspace without a global message list
/// (one route for every conversation's messages) completes after a handful of 429s on that
/// route, and the account is never paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_endpoint_limit_without_retry_after_slows_that_route_alone() {
    use atende_sim::config::{RateLimits, SeedSize};
    let sim_clock = Arc::new(ScaledClock::new(Instant::now(), Utc::now(), SPEED));
    let clock: SharedClock = Arc::new(ClientClock(sim_clock.clone()));
    let sim = atende_sim::start(SimConfig {
        clock: sim_clock.clone(),
        size: SeedSize {
            sessions: 300,
            contacts: 200,
            messages: 4_000,
            ..SeedSize::default()
        },
        limits: RateLimits {
            per_route: Some((120, Duration::from_secs(120))),
            ..RateLimits::default()
        },
        retry_after: false,
        faults: Faults {
            no_global_messages: true,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
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
    let syncer = Syncer::new(client, store.clone(), SyncOptions::default());
    let mut pauses = syncer.client().budget().pauses();
    let started = clock.now();
    let report = syncer.sync_once().await.expect("initial sync");
    let took = clock.now().duration_since(started);
    let stats = sim.stats();
    println!(
        "per-endpoint limit 120 / 2 min, no Retry-After: {} requests, {} answered 429, {:.0} s simulated",
        report.requests,
        stats.rate_limited,
        took.as_secs_f64()
    );
    assert!(stats.rate_limited > 0, "the per-route limit bit");
    assert!(
        stats.rate_limited <= 5,
        "the route learned its window after its first 429s ({} answered 429)",
        stats.rate_limited
    );
    let route = "/chat/v1/session/{id}/message";
    let learned = syncer.client().budget().route_limit(route);
    assert!(
        learned.is_some_and(|l| l.max < 120),
        "a window under the route's limit: {learned:?}"
    );
    assert!(
        !pauses.has_changed().unwrap_or(false) && pauses.borrow_and_update().is_none(),
        "the account itself was never paused"
    );
    let dump = sim.world_dump();
    let messages: i64 = store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT count(*) FROM message WHERE kind = 'message'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(messages as usize, dump.messages.len());
}
