//! The axum application: shared state, the route table and the gate every request passes.
//!
//! The gate reproduces the API's request pipeline in the documented order (§1, §1.2, §9):
//! offline switch (503) -> auth *before routing* (401 `ERROR_UNAUTHORIZED`, also for unknown
//! routes; `/files/...` is public) -> service prefix (400 without `/core|/chat|/crm` + version)
//! -> storm (429 + `Retry-After`, see [`faults`](crate::faults)) -> rate limits (429
//! `ERROR_TOO_MANY_REQUESTS` + `Retry-After`) -> the fault layer ([`faults::around`]) ->
//! routing (404 envelope for unknown routes, 405 envelope for a wrong method). A second,
//! route-level layer counts requests and returned items per templated route for [`Stats`].
//!
//! The admin route `/__sim/faults` (GET reads, PUT replaces the [`Faults`] as JSON) needs the
//! same Bearer token but skips everything else: offline switch, prefix check, storm, rate
//! limits, faults and stats. The whole request runs inside [`clock::scope`] so error envelopes
//! carry the simulated date.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

use crate::clock;
use crate::config::SimConfig;
use crate::error::ApiError;
use crate::faults::{self, FaultKind, FaultState, Faults, Probe};
use crate::ratelimit::{retry_after_secs, Bucket, RateLimiter};
use crate::routes::{actions, contacts, files, messages, reference, sessions};
use crate::stats::{ItemCount, Stats};
use crate::world::World;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub config: SimConfig,
    world: Mutex<World>,
    limiter: Mutex<RateLimiter>,
    stats: Mutex<Stats>,
    faults: Mutex<FaultState>,
    pub online: AtomicBool,
}

/// The admin route of the faults.
pub(crate) const ADMIN_FAULTS: &str = "/__sim/faults";

pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub fn new(config: SimConfig, mut world: World) -> Self {
        let limiter = RateLimiter::new(&config.limits, config.clock.clone());
        let faults = FaultState::new(config.faults.clone(), config.clock.now());
        world.late = config.faults.late_commits();
        Shared {
            config,
            world: Mutex::new(world),
            limiter: Mutex::new(limiter),
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(faults),
            online: AtomicBool::new(true),
        }
    }

    pub fn fault_state(&self) -> MutexGuard<'_, FaultState> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the faults in force (the gate's and the world's late commits) at `now`.
    pub fn set_faults(&self, faults: Faults, now: Instant) -> Faults {
        self.world().late = faults.late_commits();
        let mut state = self.fault_state();
        state.set(faults, now);
        state.faults().clone()
    }

    /// Counts one injected fault.
    pub fn count_fault(&self, kind: FaultKind) {
        *self
            .stats()
            .faults
            .entry(kind.as_str().to_string())
            .or_default() += 1;
    }

    /// The world lock (a panic in a test holding it does not poison the simulator).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        self.limiter.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The route table.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        // Sessions (§2).
        .route("/chat/v2/session", get(sessions::list_v2))
        .route("/chat/v1/session", get(sessions::list_v1))
        .route("/chat/v2/session/{id}", get(sessions::get_v2))
        .route("/chat/v1/session/{id}", get(sessions::get_v1))
        .route("/chat/v1/session/{id}/assignee", put(actions::assignee))
        .route("/chat/v1/session/{id}/transfer", put(actions::transfer))
        .route("/chat/v1/session/{id}/complete", put(actions::complete))
        .route("/chat/v1/session/{id}/status", put(actions::status))
        .route(
            "/chat/v1/session/{id}/message",
            get(messages::list_session).post(actions::send),
        )
        .route(
            "/chat/v1/session/{id}/message/sync",
            post(actions::send_sync),
        )
        .route(
            "/chat/v1/session/{id}/note",
            get(messages::list_notes).post(actions::add_note),
        )
        .route(
            "/chat/v1/session/note/{id}",
            get(messages::get_note).delete(actions::delete_note),
        )
        // Messages (§3).
        .route("/chat/v1/message", get(messages::list_global))
        .route("/chat/v1/message/{id}", get(messages::get_message))
        .route(
            "/chat/v1/message/{id}/status",
            get(messages::get_message_status),
        )
        .route("/chat/v1/send/text", post(actions::send_text))
        .route("/chat/v1/send/template", post(actions::send_template))
        // Contacts (§4).
        .route("/core/v1/contact", get(contacts::list))
        .route("/core/v1/contact/{id}", get(contacts::get))
        .route(
            "/core/v1/contact/phonenumber/{phone}",
            get(contacts::get_by_phone),
        )
        .route("/core/v2/contact/{id}", put(actions::update_contact))
        .route("/core/v1/contact/{id}/tags", post(actions::contact_tags))
        .route(
            "/core/v1/contact/phonenumber/{phone}/tags",
            post(actions::contact_tags_by_phone),
        )
        .route(
            "/core/v1/contact/custom-field",
            get(reference::contact_custom_fields),
        )
        // Reference data (§5).
        .route(
            "/core/v1/tag",
            get(reference::tags).post(actions::create_tag),
        )
        .route(
            "/core/v1/tag/{id}",
            put(actions::update_tag).delete(actions::delete_tag),
        )
        .route("/core/v2/department", get(reference::departments_v2))
        .route("/core/v1/department", get(reference::departments_v1))
        .route("/core/v1/department/{id}", get(reference::department))
        .route("/core/v1/agent", get(reference::agents))
        .route("/core/v1/agent/{id}", get(reference::agent))
        .route("/chat/v1/channel", get(reference::channels))
        .route("/chat/v1/template", get(reference::templates))
        .route("/core/v1/custom-field", get(reference::custom_fields))
        // Public media URLs (no auth).
        .route("/files/{id}/{name}", get(files::download))
        .route_layer(middleware::from_fn_with_state(state.clone(), route_stats))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

