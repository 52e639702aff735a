//! The documented rate limits (§1.2 of helena.md) as sliding windows.
//!
//! Three windows: `general` (1000 per 5 min) and `burst` (200 per 5 s) over every authorized
//! call, and `send` (1000 per 2 min), the own bucket of `/chat/v1/send/*` and of in-session
//! message sends (whether those count against it is unverified; the simulator says yes). A
//! send consumes only the send bucket ("own bucket"). Each window keeps the instants of the
//! calls it admitted within its period, so "N per period" holds over *any* period-long span,
//! and the wait until a slot frees is exact; `Retry-After` rounds it up to whole seconds.
//! A refused call consumes nothing. Time comes from a [`Clock`] so tests can use a manual one.
//! With [`RateLimits::per_route`], every route also has a window of its own (the per-endpoint
//! reading of the docs).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::config::RateLimits;

/// Which bucket a call draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Every authorized call except sends.
    General,
    /// `/chat/v1/send/*` and `POST /chat/v1/session/{id}/message[/sync]`.
    Send,
}

/// "At most `limit` calls in any `period`".
#[derive(Debug)]
struct Window {
    limit: u32,
    period: Duration,
    hits: VecDeque<Instant>,
}

impl Window {
    fn new((limit, period): (u32, Duration)) -> Self {
        Window {
            limit,
            period,
            hits: VecDeque::new(),
        }
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&front) = self.hits.front() {
            if now.saturating_duration_since(front) >= self.period {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    /// `Ok` if one more call fits now, else how long until it would.
    fn check(&mut self, now: Instant) -> Result<(), Duration> {
        self.prune(now);
        if (self.hits.len() as u64) < u64::from(self.limit) {
            return Ok(());
        }
        // The call fits once enough of the oldest hits have left the window.
        let excess = self.hits.len() + 1 - self.limit as usize;
        let wait = match self.hits.get(excess - 1) {
            Some(&t) => (t + self.period).saturating_duration_since(now),
            None => self.period,
        };
        Err(wait)
    }

    fn record(&mut self, now: Instant) {
        self.hits.push_back(now);
    }
}

/// The three windows behind one lock.
pub struct RateLimiter {
    clock: Arc<dyn Clock>,
    enabled: bool,
    general: Window,
    burst: Window,
    send: Window,
    per_route: Option<(u32, Duration)>,
    routes: HashMap<String, Window>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("enabled", &self.enabled)
            .field("general", &self.general)
            .field("burst", &self.burst)
            .field("send", &self.send)
            .finish()
    }
}

impl RateLimiter {
    pub fn new(limits: &RateLimits, clock: Arc<dyn Clock>) -> Self {
        RateLimiter {
            clock,
            enabled: limits.enabled,
            general: Window::new(limits.general),
            burst: Window::new(limits.burst),
            send: Window::new(limits.send),
            per_route: limits.per_route,
            routes: HashMap::new(),
        }
    }

    /// [`RateLimiter::check`] for a call on `path`, which with per-route limits must also fit
    /// its route's window.
    pub fn check_route(&mut self, bucket: Bucket, path: &str) -> Result<(), Duration> {
        let Some(limit) = self.per_route.filter(|_| self.enabled) else {
            return self.check(bucket);
        };
        let now = self.clock.now();
        let window = self
            .routes
            .entry(route_key(path))
            .or_insert_with(|| Window::new(limit));
        window.check(now)?;
        self.check(bucket)?;
        if let Some(w) = self.routes.get_mut(&route_key(path)) {
            w.record(now);
        }
        Ok(())
    }

    /// Admits one call (and records it), or says how long to wait.
    pub fn check(&mut self, bucket: Bucket) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        match bucket {
            Bucket::General => {
                let a = self.general.check(now);
                let b = self.burst.check(now);
                match (a, b) {
                    (Ok(()), Ok(())) => {
                        self.general.record(now);
                        self.burst.record(now);
                        Ok(())
                    }
                    (Err(x), Err(y)) => Err(x.max(y)),
                    (Err(x), _) | (_, Err(x)) => Err(x),
                }
            }
            Bucket::Send => {
                self.send.check(now)?;
                self.send.record(now);
                Ok(())
            }
        }
    }
}

