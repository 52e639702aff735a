//! The outbox: every agent action (send text / media / template, internal note, assume, transfer,
//! conclude, reopen, contact tags, fields and status) is queued locally and delivered by a
//! [`Worker`], so the console works offline and a crash never loses or duplicates an action.
//!
//! - [`enqueue`] validates the action and, in **one** write transaction, appends the outbox row
//!   and applies the optimistic change the UI reads (a placeholder message, the session's new
//!   status, the contact's new tags...). The row's id is a UUIDv7 **client id**; sends carry it
//!   to the API as `senderId`.
//! - Rows are ordered in **lanes**: one per conversation (sends, notes, session actions) or per
//!   contact (contact actions). A lane is delivered strictly in order and blocks behind its
//!   oldest undelivered row (a failed one included, until [`retry`] or [`discard`]); lanes run
//!   in parallel.
//! - **Exactly once.** An attempt is committed as `sending` before its HTTP call. A timeout,
//!   dropped connection, 5xx, or a `sending` row left by a killed process makes the outcome
//!   *uncertain*: no sooner than the request timeout after the attempt (so the request cannot
//!   still land), the worker looks for the client id on the server (`senderId` in the session's
//!   messages) and sends again only if it is not there. Notes carry no `senderId`: they are
//!   matched by text (and author when the server names one) among notes created since the
//!   attempt and not claimed by another delivered row; an identical note written elsewhere in
//!   that window would be taken for ours (the note is then lost rather than duplicated). Session
//!   and contact actions are idempotent and are simply sent again; a 4xx on such a resend of a
//!   session action whose goal the server already shows counts as delivered.
//! - Transient failures retry with exponential backoff and jitter; a 4xx (validation, closed
//!   window...) leaves the row `failed` with a PT-BR error, visible through [`failed`] until the
//!   agent retries or discards it.
//! - **Server state wins**; still-pending actions are re-applied on top of each server copy (see
//!   [`apply`]: sync and the worker store server copies through it). A failed or discarded action's optimistic change is rolled back: the
//!   row is rebuilt from its stored server JSON. A refused message stays in its conversation
//!   marked `REJECTED` (so the agent sees what did not go) until it is retried or discarded.

mod action;
pub mod apply;
mod worker;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

pub use action::{Action, ContactStatus, Request, TagOperation, Target};
pub use worker::{DeliveryReport, Worker, WorkerOptions};

use crate::error::{Error, Result};
use crate::store::{self, outbox::Entry, Store};
use crate::time;

/// A refused action, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedAction {
    /// The client id (pass it to [`retry`] or [`discard`]).
    pub id: String,
    pub lane: String,
    pub session_id: Option<String>,
    pub action: Action,
    /// Why the server refused it (PT-BR).
    pub error: Option<String>,
    pub created_at: String,
    pub attempts: i64,
}

/// Queues `action` and applies its optimistic change in one transaction; returns the client id.
/// `session_id` is the conversation the action belongs to (required for sends, notes and session
/// actions; optional context for contact actions). Wake the worker afterwards.
pub fn enqueue(store: &mut Store, action: Action, session_id: Option<&str>) -> Result<String> {
    enqueue_at(store, action, session_id, Utc::now())
}

/// [`enqueue`] with an explicit "now" (tests).
pub fn enqueue_at(
    store: &mut Store,
    action: Action,
    session_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    action.validate()?;
    let target = action.target(session_id)?;
    let session_id = match &target {
        Target::Session(s) => Some(s.as_str()),
        Target::Contact(_) => session_id.filter(|s| !s.trim().is_empty()),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let created_at = time::format(now);
    let payload = serde_json::to_string(&action).expect("actions serialise");
    let lane = target.lane();
    store.write(|tx| {
        match &target {
            Target::Session(s) if !store::session::exists(tx, s)? => {
                return Err(Error::NotFound(format!("conversa {s}")));
            }
            Target::Contact(c) if !store::contact::exists(tx, c)? => {
                return Err(Error::NotFound(format!("contato {c}")));
            }
            _ => {}
        }
        let me = store::meta::get(tx, store::meta::ME_USER_ID)?;
        store::outbox::insert(
            tx,
            &store::outbox::NewEntry {
                id: &id,
                lane: &lane,
                session_id,
                action: action.kind(),
                payload: &payload,
                created_at: &created_at,
            },
        )?;
        apply::apply_new(
            tx,
            &action,
            &apply::Context {
                client_id: &id,
                session_id,
                created_at: &created_at,
                me: me.as_deref(),
            },
        )
    })?;
    tracing::debug!(%id, %lane, action = action.kind(), "action queued");
    Ok(id)
}

/// Puts a failed action back in its lane (due now) and re-applies its optimistic change.
/// Returns the entities to invalidate.
pub fn retry(store: &mut Store, id: &str) -> Result<&'static [&'static str]> {
    store.write(|tx| {
        let entry = get_entry(tx, id)?;
        let action = parse(&entry)?;
        if !store::outbox::reset_failed(tx, id)? {
            return Err(Error::InvalidInput(
                "só uma ação recusada pelo servidor pode ser tentada de novo".into(),
            ));
        }
        if action.creates_message() {
            store::outbox::set_placeholder_status(tx, id, store::outbox::PLACEHOLDER_PENDING)?;
        }
        rebuild_target(tx, &entry, &action)?;
        Ok(action.entities())
    })
}

