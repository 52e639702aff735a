//! Runtime-switchable faults: the failures a sync client must survive, injected by the gate
//! around the handlers (never inside them), from a seeded generator so a run can be replayed.
//!
//! A [`Faults`] value holds one probability (0.0–1.0) per kind of failure, drawn per request in
//! scope (`reads` / `writes` / `routes`):
//!
//! | kind | what the client sees | applied in the world? |
//! |---|---|---|
//! | `error_5xx` | 500 / 502 / 503, HTML or the error envelope | no (answered before the handler) |
//! | `drop_before` | the connection is cut mid-answer (a transport error) | no |
//! | `slow` | the normal answer after `slow_ms` | yes |
//! | `error_after_apply` | 502 instead of the handler's answer | **yes** |
//! | `drop_after` | the handler ran; the connection is cut mid-answer | **yes** |
//! | `timeout` | the normal answer, held `timeout_ms` (the client gives up first) | **yes** |
//! | `malformed` | same status, a body that is not JSON (2xx JSON answers only) | yes |
//! | `truncated` | same status, the JSON cut at a random point (2xx JSON only) | yes |
//! | `duplicate_across_pages` | a list page n ≥ 2 starts 1–3 items before the previous one ended | — |
//! | `change_while_paging` | before page n ≥ 2, an item of an earlier page really changes | yes (that item) |
//! | `quirks` (a switch, not a probability) | every 2xx JSON answer of a `GET` in the real API's shapes: timestamps with 0–7 fractional digits, unknown fields, `contactDetails` null in session lists now and then, contacts in the other spelling (or both), reference lists as a plain array or an envelope | no (the world stays canonical) |
//!
//! plus a *storm* (`storm_ms`, or [`SimHandle::start_storm`](crate::SimHandle::start_storm)):
//! every API call answers 429 with `Retry-After` until it ends, whatever the scope (public
//! `/files/...` downloads excepted; the per-request faults do reach them unless `routes` says
//! otherwise).
//!
//! A cut connection is a response whose body stream fails after at most a few bytes: hyper
//! aborts the connection without finishing the message (in practice often before the headers
//! leave its buffer), so the client sees a transport error, never a complete answer.
//!
//! `duplicate_across_pages` is decided per *page boundary* of a walk (the same path and query
//! except the page number), from a hash of the seed, so a walk is consistent: page n starts
//! `d_n` ∈ 1..=3 items (fewer than the page size) before page n-1 ended, the shifts add up, no
//! item is ever skipped, and `hasMorePages` stays true until the last item has been served
//! (the walk simply takes more pages). A re-read page answers the same items.
//!
//! `change_while_paging` picks an item the client already received on an earlier page (by
//! re-running the list for that page inside the server) and changes it the way a live account
//! would: a session's `lastInteractionDate`, a message's delivery status or a reaction, a
//! note's reaction, a contact's `annotation`; `updatedAt` moves to now. Lists ordered or
//! windowed by `UpdatedAt` then shift under a naive page-number walk exactly as on a real
//! server: the item leaves the window or jumps to the end, and the walk misses or repeats items.
//!
//! `quirks` is not drawn per request like the others (it applies even when every
//! probability is 0, within the same `reads` / `routes` scope): each reshape is a function of
//! the item (a hash of its id, or of the timestamp's value), so an item reads identically on
//! every request, in a list or by id. Only the form of a reference list (plain array or
//! envelope) varies per request, from the seed and the request's number; the items are the
//! same. The rules, and [`quirks::normalize`](crate::quirks::normalize) that undoes them for a
//! comparison with a [`WorldDump`](crate::WorldDump), are in [`quirks`](crate::quirks). One
//! count per reshaped answer.
//!
//! Durations (`timeout_ms`, `slow_ms`, `storm_ms`) are simulated time: the gate sleeps
//! [`Clock::real`](crate::clock::Clock::real) of them. Every injected fault is counted in
//! [`Stats::faults`](crate::Stats) under [`FaultKind::as_str`].

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FaultsError};
use crate::query::{Query, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_SHIFT_PARAM};
use crate::server::Shared;

