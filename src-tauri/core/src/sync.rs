//! Pulling the workspace from the Helena API into the local store (helena.md §10, DESIGN.md §4).
//!
//! One pass ([`Syncer::sync_once`]):
//! 1. **Reference data** (agents, teams, tags, channels, templates, custom fields): full lists,
//!    upserted and diffed in one transaction per entity; rows missing from the list are deleted.
//! 2. **Sessions**, **contacts** and **messages**: windows `[cursor − overlap, T1)` with a fixed
//!    upper bound `T1` taken at the start of the pass, a constant page size, ascending by the
//!    filter field. Each page is stored in its own transaction and the entity's cursor moves to
//!    `T1` in the transaction of the window's last page, so a crash re-runs the window and
//!    upserts make that harmless. Sessions are the union of an `UpdatedAt` and a
//!    `LastInteractionAt` window (each with its own cursor): `updatedAt` need not move on a new
//!    message. Messages come from the global `UpdatedAt` list when the server offers it (a few
//!    hundred requests for a whole workspace) and otherwise per session that is *due* under
//!    its own `messages:<id>` cursor.
//! 3. **Internal notes** of the signed-in agent's working set, for each session due under its
//!    `notes:<id>` cursor; any other conversation's notes and messages are pulled when it is
//!    opened ([`Syncer::pull_session`]).
//!
//! A session is due for a per-session pull ([`store::sync_cursor::sessions_due`]) when its row
//! was rewritten by a server copy since the last pull started (any field: a late message moves
//! `unreadCount` and `lastMessageText` without a newer time), and once more when the overlap
//! after its last visible change has passed, if its last pull came within that overlap: the
//! window of that follow-up starts the same overlap before the cursor as every global window, so
//! an item committed late (stamped up to the overlap before it becomes visible) is never skipped.
//! It costs one request per changed conversation; the conversation on screen is pulled at every
//! pass anyway.
//!
//! After each committed transaction a [`ChangeNotice`] names the entities that changed, so the
//! UI invalidates what reads them. Malformed items are skipped with a warning and counted; the
//! pass goes on. The request budget and outbox delivery grow on this in the sync engine issue.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{broadcast, watch};

use crate::api::budget::Priority;
use crate::api::dto::{
    AgentDto, ChannelDto, ContactDto, CustomFieldDto, DepartmentDto, MessageDto, SessionDto,
    TagDto, TemplateDto,
};
use crate::api::HelenaClient;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::outbox;
use crate::store::{self, message::Kind, RefTable, Store};
use crate::time;

/// Overlap of consecutive windows: covers clock skew and late commits on the server.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(120);

/// The `…Details` joins are copies kept for display; `classification` (how a conversation
/// ended) is the session's own data, which the list sends only when asked.
const SESSION_DETAILS: [&str; 5] = [
    "ContactDetails",
    "AgentDetails",
    "DepartmentsDetails",
    "ChannelDetails",
    "ClassificationDetails",
];

pub use crate::status::{EntityProgress, SyncEntity, SyncError, SyncState, SyncStatus};

/// Entities that changed in one committed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeNotice {
    pub entities: Vec<String>,
}

/// Figures of one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Items received and stored, per entity (overlap re-reads included).
    pub fetched: BTreeMap<&'static str, u64>,
    /// Of those, the rows that actually changed (inserted, or updated with a different raw).
    pub changed: u64,
    /// Reference rows deleted because the server no longer lists them.
    pub deleted: u64,
    /// Malformed items skipped.
    pub skipped: u64,
    /// Sessions whose local row changed in this pass.
    pub changed_sessions: usize,
    /// HTTP requests granted by the budget during the pass.
    pub requests: u64,
}

/// Options of a [`Syncer`].
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Overlap of consecutive windows.
    pub overlap: Duration,
    /// How often reference data (agents, teams, tags, channels, templates, custom fields) is
    /// refreshed in full; the first pass always refreshes it.
    pub reference_every: Duration,
}

/// Reference data changes rarely; the recipe refreshes it every 15-60 min.
pub const DEFAULT_REFERENCE_EVERY: Duration = Duration::from_secs(15 * 60);

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            overlap: DEFAULT_OVERLAP,
            reference_every: DEFAULT_REFERENCE_EVERY,
        }
    }
}

/// What applying items did: how many were stored, and how many changed a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub stored: u64,
    pub changed: u64,
}

