//! Agent-action commands: each queues one action in the outbox (with its optimistic local
//! change, in one transaction) and returns its client id at once; delivery happens in the
//! background, exactly once, also after offline periods. Also the failed-actions list and its
//! retry / discard. Message and note texts are never logged.

use atende_core::outbox::{self, Action, FailedActionView};
use atende_core::store::views::{self, TransferTargets};
use serde::Serialize;
use tauri::State;

use super::AppState;
use crate::error::IpcResult;

/// What an action command returns: the client id (also the outbox id).
#[derive(Debug, Serialize)]
pub struct Queued {
    pub id: String,
}

fn queue(state: &State<'_, AppState>, action: Action, session_id: &str) -> IpcResult<Queued> {
    let id = state.app()?.act(action, Some(session_id))?;
    Ok(Queued { id })
}

/// Sends a text message in the conversation.
#[tauri::command(async)]
#[tracing::instrument(skip(state, text))]
pub fn send_message(
    state: State<'_, AppState>,
    session_id: String,
    text: String,
) -> IpcResult<Queued> {
    queue(&state, Action::SendText { text }, &session_id)
}

/// Adds an internal note to the conversation.
#[tauri::command(async)]
#[tracing::instrument(skip(state, text))]
pub fn add_note(state: State<'_, AppState>, session_id: String, text: String) -> IpcResult<Queued> {
    queue(&state, Action::Note { text }, &session_id)
}

/// Assigns the conversation to the signed-in agent.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn assume(state: State<'_, AppState>, session_id: String) -> IpcResult<Queued> {
    let user_id = state.app()?.me()?;
    queue(&state, Action::Assume { user_id }, &session_id)
}

/// Transfers the conversation to a team, or to an agent (of that team).
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn transfer(
    state: State<'_, AppState>,
    session_id: String,
    department_id: Option<String>,
    user_id: Option<String>,
) -> IpcResult<Queued> {
    queue(
        &state,
        Action::Transfer {
            department_id,
            user_id,
        },
        &session_id,
    )
}

/// Concludes the conversation.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn conclude(state: State<'_, AppState>, session_id: String) -> IpcResult<Queued> {
    queue(
        &state,
        Action::Conclude {
            reactivate_on_new_message: false,
        },
        &session_id,
    )
}

/// Reopens a concluded conversation.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn reopen(state: State<'_, AppState>, session_id: String) -> IpcResult<Queued> {
    queue(&state, Action::Reopen, &session_id)
}

/// Teams and agents a conversation can be transferred to.
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn transfer_targets(state: State<'_, AppState>) -> IpcResult<TransferTargets> {
    Ok(state.app()?.read(views::transfer_targets)?)
}

/// Actions the server refused, oldest first.
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn outbox_failed(state: State<'_, AppState>) -> IpcResult<Vec<FailedActionView>> {
    Ok(state.app()?.read(outbox::failed_actions)?)
}

/// Puts a refused action back in the queue.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn outbox_retry(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    Ok(state.app()?.resolve_failed(&id, true)?)
}

/// Drops a refused action and undoes its local change.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn outbox_discard(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    Ok(state.app()?.resolve_failed(&id, false)?)
}