/// Which faults to inject, and where. `Faults::default()` injects nothing.
///
/// JSON (every field optional; unknown fields are refused):
/// `{"seed":0, "error_5xx":0.0, "error_after_apply":0.0, "timeout":0.0, "timeout_ms":30000,
/// "drop_before":0.0, "drop_after":0.0, "slow":0.0, "slow_ms":2000, "malformed":0.0,
/// "truncated":0.0, "duplicate_across_pages":0.0, "change_while_paging":0.0, "storm_ms":0,
/// "late_commit":0.0, "late_commit_max_ms":90000, "late_visible_ms":5000,
/// "no_global_messages":false, "quirks":false, "reads":true, "writes":true, "routes":null}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the fault generator: the same seed and the same sequence of requests give the
    /// same faults.
    pub seed: u64,
    /// 500/502/503 before the handler runs (nothing applied).
    pub error_5xx: f64,
    /// The handler runs (the write happens), then 502 instead of its answer.
    pub error_after_apply: f64,
    /// The handler runs, then the answer is held `timeout_ms`.
    pub timeout: f64,
    /// How long a `timeout` holds the answer (simulated milliseconds).
    pub timeout_ms: u64,
    /// The connection is cut before the handler runs.
    pub drop_before: f64,
    /// The handler runs, then the connection is cut mid-answer.
    pub drop_after: f64,
    /// The answer is delayed `slow_ms`, then normal.
    pub slow: f64,
    /// Delay of `slow` (simulated milliseconds).
    pub slow_ms: u64,
    /// A 2xx JSON body is replaced by something that is not JSON.
    pub malformed: f64,
    /// A 2xx JSON body is cut at a random point.
    pub truncated: f64,
    /// Per page boundary of a list walk: page n ≥ 2 repeats 1–3 items of page n-1.
    pub duplicate_across_pages: f64,
    /// Per list request for page n ≥ 2: an item of an earlier page changes first.
    pub change_while_paging: f64,
    /// > 0: a storm of this many simulated milliseconds starts when these faults are set.
    pub storm_ms: u64,
    /// Per item created (message, note, session, contact): the probability that it is a *late
    /// commit*: stamped up to `late_commit_max_ms` in the past, and visible (in every list and
    /// by id) only up to `late_visible_ms` later. Its effects on other items (a message's on its
    /// session) are visible at once.
    pub late_commit: f64,
    /// How far in the past a late commit is stamped, at most (simulated milliseconds).
    pub late_commit_max_ms: u64,
    /// How long a late commit stays invisible, at most (simulated milliseconds).
    pub late_visible_ms: u64,
    /// `GET /chat/v1/message` without a `SessionId` answers 404, as the real API does, whatever
    /// [`SimConfig::global_message_list`](crate::SimConfig) says.
    pub no_global_messages: bool,
    /// The real API's answer shapes (see [`quirks`](crate::quirks)): .NET timestamps with 0-7
    /// fractional digits, unknown fields, `contactDetails` null in list answers now and then,
    /// contact fields in both spellings, reference lists as plain arrays or paged envelopes.
    /// Deterministic per item; applies to `GET` answers in scope even with every probability
    /// at 0.
    pub quirks: bool,
    /// Faults apply to reads (GET, HEAD, OPTIONS).
    pub reads: bool,
    /// Faults apply to writes (POST, PUT, PATCH, DELETE).
    pub writes: bool,
    /// Only paths starting with one of these prefixes (e.g. `/chat/v1/session`); `None` = all.
    pub routes: Option<Vec<String>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            error_5xx: 0.0,
            error_after_apply: 0.0,
            timeout: 0.0,
            timeout_ms: 30_000,
            drop_before: 0.0,
            drop_after: 0.0,
            slow: 0.0,
            slow_ms: 2_000,
            malformed: 0.0,
            truncated: 0.0,
            duplicate_across_pages: 0.0,
            change_while_paging: 0.0,
            storm_ms: 0,
            late_commit: 0.0,
            late_commit_max_ms: 90_000,
            late_visible_ms: 5_000,
            no_global_messages: false,
            quirks: false,
            reads: true,
            writes: true,
            routes: None,
        }
    }
}

impl Faults {
    /// Parses the JSON form (see the type docs) and validates it.
    pub fn from_json(json: &str) -> Result<Faults, FaultsError> {
        let f: Faults = serde_json::from_str(json).map_err(|e| FaultsError::Json(e.to_string()))?;
        f.validate()?;
        Ok(f)
    }

    fn probabilities(&self) -> [(FaultKind, f64); 10] {
        [
            (FaultKind::Error5xx, self.error_5xx),
            (FaultKind::ErrorAfterApply, self.error_after_apply),
            (FaultKind::Timeout, self.timeout),
            (FaultKind::DropBefore, self.drop_before),
            (FaultKind::DropAfter, self.drop_after),
            (FaultKind::Slow, self.slow),
            (FaultKind::Malformed, self.malformed),
            (FaultKind::Truncated, self.truncated),
            (FaultKind::DuplicateAcrossPages, self.duplicate_across_pages),
            (FaultKind::ChangeWhilePaging, self.change_while_paging),
        ]
    }

