//! The live sync engine: when to pull, and the one status the UI reads.
//!
//! [`Engine::run`] repeats [`Syncer::sync_once`] on an adaptive schedule: often while the window
//! has focus, rarely in the background, with a growing backoff while the server cannot be reached,
//! and at once when woken (focus regained, the agent asked for it, the network came back). It
//! folds three more facts into the syncer's [`SyncStatus`]: a 429 pause of the account
//! (`rateLimited`, with the seconds left), and the outbox's pending and failed counts. Every
//! change of that status reaches watchers, so the shell forwards it to the UI as an event.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::clock;
use crate::error::{Error, Result};
use crate::store;
use crate::sync::{SyncState, SyncStatus, Syncer};

/// How often to poll.
#[derive(Debug, Clone)]
pub struct PollOptions {
    /// Between passes while the window has focus.
    pub focused: Duration,
    /// Between passes while it does not.
    pub background: Duration,
    /// First wait after a failed pass (server unreachable); doubles up to `retry_max`.
    pub retry_min: Duration,
    /// Longest wait after failed passes.
    pub retry_max: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        // A focused pass costs 6-9 requests: every 10 s that is under a tenth of the budget.
        PollOptions {
            focused: Duration::from_secs(10),
            background: Duration::from_secs(60),
            retry_min: Duration::from_secs(5),
            retry_max: Duration::from_secs(120),
        }
    }
}

/// Runs a [`Syncer`] on a schedule and keeps the status the UI sees.
pub struct Engine {
    syncer: Arc<Syncer>,
    options: PollOptions,
    focused: AtomicBool,
    wake: Notify,
    failures: AtomicU32,
    outbox_wake: Arc<Notify>,
}

impl Engine {
    /// An engine over `syncer`.
    pub fn new(syncer: Arc<Syncer>, options: PollOptions) -> Arc<Engine> {
        Arc::new(Engine {
            syncer,
            options,
            focused: AtomicBool::new(true),
            wake: Notify::new(),
            failures: AtomicU32::new(0),
            outbox_wake: Arc::new(Notify::new()),
        })
    }

    /// The outbox worker's wake-up: notified when the server is reachable again after failed
    /// passes, so queued actions go out at once instead of at their next backoff.
    pub fn outbox_wake(&self) -> &Arc<Notify> {
        &self.outbox_wake
    }

    /// The syncer.
    pub fn syncer(&self) -> &Arc<Syncer> {
        &self.syncer
    }

