//! The delivery worker: takes the head of each lane that is due, up to
//! [`WorkerOptions::lanes`] lanes at a time, and delivers each lane's rows in order.
//!
//! One delivery: commit `sending` + `attempted_at` (so a crash leaves a trace), make the HTTP
//! call once ([`HelenaClient::write`]), then commit the outcome with its local effects in one
//! transaction. A row found `sending` by a worker that is not delivering it was left by a dead
//! process, and is handled like an `uncertain` one: checked on the server before anything is
//! sent again (see the module docs of [`crate::outbox`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::action::{Action, Target};
use crate::api::budget::Priority;
use crate::api::dto::{ContactDto, MessageDto, SessionDto};
use crate::api::HelenaClient;
use crate::clock::{self, Clock};
use crate::error::{Error, Result};
use crate::store::{self, message::Kind, outbox::Entry, Store};
use crate::time;

/// Tuning of a [`Worker`].
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How many lanes are delivered at once.
    pub lanes: usize,
    /// First retry delay after a transient failure; doubles per attempt (with jitter).
    pub base_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// How long after an attempt its outcome can still change (a request in flight may land);
    /// an uncertain row is checked no sooner. `None`: the client's request timeout.
    pub check_delay: Option<Duration>,
    /// Margin around the attempt's time when looking for it on the server (clock skew).
    pub check_margin: Duration,
    /// Delivered rows are kept this long (for diagnostics and note matching), then pruned.
    pub keep_done: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            lanes: 4,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            check_delay: None,
            check_margin: Duration::from_secs(120),
            keep_done: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Figures of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    /// Actions delivered (found on the server after an uncertain attempt included).
    pub delivered: u64,
    /// Uncertain sends and notes looked up on the server.
    pub uncertain_checks: u64,
    /// Of those, found there (the earlier attempt had landed; nothing was sent again).
    pub found_on_server: u64,
    /// Requests sent again after an uncertain attempt (not found, or idempotent).
    pub resent: u64,
    /// Attempts put off after a transient failure (backoff).
    pub deferred: u64,
    /// Actions the server refused (now `failed`).
    pub failed: u64,
    /// Rows still to deliver when the run ended (pending, sending or uncertain).
    pub remaining: u64,
    /// Rows refused by the server, waiting for the agent to retry or discard.
    pub waiting_for_agent: u64,
    /// When the next row becomes due (`None`: nothing left that the worker can deliver).
    pub next_due_at: Option<String>,
}

impl DeliveryReport {
    fn add(&mut self, o: &DeliveryReport) {
        self.delivered += o.delivered;
        self.uncertain_checks += o.uncertain_checks;
        self.found_on_server += o.found_on_server;
        self.resent += o.resent;
        self.deferred += o.deferred;
        self.failed += o.failed;
    }
}

type OnChange = dyn Fn(&[&str]) + Send + Sync;

/// Delivers the outbox of one account. Cheap to clone (shared state). One worker per database:
/// a second process delivering the same file could take the other's in-flight rows for
/// abandoned ones.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    client: HelenaClient,
    store: Arc<Mutex<Store>>,
    on_change: Arc<OnChange>,
    options: WorkerOptions,
    pruned: AtomicBool,
    /// One run at a time per worker, so a lane is never delivered by two loops.
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// How an attempt ended, as far as the row is concerned.
enum Failure {
    /// The request may have been applied (timeout, dropped connection, 5xx).
    Uncertain,
    /// The server refused it before applying it (429, 401), or it never left (connection
    /// refused): try again later as is.
    NotApplied,
    /// The server refused it for good (4xx).
    Refused,
}

fn classify(e: &Error) -> Failure {
    match e {
        Error::RateLimited { .. } | Error::Unauthorized | Error::NotSent(_) => Failure::NotApplied,
        Error::Api { status, .. } if *status == 408 || *status >= 500 => Failure::Uncertain,
        Error::Api { .. } => Failure::Refused,
        _ => Failure::Uncertain,
    }
}