    /// The world's side of these faults: its late commits.
    pub fn late_commits(&self) -> crate::world::LateCommits {
        crate::world::LateCommits {
            probability: self.late_commit,
            max_age: Duration::from_millis(self.late_commit_max_ms),
            max_delay: Duration::from_millis(self.late_visible_ms),
        }
    }

    /// Every probability is a number in 0.0..=1.0.
    pub fn validate(&self) -> Result<(), FaultsError> {
        for (kind, p) in self.probabilities() {
            if !(0.0..=1.0).contains(&p) {
                return Err(FaultsError::Probability {
                    field: kind.as_str(),
                    value: p,
                });
            }
        }
        if !(0.0..=1.0).contains(&self.late_commit) {
            return Err(FaultsError::Probability {
                field: FaultKind::LateCommit.as_str(),
                value: self.late_commit,
            });
        }
        Ok(())
    }

    /// Whether any per-request fault can fire.
    fn any(&self) -> bool {
        self.probabilities().iter().any(|&(_, p)| p > 0.0)
    }

    fn in_scope(&self, method: &Method, path: &str) -> bool {
        let read = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let by_method = if read { self.reads } else { self.writes };
        by_method
            && self
                .routes
                .as_ref()
                .is_none_or(|r| r.iter().any(|p| path.starts_with(p.as_str())))
    }
}

/// The kinds of injected fault, as counted in [`Stats::faults`](crate::Stats).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    Error5xx,
    ErrorAfterApply,
    Timeout,
    DropBefore,
    DropAfter,
    Slow,
    Malformed,
    Truncated,
    DuplicateAcrossPages,
    ChangeWhilePaging,
    /// A 429 answered because of a storm.
    Storm,
    /// An item created as a late commit (counted by the world when it is created).
    LateCommit,
    /// A global message list answered 404 because of `no_global_messages`.
    NoGlobalMessages,
    /// An answer reshaped by `quirks`.
    Quirks,
}

impl FaultKind {
    /// The key in [`Stats::faults`](crate::Stats) (also the field name in [`Faults`]).
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Error5xx => "error_5xx",
            FaultKind::ErrorAfterApply => "error_after_apply",
            FaultKind::Timeout => "timeout",
            FaultKind::DropBefore => "drop_before",
            FaultKind::DropAfter => "drop_after",
            FaultKind::Slow => "slow",
            FaultKind::Malformed => "malformed",
            FaultKind::Truncated => "truncated",
            FaultKind::DuplicateAcrossPages => "duplicate_across_pages",
            FaultKind::ChangeWhilePaging => "change_while_paging",
            FaultKind::Storm => "storm",
            FaultKind::LateCommit => "late_commit",
            FaultKind::NoGlobalMessages => "no_global_messages",
            FaultKind::Quirks => "quirks",
        }
    }
}

/// The faults in force, their generator, and the storm's end.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    rng: ChaCha8Rng,
    storm_until: Option<Instant>,
    /// Requests reshaped by `quirks` since the faults were set (numbers their per-request
    /// draws, kept apart from `rng` so quirks do not shift the other faults' sequence).
    quirk_requests: u64,
}

impl FaultState {
    pub fn new(faults: Faults, now: Instant) -> Self {
        let mut st = FaultState {
            rng: ChaCha8Rng::seed_from_u64(faults.seed),
            faults: Faults::default(),
            storm_until: None,
            quirk_requests: 0,
        };
        st.set(faults, now);
        st
    }

    /// Replaces the faults, reseeds the generator, and starts (or ends) the storm.
    pub fn set(&mut self, faults: Faults, now: Instant) {
        self.rng = ChaCha8Rng::seed_from_u64(faults.seed);
        self.storm_until =
            (faults.storm_ms > 0).then(|| now + Duration::from_millis(faults.storm_ms));
        self.quirk_requests = 0;
        self.faults = faults;
    }

