//! The client-side request budget for one Helena account.
//!
//! Helena documents 1000 requests per 5 minutes and 200 per 5 seconds per account, and sends have
//! a bucket of their own (1000 per 2 minutes) (helena.md §1.2); one public transcription of the
//! docs says "1,000 requests every 2 minutes, per endpoint" instead. The windows are therefore
//! settings ([`RateLimits`], the documented values by default), and the budget also adapts when
//! the server limits per route. It keeps a log of the instants of recent requests per window and
//! makes a caller wait until every window it counts against has room: a sliding log is at least
//! as strict as the server's fixed windows or token buckets, so keeping under it means no 429 in
//! normal use. Each request states a [`Priority`]: lower priorities may fill only part of each
//! window, keeping headroom for agent actions, and wait while a more urgent request is queued.
//!
//! A 429 ([`Budget::rate_limited`]) is read as the server says it: with `Retry-After`, the whole
//! account waits exactly that long; without it, only the route that got it waits (exponential
//! backoff) and the route gets a learned window of its own, 10% under the rate it was refused
//! at, so a per-endpoint limit slows that route without stalling the others.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::clock::{self, SharedClock};

/// One limit: at most `max` requests in any `per` interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

/// One window as a setting: at most `max` requests every `per_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowSetting {
    pub max: u32,
    pub per_secs: u64,
}

/// The rate limits of an account, as settings (JSON, camelCase; every field optional). The
/// defaults are Helena's documented limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RateLimits {
    /// Windows every request counts against (default 1000 / 300 s and 200 / 5 s).
    pub general: Vec<WindowSetting>,
    /// Windows sends also count against (default 1000 / 120 s).
    pub sends: Vec<WindowSetting>,
    /// The fraction of each limit the budget uses (default 0.95: 5% under the server's, so that
    /// jitter in arrival times cannot push a window over).
    pub margin: f64,
    /// The span a route's learned window counts over after a 429 without `Retry-After`
    /// (default 120 s, the per-endpoint transcription's window).
    pub route_window_secs: u64,
}

impl Default for RateLimits {
    fn default() -> Self {
        let w = |max, per_secs| WindowSetting { max, per_secs };
        RateLimits {
            general: vec![w(1000, 300), w(200, 5)],
            sends: vec![w(1000, 120)],
            margin: 0.95,
            route_window_secs: 120,
        }
    }
}

impl RateLimits {
    fn limits(&self, windows: &[WindowSetting]) -> Vec<Limit> {
        let margin = if self.margin > 0.0 && self.margin <= 1.0 {
            self.margin
        } else {
            1.0
        };
        windows
            .iter()
            .filter(|w| w.max > 0 && w.per_secs > 0)
            .map(|w| Limit {
                max: ((f64::from(w.max) * margin).floor() as u32).max(1),
                per: Duration::from_secs(w.per_secs),
            })
            .collect()
    }
}

/// Which buckets a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Any call: counts against the general windows.
    General,
    /// A send (`/chat/v1/send/*`, in-session messages): the general windows and the send window.
    Send,
}

/// Who is asking, most urgent first. A request may use only its share of each window
/// ([`Priority::share`]) and waits while a more urgent request is waiting, so agent actions
/// always find headroom and the open conversation is served before background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// An agent action from the outbox (send, assume, conclude...).
    Action = 0,
    /// The conversation open on screen.
    Open = 1,
    /// What the visible tabs show: session, contact and message lists.
    Visible = 2,
    /// Everything else: reference data, notes of other sessions, backfill.
    Backfill = 3,
}

impl Priority {
    /// The fraction of each window this priority may fill. The top 20% is kept for agent
    /// actions (helena.md §10.9).
    pub fn share(self) -> f64 {
        match self {
            Priority::Action => 1.0,
            Priority::Open => 0.8,
            Priority::Visible => 0.8,
            Priority::Backfill => 0.7,
        }
    }
}

#[derive(Debug)]
struct Window {
    limit: Limit,
    log: VecDeque<Instant>,
}