/// A path's route, as the server's router sees it: each segment that is an id (a GUID) or a
/// phone number becomes `{id}`.
pub fn route_key(path: &str) -> String {
    let is_value = |seg: &str| {
        uuid::Uuid::parse_str(seg).is_ok()
            || (!seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"+%|".contains(&b)))
    };
    path.split('/')
        .map(|seg| if is_value(seg) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// A wait as `Retry-After` seconds: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn limiter(clock: &Arc<ManualClock>) -> RateLimiter {
        let limits = RateLimits::default();
        RateLimiter::new(&limits, clock.clone() as Arc<dyn Clock>)
    }

    #[test]
    fn per_route_windows_limit_each_route_alone() {
        let clock = Arc::new(ManualClock::new());
        let limits = RateLimits {
            per_route: Some((3, Duration::from_secs(120))),
            ..RateLimits::default()
        };
        let mut rl = RateLimiter::new(&limits, clock.clone() as Arc<dyn Clock>);
        let a = "/chat/v1/session/5e3c1a9e-0b1f-4a57-9f3e-5a1c2b3d4e5f/message";
        let b = "/chat/v1/session/6f4d2b0f-1c20-4b68-8a4f-6b2d3c4e5f60/message";
        for path in [a, b, a] {
            rl.check_route(Bucket::General, path).unwrap();
        }
        // Both ids are one route: its fourth call waits; another route does not.
        let wait = rl.check_route(Bucket::General, b).unwrap_err();
        assert_eq!(wait, Duration::from_secs(120));
        rl.check_route(Bucket::General, "/core/v1/contact").unwrap();
        clock.advance(Duration::from_secs(120));
        rl.check_route(Bucket::General, a).unwrap();
    }

    #[test]
    fn burst_window_refuses_the_201st_call_and_reopens_after_5_s() {
        let clock = Arc::new(ManualClock::new());
        let mut rl = limiter(&clock);
        for _ in 0..200 {
            rl.check(Bucket::General).unwrap();
        }
        let wait = rl.check(Bucket::General).unwrap_err();
        assert_eq!(wait, Duration::from_secs(5));
        assert_eq!(retry_after_secs(wait), 5);
        clock.advance(Duration::from_millis(4_999));
        assert!(rl.check(Bucket::General).is_err());
        clock.advance(Duration::from_millis(1));
        rl.check(Bucket::General).unwrap();
    }

    #[test]
    fn a_scaled_clock_frees_the_burst_window_in_83_ms() {
        let clock = Arc::new(crate::clock::ScaledClock::new(
            std::time::Instant::now(),
            chrono::Utc::now(),
            60.0,
        ));
        let mut rl = limiter_on(clock.clone());
        for _ in 0..200 {
            rl.check(Bucket::General).unwrap();
        }
        let wait = rl.check(Bucket::General).unwrap_err();
        // Simulated: nearly 5 s; real: nearly 83 ms.
        assert!(
            wait <= Duration::from_secs(5) && wait > Duration::from_secs(3),
            "{wait:?}"
        );
        assert!(clock.real(wait) <= Duration::from_millis(84));
        std::thread::sleep(Duration::from_millis(90));
        rl.check(Bucket::General).unwrap();
    }

    fn limiter_on(clock: Arc<dyn Clock>) -> RateLimiter {
        RateLimiter::new(&RateLimits::default(), clock)
    }

    #[test]
    fn general_window_caps_1000_per_5_minutes() {
        let clock = Arc::new(ManualClock::new());
        let mut rl = limiter(&clock);
        // 5 bursts of 200, 5 s apart: 1000 calls within 20 s.
        for round in 0..5 {
            for _ in 0..200 {
                rl.check(Bucket::General).unwrap();
            }
            if round < 4 {
                clock.advance(Duration::from_secs(5));
            }
        }
        clock.advance(Duration::from_secs(5));
        // Burst is free again, but the 5-minute window is full until the first call is 300 s old.
        let wait = rl.check(Bucket::General).unwrap_err();
        assert_eq!(wait, Duration::from_secs(300 - 25));
        assert_eq!(retry_after_secs(wait), 275);
        clock.advance(wait);
        rl.check(Bucket::General).unwrap();
    }

    #[test]
    fn refused_calls_consume_nothing_and_send_is_its_own_bucket() {
        let clock = Arc::new(ManualClock::new());
        let mut rl = RateLimiter::new(
            &RateLimits {
                enabled: true,
                general: (10, Duration::from_secs(60)),
                burst: (3, Duration::from_secs(1)),
                send: (2, Duration::from_secs(10)),
                per_route: None,
            },
            clock.clone() as Arc<dyn Clock>,
        );
        for _ in 0..3 {
            rl.check(Bucket::General).unwrap();
        }
        for _ in 0..10 {
            assert!(rl.check(Bucket::General).is_err());
        }
        rl.check(Bucket::Send).unwrap();
        rl.check(Bucket::Send).unwrap();
        let wait = rl.check(Bucket::Send).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        clock.advance(Duration::from_millis(1_500));
        // The refused general calls did not extend the burst window.
        rl.check(Bucket::General).unwrap();
        let wait = rl.check(Bucket::Send).unwrap_err();
        assert_eq!(retry_after_secs(wait), 9);
    }

    #[test]
    fn disabled_limiter_admits_everything() {
        let clock = Arc::new(ManualClock::new());
        let mut rl = RateLimiter::new(
            &RateLimits {
                enabled: false,
                ..RateLimits::default()
            },
            clock as Arc<dyn Clock>,
        );
        for _ in 0..5_000 {
            rl.check(Bucket::General).unwrap();
        }
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2_001)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(4)), 4);
    }
}
