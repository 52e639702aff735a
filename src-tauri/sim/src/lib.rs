//! `atende-sim`: a local simulator of the Helena CRM public REST API.
//!
//! It exists so the desktop app's demo mode, the sync client's integration tests and the
//! benchmarks can run against something that behaves like the documented API
//! (`/work/shared/api/helena.md`) without an account or a network: the same paths and service
//! prefixes, auth before routing, the page envelope and date-window filters, the error
//! envelope, the rate-limit buckets with 429 + `Retry-After`, and a deterministic, realistic
//! PT-BR data set ("Loja Centro") with sessions in every status and messages of every type.
//! Behaviours the API documentation marks unverified are switches in [`SimConfig`].
//!
//! For the sync client's robustness tests it also misbehaves on demand: [`Faults`] (server
//! errors before or after a write, cut connections, timeouts, broken bodies, repeated items
//! across pages, data changing between pages, 429 storms, and with `quirks` the real API's
//! answer shapes, see [`quirks`]), switched at run time with
//! [`SimHandle::set_faults`] or `PUT /__sim/faults`. And its time is injectable
//! ([`SimConfig::clock`]): a [`ScaledClock`] runs ten simulated minutes in ten real seconds,
//! rate-limit windows, timestamps and background traffic included.
//!
//! ```no_run
//! # async fn demo() -> Result<(), atende_sim::SimError> {
//! let sim = atende_sim::start(atende_sim::SimConfig::small()).await?;
//! let url = format!("{}/chat/v2/session?PageSize=100", sim.base_url());
//! // ... call it with `Authorization: Bearer {sim.token()}` ...
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout: [`config`] (knobs), [`model`] (the API's JSON as serde structs), [`world`] (the data
//! and its consistent mutations), `seed` (deterministic generation), `server` + `routes`
//! (axum), [`faults`] (the fault layer of the gate) and [`quirks`] (its answer reshaping, and
//! the enum values the documentation does not list), [`query`] (paging/filters), [`ratelimit`],
//! [`clock`], [`stats`], `traffic` (background customers), `assets` (the media files served at
//! `/files/...`).

mod assets;
pub mod clock;
pub mod config;
mod corpus;
pub mod error;
pub mod faults;
pub mod model;
pub mod query;
pub mod quirks;
pub mod ratelimit;
mod routes;
mod seed;
mod server;
pub mod stats;
mod traffic;
pub mod world;

use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use assets::Asset;
pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use config::{RateLimits, SeedSize, SimConfig, TrafficConfig};
pub use error::{ApiError, FaultsError, SimError, WorldError};
pub use faults::{FaultKind, Faults};
pub use model::{ChannelType, Direction, MessageStatus, MessageType, SessionStatus, WindowStatus};
pub use quirks::NewerValues;
pub use seed::status_counts;
pub use stats::{RouteStats, Stats};
pub use world::{DemoAgent, World, WorldDump};

use server::Shared;

/// Seeds a world without starting a server (for tests and tools that only need the data).
/// File URLs hang off `base_url`.
pub fn seed(config: &SimConfig, base_url: &str) -> World {
    seed::seed_world(config, base_url)
}

/// Seeds the world, binds `127.0.0.1:{config.port}`, and spawns the server task (and the
/// traffic task when configured). Must be called inside a tokio runtime.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|source| SimError::Bind {
            port: config.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        port: config.port,
        source,
    })?;
    let base_url = format!("http://127.0.0.1:{}", addr.port());
    let seed_cfg = config.clone();
    let seed_url = base_url.clone();
    let world = tokio::task::spawn_blocking(move || seed::seed_world(&seed_cfg, &seed_url))
        .await
        .map_err(|e| SimError::Seed(e.to_string()))?;
    let demo = seed::demo_agent(&world).ok_or_else(|| SimError::Config("no agents".into()))?;
    let shared = Arc::new(Shared::new(config.clone(), world));
    let router = server::router(shared.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server_task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stop_rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "atende-sim server stopped with an error");
        }
    });
    let traffic_task = config
        .traffic
        .map(|t| tokio::spawn(traffic::run(shared.clone(), t)));
    tracing::info!(%base_url, "atende-sim listening");
    Ok(SimHandle {
        base_url,
        demo,
        shared,
        stop: Some(stop_tx),
        server_task: Some(server_task),
        traffic_task,
    })
}

/// A running simulator. Dropping it stops the server too (without waiting).
pub struct SimHandle {
    base_url: String,
    demo: DemoAgent,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server_task: Option<JoinHandle<()>>,
    traffic_task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("base_url", &self.base_url)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`; API paths hang off it (`{base}/chat/v2/session`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The accepted Bearer token.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    /// The demo agent (agent index 0 at seeding): a supervisor of exactly two teams.
    pub fn demo_agent(&self) -> DemoAgent {
        self.demo.clone()
    }

    /// Direct access to the data, for tests (read and mutate). Do not hold it across `.await`.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world()
    }

    /// A copy of every entity a client mirrors (sessions, contacts, messages with their
    /// `sender_id`, notes, tags and the other reference lists), for field-by-field comparison
    /// with a client's local copy. Safe to keep across `.await` (no lock held).
    pub fn world_dump(&self) -> WorldDump {
        self.shared.world().dump()
    }

    /// The simulator's clock (build an identical one for the client under test, or read the
    /// simulated time).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.shared.config.clock.clone()
    }

    /// Replaces the faults (and reseeds their generator). `storm_ms > 0` starts a storm of
    /// that length now; otherwise a running storm ends. `Faults::default()` turns everything off.
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        let now = self.shared.config.clock.now();
        self.shared.set_faults(faults, now);
        Ok(())
    }

    /// The faults in force (`storm_ms` is the length of the last storm started).
    pub fn faults(&self) -> Faults {
        self.shared.fault_state().faults().clone()
    }

    /// From now until `length` (simulated) has passed, every API call answers 429 with
    /// `Retry-After` (the seconds left, rounded up). Counted in [`Stats::stormed`], not in
    /// [`Stats::rate_limited`].
    pub fn start_storm(&self, length: Duration) {
        let now = self.shared.config.clock.now();
        self.shared.fault_state().start_storm(length, now);
    }

    /// A snapshot of the request counters.
    /// The request counters; `faults` also counts the late commits the world created.
    pub fn stats(&self) -> Stats {
        let late = self.shared.world().late_commits;
        let mut stats = self.shared.stats().clone();
        if late > 0 {
            stats
                .faults
                .insert(FaultKind::LateCommit.as_str().to_string(), late);
        }
        stats
    }

    pub fn reset_stats(&self) {
        self.shared.world().late_commits = 0;
        *self.shared.stats() = Stats::default();
    }

    /// `false`: every request is answered 503 with the error envelope (a simple offline switch).
    pub fn set_online(&self, online: bool) {
        self.shared.online.store(online, Ordering::SeqCst);
    }

    /// Stops the background customers (the traffic task), if any: the world stops changing on
    /// its own, so a test can take a last look that nothing races with.
    pub fn stop_traffic(&mut self) {
        if let Some(t) = self.traffic_task.take() {
            t.abort();
        }
    }

    /// Stops the traffic task and the server, waiting (up to 5 s) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(t) = self.traffic_task.take() {
            t.abort();
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.server_task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(t) = self.traffic_task.take() {
            t.abort();
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.server_task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handle_and_world_are_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<super::SimHandle>();
        is::<std::sync::Mutex<super::World>>();
    }
}