/// What an uncertain attempt's check found.
enum Landed {
    /// The server's copy of the message or note.
    Copy { dto: Box<MessageDto>, raw: String },
    /// Already stored locally by sync, under this id.
    Local(String),
}

impl Worker {
    /// A worker delivering `store`'s outbox through `client` (used at [`Priority::Action`]).
    /// `on_change` is called with the entities changed after each committed transaction.
    pub fn new(
        client: HelenaClient,
        store: Arc<Mutex<Store>>,
        on_change: impl Fn(&[&str]) + Send + Sync + 'static,
    ) -> Worker {
        Worker {
            inner: Arc::new(Inner {
                client: client.with_priority(Priority::Action),
                store,
                on_change: Arc::new(on_change),
                options: WorkerOptions::default(),
                pruned: AtomicBool::new(false),
                running: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The same worker with other options.
    pub fn with_options(self, options: WorkerOptions) -> Worker {
        let inner = &self.inner;
        Worker {
            inner: Arc::new(Inner {
                client: inner.client.clone(),
                store: inner.store.clone(),
                on_change: inner.on_change.clone(),
                options,
                pruned: AtomicBool::new(false),
                running: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Delivers every row that is due, lanes in parallel, and returns when nothing is due now.
    /// The report says what is left and when the next row becomes due.
    pub async fn run_until_idle(&self) -> Result<DeliveryReport> {
        let _one = self.inner.running.lock().await;
        self.inner.prune_once()?;
        let mut report = DeliveryReport::default();
        let mut tasks: JoinSet<(String, Result<DeliveryReport>)> = JoinSet::new();
        let mut busy: HashSet<String> = HashSet::new();
        let max = self.inner.options.lanes.max(1);
        loop {
            if busy.len() < max {
                let now = self.inner.now();
                let heads = self
                    .inner
                    .with_store(|s| store::outbox::lane_heads(s.conn()))?;
                for head in heads {
                    if busy.len() >= max {
                        break;
                    }
                    if busy.contains(&head.lane) || !self.inner.is_due(&head, now) {
                        continue;
                    }
                    busy.insert(head.lane.clone());
                    let inner = self.inner.clone();
                    let lane = head.lane;
                    tasks.spawn(async move {
                        let r = inner.drive_lane(&lane).await;
                        (lane, r)
                    });
                }
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (lane, outcome) = joined.map_err(|e| Error::Config(format!("tarefa: {e}")))?;
            busy.remove(&lane);
            match outcome {
                Ok(r) => report.add(&r),
                Err(e) => {
                    // Lanes still in flight leave `sending` rows: checked on the next run.
                    tasks.shutdown().await;
                    return Err(e);
                }
            }
        }
        self.inner.finish_report(&mut report)?;
        Ok(report)
    }

    /// Runs until nothing deliverable is left (waiting out backoffs and uncertain delays); rows
    /// refused by the server stay for the agent. Used by the command-line worker and tests.
    pub async fn drain(&self) -> Result<DeliveryReport> {
        let mut total = DeliveryReport::default();
        loop {
            let r = self.run_until_idle().await?;
            total.add(&r);
            total.remaining = r.remaining;
            total.waiting_for_agent = r.waiting_for_agent;
            total.next_due_at = r.next_due_at.clone();
            let Some(next) = r.next_due_at.as_deref().and_then(time::parse) else {
                return Ok(total);
            };
            self.inner.sleep_until(next).await;
        }
    }

    /// Delivers forever: runs whatever is due, then sleeps until the next row is due or `wake`
    /// is notified (call `wake.notify_one()` after [`enqueue`](super::enqueue), retry or
    /// coming back online). Errors are logged and retried after a pause.
    pub async fn run(&self, wake: Arc<Notify>) {
        const IDLE: Duration = Duration::from_secs(3600);
        const AFTER_ERROR: Duration = Duration::from_secs(5);
        loop {
            let wait = match self.run_until_idle().await {
                Ok(r) => r
                    .next_due_at
                    .as_deref()
                    .and_then(time::parse)
                    .map(|t| (t - self.inner.now()).to_std().unwrap_or(Duration::ZERO))
                    .unwrap_or(IDLE),
                Err(e) => {
                    tracing::warn!(error = %e, code = e.code(), "outbox run failed");
                    AFTER_ERROR
                }
            };
            tokio::select! {
                _ = clock::sleep(&**self.inner.clock(), wait) => {}
                _ = wake.notified() => {}
            }
        }
    }
}

impl Inner {
    fn clock(&self) -> &Arc<dyn Clock> {
        self.client.budget().clock()
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock().utc()
    }

    async fn sleep_until(&self, t: DateTime<Utc>) {
        if let Ok(d) = (t - self.now()).to_std() {
            clock::sleep(&**self.clock(), d).await;
        }
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.store.lock().map_err(|_| {
            Error::Config("o banco local ficou inconsistente após uma falha anterior".into())
        })?;
        f(&mut guard)
    }

    fn notify(&self, entities: &[&str]) {
        (self.on_change)(entities);
    }

    fn check_delay(&self) -> Duration {
        self.options
            .check_delay
            .unwrap_or_else(|| self.client.timeout())
    }

    fn prune_once(&self) -> Result<()> {
        if self.pruned.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let keep =
            chrono::Duration::from_std(self.options.keep_done).unwrap_or(chrono::Duration::days(7));
        let before = time::format(self.now() - keep);
        let n = self.with_store(|s| s.write(|tx| store::outbox::prune_done(tx, &before)))?;
        if n > 0 {
            tracing::debug!(n, "pruned delivered outbox rows");
        }
        Ok(())
    }

    /// When a row may be attempted (or checked): its backoff, and for an attempt of unknown
    /// outcome also the time after which that attempt cannot land any more.
    fn due_at(&self, e: &Entry) -> Option<DateTime<Utc>> {
        let mut due = e.next_attempt_at.as_deref().and_then(time::parse);
        if e.state != "pending" {
            if let Some(at) = e.attempted_at.as_deref().and_then(time::parse) {
                let settled = at
                    + chrono::Duration::from_std(self.check_delay())
                        .unwrap_or(chrono::Duration::zero());
                due = Some(due.map_or(settled, |d| d.max(settled)));
            }
        }
        due
    }

    fn is_due(&self, e: &Entry, now: DateTime<Utc>) -> bool {
        matches!(e.state.as_str(), "pending" | "sending" | "uncertain")
            && self.due_at(e).is_none_or(|t| t <= now)
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let exp = self
            .options
            .base_backoff
            .saturating_mul(1u32 << attempts.clamp(1, 17).saturating_sub(1));
        exp.min(self.options.max_backoff)
            .mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    fn later(&self, attempts: i64) -> String {
        let d = chrono::Duration::from_std(self.backoff(attempts))
            .unwrap_or(chrono::Duration::seconds(60));
        time::format(self.now() + d)
    }

    fn finish_report(&self, report: &mut DeliveryReport) -> Result<()> {
        let (heads, open, failed) = self.with_store(|s| {
            Ok((
                store::outbox::lane_heads(s.conn())?,
                store::outbox::pending_count(s.conn())?,
                store::outbox::failed_count(s.conn())?,
            ))
        })?;
        let now = self.now();
        // `pending_count` counts the failed rows too.
        report.remaining = (open - failed).max(0) as u64;
        report.waiting_for_agent = failed.max(0) as u64;
        report.next_due_at = heads
            .iter()
            .map(|h| self.due_at(h).unwrap_or(now))
            .min()
            .map(time::format);
        Ok(())
    }

    /// Delivers one lane's rows in order until it is empty, blocked or not due.
    async fn drive_lane(&self, lane: &str) -> Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        loop {
            let Some(head) = self.with_store(|s| store::outbox::lane_head(s.conn(), lane))? else {
                break;
            };
            if !self.is_due(&head, self.now()) {
                break;
            }
            if !self.deliver(head, &mut report).await? {
                break;
            }
        }
        Ok(report)
    }

    /// One row. Returns whether it was delivered (so the lane may go on).
    #[tracing::instrument(
        name = "outbox_deliver",
        skip_all,
        fields(id = %head.id, lane = %head.lane, action = %head.action, attempt = head.attempts + 1)
    )]
    async fn deliver(&self, head: Entry, report: &mut DeliveryReport) -> Result<bool> {
        let parsed = serde_json::from_str::<Action>(&head.payload)
            .map_err(|e| format!("ação ilegível no banco local: {e}"))
            .and_then(|a| {
                let t = a
                    .target(head.session_id.as_deref())
                    .map_err(|e| e.to_string())?;
                Ok((a, t))
            });
        let (action, target) = match parsed {
            Ok(v) => v,
            Err(msg) => {
                tracing::warn!(%msg, "undeliverable outbox row");
                self.fail(&head, None, &msg)?;
                report.failed += 1;
                return Ok(false);
            }
        };
        let resend = head.state != "pending";
        if resend && action.creates_message() {
            report.uncertain_checks += 1;
            match self.check(&head, &action, &target).await {
                Ok(Some(landed)) => {
                    tracing::info!("uncertain attempt had landed; not sending again");
                    self.finish_landed(&head, &action, &target, landed)?;
                    report.found_on_server += 1;
                    report.delivered += 1;
                    return Ok(true);
                }
                Ok(None) => tracing::info!("uncertain attempt did not land; sending again"),
                Err(e) => {
                    // Never send again without a conclusive check.
                    tracing::warn!(error = %e, "could not check an uncertain attempt");
                    let msg = format!("não foi possível verificar a entrega: {e}");
                    self.with_store(|s| {
                        s.write(|tx| {
                            store::outbox::defer(tx, &head.id, &msg, &self.later(head.attempts))
                        })
                    })?;
                    report.deferred += 1;
                    return Ok(false);
                }
            }
        }
        let now = time::format(self.now());
        let claimed =
            self.with_store(|s| s.write(|tx| store::outbox::claim(tx, &head.id, &now)))?;
        if !claimed {
            return Ok(false);
        }
        if resend {
            report.resent += 1;
        }
        let attempts = head.attempts + 1;
        let req = action.request(&target, &head.id);
        let outcome = self
            .client
            .write(req.method.clone(), &req.path, &req.body, req.kind)
            .await;
        let err = match outcome {
            Ok(body) => {
                self.finish(&head, &action, &target, &body)?;
                report.delivered += 1;
                return Ok(true);
            }
            Err(e) => e,
        };
        let msg = err.to_string();
        match classify(&err) {
            Failure::Uncertain => {
                tracing::warn!(error = %err, "outcome uncertain; will check before resending");
                let next = self.later(attempts);
                self.with_store(|s| {
                    s.write(|tx| store::outbox::mark_uncertain(tx, &head.id, &msg, &next))
                })?;
                report.deferred += 1;
                Ok(false)
            }
            Failure::NotApplied => {
                tracing::warn!(error = %err, "refused before applying; will try again");
                let next = self.later(attempts);
                self.with_store(|s| {
                    s.write(|tx| store::outbox::mark_pending(tx, &head.id, &msg, &next))
                })?;
                report.deferred += 1;
                Ok(false)
            }
            Failure::Refused => {
                if resend {
                    if let Some(copy) = self.goal_already_reached(&action, &target).await {
                        tracing::info!("refused resend, but the server already shows the goal");
                        self.finish(&head, &action, &target, copy.as_bytes())?;
                        report.delivered += 1;
                        return Ok(true);
                    }
                }
                tracing::warn!(error = %err, "refused by the server");
                self.fail(
                    &head,
                    Some(&action),
                    &format!("recusada pelo servidor: {msg}"),
                )?;
                report.failed += 1;
                Ok(false)
            }
        }
    }

    /// After a refused resend of a session action: the server's session when it already shows
    /// the action's goal (the uncertain first attempt had landed).
    async fn goal_already_reached(&self, action: &Action, target: &Target) -> Option<String> {
        let Target::Session(id) = target else {
            return None;
        };
        let path = format!("/chat/v2/session/{}", crate::sync::encode_segment(id));
        let body = self.client.get(&path, &[]).await.ok()?;
        let raw = String::from_utf8(body).ok()?;
        let dto: SessionDto = serde_json::from_str(&raw).ok()?;
        action.goal_reached(&dto).filter(|r| *r).map(|_| raw)
    }

    /// Looks for an uncertain send (by `senderId`) or note (by text) on the server.
    async fn check(
        &self,
        head: &Entry,
        action: &Action,
        target: &Target,
    ) -> Result<Option<Landed>> {
        if action.is_send() {
            let local = self.with_store(|s| store::message::by_sender(s.conn(), &head.id))?;
            if let Some(id) = local {
                return Ok(Some(Landed::Local(id)));
            }
        }
        let Target::Session(session_id) = target else {
            return Ok(None);
        };
        let margin = chrono::Duration::from_std(self.options.check_margin)
            .unwrap_or(chrono::Duration::zero());
        let since = head
            .attempted_at
            .as_deref()
            .or(Some(head.created_at.as_str()))
            .and_then(time::parse)
            .unwrap_or_else(|| self.now());
        let query = vec![
            ("CreatedAt.After".to_string(), time::format(since - margin)),
            (
                "CreatedAt.Before".to_string(),
                time::format(self.now() + margin),
            ),
            ("OrderBy".to_string(), "CreatedAt".to_string()),
            ("OrderDirection".to_string(), "ASCENDING".to_string()),
        ];
        let segment = if action.is_send() { "message" } else { "note" };
        let path = format!(
            "/chat/v1/session/{}/{segment}",
            crate::sync::encode_segment(session_id)
        );
        let mut candidates: Vec<(MessageDto, String)> = Vec::new();
        self.client
            .for_each_page(&path, &query, |page, _| {
                for item in page.items {
                    if let Ok(dto) = serde_json::from_str::<MessageDto>(item.get()) {
                        candidates.push((dto, item.get().to_string()));
                    }
                }
                Ok(())
            })
            .await?;
        if action.is_send() {
            return Ok(candidates
                .into_iter()
                .find(|(m, _)| m.sender_id.as_deref() == Some(head.id.as_str()))
                .map(|(dto, raw)| Landed::Copy {
                    dto: Box::new(dto),
                    raw,
                }));
        }
        // A note: same text, created since the attempt, not taken by another delivered row;
        // by the signed-in agent when the server names the author.
        let Action::Note { text } = action else {
            return Ok(None);
        };
        let (taken, me) = self.with_store(|s| {
            Ok((
                store::outbox::server_ids_in_lane(s.conn(), &head.lane)?,
                store::meta::get(s.conn(), store::meta::ME_USER_ID)?,
            ))
        })?;
        let mut matching: Vec<(MessageDto, String)> = candidates
            .into_iter()
            .filter(|(m, _)| m.text.as_deref().map(str::trim) == Some(text.trim()))
            .filter(|(m, _)| !taken.contains(&m.id))
            .collect();
        if let Some(me) = me.as_deref() {
            if matching
                .iter()
                .any(|(m, _)| m.user_id.as_deref() == Some(me))
            {
                matching.retain(|(m, _)| m.user_id.as_deref() == Some(me));
            }
        }
        Ok(matching.into_iter().next().map(|(dto, raw)| Landed::Copy {
            dto: Box::new(dto),
            raw,
        }))
    }

    /// An uncertain attempt had landed: record it and replace the placeholder with the copy.
    fn finish_landed(
        &self,
        head: &Entry,
        action: &Action,
        target: &Target,
        landed: Landed,
    ) -> Result<()> {
        let session = match target {
            Target::Session(s) => Some(s.as_str()),
            Target::Contact(_) => None,
        };
        let kind = if action.is_send() {
            Kind::Message
        } else {
            Kind::Note
        };
        self.with_store(|s| {
            s.write(|tx| match &landed {
                Landed::Local(id) => {
                    store::outbox::mark_done(tx, &head.id, Some(id))?;
                    store::outbox::delete_placeholder(tx, &head.id)
                }
                Landed::Copy { dto, raw } => {
                    store::outbox::mark_done(tx, &head.id, Some(&dto.id))?;
                    store::outbox::delete_placeholder(tx, &head.id)?;
                    store_message(tx, dto, raw, kind, session)
                }
            })
        })?;
        self.notify(action.entities());
        Ok(())
    }

    /// Delivered: mark the row done and apply what the server answered, in one transaction.
    /// The row is `done` before the server copy is stored, so re-applying the lane's pending
    /// actions on top of that copy leaves this one out.
    fn finish(&self, head: &Entry, action: &Action, target: &Target, body: &[u8]) -> Result<()> {
        let raw = String::from_utf8_lossy(body).into_owned();
        let answer: Option<serde_json::Value> = serde_json::from_str(&raw).ok();
        if answer.is_none() {
            tracing::warn!("delivered, but the answer is not JSON; sync will bring the result");
        }
        let server_id = answer
            .as_ref()
            .and_then(|a| a.get("id"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        self.with_store(|s| {
            s.write(|tx| {
                store::outbox::mark_done(
                    tx,
                    &head.id,
                    server_id.as_deref().filter(|_| action.creates_message()),
                )?;
                match (action, target) {
                    (a, _) if a.is_send() => {
                        // Without an answer, sync brings the server copy, which replaces the
                        // placeholder.
                        if let Some(v) = &answer {
                            store::outbox::rekey_placeholder(tx, &head.id, v)?;
                        }
                    }
                    (Action::Note { .. }, Target::Session(sid)) => {
                        store::outbox::delete_placeholder(tx, &head.id)?;
                        if let Ok(dto) = serde_json::from_str::<MessageDto>(&raw) {
                            store_message(tx, &dto, &raw, Kind::Note, Some(sid))?;
                        }
                    }
                    (_, Target::Session(sid)) => {
                        match serde_json::from_str::<SessionDto>(&raw) {
                            Ok(dto) if dto.id == *sid => {
                                tx.execute("UPDATE session SET dirty = 1 WHERE id = ?1", [sid])?;
                                super::apply::store_session(tx, &dto, &raw)?;
                            }
                            // The row stays dirty: the next server copy replaces it.
                            _ => {}
                        }
                    }
                    (_, Target::Contact(cid)) => match serde_json::from_str::<ContactDto>(&raw) {
                        Ok(dto) if dto.id == *cid => {
                            tx.execute("UPDATE contact SET dirty = 1 WHERE id = ?1", [cid])?;
                            super::apply::store_contact(tx, &dto, &raw)?;
                        }
                        _ => {}
                    },
                }
                Ok(())
            })
        })?;
        self.notify(action.entities());
        Ok(())
    }

    /// Refused for good: `failed` with `msg`, and the optimistic change rolled back (a message
    /// placeholder stays, marked `REJECTED`).
    fn fail(&self, head: &Entry, action: Option<&Action>, msg: &str) -> Result<()> {
        self.with_store(|s| {
            s.write(|tx| {
                store::outbox::mark_failed(tx, &head.id, msg)?;
                if let Some(action) = action {
                    if action.creates_message() {
                        store::outbox::set_placeholder_status(
                            tx,
                            &head.id,
                            store::outbox::PLACEHOLDER_REJECTED,
                        )?;
                    }
                    super::rebuild_target(tx, head, action)?;
                }
                Ok(())
            })
        })?;
        self.notify(action.map_or(&["outbox"][..], Action::entities));
        Ok(())
    }
}

/// Stores a server message or note; a malformed one is left for sync rather than failing the
/// delivery that already happened.
fn store_message(
    c: &rusqlite::Connection,
    dto: &MessageDto,
    raw: &str,
    kind: Kind,
    session: Option<&str>,
) -> Result<()> {
    match store::message::upsert(c, dto, raw, kind, session) {
        Ok(_) => Ok(()),
        Err(Error::Decode { context, detail }) => {
            tracing::warn!(%context, %detail, "server copy not stored; sync will bring it");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
