//! The client-side request budget for one Helena account.
//!
//! Helena allows 1000 requests per 5 minutes and 200 per 5 seconds per account, and sends have a
//! bucket of their own (1000 per 2 minutes) (helena.md §1.2). The budget keeps a log of the
//! instants of recent requests per window and makes a caller wait until every window it counts
//! against has room: a sliding log is at least as strict as the server's fixed windows or token
//! buckets, so keeping under it means no 429 in normal use. A 429 still pauses the whole account
//! ([`Budget::pause_for`]), not just the caller. Priorities and reserved headroom for agent
//! actions build on this in the sync engine.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

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

    /// When this window next has room, or `None` if it has room now.
    fn wait_until(&mut self, now: Instant) -> Option<Instant> {
        while self
            .log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.limit.per)
        {
            self.log.pop_front();
        }
        if (self.log.len() as u32) < self.limit.max {
            None
        } else {
            self.log.front().map(|t| *t + self.limit.per)
        }
    }
}

#[derive(Debug)]
struct State {
    general: Vec<Window>,
    send: Vec<Window>,
    paused_until: Option<Instant>,
    granted: u64,
}

/// The request budget of one account. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
}

impl Budget {
    /// A budget with the given general and send limits.
    pub fn new(general: &[Limit], send: &[Limit]) -> Budget {
        Budget {
            state: Mutex::new(State {
                general: general.iter().copied().map(Window::new).collect(),
                send: send.iter().copied().map(Window::new).collect(),
                paused_until: None,
                granted: 0,
            }),
        }
    }

    /// Helena's documented limits, each kept 5% below the server's so that network jitter in
    /// arrival times cannot push a window over.
    pub fn helena() -> Budget {
        let l = |max: u32, secs: u64| Limit {
            max: max * 95 / 100,
            per: Duration::from_secs(secs),
        };
        Budget::new(&[l(1000, 300), l(200, 5)], &[l(1000, 120)])
    }

    /// No limits (tests against a simulator with limits off).
    pub fn unlimited() -> Budget {
        Budget::new(&[], &[])
    }

    /// Waits until a request of `kind` may be sent, and records it.
    pub async fn acquire(&self, kind: RequestKind) {
        loop {
            let wait = {
                let mut st = self.state.lock().expect("budget lock");
                let now = Instant::now();
                let mut until = st.paused_until.filter(|t| *t > now);
                let State { general, send, .. } = &mut *st;
                let windows = general
                    .iter_mut()
                    .chain(send.iter_mut().filter(|_| kind == RequestKind::Send));
                for w in windows {
                    until = until.max(w.wait_until(now));
                }
                match until {
                    Some(t) => t,
                    None => {
                        st.general.iter_mut().for_each(|w| w.log.push_back(now));
                        if kind == RequestKind::Send {
                            st.send.iter_mut().for_each(|w| w.log.push_back(now));
                        }
                        st.granted += 1;
                        return;
                    }
                }
            };
            tokio::time::sleep_until(wait).await;
        }
    }

    /// Pauses every caller for `d` (after a 429).
    pub fn pause_for(&self, d: Duration) {
        let mut st = self.state.lock().expect("budget lock");
        let until = Instant::now() + d;
        st.paused_until = Some(st.paused_until.map_or(until, |t| t.max(until)));
    }

    /// Whether the account is paused now.
    pub fn is_paused(&self) -> bool {
        let st = self.state.lock().expect("budget lock");
        st.paused_until.is_some_and(|t| t > Instant::now())
    }

    /// Requests granted since creation.
    pub fn granted(&self) -> u64 {
        self.state.lock().expect("budget lock").granted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            b.acquire(RequestKind::General).await;
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
        b.acquire(RequestKind::Send).await;
        b.acquire(RequestKind::Send).await;
        // General calls are not held back by the send window.
        b.acquire(RequestKind::General).await;
        assert_eq!(Instant::now(), start);
        b.acquire(RequestKind::Send).await;
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(60));

        b.pause_for(Duration::from_secs(7));
        assert!(b.is_paused());
        let t = Instant::now();
        b.acquire(RequestKind::General).await;
        assert!(Instant::now().duration_since(t) >= Duration::from_secs(7));
    }
}