    /// `quirks` on and a GET in scope: the request's draw for the one quirk that may vary per
    /// request (the shape of a reference list), from the seed and the request's number, so
    /// the same seed and sequence of requests give the same shapes. Independent of
    /// [`FaultState::plan`], which draws nothing when no probability is set.
    pub fn quirks(&mut self, method: &Method, path: &str) -> Option<u64> {
        let f = &self.faults;
        if !f.quirks || *method != Method::GET || !f.in_scope(method, path) {
            return None;
        }
        self.quirk_requests += 1;
        Some(fnv1a(&[
            &f.seed.to_le_bytes(),
            b"quirks",
            &self.quirk_requests.to_le_bytes(),
        ]))
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// A storm of `length` from `now` (replacing any running one).
    pub fn start_storm(&mut self, length: Duration, now: Instant) {
        self.storm_until = Some(now + length);
        self.faults.storm_ms = u64::try_from(length.as_millis()).unwrap_or(u64::MAX);
    }

    /// How long the running storm still lasts, if one is running.
    pub fn storm_left(&self, now: Instant) -> Option<Duration> {
        self.storm_until
            .filter(|&until| until > now)
            .map(|until| until - now)
    }

    /// Draws every decision for one request (under the lock, so nothing is held across
    /// `.await`). Out of scope, or with every probability at 0, nothing is drawn.
    fn plan(&mut self, method: &Method, path: &str, raw_query: Option<&str>) -> Plan {
        let f = &self.faults;
        if !f.any() || !f.in_scope(method, path) {
            return Plan::default();
        }
        let (seed, dup_p, change_p) = (f.seed, f.duplicate_across_pages, f.change_while_paging);
        let (timeout, slow) = (
            Duration::from_millis(f.timeout_ms),
            Duration::from_millis(f.slow_ms),
        );
        let p = f.probabilities().map(|(_, p)| p);
        let rng = &mut self.rng;
        let mut hit = |p: f64| p > 0.0 && rng.random_bool(p);
        let error_5xx = hit(p[0]);
        let error_after_apply = hit(p[1]);
        let timeout_hit = hit(p[2]);
        let drop_before = hit(p[3]);
        let drop_after = hit(p[4]);
        let slow_hit = hit(p[5]);
        let malformed = hit(p[6]);
        let truncated = hit(p[7]);
        let change = hit(change_p);
        let list = if *method == Method::GET {
            ListPlan::new(path, raw_query, seed, dup_p)
        } else {
            None
        };
        let list = list.map(|mut lp| {
            let start = lp.start();
            if change && lp.kind != ListKind::Other && lp.page >= 2 && start > 0 {
                lp.change_at = Some(self.rng.random_range(0..start));
            }
            lp
        });
        let rng = &mut self.rng;
        Plan {
            paging_faults: dup_p > 0.0 || change_p > 0.0,
            error_5xx: error_5xx.then(|| {
                let status = [
                    StatusCode::INTERNAL_SERVER_ERROR,
                    StatusCode::BAD_GATEWAY,
                    StatusCode::SERVICE_UNAVAILABLE,
                ][rng.random_range(0..3)];
                (status, rng.random_bool(0.5))
            }),
            drop_before: drop_before.then(|| rng.random_range(1..=6)),
            slow: slow_hit.then_some(slow),
            list,
            error_after_apply: error_after_apply.then(|| rng.random_bool(0.5)),
            drop_after: drop_after.then(|| rng.random_range(1..=16)),
            timeout: timeout_hit.then_some(timeout),
            malformed: malformed.then(|| rng.random_range(0..MALFORMED.len())),
            truncated: truncated.then(|| rng.random_range(0.05..0.95)),
        }
    }
}

/// Everything decided for one request.
#[derive(Debug, Default)]
struct Plan {
    /// `duplicate_across_pages` or `change_while_paging` is on (counted with a page n ≥ 2).
    paging_faults: bool,
    /// Status and whether the body is HTML (else the error envelope).
    error_5xx: Option<(StatusCode, bool)>,
    /// Bytes sent before the cut.
    drop_before: Option<usize>,
    slow: Option<Duration>,
    list: Option<ListPlan>,
    /// Whether the 502 body is HTML.
    error_after_apply: Option<bool>,
    /// Bytes of the real body sent before the cut.
    drop_after: Option<usize>,
    timeout: Option<Duration>,
    /// Which malformed body.
    malformed: Option<usize>,
    /// Where to cut, as a fraction of the body.
    truncated: Option<f64>,
}

/// What a list endpoint's items are, for `change_while_paging`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListKind {
    Sessions,
    Messages,
    Notes,
    Contacts,
    /// Paged reference data (templates, departments): no live changes.
    Other,
}