/// Drops a failed or still-waiting action and rolls back its optimistic change. An action whose
/// delivery is under way (sending or uncertain) cannot be discarded: it may have reached the
/// server. Returns the entities to invalidate.
pub fn discard(store: &mut Store, id: &str) -> Result<&'static [&'static str]> {
    store.write(|tx| {
        let entry = get_entry(tx, id)?;
        if !matches!(entry.state.as_str(), "failed" | "pending") {
            return Err(Error::InvalidInput(
                "a ação já está sendo entregue e não pode ser descartada".into(),
            ));
        }
        store::outbox::delete(tx, id)?;
        let Ok(action) = serde_json::from_str::<Action>(&entry.payload) else {
            return Ok(&["outbox"][..]);
        };
        if action.creates_message() {
            store::outbox::delete_placeholder(tx, id)?;
        }
        rebuild_target(tx, &entry, &action)?;
        Ok(action.entities())
    })
}

/// Actions the server refused, oldest first.
pub fn failed(c: &Connection) -> Result<Vec<FailedAction>> {
    Ok(store::outbox::failed(c)?
        .into_iter()
        .filter_map(|e| {
            let action = serde_json::from_str(&e.payload).ok()?;
            Some(FailedAction {
                id: e.id,
                lane: e.lane,
                session_id: e.session_id,
                action,
                error: e.last_error,
                created_at: e.created_at,
                attempts: e.attempts,
            })
        })
        .collect())
}

/// A refused agent action, as the failed-actions list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedActionView {
    /// The outbox id (retry / discard take it).
    pub id: String,
    pub session_id: Option<String>,
    /// The action's name: `send_text`, `note`, `assume`, `transfer`, ...
    pub action: String,
    /// The text of a message or note, when the action has one.
    pub summary: Option<String>,
    /// Why the server refused it (PT-BR).
    pub error: String,
    pub created_at: String,
}

/// Every refused action, oldest first.
pub fn failed_actions(c: &Connection) -> Result<Vec<FailedActionView>> {
    Ok(failed(c)?
        .into_iter()
        .map(|f| {
            let summary = match &f.action {
                Action::SendText { text } | Action::Note { text } => Some(text.clone()),
                Action::SendMedia { caption, file_url } => {
                    Some(caption.clone().unwrap_or_else(|| file_url.clone()))
                }
                _ => None,
            };
            FailedActionView {
                action: f.action.kind().to_string(),
                id: f.id,
                session_id: f.session_id,
                summary,
                error: f
                    .error
                    .unwrap_or_else(|| "o servidor recusou a ação".to_string()),
                created_at: f.created_at,
            }
        })
        .collect())
}

fn get_entry(c: &Connection, id: &str) -> Result<Entry> {
    store::outbox::get(c, id)?.ok_or_else(|| Error::NotFound(format!("ação {id}")))
}

fn parse(entry: &Entry) -> Result<Action> {
    serde_json::from_str(&entry.payload).map_err(|e| Error::Decode {
        context: format!("ação {}", entry.id),
        detail: e.to_string(),
    })
}

/// Rebuilds the session or contact row an action changed from its stored server copy, then
/// re-applies the actions still undelivered in its lane (rolls back `action` when it is no
/// longer undelivered, re-applies it when it is again).
fn rebuild_target(c: &Connection, entry: &Entry, action: &Action) -> Result<()> {
    match action.target(entry.session_id.as_deref()) {
        Ok(Target::Session(s)) => apply::rebuild_session(c, &s),
        Ok(Target::Contact(ct)) => apply::rebuild_contact(c, &ct),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