async fn fallback() -> ApiError {
    ApiError::route_not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Whether the path carries a service prefix: `/{core|chat|crm}/v{N}/...`.
fn has_service_prefix(path: &str) -> bool {
    let mut seg = path.trim_start_matches('/').split('/');
    let service = seg.next().unwrap_or("");
    let version = seg.next().unwrap_or("");
    matches!(service, "core" | "chat" | "crm")
        && version.len() > 1
        && version.starts_with('v')
        && version[1..].chars().all(|c| c.is_ascii_digit())
}

/// Which rate-limit bucket a call draws from.
fn bucket_of(method: &Method, path: &str) -> Bucket {
    if path.starts_with("/chat/v1/send/") {
        return Bucket::Send;
    }
    if method == Method::POST {
        let p = path.trim_end_matches('/');
        let rest = p.strip_prefix("/chat/v1/session/");
        if let Some(rest) = rest {
            let parts: Vec<&str> = rest.split('/').collect();
            if matches!(parts.as_slice(), [_, "message"] | [_, "message", "sync"]) {
                return Bucket::Send;
            }
        }
    }
    Bucket::General
}

fn bearer_ok(req: &Request, token: &str) -> bool {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, t)) => scheme.eq_ignore_ascii_case("Bearer") && t.trim() == token,
        None => false,
    }
}

/// Why the gate refused a request.
enum Refusal {
    /// A storm 429.
    Stormed(ApiError),
    /// A real rate-limit 429.
    Limited(ApiError),
    Other(ApiError),
}

fn admit(st: &Shared, req: &Request) -> Result<(), Refusal> {
    if !st.online.load(Ordering::SeqCst) {
        return Err(Refusal::Other(ApiError::unavailable()));
    }
    let path = req.uri().path();
    if path.starts_with("/files/") {
        return Ok(());
    }
    if !bearer_ok(req, &st.config.token) {
        return Err(Refusal::Other(ApiError::unauthorized()));
    }
    if !has_service_prefix(path) {
        return Err(Refusal::Other(ApiError::missing_prefix()));
    }
    let now = st.config.clock.now();
    if let Some(left) = st.fault_state().storm_left(now) {
        return Err(Refusal::Stormed(ApiError::too_many_requests(Some(
            retry_after_secs(left),
        ))));
    }
    let bucket = bucket_of(req.method(), path);
    let checked = st.limiter().check_route(bucket, path);
    if let Err(wait) = checked {
        let secs = st.config.retry_after.then(|| retry_after_secs(wait));
        return Err(Refusal::Limited(ApiError::too_many_requests(secs)));
    }
    // Sent messages advance through their statuses as requests arrive.
    st.world().advance_deliveries();
    Ok(())
}