impl ListKind {
    fn of(path: &str) -> Option<ListKind> {
        let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
        Some(match seg.as_slice() {
            ["chat", "v1" | "v2", "session"] => ListKind::Sessions,
            ["chat", "v1", "session", _, "message"] | ["chat", "v1", "message"] => {
                ListKind::Messages
            }
            ["chat", "v1", "session", _, "note"] => ListKind::Notes,
            ["core", "v1", "contact"] => ListKind::Contacts,
            ["chat", "v1", "template"] | ["core", "v2", "department"] => ListKind::Other,
            _ => return None,
        })
    }
}

/// The list faults of one page request.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ListPlan {
    kind: ListKind,
    page: u32,
    size: u32,
    /// Items this page starts before `(page - 1) × size` (sum of the repeats so far).
    shift: u64,
    /// Items of the previous page this one repeats.
    repeated: u64,
    /// `change_while_paging`: the absolute position (in the natural order) of the item to change.
    change_at: Option<u64>,
}

/// Page numbers beyond this get no list faults (the shift is a sum over every boundary).
const MAX_FAULTED_PAGE: u32 = 100_000;

impl ListPlan {
    fn new(path: &str, raw_query: Option<&str>, seed: u64, dup_p: f64) -> Option<ListPlan> {
        let kind = ListKind::of(path)?;
        let q = Query::parse(raw_query);
        let page = match q.get("PageNumber").or_else(|| q.get("Page")) {
            None => 1,
            Some(v) => v.trim().parse::<u32>().ok()?,
        };
        let size = match q.get("PageSize") {
            None => DEFAULT_PAGE_SIZE,
            Some(v) => v.trim().parse::<u32>().ok()?,
        };
        if !(2..=MAX_FAULTED_PAGE).contains(&page) || !(1..=MAX_PAGE_SIZE).contains(&size) {
            return None;
        }
        let (shift, repeated) = if dup_p > 0.0 {
            page_shift(seed, &walk_key(path, raw_query), page, size, dup_p)
        } else {
            (0, 0)
        };
        Some(ListPlan {
            kind,
            page,
            size,
            shift,
            repeated,
            change_at: None,
        })
    }

    /// Where this page starts in the list.
    fn start(&self) -> u64 {
        (u64::from(self.page) - 1) * u64::from(self.size) - self.shift
    }
}

/// Identifies a walk: the path and the query without the page number, names lower-cased and
/// sorted (so `PageSize=5&OrderBy=X` and `orderby=X&pagesize=5` are one walk).
fn walk_key(path: &str, raw_query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .map(|raw| {
            url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.into_owned()))
                .filter(|(k, _)| !is_page_param(k))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    let mut key = path.trim_end_matches('/').to_string();
    for (k, v) in pairs {
        key.push('&');
        key.push_str(&k);
        key.push('=');
        key.push_str(&v);
    }
    key
}

/// `pagenumber`, `page` (with or without `[]`) and the internal shift parameter.
fn is_page_param(lower_name: &str) -> bool {
    let n = lower_name.trim_end_matches("[]");
    n == "pagenumber" || n == "page" || n == PAGE_SHIFT_PARAM
}

/// FNV-1a: a stable hash (unlike `DefaultHasher`, fixed across Rust versions).
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `(shift of page n, repeats at the n-1 | n boundary)`: each boundary j in 2..=n repeats
/// `d_j` ∈ 1..=min(3, size-1) items with probability `p`, drawn from `(seed, walk, j)`.
fn page_shift(seed: u64, walk: &str, page: u32, size: u32, p: f64) -> (u64, u64) {
    let max = u64::from(size.saturating_sub(1).min(3));
    if max == 0 {
        return (0, 0);
    }
    let (mut shift, mut last) = (0, 0);
    for j in 2..=page {
        let h = fnv1a(&[&seed.to_le_bytes(), walk.as_bytes(), &j.to_le_bytes()]);
        let mut rng = ChaCha8Rng::seed_from_u64(h);
        last = if rng.random_bool(p) {
            rng.random_range(1..=max)
        } else {
            0
        };
        shift += last;
    }
    (shift, last)
}

/// The query with the page parameters replaced: `PageNumber=page` and, when non-zero, the
/// internal shift the paging code honours.
fn with_page(uri: &Uri, page: u32, shift: u64) -> Uri {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    if let Some(raw) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            if !is_page_param(&k.trim().to_ascii_lowercase()) {
                ser.append_pair(&k, &v);
            }
        }
    }
    ser.append_pair("PageNumber", &page.to_string());
    if shift > 0 {
        ser.append_pair(PAGE_SHIFT_PARAM, &shift.to_string());
    }
    let pq = format!("{}?{}", uri.path(), ser.finish());
    pq.parse().unwrap_or_else(|_| uri.clone())
}

