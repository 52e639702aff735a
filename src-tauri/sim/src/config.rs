//! Simulator configuration: the seed and size of the data, and one switch per behaviour that
//! helena.md marks unverified (§9: "everything marked unverified should be a switch").
//!
//! Defaults give the realistic demo workspace with the documented limits; [`SimConfig::small`]
//! gives a quick, limit-free world for tests. Time comes from [`SimConfig::clock`] (real time by
//! default; a [`ScaledClock`](crate::clock::ScaledClock) runs simulated minutes in seconds) and
//! transport/server failures from [`SimConfig::faults`] (none by default).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::{Clock, SystemClock};
use crate::faults::Faults;

/// Everything [`start`](crate::start) needs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Same seed + same `base_time` => identical data (ids, names, texts, timestamps).
    pub seed: u64,
    pub size: SeedSize,
    /// "Now" at seeding; `None` = the clock's UTC "now". Every seeded timestamp is
    /// `<= base_time - 10 min`.
    pub base_time: Option<DateTime<Utc>>,
    /// The Bearer token accepted.
    pub token: String,
    /// 0 = ephemeral. The server binds 127.0.0.1 only.
    pub port: u16,
    pub limits: RateLimits,
    /// 429 answers carry `Retry-After` (whole seconds, rounded up).
    pub retry_after: bool,
    /// A new message also moves `session.updatedAt` (default false: only `lastInteractionDate`).
    pub session_updated_on_message: bool,
    /// The v2 session list fills `contactDetails`/`agentDetails`/... when `IncludeDetails` asks
    /// (false: always `null` in the list; by-id reads still honour it).
    pub honour_include_details: bool,
    /// `GET /chat/v1/message` answers without a `SessionId` filter (false: 404 envelope unless
    /// `SessionId` is given).
    pub global_message_list: bool,
    /// After seeding, a few items take enum values helena.md does not list (sessions `ON_HOLD`
    /// and `WAITING_NEW`, messages of type `INTERACTIVE`, a `WEBCHAT` channel with a session
    /// on it): see [`World::adopt_newer_values`](crate::World::adopt_newer_values). Off by
    /// default, so the demo data and the seeded counts stay as they are.
    pub newer_enum_values: bool,
    /// Background "customers"; `None` = a quiet world.
    pub traffic: Option<TrafficConfig>,
    /// Every "now" of the simulator: rate-limit windows, `createdAt`/`updatedAt` stamps,
    /// delivery steps, traffic ticks, `Retry-After`, fault delays.
    pub clock: Arc<dyn Clock>,
    /// Faults active from the start (change them at run time with
    /// [`SimHandle::set_faults`](crate::SimHandle::set_faults)).
    pub faults: Faults,
}

/// How much data to seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedSize {
    pub departments: usize,
    pub agents: usize,
    pub contacts: usize,
    pub sessions: usize,
    /// Exact total of messages over all sessions (internal notes not included).
    pub messages: usize,
}

/// The three windows of §1.2, as `(calls, period)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub enabled: bool,
    pub general: (u32, Duration),
    pub burst: (u32, Duration),
    pub send: (u32, Duration),
    /// A limit per route as well (one public transcription of the docs: "1,000 requests every
    /// 2 minutes, per endpoint"): every route (its path with ids collapsed) has its own window.
    /// `None` (the default): the documented per-account limits only.
    pub per_route: Option<(u32, Duration)>,
}

/// Background traffic: every `interval` an inbound message lands in a random open session;
/// every `new_session_every`-th tick also opens a new PENDING session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrafficConfig {
    pub interval: Duration,
    pub new_session_every: u32,
}

impl Default for SeedSize {
    fn default() -> Self {
        SeedSize {
            departments: 4,
            agents: 12,
            contacts: 800,
            sessions: 1500,
            messages: 40_000,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enabled: true,
            general: (1000, Duration::from_secs(300)),
            burst: (200, Duration::from_secs(5)),
            send: (1000, Duration::from_secs(120)),
            per_route: None,
        }
    }
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            interval: Duration::from_secs(5),
            new_session_every: 6,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            size: SeedSize::default(),
            base_time: None,
            token: "demo-token".into(),
            port: 0,
            limits: RateLimits::default(),
            retry_after: true,
            session_updated_on_message: false,
            honour_include_details: true,
            global_message_list: true,
            newer_enum_values: false,
            traffic: None,
            clock: Arc::new(SystemClock),
            faults: Faults::default(),
        }
    }
}

impl SimConfig {
    /// A small world for tests: 3 departments, 6 agents, 40 contacts, 60 sessions,
    /// 600 messages, rate limits disabled.
    pub fn small() -> Self {
        SimConfig {
            size: SeedSize {
                departments: 3,
                agents: 6,
                contacts: 40,
                sessions: 60,
                messages: 600,
            },
            limits: RateLimits {
                enabled: false,
                ..RateLimits::default()
            },
            ..SimConfig::default()
        }
    }

    /// Checks the sizes make a coherent world.
    pub(crate) fn validate(&self) -> Result<(), crate::SimError> {
        let s = &self.size;
        let bad = |m: &str| Err(crate::SimError::Config(m.to_string()));
        if s.departments == 0 {
            return bad("size.departments must be at least 1");
        }
        if s.agents == 0 {
            return bad("size.agents must be at least 1 (the demo agent)");
        }
        if s.sessions > 0 && s.contacts == 0 {
            return bad("sessions need at least one contact");
        }
        if s.messages > 0 && s.sessions == 0 {
            return bad("messages need at least one session");
        }
        if let Some(t) = &self.traffic {
            if t.interval.is_zero() {
                return bad("traffic.interval must be > 0");
            }
        }
        if let Err(e) = self.faults.validate() {
            return bad(&format!("faults: {e}"));
        }
        Ok(())
    }
}
