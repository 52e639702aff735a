//! `atende-core`: everything Atende does that is not a window.
//!
//! The local store ([`store`]), the Helena API client ([`api`]), the sync that fills the
//! store from the API ([`sync`]) and the outbox that delivers agent actions ([`outbox`]). No Tauri dependency: the desktop shell is a thin adapter over
//! these functions, and tests and benchmarks drive them directly against the simulator.

pub mod api;
pub mod clock;
pub mod engine;
pub mod error;
pub mod outbox;
pub mod status;
pub mod store;
pub mod sync;
pub mod time;

pub use error::{Error, Result};
