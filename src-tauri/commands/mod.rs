//! Tauri commands: thin adapters, one file per area. Each parses its arguments, calls one core
//! function and maps the error to [`IpcError`](crate::error::IpcError).

pub mod account;
pub mod actions;
pub mod conversation;
pub mod inbox;

use std::sync::Arc;

use crate::app::App;
use crate::error::{IpcError, IpcResult};

/// The managed state: the open workspace, or why it could not open (shown by the UI).
pub struct AppState(pub Result<Arc<App>, IpcError>);

impl AppState {
    /// The workspace, or the boot error.
    pub fn app(&self) -> IpcResult<&Arc<App>> {
        self.0.as_ref().map_err(Clone::clone)
    }
}
