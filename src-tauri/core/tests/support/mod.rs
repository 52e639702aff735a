//! What the core's integration tests share: a store signed in as the simulator's demo agent,
//! a client for the simulator, and the simulator's scaled clock seen through the core's
//! `Clock` trait (one clock, two views, so both sides agree on simulated time).
#![allow(dead_code)] // each test crate uses part of it

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atende_core::api::budget::Budget;
use atende_core::api::client::{RetryPolicy, Token};
use atende_core::api::HelenaClient;
use atende_core::store::{self, Store};
use atende_sim::{ScaledClock, SimHandle};
use chrono::{DateTime, Utc};

/// Opens (creating) the store at `path`, signed in as the simulator's demo agent.
pub fn signed_in_store(path: &Path, sim: &SimHandle) -> Store {
    let mut s = Store::open(path).expect("store opens");
    let me = sim.demo_agent().user_id;
    s.write(|tx| store::meta::set(tx, store::meta::ME_USER_ID, &me))
        .expect("signed in");
    s
}

/// A client for the simulator with the given budget and retry policy.
pub fn client(sim: &SimHandle, budget: Budget, retry: RetryPolicy) -> HelenaClient {
    HelenaClient::with_budget(
        &sim.base_url(),
        Token::new(sim.token()),
        Arc::new(budget),
        retry,
    )
    .expect("client")
}

/// Short waits, for tests against a local simulator.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

/// The simulator's scaled clock, seen by the client.
#[derive(Debug)]
pub struct ClientClock(pub Arc<ScaledClock>);

impl atende_core::clock::Clock for ClientClock {
    fn now(&self) -> Instant {
        atende_sim::Clock::now(&*self.0)
    }

    fn utc(&self) -> DateTime<Utc> {
        atende_sim::Clock::utc(&*self.0)
    }

    fn real(&self, d: Duration) -> Duration {
        atende_sim::Clock::real(&*self.0, d)
    }
}
