//! Injectable time: every "now" of the simulator comes from one [`Clock`].
//!
//! Three needs share it. The rate limiter measures its windows on a monotonic [`Instant`]; the
//! world stamps `createdAt` / `updatedAt` / delivery steps with a UTC wall time; and anything
//! that sleeps (the traffic task, the `slow` / `timeout` faults) has to know how long a
//! *simulated* span lasts in real time. Hiding all three behind one trait lets a test run
//! "10 minutes of simulated time" in 10 seconds with a [`ScaledClock`], or drive a 5-minute
//! window in microseconds with a [`ManualClock`], while the demo server uses [`SystemClock`].
//!
//! Everything the simulator reports in time units is *simulated*: `Retry-After` seconds, a
//! storm's length, `timeout_ms` / `slow_ms` of the faults. A client that builds an identical
//! clock (same origin, origin UTC and factor; see the accessors of [`ScaledClock`]) sees a
//! consistent world.
//!
//! Error envelopes are built far from the server state, so the gate publishes the server's
//! clock to them through a task-local ([`scope`], read by [`utc_now`]).

use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A source of simulated time.
pub trait Clock: Send + Sync + Debug + 'static {
    /// Monotonic simulated "now".
    fn now(&self) -> Instant;
    /// Simulated wall time (UTC).
    fn utc(&self) -> DateTime<Utc>;
    /// How long the simulated span `d` lasts in real time (what to sleep for).
    fn real(&self, d: Duration) -> Duration;
}

/// Real time: simulated time *is* real time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn utc(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn real(&self, d: Duration) -> Duration {
        d
    }
}

/// A clock that only moves when told to (unit tests of time windows).
///
/// Sleeps are not simulated: [`Clock::real`] answers the span unchanged, so a task that sleeps
/// under a manual clock waits the nominal real time.
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    base_utc: DateTime<Utc>,
    offset: Mutex<Duration>,
}

impl ManualClock {
    /// Starts at the real "now" (both monotonic and UTC).
    pub fn new() -> Self {
        ManualClock {
            base: Instant::now(),
            base_utc: Utc::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut o = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *o += by;
    }

    fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + self.offset()
    }

    fn utc(&self) -> DateTime<Utc> {
        self.base_utc + chrono::Duration::from_std(self.offset()).unwrap_or(chrono::Duration::MAX)
    }

    fn real(&self, d: Duration) -> Duration {
        d
    }
}

/// Real time sped up (or slowed down) by a constant factor from an origin:
/// simulated elapsed = real elapsed × `factor`.
///
/// With `factor = 60`, one real second is one simulated minute: the 5-second burst window of
/// the rate limiter frees after ~83 ms, and a traffic tick every simulated second lands about
/// 60 times per real second. Two `ScaledClock`s built from the same three values agree, so a
/// client under test can share the simulator's notion of time.
#[derive(Clone, Copy, Debug)]
pub struct ScaledClock {
    origin: Instant,
    origin_utc: DateTime<Utc>,
    factor: f64,
}

impl ScaledClock {
    /// A clock that reads `origin` / `origin_utc` at the real instant `origin`.
    ///
    /// # Panics
    /// If `factor` is not a finite number greater than zero.
    pub fn new(origin: Instant, origin_utc: DateTime<Utc>, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor > 0.0,
            "ScaledClock factor must be finite and > 0 (got {factor})"
        );
        ScaledClock {
            origin,
            origin_utc,
            factor,
        }
    }

    /// The real instant at which simulated time started.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// The simulated UTC time at [`origin`](Self::origin).
    pub fn origin_utc(&self) -> DateTime<Utc> {
        self.origin_utc
    }

    /// Simulated seconds per real second.
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// Simulated time elapsed since the origin.
    fn elapsed(&self) -> Duration {
        Instant::now()
            .saturating_duration_since(self.origin)
            .mul_f64(self.factor)
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Instant {
        self.origin + self.elapsed()
    }

    fn utc(&self) -> DateTime<Utc> {
        self.origin_utc
            + chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::MAX)
    }

    fn real(&self, d: Duration) -> Duration {
        d.div_f64(self.factor)
    }
}

tokio::task_local! {
    static CURRENT: Arc<dyn Clock>;
}

/// Runs `fut` with `clock` as the clock [`utc_now`] reads (the gate wraps every request).
pub async fn scope<F: Future>(clock: Arc<dyn Clock>, fut: F) -> F::Output {
    CURRENT.scope(clock, fut).await
}

/// Simulated UTC "now" of the request being served, or real time outside one.
pub fn utc_now() -> DateTime<Utc> {
    CURRENT.try_with(|c| c.utc()).unwrap_or_else(|_| Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_both_times_together() {
        let c = ManualClock::new();
        let (i0, u0) = (c.now(), c.utc());
        c.advance(Duration::from_secs(90));
        assert_eq!(c.now() - i0, Duration::from_secs(90));
        assert_eq!(c.utc() - u0, chrono::Duration::seconds(90));
        assert_eq!(c.real(Duration::from_secs(3)), Duration::from_secs(3));
    }

    #[test]
    fn scaled_clock_runs_factor_times_faster() {
        let origin = Instant::now();
        let origin_utc = Utc::now();
        let c = ScaledClock::new(origin, origin_utc, 60.0);
        assert_eq!(
            (c.origin(), c.origin_utc(), c.factor()),
            (origin, origin_utc, 60.0)
        );
        assert_eq!(
            c.real(Duration::from_secs(5)),
            Duration::from_nanos(83_333_333)
        );
        std::thread::sleep(Duration::from_millis(50));
        let sim = c.now() - origin;
        let real = origin.elapsed();
        // Simulated elapsed ≈ 60 × real elapsed (both read at almost the same instant).
        assert!(sim >= Duration::from_secs(3), "{sim:?}");
        assert!(
            sim <= real.mul_f64(60.0) + Duration::from_millis(60),
            "{sim:?}"
        );
        let utc_elapsed = (c.utc() - origin_utc).to_std().unwrap();
        assert!(utc_elapsed >= sim, "{utc_elapsed:?} < {sim:?}");
        // An identical clock built from the accessors agrees.
        let twin = ScaledClock::new(c.origin(), c.origin_utc(), c.factor());
        let (a, b) = (c.now(), twin.now());
        let gap = if a > b { a - b } else { b - a };
        assert!(gap < Duration::from_millis(60), "{gap:?}");
    }

    #[test]
    #[should_panic(expected = "factor")]
    fn scaled_clock_refuses_a_zero_factor() {
        let _ = ScaledClock::new(Instant::now(), Utc::now(), 0.0);
    }

    #[tokio::test]
    async fn scope_publishes_the_clock_to_utc_now() {
        let c = Arc::new(ManualClock::new());
        c.advance(Duration::from_secs(86_400 * 365));
        let far = c.utc();
        let seen = scope(c.clone(), async { utc_now() }).await;
        assert_eq!(seen, far);
        assert!(utc_now() < far);
    }
}