impl std::ops::AddAssign for Applied {
    fn add_assign(&mut self, o: Applied) {
        self.stored += o.stored;
        self.changed += o.changed;
    }
}

const GLOBAL_UNKNOWN: u8 = 0;
const GLOBAL_YES: u8 = 1;
const GLOBAL_NO: u8 = 2;

/// Pulls one account into its store.
pub struct Syncer {
    /// At `Visible` priority: lists that fill the tabs.
    client: HelenaClient,
    /// At `Backfill` priority: reference data and other background work.
    backfill: HelenaClient,
    /// At `Open` priority: the conversation on screen.
    open_client: HelenaClient,
    open: Mutex<Option<String>>,
    store: Arc<Mutex<Store>>,
    options: SyncOptions,
    status: watch::Sender<SyncStatus>,
    changes: broadcast::Sender<ChangeNotice>,
    global_messages: AtomicU8,
    running: tokio::sync::Mutex<()>,
    reference_at: Mutex<Option<Instant>>,
}

/// Where a window starts and ends.
struct Window {
    after: Option<String>,
    before: String,
    /// For a per-session window: the session's `server_rev` when the pull started, recorded
    /// with the cursor (see `store::sync_cursor::sessions_due`).
    rev: Option<i64>,
}

impl Syncer {
    /// A syncer writing into `store`.
    pub fn new(client: HelenaClient, store: Arc<Mutex<Store>>, options: SyncOptions) -> Syncer {
        let (status, _) = watch::channel(SyncStatus::default());
        let (changes, _) = broadcast::channel(256);
        Syncer {
            backfill: client.with_priority(Priority::Backfill),
            open_client: client.with_priority(Priority::Open),
            client: client.with_priority(Priority::Visible),
            open: Mutex::new(None),
            store,
            options,
            status,
            changes,
            global_messages: AtomicU8::new(GLOBAL_UNKNOWN),
            running: tokio::sync::Mutex::new(()),
            reference_at: Mutex::new(None),
        }
    }

    /// Watches the sync status.
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Subscribes to change notices.
    pub fn changes(&self) -> broadcast::Receiver<ChangeNotice> {
        self.changes.subscribe()
    }

    /// Tells listeners that rows of `entity` changed, when `changed` says any did.
    fn notify_if(&self, changed: u64, entity: &str) {
        if changed > 0 {
            self.notify(&[entity]);
        }
    }

    /// Tells listeners that rows of `entities` changed (also outside a pass: the outbox).
    pub fn notify(&self, entities: &[&str]) {
        // Nobody listening is fine.
        let _ = self.changes.send(ChangeNotice {
            entities: entities.iter().map(|s| s.to_string()).collect(),
        });
    }

    /// Counts items stored in the running pass (see [`SyncStatus::record`]).
    fn record(&self, entity: SyncEntity, stored: u64, total: Option<u64>) {
        self.status.send_modify(|s| s.record(entity, stored, total));
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.store.lock().map_err(|_| {
            Error::Config("o banco local ficou inconsistente após uma falha anterior".into())
        })?;
        f(&mut guard)
    }