/// The request pipeline before routing (see the module docs).
async fn gate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let clock = st.config.clock.clone();
    if req.uri().path() == ADMIN_FAULTS {
        return clock::scope(clock, admin_faults(st, req)).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    st.stats().requests += 1;
    let resp = clock::scope(clock, async {
        match admit(&st, &req) {
            Ok(()) => faults::around(&st, req, next).await,
            Err(Refusal::Stormed(e)) => {
                st.stats().stormed += 1;
                st.count_fault(FaultKind::Storm);
                e.into_response()
            }
            Err(Refusal::Limited(e)) => {
                st.stats().rate_limited += 1;
                e.into_response()
            }
            Err(Refusal::Other(e)) => e.into_response(),
        }
    })
    .await;
    tracing::info!(
        target: "atende_sim::http",
        %method,
        uri = %uri,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

/// `GET` / `PUT /__sim/faults`: reads or replaces the faults (JSON, see [`Faults`]).
async fn admin_faults(st: AppState, req: Request) -> Response {
    if !bearer_ok(&req, &st.config.token) {
        return ApiError::unauthorized().into_response();
    }
    let now = st.config.clock.now();
    match *req.method() {
        Method::GET => axum::Json(st.fault_state().faults().clone()).into_response(),
        Method::PUT => {
            let bytes = match axum::body::to_bytes(req.into_body(), 1 << 20).await {
                Ok(b) => b,
                Err(e) => {
                    return ApiError::bad_request(format!("Corpo da requisição ilegível: {e}."))
                        .into_response()
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            match Faults::from_json(&text) {
                Ok(f) => axum::Json(st.set_faults(f, now)).into_response(),
                Err(e) => ApiError::bad_request(format!("Configuração de falhas inválida: {e}."))
                    .into_response(),
            }
        }
        _ => ApiError::method_not_allowed().into_response(),
    }
}

/// Per-route counters (runs only for matched routes).
async fn route_stats(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let key = req
        .extensions()
        .get::<MatchedPath>()
        .filter(|_| req.extensions().get::<Probe>().is_none())
        .map(|p| format!("{} {}", req.method(), p.as_str()));
    let resp = next.run(req).await;
    if let Some(key) = key {
        let items = resp
            .extensions()
            .get::<ItemCount>()
            .map_or(0, |c| c.0 as u64);
        let mut stats = st.stats();
        let e = stats.by_route.entry(key).or_default();
        e.requests += 1;
        e.items += items;
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_prefix() {
        assert!(has_service_prefix("/chat/v2/session"));
        assert!(has_service_prefix("/core/v1/tag"));
        assert!(has_service_prefix("/crm/v12/panel"));
        assert!(!has_service_prefix("/v1/channel"));
        assert!(!has_service_prefix("/chat/session"));
        assert!(!has_service_prefix("/chat/v/session"));
        assert!(!has_service_prefix("/"));
        assert!(!has_service_prefix("/api/v1/x"));
    }

    #[test]
    fn send_bucket_routes() {
        assert_eq!(bucket_of(&Method::POST, "/chat/v1/send/text"), Bucket::Send);
        assert_eq!(
            bucket_of(&Method::POST, "/chat/v1/session/abc/message"),
            Bucket::Send
        );
        assert_eq!(
            bucket_of(&Method::POST, "/chat/v1/session/abc/message/sync"),
            Bucket::Send
        );
        assert_eq!(
            bucket_of(&Method::GET, "/chat/v1/session/abc/message"),
            Bucket::General
        );
        assert_eq!(
            bucket_of(&Method::POST, "/chat/v1/session/abc/note"),
            Bucket::General
        );
    }
}
