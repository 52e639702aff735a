//! Commands about the account and its sync: `app_info`, `sync_status`, `sync_now`.

use atende_core::sync::SyncStatus;
use tauri::State;

use super::AppState;
use crate::app::AppInfo;
use crate::error::IpcResult;

/// Facts for the window's chrome (account, signed-in agent, version).
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn app_info(state: State<'_, AppState>) -> IpcResult<AppInfo> {
    Ok(state.app()?.info()?)
}

/// The current sync status.
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn sync_status(state: State<'_, AppState>) -> IpcResult<SyncStatus> {
    Ok(state.app()?.syncer().status().borrow().clone())
}

/// Starts a sync pass now.
#[tauri::command(async)]
#[tracing::instrument(skip_all)]
pub fn sync_now(state: State<'_, AppState>) -> IpcResult<()> {
    state.app()?.wake_sync();
    Ok(())
}
