//! Time as the sync engine sees it.
//!
//! Everything that depends on time (the request budget's windows, sync windows' upper bounds,
//! polling intervals, outbox backoff) reads it from a [`Clock`], so that tests can run the engine
//! on *simulated* time: the simulator and the client share a scaled clock and ten minutes of
//! traffic pass in thirty seconds, over real HTTP. The app uses [`SystemClock`].

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A source of time.
pub trait Clock: Send + Sync + Debug + 'static {
    /// Monotonic "now" (simulated for a scaled clock).
    fn now(&self) -> Instant;
    /// Wall-clock "now" in UTC (simulated for a scaled clock).
    fn utc(&self) -> DateTime<Utc>;
    /// How long a duration of this clock lasts in real time (what to sleep).
    fn real(&self, d: Duration) -> Duration;
}

/// A shareable clock.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock. Its monotonic time comes from tokio, so tests that pause tokio's time
/// (`start_paused`) drive it too.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn utc(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn real(&self, d: Duration) -> Duration {
        d
    }
}

/// The real clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Sleeps for `d` of `clock`'s time.
pub async fn sleep(clock: &dyn Clock, d: Duration) {
    tokio::time::sleep(clock.real(d)).await;
}

/// Sleeps until `t` of `clock`'s monotonic time.
pub async fn sleep_until(clock: &dyn Clock, t: Instant) {
    let d = t.saturating_duration_since(clock.now());
    if !d.is_zero() {
        sleep(clock, d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn system_clock_follows_paused_tokio_time() {
        let c = SystemClock;
        let t0 = c.now();
        sleep(&c, Duration::from_secs(90)).await;
        assert_eq!(c.now().duration_since(t0), Duration::from_secs(90));
        assert_eq!(c.real(Duration::from_secs(3)), Duration::from_secs(3));
    }
}