impl Window {
    fn new(limit: Limit) -> Self {
        Window {
            limit,
            log: VecDeque::new(),
        }
    }

    /// When this window next has room for `priority`, or `None` if it has room now.
    fn wait_until(&mut self, now: Instant, priority: Priority) -> Option<Instant> {
        while self
            .log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limit.per)
        {
            self.log.pop_front();
        }
        let cap = ((f64::from(self.limit.max) * priority.share()).floor() as usize).max(1);
        if self.log.len() < cap {
            None
        } else {
            // Room comes back when enough of the oldest entries have left the window.
            self.log
                .get(self.log.len() - cap)
                .map(|t| *t + self.limit.per)
        }
    }
}

/// A route gets a learned window only when it was refused after at least this many requests
/// within the route window.
const MIN_LEARNED: u32 = 20;

/// What the budget learned about one route from its 429s.
#[derive(Debug, Default)]
struct Route {
    /// Requests sent on the route within the route window.
    log: VecDeque<Instant>,
    /// The route's own window, once a 429 without `Retry-After` taught one.
    learned: Option<Window>,
    paused_until: Option<Instant>,
    /// 429s in a row without a granted request in between (for the backoff).
    strikes: u32,
}

#[derive(Debug)]
struct State {
    general: Vec<Window>,
    send: Vec<Window>,
    paused_until: Option<Instant>,
    granted: u64,
    waiting: [u32; 4],
    routes: HashMap<String, Route>,
    route_window: Duration,
}

/// The request budget of one account. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
    clock: SharedClock,
    changed: Notify,
    paused: watch::Sender<Option<Duration>>,
}

impl Budget {
    /// A budget with the given general and send limits, on the real clock.
    pub fn new(general: &[Limit], send: &[Limit]) -> Budget {
        Self::with_clock(general, send, clock::system())
    }

    /// A budget on the given clock.
    pub fn with_clock(general: &[Limit], send: &[Limit], clock: SharedClock) -> Budget {
        Budget {
            state: Mutex::new(State {
                general: general.iter().copied().map(Window::new).collect(),
                send: send.iter().copied().map(Window::new).collect(),
                paused_until: None,
                granted: 0,
                waiting: [0; 4],
                routes: HashMap::new(),
                route_window: Duration::from_secs(120),
            }),
            clock,
            changed: Notify::new(),
            paused: watch::channel(None).0,
        }
    }

    /// Helena's documented limits, each kept 5% below the server's so that network jitter in
    /// arrival times cannot push a window over.
    pub fn helena() -> Budget {
        Self::helena_with_clock(clock::system())
    }

    /// Helena's limits on the given clock.
    pub fn helena_with_clock(clock: SharedClock) -> Budget {
        Self::from_limits(&RateLimits::default(), clock)
    }

    /// A budget from rate-limit settings, on the given clock.
    pub fn from_limits(limits: &RateLimits, clock: SharedClock) -> Budget {
        let b = Budget::with_clock(
            &limits.limits(&limits.general),
            &limits.limits(&limits.sends),
            clock,
        );
        b.lock().route_window = Duration::from_secs(limits.route_window_secs.max(1));
        b
    }

    /// No limits (tests against a simulator with limits off).
    pub fn unlimited() -> Budget {
        Budget::new(&[], &[])
    }

    /// The budget's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request of `kind` at `priority` may be sent, and records it.
    pub async fn acquire(&self, kind: RequestKind, priority: Priority) {
        self.acquire_route("", kind, priority).await
    }