/// The URI without the internal shift parameter (a client cannot set it).
fn without_internal(uri: &Uri) -> Option<Uri> {
    let raw = uri.query()?;
    if !raw.to_ascii_lowercase().contains(PAGE_SHIFT_PARAM) {
        return None;
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        if k.trim().to_ascii_lowercase() != PAGE_SHIFT_PARAM {
            ser.append_pair(&k, &v);
        }
    }
    format!("{}?{}", uri.path(), ser.finish()).parse().ok()
}

/// Marks the server's own re-read of an earlier page (`change_while_paging`): not counted in
/// the per-route stats.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe;

/// Bodies of `malformed`: HTML from a proxy, and JSON cut off mid-token.
const MALFORMED: [&str; 2] = [
    "<html><head><title>Erro</title></head><body><h1>Serviço temporariamente indisponível</h1></body></html>",
    "{\"items\": [oops",
];

/// The applied-or-not 5xx answer: a proxy's HTML page or the API's error envelope.
fn server_error(status: StatusCode, html: bool) -> Response {
    if html {
        let reason = status.canonical_reason().unwrap_or("Error");
        let code = status.as_u16();
        let page = format!(
            "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        return (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response();
    }
    match status {
        StatusCode::SERVICE_UNAVAILABLE => ApiError::unavailable(),
        StatusCode::BAD_GATEWAY => ApiError::bad_gateway(),
        _ => ApiError::internal(),
    }
    .into_response()
}

/// A response whose body stops with an error after `prefix`: hyper aborts the connection, so
/// the client gets a transport error instead of a complete answer.
fn cut_off(status: StatusCode, mut headers: HeaderMap, prefix: Bytes) -> Response {
    headers.remove(header::CONTENT_LENGTH);
    let status = if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        StatusCode::OK
    } else {
        status
    };
    let chunks: Vec<Result<Bytes, io::Error>> = vec![
        Ok(prefix),
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "atende-sim: conexão interrompida (falha simulada)",
        )),
    ];
    let mut resp = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Re-reads an earlier page of the same list and changes the item at `at` (natural order).
/// Returns whether an item changed.
///
/// The gate is a layer of each route, so it runs *after* routing: `next` is the matched
/// handler, and the probe carries the original request's extensions (its path parameters).
async fn change_earlier_item(
    st: &Shared,
    original: (Uri, Extensions),
    next: &Next,
    lp: &ListPlan,
    at: u64,
) -> bool {
    let size = u64::from(lp.size);
    let page = u32::try_from(at / size + 1).unwrap_or(u32::MAX);
    let k = usize::try_from(at % size).unwrap_or(usize::MAX);
    let (uri, extensions) = original;
    let mut probe = Request::new(Body::empty());
    *probe.method_mut() = Method::GET;
    *probe.uri_mut() = with_page(&uri, page, 0);
    *probe.extensions_mut() = extensions;
    probe.extensions_mut().insert(Probe);
    let resp = next.clone().run(probe).await;
    if !resp.status().is_success() {
        return false;
    }
    let Ok(bytes) = axum::body::to_bytes(resp.into_body(), usize::MAX).await else {
        return false;
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return false;
    };
    let Some(id) = v["items"][k]["id"].as_str() else {
        return false;
    };
    let mut w = st.world();
    let changed = match lp.kind {
        ListKind::Sessions => w.simulate_session_change(id),
        ListKind::Messages => w.simulate_message_change(id),
        ListKind::Notes => w.simulate_note_change(id),
        ListKind::Contacts => w.simulate_contact_change(id),
        ListKind::Other => return false,
    };
    if let Err(e) = &changed {
        tracing::warn!(error = %e, "change_while_paging: could not change an item");
    }
    changed.is_ok()
}

