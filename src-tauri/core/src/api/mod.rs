//! The Helena public API, as the console uses it: typed views of the JSON ([`dto`]), the HTTP
//! client ([`client`]) and the client-side request budget ([`budget`]).

pub mod budget;
pub mod client;
pub mod dto;

pub use client::{HelenaClient, Page};