    /// [`Budget::acquire`] for a request on `route` (its path with ids replaced, see
    /// [`route_of`]), which also waits out what the route's own 429s taught.
    pub async fn acquire_route(&self, route: &str, kind: RequestKind, priority: Priority) {
        let p = priority as usize;
        self.lock().waiting[p] += 1;
        // Leaves the queue even if the caller is cancelled while waiting.
        struct Queued<'a>(&'a Budget, usize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.lock().waiting[self.1] -= 1;
                self.0.changed.notify_waiters();
            }
        }
        let _queued = Queued(self, p);
        loop {
            // Registered before the state is read, so no wake-up between the two is lost.
            let mut notified = std::pin::pin!(self.changed.notified());
            notified.as_mut().enable();
            let wait = {
                let mut st = self.lock();
                let now = self.clock.now();
                let mut until = st.paused_until.filter(|t| *t > now);
                if until.is_none() && st.paused_until.take().is_some() {
                    self.paused.send_replace(None);
                }
                let ahead = st.waiting[..p].iter().any(|n| *n > 0);
                let State {
                    general,
                    send,
                    routes,
                    ..
                } = &mut *st;
                let windows = general
                    .iter_mut()
                    .chain(send.iter_mut().filter(|_| kind == RequestKind::Send));
                for w in windows {
                    until = until.max(w.wait_until(now, priority));
                }
                if let Some(r) = routes.get_mut(route) {
                    until = until.max(r.paused_until.filter(|t| *t > now));
                    if let Some(w) = r.learned.as_mut() {
                        until = until.max(w.wait_until(now, priority));
                    }
                }
                match until {
                    None if !ahead => {
                        st.general.iter_mut().for_each(|w| w.log.push_back(now));
                        if kind == RequestKind::Send {
                            st.send.iter_mut().for_each(|w| w.log.push_back(now));
                        }
                        if !route.is_empty() {
                            let span = st.route_window;
                            let r = st.routes.entry(route.to_string()).or_default();
                            while r
                                .log
                                .front()
                                .is_some_and(|t| now.duration_since(*t) >= span)
                            {
                                r.log.pop_front();
                            }
                            r.log.push_back(now);
                            if let Some(w) = r.learned.as_mut() {
                                w.log.push_back(now);
                            }
                        }
                        st.granted += 1;
                        return;
                    }
                    // A more urgent request is queued: wait for it to be served.
                    None => None,
                    Some(t) => Some(t),
                }
            };
            match wait {
                Some(t) => {
                    tokio::select! {
                        _ = clock::sleep_until(&*self.clock, t) => {}
                        _ = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Pauses every caller for `d` (after a 429).
    pub fn pause_for(&self, d: Duration) {
        let mut st = self.lock();
        let until = self.clock.now() + d;
        let until = st.paused_until.map_or(until, |t| t.max(until));
        st.paused_until = Some(until);
        self.paused
            .send_replace(Some(until.saturating_duration_since(self.clock.now())));
    }

    /// A 429 on `route`. With `retry_after` the whole account waits exactly that long (the
    /// server said so). Without it only the route waits, `backoff` doubled per 429 in a row, and
    /// the route gets a window of its own, 10% under the rate it was refused at (the requests it
    /// made within the route window, when at least 20), so a per-endpoint limit slows that route
    /// alone. Returns how long the caller's route waits.
    pub fn rate_limited(
        &self,
        route: &str,
        retry_after: Option<Duration>,
        backoff: Duration,
    ) -> Duration {
        if let Some(wait) = retry_after {
            self.pause_for(wait);
            return wait;
        }
        let mut st = self.lock();
        let now = self.clock.now();
        let span = st.route_window;
        let r = st.routes.entry(route.to_string()).or_default();
        r.strikes += 1;
        let wait = backoff.saturating_mul(1 << (r.strikes - 1).min(6));
        r.paused_until = Some(now + wait);
        // A route refused after only a few requests is not at a limit of its own (a storm, the
        // account's limit): the backoff alone answers it.
        let seen = u32::try_from(r.log.len()).unwrap_or(u32::MAX);
        if seen >= MIN_LEARNED {
            let max = seen.saturating_mul(9) / 10;
            let max = r.learned.as_ref().map_or(max, |w| w.limit.max.min(max));
            let log = r
                .learned
                .take()
                .map(|w| w.log)
                .unwrap_or_else(|| r.log.clone());
            r.learned = Some(Window {
                limit: Limit { max, per: span },
                log,
            });
        }
        tracing::warn!(
            route,
            ?wait,
            seen,
            "429 without Retry-After; slowing this route"
        );
        drop(st);
        self.changed.notify_waiters();
        wait
    }

    /// A request on `route` went through: its run of 429s ends (its learned window stays).
    pub fn route_ok(&self, route: &str) {
        if let Some(r) = self.lock().routes.get_mut(route) {
            r.strikes = 0;
        }
    }

    /// The learned window of `route`, if a 429 taught one.
    pub fn route_limit(&self, route: &str) -> Option<Limit> {
        self.lock()
            .routes
            .get(route)
            .and_then(|r| r.learned.as_ref().map(|w| w.limit))
    }

    /// Whether the account is paused now.
    pub fn is_paused(&self) -> bool {
        self.lock()
            .paused_until
            .is_some_and(|t| t > self.clock.now())
    }

    /// Watches pauses: `Some(remaining)` when a 429 paused the account, `None` once a request
    /// went through again.
    pub fn pauses(&self) -> watch::Receiver<Option<Duration>> {
        self.paused.subscribe()
    }

    /// Requests granted since creation.
    pub fn granted(&self) -> u64 {
        self.lock().granted
    }
}

/// The route of a request path: its segments, with every segment that looks like a value (at
/// least 8 characters with a digit: ids, phone numbers) replaced by `{id}`, so one route's
/// requests count together (`v1`, `v2` stay).
pub fn route_of(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.len() >= 8 && seg.bytes().any(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[test]
    fn settings_default_to_the_documented_limits_and_parse_partially() {
        let d = RateLimits::default();
        let b = Budget::from_limits(&d, crate::clock::system());
        let st = b.lock();
        let g: Vec<(u32, u64)> = st
            .general
            .iter()
            .map(|w| (w.limit.max, w.limit.per.as_secs()))
            .collect();
        assert_eq!(g, [(950, 300), (190, 5)]);
        assert_eq!(st.send[0].limit.max, 950);
        drop(st);
        let custom: RateLimits =
            serde_json::from_str(r#"{"general":[{"max":1000,"perSecs":120}],"margin":1.0}"#)
                .unwrap();
        assert_eq!(custom.sends, d.sends);
        assert_eq!(
            custom.limits(&custom.general),
            [Limit {
                max: 1000,
                per: Duration::from_secs(120)
            }]
        );
    }

    #[test]
    fn routes_collapse_ids() {
        assert_eq!(
            route_of("/chat/v1/session/5e3c1a9e-0b1f-4a57-9f3e-5a1c2b3d4e5f/message"),
            "/chat/v1/session/{id}/message"
        );
        assert_eq!(route_of("/core/v1/contact"), "/core/v1/contact");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_with_retry_after_pauses_the_account_exactly_that_long() {
        let b = Budget::new(&[], &[]);
        let start = Instant::now();
        let wait = b.rate_limited("/a", Some(Duration::from_secs(3)), Duration::from_secs(60));
        assert_eq!(wait, Duration::from_secs(3));
        b.acquire_route("/b", RequestKind::General, Priority::Visible)
            .await;
        assert_eq!(Instant::now().duration_since(start), Duration::from_secs(3));
        assert_eq!(b.route_limit("/a"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_without_retry_after_slows_only_its_route() {
        let b = Budget::new(&[], &[]);
        let start = Instant::now();
        for _ in 0..20 {
            b.acquire_route("/a", RequestKind::General, Priority::Visible)
                .await;
        }
        let wait = b.rate_limited("/a", None, Duration::from_secs(2));
        assert_eq!(wait, Duration::from_secs(2));
        assert!(!b.is_paused(), "the account is not paused");
        // Another route goes on at once.
        b.acquire_route("/b", RequestKind::General, Priority::Visible)
            .await;
        assert_eq!(Instant::now(), start);
        // The route learned a window 10% under what it was refused at: 18 per 120 s, and the 20
        // already sent count against it, so its next request waits for the window to move.
        assert_eq!(
            b.route_limit("/a"),
            Some(Limit {
                max: 18,
                per: Duration::from_secs(120)
            })
        );
        b.acquire_route("/a", RequestKind::General, Priority::Visible)
            .await;
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(2));
        // A second 429 in a row doubles the route's backoff.
        let wait = b.rate_limited("/a", None, Duration::from_secs(2));
        assert_eq!(wait, Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_any_window() {
        let b = Budget::new(
            &[
                Limit {
                    max: 10,
                    per: Duration::from_secs(1),
                },
                Limit {
                    max: 25,
                    per: Duration::from_secs(10),
                },
            ],
            &[],
        );
        let start = Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..60 {
            b.acquire(RequestKind::General, Priority::Action).await;
            stamps.push(Instant::now().duration_since(start));
        }
        for (i, t) in stamps.iter().enumerate() {
            let in_1s = stamps[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(1))
                .count();
            let in_10s = stamps[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(10))
                .count();
            assert!(in_1s <= 10, "{in_1s} in 1 s");
            assert!(in_10s <= 25, "{in_10s} in 10 s");
        }
        // 60 requests at 25 per 10 s need at least 20 s.
        assert!(*stamps.last().unwrap() >= Duration::from_secs(20));
        assert_eq!(b.granted(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn sends_have_their_own_window_and_pause_stops_everyone() {
        let b = Budget::new(
            &[],
            &[Limit {
                max: 2,
                per: Duration::from_secs(60),
            }],
        );
        let start = Instant::now();
        b.acquire(RequestKind::Send, Priority::Action).await;
        b.acquire(RequestKind::Send, Priority::Action).await;
        // General calls are not held back by the send window.
        b.acquire(RequestKind::General, Priority::Action).await;
        assert_eq!(Instant::now(), start);
        b.acquire(RequestKind::Send, Priority::Action).await;
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(60));

        b.pause_for(Duration::from_secs(7));
        assert!(b.is_paused());
        let t = Instant::now();
        b.acquire(RequestKind::General, Priority::Action).await;
        assert!(Instant::now().duration_since(t) >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn background_work_leaves_headroom_for_agent_actions() {
        let b = Budget::new(
            &[Limit {
                max: 10,
                per: Duration::from_secs(10),
            }],
            &[],
        );
        let start = Instant::now();
        // Backfill may fill 7 of the 10 slots; the eighth waits for the window to move.
        for _ in 0..7 {
            b.acquire(RequestKind::General, Priority::Backfill).await;
        }
        assert_eq!(Instant::now(), start);
        // An agent action still goes through at once, up to the full window.
        for _ in 0..3 {
            b.acquire(RequestKind::General, Priority::Action).await;
        }
        assert_eq!(Instant::now(), start);
        b.acquire(RequestKind::General, Priority::Backfill).await;
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn urgent_requests_are_served_first() {
        let b = std::sync::Arc::new(Budget::new(
            &[Limit {
                max: 1,
                per: Duration::from_secs(1),
            }],
            &[],
        ));
        b.acquire(RequestKind::General, Priority::Action).await;
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for p in [Priority::Backfill, Priority::Visible, Priority::Action] {
            let (b, order) = (b.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                b.acquire(RequestKind::General, p).await;
                order.lock().unwrap().push(p);
            }));
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            [Priority::Action, Priority::Visible, Priority::Backfill]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_is_announced_and_cleared_by_the_next_grant() {
        let b = Budget::new(&[], &[]);
        let mut pauses = b.pauses();
        b.pause_for(Duration::from_secs(4));
        assert_eq!(*pauses.borrow_and_update(), Some(Duration::from_secs(4)));
        b.acquire(RequestKind::General, Priority::Visible).await;
        assert!(pauses.has_changed().unwrap());
        assert_eq!(*pauses.borrow_and_update(), None);
    }
}
