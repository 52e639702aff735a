//! Conversation commands: `conversation_detail` and `conversation_messages`.

use atende_core::store::views::{self, ConversationDetail, MessagePage};
use tauri::State;

use super::AppState;
use crate::error::IpcResult;

/// A conversation's header and contact panel. Opening one also refreshes its notes in the
/// background; the change event then updates the timeline.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn conversation_detail(
    state: State<'_, AppState>,
    session_id: String,
) -> IpcResult<ConversationDetail> {
    let app = state.app()?;
    let detail = app.read(|c| views::conversation_detail(c, &session_id))?;
    app.conversation_opened(session_id);
    Ok(detail)
}

/// A page of a conversation's messages and notes, oldest first.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn conversation_messages(
    state: State<'_, AppState>,
    session_id: String,
    before: Option<i64>,
    limit: u32,
) -> IpcResult<MessagePage> {
    let app = state.app()?;
    Ok(app.read(|c| views::conversation_messages(c, &session_id, before, limit))?)
}