    /// One full pass. Concurrent calls wait for the running one.
    #[tracing::instrument(name = "sync_once", skip(self), fields(requests))]
    pub async fn sync_once(&self) -> Result<SyncReport> {
        let _one = self.running.lock().await;
        let start_requests = self.client.budget().granted();
        let mut report = SyncReport::default();
        let first = self
            .with_store(|s| store::meta::get(s.conn(), store::meta::FIRST_SYNC_DONE))?
            .is_none();
        self.status.send_modify(|s| {
            s.state = SyncState::Syncing;
            s.first_sync = first;
        });
        let mut outcome = self.pass(&mut report).await;
        if outcome.is_ok() && first {
            outcome = self.with_store(|s| {
                s.write(|tx| store::meta::set(tx, store::meta::FIRST_SYNC_DONE, "1"))
            });
        }
        report.requests = self.client.budget().granted() - start_requests;
        tracing::Span::current().record("requests", report.requests);
        match &outcome {
            Ok(()) => {
                tracing::info!(?report, "sync pass done");
                let now = time::format(self.clock().utc());
                self.status.send_modify(|s| {
                    s.state = SyncState::Online;
                    s.end_pass(true);
                    s.error = None;
                    s.resume_in_secs = None;
                    s.last_sync_at = Some(now);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "sync pass failed");
                let state = match e {
                    Error::Offline(_) | Error::NotSent(_) => SyncState::Offline,
                    Error::RateLimited { .. } => SyncState::RateLimited,
                    Error::Api { status, .. } if *status >= 500 => SyncState::Offline,
                    _ => SyncState::Error,
                };
                let resume = match e {
                    Error::RateLimited { retry_after } => retry_after.map(|d| d.as_secs()),
                    _ => None,
                };
                self.status.send_modify(|s| {
                    s.state = state;
                    s.resume_in_secs = resume;
                    s.end_pass(false);
                    s.error = Some(SyncError {
                        code: e.code().to_string(),
                        message: e.to_string(),
                    });
                });
            }
        }
        outcome.map(|()| report)
    }

    async fn pass(&self, report: &mut SyncReport) -> Result<()> {
        let t1 = time::ceil_ms(self.clock().utc());
        // Reference data comes first on the first pass (rows point at teams and agents), and
        // after everything else on later ones.
        let first = self.reference_at.lock().map_or(true, |a| a.is_none());
        if first {
            self.refresh_reference(report).await?;
        }
        // The conversation on screen first, then what the tabs show, then background work.
        let open = self.open.lock().ok().and_then(|o| o.clone());
        if let Some(sid) = &open {
            if self.with_store(|s| store::session::exists(s.conn(), sid))? {
                self.pull_open(sid, t1, report).await?;
            }
        }
        let changed = self.sessions(t1, report).await?;
        report.changed_sessions = changed.len();
        self.contacts(t1, report).await?;
        self.messages(t1, report).await?;
        self.notes_for_working_set(t1, open.as_deref(), report)
            .await?;
        if self.reference_due() {
            self.refresh_reference(report).await?;
        }
        Ok(())
    }

    async fn refresh_reference(&self, report: &mut SyncReport) -> Result<()> {
        self.reference(report).await?;
        if let Ok(mut at) = self.reference_at.lock() {
            *at = Some(self.clock().now());
        }
        Ok(())
    }

    fn reference_due(&self) -> bool {
        match self.reference_at.lock() {
            Ok(at) => at.is_none_or(|t| {
                self.clock().now().saturating_duration_since(t) >= self.options.reference_every
            }),
            Err(_) => true,
        }
    }

    /// The clock of the account's budget: all of the syncer's time.
    fn clock(&self) -> &SharedClock {
        self.client.budget().clock()
    }

    /// Sets the conversation on screen: each pass pulls it first, at `Open` priority.
    pub fn set_open(&self, session_id: Option<String>) {
        if let Ok(mut o) = self.open.lock() {
            *o = session_id;
        }
    }

    /// The sync status sender, for the engine that adds outbox and rate-limit state to it.
    pub(crate) fn status_sender(&self) -> &watch::Sender<SyncStatus> {
        &self.status
    }

    /// The client at `Visible` priority.
    pub fn client(&self) -> &HelenaClient {
        &self.client
    }

    /// The store this syncer writes into.
    pub fn store(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    fn window(&self, entity: &str, t1: DateTime<Utc>) -> Result<Window> {
        let cursor = self.with_store(|s| store::sync_cursor::get(s.conn(), entity))?;
        let overlap = chrono::Duration::from_std(self.options.overlap)
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Window {
            after: cursor
                .as_deref()
                .and_then(time::parse)
                .map(|c| time::format(c - overlap)),
            before: time::format(t1),
            rev: None,
        })
    }

    /// The overlap in milliseconds, as the store's due-session queries take it.
    fn overlap_ms(&self) -> i64 {
        i64::try_from(self.options.overlap.as_millis()).unwrap_or(i64::MAX)
    }

    /// Sessions whose pull under the `{prefix}{id}` cursors is due in the pass bounded by `t1`.
    fn sessions_due(&self, prefix: &str, t1: DateTime<Utc>) -> Result<Vec<String>> {
        let overlap = self.overlap_ms();
        let now = time::format(t1);
        self.with_store(|s| store::sync_cursor::sessions_due(s.conn(), prefix, overlap, &now))
    }

    /// Pulls the window of `entity` on `path`, filtered and ordered by `field`, handing each
    /// parsed item to `apply` inside the page's transaction. Moves the listed cursors to T1 with
    /// the last page.
    ///
    /// Pages are walked by key, not by number: each request asks for page 1 of the window
    /// narrowed to start just below the newest `field` value seen so far. An item that changes
    /// while the window is read leaves it (its new value is past the fixed upper bound) and
    /// the items behind it shift; a page-number walk would then skip one of them, a keyed walk
    /// cannot. Items at the boundary are read twice, which upserts make harmless. Only a page
    /// whose items all share one value (no progress) falls back to the next page number.
    #[allow(clippy::too_many_arguments)]
    async fn pull_window<T, F>(
        &self,
        phase: Option<SyncEntity>,
        client: &HelenaClient,
        path: &str,
        extra: &[(String, String)],
        field: &str,
        window: &Window,
        commit_cursors: &[&str],
        report: &mut SyncReport,
        mut apply: F,
    ) -> Result<Applied>
    where
        T: Windowed,
        F: FnMut(&Connection, &T, &str) -> Result<bool>,
    {
        const MAX_REQUESTS: u32 = 100_000;
        let mut after = window.after.as_deref().and_then(time::parse);
        let mut page_number = 1;
        let mut first_page = true;
        let mut applied = Applied::default();
        let mut skipped = 0u64;
        for _ in 0..MAX_REQUESTS {
            let mut query: Vec<(String, String)> = extra.to_vec();
            if let Some(after) = after {
                query.push((format!("{field}.After"), time::format(after)));
            }
            query.push((format!("{field}.Before"), window.before.clone()));
            query.push(("OrderBy".into(), field.into()));
            query.push(("OrderDirection".into(), "ASCENDING".into()));
            let page = client.page(path, &query, page_number).await?;
            let last = !page.has_more;
            let skipped_before = skipped;
            let mut newest: Option<DateTime<Utc>> = None;
            let n = self.with_store(|s| {
                s.write(|tx| {
                    let n = apply_items(tx, &page.items, &mut skipped, &mut |c, item: &T, raw| {
                        newest = newest.max(item.stamp(field).and_then(time::parse));
                        apply(c, item, raw)
                    })?;
                    if last {
                        for c in commit_cursors {
                            store::sync_cursor::set_with_rev(tx, c, &window.before, window.rev)?;
                        }
                    }
                    Ok(n)
                })
            })?;
            applied += n;
            if let Some(entity) = phase {
                // The window's total is what its first page announces; later pages of a keyed
                // walk count only what is left of a narrower window.
                let total = if first_page { page.total_items } else { None };
                self.record(entity, n.stored + (skipped - skipped_before), total);
            }
            first_page = false;
            if last {
                report.skipped += skipped;
                report.changed += applied.changed;
                return Ok(applied);
            }
            // One millisecond below the newest value: `.After` may be exclusive on the server.
            let next = newest.map(|t| t - chrono::Duration::milliseconds(1));
            if next.is_some() && next > after {
                after = next;
                page_number = 1;
            } else {
                page_number += 1;
            }
        }
        Err(Error::Decode {
            context: path.to_string(),
            detail: "o servidor não para de indicar mais páginas".into(),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn reference(&self, report: &mut SyncReport) -> Result<()> {
        self.record(SyncEntity::Reference, 0, None);
        self.refresh::<AgentDto>(
            RefTable::Agent,
            "/core/v1/agent",
            &[],
            |a| a.id.clone(),
            store::agent::upsert,
            report,
        )
        .await?;
        let depts = self.backfill.list_all("/core/v2/department", &[]).await;
        let depts = match depts {
            Err(Error::Api { status: 404, .. }) => {
                self.backfill.list_all("/core/v1/department", &[]).await?
            }
            other => other?,
        };
        self.replace::<DepartmentDto>(
            RefTable::Department,
            depts,
            |d| d.id.clone(),
            store::department::upsert,
            report,
        )?;
        self.refresh::<TagDto>(
            RefTable::Tag,
            "/core/v1/tag",
            &[],
            |t| t.id.clone(),
            store::tag::upsert,
            report,
        )
        .await?;
        self.refresh::<ChannelDto>(
            RefTable::Channel,
            "/chat/v1/channel",
            &[],
            |c| c.id.clone(),
            store::channel::upsert,
            report,
        )
        .await?;
        self.refresh::<TemplateDto>(
            RefTable::Template,
            "/chat/v1/template",
            &[q("IncludeDetails", "Params")],
            |t| t.id.clone(),
            store::template::upsert,
            report,
        )
        .await?;
        self.refresh::<CustomFieldDto>(
            RefTable::CustomField,
            "/core/v1/custom-field",
            &[q("EntityType", "CONTACT")],
            |f| store::custom_field::id_of(f).to_string(),
            store::custom_field::upsert,
            report,
        )
        .await?;
        Ok(())
    }

    async fn refresh<T: DeserializeOwned>(
        &self,
        table: RefTable,
        path: &str,
        query: &[(String, String)],
        id_of: fn(&T) -> String,
        upsert: fn(&Connection, &T, &str) -> Result<bool>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let items = self.backfill.list_all(path, query).await?;
        self.replace(table, items, id_of, upsert, report)
    }

    fn replace<T: DeserializeOwned>(
        &self,
        table: RefTable,
        items: Vec<Box<RawValue>>,
        id_of: fn(&T) -> String,
        upsert: fn(&Connection, &T, &str) -> Result<bool>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let mut ids = Vec::with_capacity(items.len());
        let mut skipped = 0;
        let (applied, deleted) = self.with_store(|s| {
            s.write(|tx| {
                let applied = apply_items(tx, &items, &mut skipped, &mut |c, item: &T, raw| {
                    ids.push(id_of(item));
                    upsert(c, item, raw)
                })?;
                Ok((applied, store::delete_missing(tx, table, &ids)? as u64))
            })
        })?;
        report.skipped += skipped;
        report.deleted += deleted;
        report.changed += applied.changed + deleted;
        *report.fetched.entry(table.name()).or_default() += applied.stored;
        self.record(SyncEntity::Reference, applied.stored + skipped, None);
        self.notify_if(applied.changed + deleted, table.name());
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn sessions(
        &self,
        t1: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<BTreeSet<String>> {
        let mut changed = BTreeSet::new();
        let details: Vec<(String, String)> = SESSION_DETAILS
            .iter()
            .map(|d| q("IncludeDetails", d))
            .collect();
        // The union of two windows, each with its own cursor: `updatedAt` need not move when a
        // message arrives, `lastInteractionDate` does. On the first run one window unbounded
        // below already holds every session, so it starts both cursors.
        let first_run = self.window("sessions.updated", t1)?.after.is_none();
        let passes: &[(&str, &[&str])] = if first_run {
            &[("UpdatedAt", &["sessions.updated", "sessions.interaction"])]
        } else {
            &[
                ("UpdatedAt", &["sessions.updated"]),
                ("LastInteractionAt", &["sessions.interaction"]),
            ]
        };
        let mut n = Applied::default();
        for (field, cursors) in passes {
            let window = self.window(cursors[0], t1)?;
            n += self
                .pull_window(
                    Some(SyncEntity::Sessions),
                    &self.client,
                    "/chat/v2/session",
                    &details,
                    field,
                    &window,
                    cursors,
                    report,
                    |c, s: &SessionDto, raw| {
                        let row_changed = outbox::apply::store_session(c, s, raw)?;
                        if row_changed {
                            changed.insert(s.id.clone());
                        }
                        Ok(row_changed)
                    },
                )
                .await?;
        }
        *report.fetched.entry("session").or_default() += n.stored;
        self.notify_if(n.changed, "session");
        Ok(changed)
    }

    #[tracing::instrument(skip_all)]
    async fn contacts(&self, t1: DateTime<Utc>, report: &mut SyncReport) -> Result<()> {
        // The list defaults to ACTIVE contacts; archived and blocked ones are kept too, so the
        // contact panel of any conversation has data. One window, one cursor, moved with the
        // last page of the last status.
        const STATUSES: [&str; 3] = ["ACTIVE", "ARCHIVED", "BLOCKED"];
        let window = self.window("contacts", t1)?;
        let mut n = Applied::default();
        for (i, status) in STATUSES.iter().enumerate() {
            let cursors: &[&str] = if i + 1 == STATUSES.len() {
                &["contacts"]
            } else {
                &[]
            };
            n += self
                .pull_window(
                    Some(SyncEntity::Contacts),
                    &self.client,
                    "/core/v1/contact",
                    &[
                        q("Status", status),
                        q("IncludeDetails", "Tags"),
                        q("IncludeDetails", "CustomFields"),
                    ],
                    "UpdatedAt",
                    &window,
                    cursors,
                    report,
                    outbox::apply::store_contact,
                )
                .await?;
        }
        *report.fetched.entry("contact").or_default() += n.stored;
        self.notify_if(n.changed, "contact");
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn messages(&self, t1: DateTime<Utc>, report: &mut SyncReport) -> Result<()> {
        if self.global_messages.load(Ordering::Relaxed) != GLOBAL_NO {
            let window = self.window("messages", t1)?;
            let pulled = self
                .pull_window(
                    Some(SyncEntity::Messages),
                    &self.client,
                    "/chat/v1/message",
                    &[],
                    "UpdatedAt",
                    &window,
                    &["messages"],
                    report,
                    |c, m: &MessageDto, raw| store::message::upsert(c, m, raw, Kind::Message, None),
                )
                .await;
            match pulled {
                Ok(n) => {
                    self.global_messages.store(GLOBAL_YES, Ordering::Relaxed);
                    *report.fetched.entry("message").or_default() += n.stored;
                    self.notify_if(n.changed, "message");
                    return Ok(());
                }
                Err(Error::Api { status: 404, .. }) | Err(Error::Api { status: 400, .. }) => {
                    tracing::info!("no global message list; pulling messages per session");
                    self.global_messages.store(GLOBAL_NO, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        // Per session that changed since its messages were pulled (not just in this pass: one
        // that failed half-way left some due): the agent's own conversations (the tab on screen
        // by default) first, at `Visible` priority, then the others as backfill.
        let due: BTreeSet<String> = self.sessions_due("messages:", t1)?.into_iter().collect();
        let mine = self.working_set()?.unwrap_or_default();
        let (first, rest): (Vec<&String>, Vec<&String>) =
            due.iter().partition(|id| mine.contains(*id));
        let mut n = Applied::default();
        for (i, sid) in first.iter().chain(rest.iter()).enumerate() {
            let client = if i < first.len() {
                &self.client
            } else {
                &self.backfill
            };
            let one = self.pull_session_messages(client, sid, t1, report).await?;
            self.record(SyncEntity::Messages, one.stored, None);
            n += one;
        }
        *report.fetched.entry("message").or_default() += n.stored;
        self.notify_if(n.changed, "message");
        Ok(())
    }

    /// The signed-in agent's sessions, or `None` when nobody is signed in.
    fn working_set(&self) -> Result<Option<BTreeSet<String>>> {
        self.with_store(|s| {
            let Some(me) = store::meta::get(s.conn(), store::meta::ME_USER_ID)? else {
                return Ok(None);
            };
            Ok(Some(
                store::session::working_set(s.conn(), &me)?
                    .into_iter()
                    .collect(),
            ))
        })
    }

    /// Notes of the signed-in agent's sessions that changed since their notes were refreshed
    /// (the open one was already pulled).
    async fn notes_for_working_set(
        &self,
        t1: DateTime<Utc>,
        open: Option<&str>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let Some(mine) = self.working_set()? else {
            return Ok(());
        };
        let work: Vec<String> = self
            .sessions_due("notes:", t1)?
            .into_iter()
            .filter(|id| mine.contains(id) && Some(id.as_str()) != open)
            .collect();
        let mut n = Applied::default();
        for sid in &work {
            let one = self.refresh_notes(&self.client, sid, t1, report).await?;
            self.record(SyncEntity::Notes, one.stored, None);
            n += one;
        }
        *report.fetched.entry("note").or_default() += n.stored;
        self.notify_if(n.changed, "message");
        Ok(())
    }

    /// One session's messages in its own window (when the server has no global list).
    async fn pull_session_messages(
        &self,
        client: &HelenaClient,
        session_id: &str,
        t1: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<Applied> {
        let cursor = format!("messages:{session_id}");
        let path = format!("/chat/v1/session/{}/message", encode_segment(session_id));
        let rev = self.with_store(|s| store::session::server_rev(s.conn(), session_id))?;
        let window = Window {
            rev: Some(rev),
            ..self.window(&cursor, t1)?
        };
        self.pull_window(
            None,
            client,
            &path,
            &[],
            "UpdatedAt",
            &window,
            &[&cursor],
            report,
            |c, m: &MessageDto, raw| {
                store::message::upsert(c, m, raw, Kind::Message, Some(session_id))
            },
        )
        .await
    }

    /// One session's notes, in full, diffed: a note deleted on the server (S14) disappears
    /// here too. A session has few notes, so this costs the same single request as a window.
    /// Its `notes:<id>` cursor moves to `t1` with them, with the session's revision read
    /// before the request: the notes are due again when the session's row changes after that,
    /// and once the overlap after a change that came within the overlap of `t1` has passed.
    async fn refresh_notes(
        &self,
        client: &HelenaClient,
        session_id: &str,
        t1: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<Applied> {
        let path = format!("/chat/v1/session/{}/note", encode_segment(session_id));
        let rev = self.with_store(|s| store::session::server_rev(s.conn(), session_id))?;
        let items = client.list_all(&path, &[]).await?;
        let mut skipped = 0;
        let mut ids = Vec::with_capacity(items.len());
        let applied = self.with_store(|s| {
            s.write(|tx| {
                let mut n =
                    apply_items(tx, &items, &mut skipped, &mut |c, m: &MessageDto, raw| {
                        ids.push(m.id.clone());
                        store::message::upsert(c, m, raw, Kind::Note, Some(session_id))
                    })?;
                let deleted = store::message::delete_missing_notes(tx, session_id, &ids)? as u64;
                store::sync_cursor::set_with_rev(
                    tx,
                    &format!("notes:{session_id}"),
                    &time::format(t1),
                    Some(rev),
                )?;
                report.deleted += deleted;
                n.changed += deleted;
                Ok(n)
            })
        })?;
        report.skipped += skipped;
        report.changed += applied.changed;
        Ok(applied)
    }

    /// The conversation on screen: its notes (and its messages when the server has no global
    /// list), at `Open` priority.
    async fn pull_open(
        &self,
        session_id: &str,
        t1: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<Applied> {
        let mut n = self
            .refresh_notes(&self.open_client, session_id, t1, report)
            .await?;
        // Unless the global list is known to work (not yet, after a start): per session.
        if self.global_messages.load(Ordering::Relaxed) != GLOBAL_YES {
            n += self
                .pull_session_messages(&self.open_client, session_id, t1, report)
                .await?;
        }
        self.notify_if(n.changed, "message");
        Ok(n)
    }

    /// Pulls one conversation's notes (and its messages, when the server has no global message
    /// list): called when the agent opens it, so it is fresh before anything else. Returns how
    /// many rows changed.
    #[tracing::instrument(skip(self))]
    pub async fn pull_session(&self, session_id: &str) -> Result<u64> {
        if !self.with_store(|s| store::session::exists(s.conn(), session_id))? {
            return Err(Error::NotFound(format!("conversa {session_id}")));
        }
        let t1 = time::ceil_ms(self.clock().utc());
        let mut report = SyncReport::default();
        Ok(self.pull_open(session_id, t1, &mut report).await?.changed)
    }
}

fn q(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// Ids are UUIDs, but a hostile server could send anything: keep them inside one path segment.
pub(crate) fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Parses and applies raw items inside a transaction. Items that do not parse, or that
/// `apply` rejects as malformed, are skipped and counted; any other error aborts the page.
/// `apply` says whether the item changed a row. Public for the `apply_pages` benchmark.
pub fn apply_items<T, F>(
    tx: &Connection,
    items: &[Box<RawValue>],
    skipped: &mut u64,
    apply: &mut F,
) -> Result<Applied>
where
    T: DeserializeOwned,
    F: FnMut(&Connection, &T, &str) -> Result<bool>,
{
    let mut n = Applied::default();
    for raw in items {
        let item: T = match serde_json::from_str(raw.get()) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "skipping malformed item from the server");
                *skipped += 1;
                continue;
            }
        };
        match apply(tx, &item, raw.get()) {
            Ok(changed) => {
                n.stored += 1;
                n.changed += u64::from(changed);
            }
            Err(Error::Decode { context, detail }) => {
                tracing::warn!(%context, %detail, "skipping malformed item from the server");
                *skipped += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// An item listed in a time window: the value of the window's filter field, which keyed
/// paging follows.
pub(crate) trait Windowed: DeserializeOwned {
    /// The item's value of `field` (`UpdatedAt`, `LastInteractionAt`).
    fn stamp(&self, field: &str) -> Option<&str>;
}

impl Windowed for SessionDto {
    fn stamp(&self, field: &str) -> Option<&str> {
        match field {
            "LastInteractionAt" => self.last_interaction_date.as_deref(),
            _ => self.updated_at.as_deref(),
        }
    }
}

impl Windowed for ContactDto {
    fn stamp(&self, _field: &str) -> Option<&str> {
        self.updated_at.as_deref()
    }
}

impl Windowed for MessageDto {
    fn stamp(&self, _field: &str) -> Option<&str> {
        self.updated_at.as_deref()
    }
}
