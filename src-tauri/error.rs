//! The error shape every command rejects with: `{ code, message }` (see docs/ipc-contract.md).

use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl From<atende_core::Error> for IpcError {
    fn from(e: atende_core::Error) -> Self {
        IpcError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

/// Result of a command.
pub type IpcResult<T> = Result<T, IpcError>;
