//! The Atende desktop shell: builds the Tauri app, boots the workspace, registers the commands
//! and forwards sync status and change notices to the window as events.
//!
//! Only shell concerns live here; everything else is in `atende-core` (and `atende-sim` for the
//! demo workspace).

pub mod app;
pub mod commands;
pub mod error;

use std::sync::Arc;

use tauri::{Emitter, Manager, WindowEvent};

use crate::app::{App, Mode};
use crate::commands::AppState;
use crate::error::IpcError;

/// Event carrying a `ChangeNotice`.
pub const EVENT_CHANGED: &str = "atende://changed";
/// Event carrying a `SyncStatus`.
pub const EVENT_SYNC: &str = "atende://sync";

/// Starts the app; returns when the window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,atende_sim=warn".into()),
        )
        .init();

    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .setup(|app| {
            let data_dir = match std::env::var_os("ATENDE_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let booted = tauri::async_runtime::block_on(App::boot(&data_dir, Mode::from_env()));
            let state = match booted {
                Ok(core) => {
                    let core = Arc::new(core);
                    forward_events(app.handle().clone(), &core);
                    for task in core.background() {
                        tauri::async_runtime::spawn(task);
                    }
                    Ok(core)
                }
                Err(e) => {
                    // The window still opens and shows this error instead of vanishing.
                    tracing::error!(error = %e, "workspace did not open");
                    Err(IpcError::from(e))
                }
            };
            app.manage(AppState(state));
            Ok(())
        })
        .on_window_event(|window, event| {
            // Adaptive polling: fast while the agent looks at the window, slow otherwise.
            if let WindowEvent::Focused(focused) = event {
                if let Some(Ok(core)) = window.try_state::<AppState>().map(|s| s.0.clone()) {
                    core.engine().set_focused(*focused);
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::account::app_info,
            commands::account::sync_status,
            commands::account::sync_now,
            commands::inbox::inbox_counts,
            commands::inbox::inbox_page,
            commands::conversation::conversation_detail,
            commands::conversation::conversation_messages,
            commands::actions::send_message,
            commands::actions::add_note,
            commands::actions::assume,
            commands::actions::transfer,
            commands::actions::conclude,
            commands::actions::reopen,
            commands::actions::transfer_targets,
            commands::actions::outbox_failed,
            commands::actions::outbox_retry,
            commands::actions::outbox_discard,
        ])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed");
}

/// Forwards sync status changes and change notices to the window.
fn forward_events(handle: tauri::AppHandle, core: &Arc<App>) {
    let mut status = core.syncer().status();
    let h = handle.clone();
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let s = status.borrow_and_update().clone();
            if let Err(e) = h.emit(EVENT_SYNC, s) {
                tracing::debug!(error = %e, "could not emit sync status");
            }
        }
    });
    let mut changes = core.syncer().changes();
    tauri::async_runtime::spawn(async move {
        loop {
            match changes.recv().await {
                Ok(notice) => {
                    if let Err(e) = handle.emit(EVENT_CHANGED, notice) {
                        tracing::debug!(error = %e, "could not emit change notice");
                    }
                }
                // A slow window missed notices: tell it everything may have changed.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let all = atende_core::sync::ChangeNotice {
                        entities: ["session", "message", "contact", "outbox"]
                            .map(String::from)
                            .to_vec(),
                    };
                    let _ = handle.emit(EVENT_CHANGED, all);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
