//! Request accounting, so tests and benchmarks can assert how a client used the API
//! (how many calls per route, how many list items came back, how many were refused with 429)
//! and what the simulator did to it (every injected fault, by kind).
//!
//! Route keys are the method plus the *templated* path (`GET /chat/v1/session/{id}/message`),
//! taken from axum's `MatchedPath`; list handlers report their item count through the
//! `ItemCount` response extension.

use std::collections::BTreeMap;

use serde::Serialize;

/// A snapshot of the counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Every request received (including 401, 429 and unknown routes; not the `/__sim/...`
    /// admin routes).
    pub requests: u64,
    /// Requests answered 429 by the real rate limiter (storms are counted in `stormed`).
    pub rate_limited: u64,
    /// Requests answered 429 by a storm ([`SimHandle::start_storm`](crate::SimHandle::start_storm)).
    pub stormed: u64,
    /// Injected faults by kind ([`FaultKind::as_str`](crate::FaultKind::as_str): `error_5xx`,
    /// `drop_after`, ..., and `storm` for each storm 429).
    pub faults: BTreeMap<String, u64>,
    /// List requests for a page n ≥ 2 of a page-number walk while `duplicate_across_pages` or
    /// `change_while_paging` was on: the chances those two faults had (the engine walks windows
    /// by key, so only long note lists give them any).
    pub paging_fault_chances: u64,
    /// Per matched route (authorized, admitted requests only).
    pub by_route: BTreeMap<String, RouteStats>,
}

/// Counters of one route.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteStats {
    pub requests: u64,
    /// List items returned (page `items` or plain-array length).
    pub items: u64,
}

/// Response extension: how many list items a handler returned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ItemCount(pub usize);
