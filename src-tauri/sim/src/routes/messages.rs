//! Message and internal-note reads: a session's history (`/chat/v1/session/{id}/message`),
//! its notes (`/note`), the global message list (`/chat/v1/message`, switchable because
//! helena.md does not know whether it works without a session filter), and by-id reads.
//!
//! All lists take `CreatedAt.*` / `UpdatedAt.*` windows and paging; the default order is
//! `CreatedAt` ascending. `UpdatedAt` moves on every status change of a sent message, so an
//! `UpdatedAt` window catches `SENT -> DELIVERED -> READ` transitions (§10.5).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::json;

use crate::error::{ApiError, WorldError};
use crate::faults::FaultKind;
use crate::model::{ts, Direction, Message, MessageType};
use crate::query::{OrderField, Query, SortKey};
use crate::server::AppState;
use crate::world::World;

use super::{json, list};

fn message_key(m: &Message, f: OrderField) -> Option<SortKey<'_>> {
    match f {
        OrderField::CreatedAt => Some(SortKey::Time(Some(m.created_at))),
        OrderField::UpdatedAt => Some(SortKey::Time(Some(m.updated_at))),
        OrderField::Id => Some(SortKey::Text(Some(&m.id))),
        OrderField::LastInteractionAt | OrderField::Name => None,
    }
}

/// The items the API shows now: late commits that have not landed are left out.
fn visible<'w>(w: &World, items: Vec<&'w Message>) -> Vec<&'w Message> {
    items.into_iter().filter(|m| w.visible(&m.id)).collect()
}

/// Filters (dates, and optionally direction/type), sorts and pages a message list.
fn page_of(q: &Query, items: Vec<&Message>) -> Result<Response, ApiError> {
    let paging = q.paging(OrderField::CreatedAt)?;
    let created = q.date_range("CreatedAt")?;
    let updated = q.date_range("UpdatedAt")?;
    let directions = q.enums("Direction", Direction::parse)?;
    let types = q.enums("Type", MessageType::parse)?;
    let mut items: Vec<&Message> = items
        .into_iter()
        .filter(|m| created.contains(Some(m.created_at)))
        .filter(|m| updated.contains(Some(m.updated_at)))
        .filter(|m| directions.is_empty() || directions.contains(&m.direction))
        .filter(|m| types.is_empty() || types.contains(&m.message_type))
        .collect();
    paging.sort(&mut items, message_key, |m| &m.id)?;
    let page = paging.page(&items, |m| *m);
    let n = page.items.len();
    Ok(list(&page, n))
}

/// A page of one session's messages or notes (`of`); 404 when the session is unknown.
fn session_list(
    st: &AppState,
    id: &str,
    raw: Option<&str>,
    of: for<'w> fn(&'w World, &str) -> Vec<&'w Message>,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw);
    let mut guard = st.world();
    guard.ensure_index();
    let w: &World = &guard;
    if w.session(id).is_none() || !w.visible(id) {
        return Err(WorldError::not_found("session", id).into());
    }
    page_of(&q, visible(w, of(w, id)))
}

pub async fn list_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    session_list(&st, &id, raw.as_deref(), World::messages_of)
}

pub async fn list_notes(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    session_list(&st, &id, raw.as_deref(), World::notes_of)
}

pub async fn list_global(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let sessions = q.all("SessionId");
    if sessions.is_empty() {
        if st.fault_state().faults().no_global_messages {
            st.count_fault(FaultKind::NoGlobalMessages);
            return Err(ApiError::route_not_found());
        }
        if !st.config.global_message_list {
            return Err(ApiError::route_not_found());
        }
    }
    let mut guard = st.world();
    guard.ensure_index();
    let w: &World = &guard;
    let items: Vec<&Message> = if sessions.is_empty() {
        w.messages.iter().collect()
    } else {
        sessions.iter().flat_map(|s| w.messages_of(s)).collect()
    };
    page_of(&q, visible(w, items))
}

/// Looks up message or note `id` (`kind` names it in the 404) and answers `answer(m)`.
fn by_id(
    st: &AppState,
    id: &str,
    kind: &'static str,
    get: for<'w> fn(&'w World, &str) -> Option<&'w Message>,
    answer: impl FnOnce(&Message) -> Response,
) -> Result<Response, ApiError> {
    let mut guard = st.world();
    guard.ensure_index();
    let m = get(&guard, id)
        .filter(|m| guard.visible(&m.id))
        .ok_or_else(|| WorldError::not_found(kind, id))?;
    Ok(answer(m))
}

pub async fn get_message(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    by_id(&st, &id, "message", World::message, json)
}

/// `GET /chat/v1/message/{id}/status` (shape unverified; the simulator answers the status fields).
pub async fn get_message_status(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    by_id(&st, &id, "message", World::message, |m| {
        json(&json!({
            "id": m.id,
            "sessionId": m.session_id,
            "senderId": m.sender_id,
            "status": m.status,
            "updatedAt": ts::format(&m.updated_at),
            "readContactAt": m.read_contact_at.as_ref().map(ts::format),
            "failedReason": m.failed_reason,
        }))
    })
}

pub async fn get_note(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    by_id(&st, &id, "note", World::note, json)
}