/// The fault layer around the handler (see the module docs). Runs after the gate admitted
/// the request.
pub(crate) async fn around(st: &Arc<Shared>, mut req: Request, next: Next) -> Response {
    if let Some(uri) = without_internal(req.uri()) {
        *req.uri_mut() = uri;
    }
    let plan = st
        .fault_state()
        .plan(req.method(), req.uri().path(), req.uri().query());
    let quirks = st
        .fault_state()
        .quirks(req.method(), req.uri().path())
        .map(|draw| (draw, req.uri().clone()));
    let clock = st.config.clock.clone();

    if let Some((status, html)) = plan.error_5xx {
        st.count_fault(FaultKind::Error5xx);
        return server_error(status, html);
    }
    if let Some(n) = plan.drop_before {
        st.count_fault(FaultKind::DropBefore);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let prefix = Bytes::from_static(b"{\"id\":\"").slice(..n.min(7));
        return cut_off(StatusCode::OK, headers, prefix);
    }
    if let Some(d) = plan.slow {
        st.count_fault(FaultKind::Slow);
        tokio::time::sleep(clock.real(d)).await;
    }
    let mut repeated = 0;
    if plan.list.is_some() && plan.paging_faults {
        st.stats().paging_fault_chances += 1;
    }
    if let Some(lp) = &plan.list {
        if let Some(at) = lp.change_at {
            let original = (req.uri().clone(), req.extensions().clone());
            if change_earlier_item(st, original, &next, lp, at).await {
                st.count_fault(FaultKind::ChangeWhilePaging);
            }
        }
        if lp.shift > 0 {
            *req.uri_mut() = with_page(req.uri(), lp.page, lp.shift);
            repeated = lp.repeated;
        }
    }

    let mut resp = next.run(req).await;
    if let Some((draw, uri)) = quirks {
        if resp.status().is_success() && is_json(resp.headers()) {
            resp = crate::quirks::reshape(st, &uri, draw, resp).await;
        }
    }

    if repeated > 0 && resp.status().is_success() {
        st.count_fault(FaultKind::DuplicateAcrossPages);
    }
    if let Some(html) = plan.error_after_apply {
        st.count_fault(FaultKind::ErrorAfterApply);
        return server_error(StatusCode::BAD_GATEWAY, html);
    }
    if let Some(n) = plan.drop_after {
        st.count_fault(FaultKind::DropAfter);
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let prefix = if bytes.is_empty() {
            Bytes::from_static(b"{")
        } else {
            bytes.slice(..n.min(bytes.len()))
        };
        return cut_off(parts.status, parts.headers, prefix);
    }
    if let Some(d) = plan.timeout {
        st.count_fault(FaultKind::Timeout);
        tokio::time::sleep(clock.real(d)).await;
    }
    let spoil = plan.malformed.is_some() || plan.truncated.is_some();
    if !spoil || !resp.status().is_success() || !is_json(resp.headers()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if let Some(i) = plan.malformed {
        st.count_fault(FaultKind::Malformed);
        Bytes::from_static(MALFORMED[i % MALFORMED.len()].as_bytes())
    } else if let (Some(frac), true) = (plan.truncated, bytes.len() >= 2) {
        st.count_fault(FaultKind::Truncated);
        let cut = ((bytes.len() as f64 * frac) as usize).clamp(1, bytes.len() - 1);
        bytes.slice(..cut)
    } else {
        bytes
    };
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_defaults_and_validation() {
        let f = Faults::from_json("{}").unwrap();
        assert_eq!(f, Faults::default());
        assert!(f.reads && f.writes && f.routes.is_none() && !f.any());
        let f = Faults::from_json(
            r#"{"seed":7,"error_5xx":0.25,"timeout":1,"timeout_ms":500,"writes":false,"routes":["/chat"],"storm_ms":100}"#,
        )
        .unwrap();
        assert_eq!(
            (f.seed, f.error_5xx, f.timeout_ms, f.storm_ms),
            (7, 0.25, 500, 100)
        );
        assert!(f.in_scope(&Method::GET, "/chat/v2/session"));
        assert!(!f.in_scope(&Method::GET, "/core/v1/tag"));
        assert!(!f.in_scope(&Method::POST, "/chat/v1/session/x/message"));
        assert!(matches!(
            Faults::from_json(r#"{"error5xx":0.5}"#),
            Err(FaultsError::Json(_))
        ));
        assert_eq!(
            Faults::from_json(r#"{"slow":1.5}"#),
            Err(FaultsError::Probability {
                field: "slow",
                value: 1.5
            })
        );
        let round: Faults = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
        assert_eq!(round, f);
    }

    #[test]
    fn list_kinds() {
        assert_eq!(ListKind::of("/chat/v2/session"), Some(ListKind::Sessions));
        assert_eq!(
            ListKind::of("/chat/v1/session/abc/message"),
            Some(ListKind::Messages)
        );
        assert_eq!(ListKind::of("/chat/v1/message/"), Some(ListKind::Messages));
        assert_eq!(
            ListKind::of("/chat/v1/session/abc/note"),
            Some(ListKind::Notes)
        );
        assert_eq!(ListKind::of("/core/v1/contact"), Some(ListKind::Contacts));
        assert_eq!(ListKind::of("/chat/v1/template"), Some(ListKind::Other));
        assert_eq!(ListKind::of("/chat/v2/session/abc"), None);
        assert_eq!(ListKind::of("/core/v1/tag"), None);
    }

    #[test]
    fn page_shifts_only_grow_and_never_reach_a_page_size() {
        let walk = walk_key("/chat/v2/session", Some("PageSize=5&OrderBy=UpdatedAt"));
        assert_eq!(
            walk,
            walk_key(
                "/chat/v2/session",
                Some("orderby=UpdatedAt&PageNumber=3&pagesize=5")
            )
        );
        let mut last = 0;
        let mut repeats = 0;
        for page in 2..200 {
            let (shift, rep) = page_shift(9, &walk, page, 5, 0.5);
            assert_eq!(shift, last + rep, "page {page}");
            assert!(rep <= 3);
            // Each page still advances: it starts after the previous page's start.
            assert!((u64::from(page) - 1) * 5 - shift > (u64::from(page) - 2) * 5 - last);
            repeats += u64::from(rep > 0);
            last = shift;
        }
        assert!((60..140).contains(&repeats), "{repeats}");
        assert_eq!(page_shift(9, &walk, 7, 1, 1.0), (0, 0));
        let (_, rep) = page_shift(9, &walk, 7, 2, 1.0);
        assert_eq!(rep, 1);
        // Same inputs, same answer; another seed, another walk.
        assert_eq!(
            page_shift(9, &walk, 50, 5, 0.5),
            page_shift(9, &walk, 50, 5, 0.5)
        );
        assert_ne!(
            page_shift(9, &walk, 50, 5, 0.5),
            page_shift(10, &walk, 50, 5, 0.5)
        );
    }

    #[test]
    fn uris_keep_the_query_and_swap_the_page() {
        let uri: Uri = "/chat/v2/session?Status=PENDING&pagenumber=4&UpdatedAt.After=2024-06-01T10:00:00%2B00:00"
            .parse()
            .unwrap();
        let out = with_page(&uri, 2, 3);
        let q = Query::parse(out.query());
        assert_eq!(q.get("PageNumber"), Some("2"));
        assert_eq!(q.all("PageNumber").len(), 1);
        assert_eq!(q.get(PAGE_SHIFT_PARAM), Some("3"));
        assert_eq!(q.get("UpdatedAt.After"), Some("2024-06-01T10:00:00+00:00"));
        let cleaned = without_internal(&out).unwrap();
        assert_eq!(Query::parse(cleaned.query()).get(PAGE_SHIFT_PARAM), None);
        assert!(without_internal(&uri).is_none());
    }

    #[test]
    fn plans_are_reproducible_and_scoped() {
        let now = Instant::now();
        let f = Faults {
            seed: 3,
            error_5xx: 0.5,
            malformed: 0.5,
            writes: false,
            ..Faults::default()
        };
        let draw = |st: &mut FaultState| -> Vec<(bool, bool)> {
            (0..50)
                .map(|_| {
                    let p = st.plan(&Method::GET, "/core/v1/tag", None);
                    (p.error_5xx.is_some(), p.malformed.is_some())
                })
                .collect()
        };
        let mut a = FaultState::new(f.clone(), now);
        let mut b = FaultState::new(f.clone(), now);
        let (da, db) = (draw(&mut a), draw(&mut b));
        assert_eq!(da, db);
        assert!(da.iter().any(|x| x.0) && da.iter().any(|x| !x.0));
        let p = a.plan(&Method::POST, "/core/v1/tag", None);
        assert!(p.error_5xx.is_none() && p.malformed.is_none());
        a.set(f, now);
        assert_eq!(draw(&mut a), da, "set() reseeds");
    }

    #[test]
    fn storms_end() {
        let now = Instant::now();
        let mut st = FaultState::new(
            Faults {
                storm_ms: 1_000,
                ..Faults::default()
            },
            now,
        );
        assert_eq!(st.storm_left(now), Some(Duration::from_secs(1)));
        assert_eq!(st.storm_left(now + Duration::from_secs(1)), None);
        st.start_storm(Duration::from_secs(5), now);
        assert_eq!(st.faults().storm_ms, 5_000);
        st.set(Faults::default(), now);
        assert_eq!(st.storm_left(now), None);
    }
}
