//! The client-side request budget for one Helena account.
//!
//! Helena allows 1000 requests per 5 minutes and 200 per 5 seconds per account, and sends have a
//! bucket of their own (1000 per 2 minutes) (helena.md §1.2). The budget keeps a log of the
//! instants of recent requests per window and makes a caller wait until every window it counts
//! against has room: a sliding log is at least as strict as the server's fixed windows or token
//! buckets, so keeping under it means no 429 in normal use. A 429 still pauses the whole account
//! ([`Budget::pause_for`]), not just the caller. Each request states a [`Priority`]: lower
//! priorities may fill only part of each window, keeping headroom for agent actions, and wait
//! while a more urgent request is queued.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use crate::clock::{self, SharedClock};

/// One limit: at most `max` requests in any `per` interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
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

#[derive(Debug)]
struct State {
    general: Vec<Window>,
    send: Vec<Window>,
    paused_until: Option<Instant>,
    granted: u64,
    waiting: [u32; 4],
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
        let l = |max: u32, secs: u64| Limit {
            max: max * 95 / 100,
            per: Duration::from_secs(secs),
        };
        Budget::with_clock(&[l(1000, 300), l(200, 5)], &[l(1000, 120)], clock)
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
                let State { general, send, .. } = &mut *st;
                let windows = general
                    .iter_mut()
                    .chain(send.iter_mut().filter(|_| kind == RequestKind::Send));
                for w in windows {
                    until = until.max(w.wait_until(now, priority));
                }
                match until {
                    None if !ahead => {
                        st.general.iter_mut().for_each(|w| w.log.push_back(now));
                        if kind == RequestKind::Send {
                            st.send.iter_mut().for_each(|w| w.log.push_back(now));
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

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