    /// Watches the status.
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.syncer.status()
    }

    /// Runs a pass now (or as soon as the running one ends).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The window gained or lost focus. Gaining it syncs at once.
    pub fn set_focused(&self, focused: bool) {
        let was = self.focused.swap(focused, Ordering::Relaxed);
        if focused && !was {
            self.wake();
        }
    }

    /// Whether the window has focus.
    pub fn is_focused(&self) -> bool {
        self.focused.load(Ordering::Relaxed)
    }

    /// How long to wait before the next pass, given how the last one ended.
    pub fn next_delay(&self, last: &Result<()>) -> Duration {
        match last {
            Ok(()) => {
                self.failures.store(0, Ordering::Relaxed);
                if self.is_focused() {
                    self.options.focused
                } else {
                    self.options.background
                }
            }
            Err(Error::RateLimited {
                retry_after: Some(d),
            }) => *d,
            Err(_) => {
                let n = self.failures.fetch_add(1, Ordering::Relaxed).min(16);
                let wait = self.options.retry_min.saturating_mul(1 << n);
                wait.min(self.options.retry_max)
                    .mul_f64(0.75 + fastrand::f64() * 0.25)
            }
        }
    }

    /// Re-reads the outbox counts into the status (after an action was queued or delivered).
    pub fn refresh_outbox(&self) -> Result<()> {
        let (pending, failed) = {
            let s = self
                .syncer
                .store()
                .lock()
                .map_err(|_| Error::Config("banco local indisponível".into()))?;
            let all = store::outbox::pending_count(s.conn())?;
            let failed = store::outbox::failed_count(s.conn())?;
            (all - failed, failed)
        };
        self.syncer.status_sender().send_if_modified(|s| {
            let changed = s.pending != pending || s.failed != failed;
            s.pending = pending;
            s.failed = failed;
            changed
        });
        Ok(())
    }

    /// Rows of `entities` changed outside a sync pass (an action was queued, delivered or
    /// refused): a change notice, and the outbox counts of the status read again.
    pub fn outbox_changed(&self, entities: &[&str]) {
        self.syncer.notify(entities);
        if let Err(e) = self.refresh_outbox() {
            tracing::warn!(error = %e, "could not read the outbox counts");
        }
    }

    /// Polls forever. Spawn it once per account.
    #[tracing::instrument(name = "sync_engine", skip_all)]
    pub async fn run(self: Arc<Self>) {
        // A 429 pause shows as `rateLimited` while it lasts, even in the middle of a pass.
        let mut pauses = self.syncer.client().budget().pauses();
        let me = self.clone();
        let watcher = tokio::spawn(async move {
            while pauses.changed().await.is_ok() {
                let pause = *pauses.borrow_and_update();
                me.syncer.status_sender().send_modify(|s| match pause {
                    Some(d) => {
                        s.state = SyncState::RateLimited;
                        s.resume_in_secs = Some(d.as_secs().max(1));
                    }
                    None => {
                        if s.state == SyncState::RateLimited {
                            s.state = SyncState::Syncing;
                        }
                        s.resume_in_secs = None;
                    }
                });
            }
        });
        let _watcher = AbortOnDrop(watcher);
        if let Err(e) = self.refresh_outbox() {
            tracing::warn!(error = %e, "could not read the outbox counts");
        }
        loop {
            let last = self.syncer.sync_once().await.map(|_| ());
            if last.is_ok() && self.failures.load(Ordering::Relaxed) > 0 {
                self.outbox_wake.notify_one();
            }
            let delay = self.next_delay(&last);
            tracing::debug!(?delay, ok = last.is_ok(), "next sync pass");
            tokio::select! {
                _ = clock::sleep(&**self.syncer.client().budget().clock(), delay) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::client::Token;
    use crate::api::HelenaClient;
    use crate::store::Store;
    use crate::sync::SyncOptions;
    use std::sync::Mutex;

    fn engine() -> Arc<Engine> {
        let client = HelenaClient::new("http://127.0.0.1:9", Token::new("t")).unwrap();
        let store = Arc::new(Mutex::new(Store::open_in_memory().unwrap()));
        let syncer = Arc::new(Syncer::new(client, store, SyncOptions::default()));
        Engine::new(syncer, PollOptions::default())
    }

    #[test]
    fn polls_fast_with_focus_slow_without_and_backs_off_when_offline() {
        let e = engine();
        let o = PollOptions::default();
        assert_eq!(e.next_delay(&Ok(())), o.focused);
        e.set_focused(false);
        assert_eq!(e.next_delay(&Ok(())), o.background);
        let offline = || Err(Error::Offline("x".into()));
        let waits: Vec<Duration> = (0..8).map(|_| e.next_delay(&offline())).collect();
        assert!(waits[0] >= o.retry_min.mul_f64(0.75) && waits[0] <= o.retry_min);
        assert!(waits[2] > waits[0]);
        assert!(waits.iter().all(|w| *w <= o.retry_max));
        assert!(waits[7] >= o.retry_max.mul_f64(0.75));
        // One good pass resets the backoff.
        e.next_delay(&Ok(()));
        assert!(e.next_delay(&offline()) <= o.retry_min);
        let limited = Err(Error::RateLimited {
            retry_after: Some(Duration::from_secs(42)),
        });
        assert_eq!(e.next_delay(&limited), Duration::from_secs(42));
    }

    #[test]
    fn outbox_counts_reach_the_status() {
        let e = engine();
        {
            let mut s = e.syncer.store().lock().unwrap();
            s.write(|tx| {
                let raw = r#"{"id":"s1","status":"IN_PROGRESS"}"#;
                store::session::upsert(tx, &serde_json::from_str(raw).unwrap(), raw).map(|_| ())
            })
            .unwrap();
            for text in ["a", "b"] {
                crate::outbox::enqueue(
                    &mut s,
                    crate::outbox::Action::SendText { text: text.into() },
                    Some("s1"),
                )
                .unwrap();
            }
        }
        let mut status = e.status();
        e.refresh_outbox().unwrap();
        assert!(status.has_changed().unwrap());
        let s = status.borrow_and_update().clone();
        assert_eq!((s.pending, s.failed), (2, 0));
    }
}
