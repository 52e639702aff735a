//! Inbox commands: `inbox_counts` and `inbox_page`, read from the local store.

use atende_core::store::views::{self, InboxCounts, InboxPage, Tab};
use tauri::State;

use super::AppState;
use crate::error::IpcResult;

/// Counts per tab for the signed-in agent.
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn inbox_counts(state: State<'_, AppState>) -> IpcResult<InboxCounts> {
    let app = state.app()?;
    let me = app.me()?;
    Ok(app.read(|c| views::inbox_counts(c, &me))?)
}

/// A window of a tab's conversation list.
#[tauri::command(async)]
#[tracing::instrument(skip(state))]
pub fn inbox_page(
    state: State<'_, AppState>,
    tab: Tab,
    offset: u32,
    limit: u32,
) -> IpcResult<InboxPage> {
    let app = state.app()?;
    let me = app.me()?;
    Ok(app.read(|c| views::inbox_page(c, &me, tab, offset, limit))?)
}
