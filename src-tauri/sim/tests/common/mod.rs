//! What every HTTP test file of the simulator starts from: one simulator per test on an
//! ephemeral port with a reqwest client ([`T`]), authenticated requests, a paged walk, and the
//! API's date format. Each test file adds its own methods to [`T`] in an `impl T` block.

// Each test file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use atende_sim::{SimConfig, SimHandle, WindowStatus};
use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

/// The computed objects a session in a list carries (`null` without `IncludeDetails`).
pub const SESSION_DETAILS: [&str; 5] = [
    "contactDetails",
    "agentDetails",
    "channelDetails",
    "departmentDetails",
    "classification",
];

/// A running simulator and a client for it.
pub struct T {
    pub sim: SimHandle,
    pub http: reqwest::Client,
}

impl T {
    pub async fn new(cfg: SimConfig) -> T {
        let sim = atende_sim::start(cfg).await.expect("start simulator");
        T {
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub async fn small() -> T {
        T::new(SimConfig::small()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    /// `GET path` with the simulator's token.
    pub fn get_req(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(self.sim.token())
    }

    /// `method path` with the simulator's token and `body` as JSON.
    pub fn json_req(&self, method: Method, path: &str, body: Value) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(self.sim.token())
            .json(&body)
    }

    /// `POST path` with the simulator's token and `body` as JSON.
    pub fn post_req(&self, path: &str, body: Value) -> RequestBuilder {
        self.json_req(Method::POST, path, body)
    }

    /// `GET path`: must answer 200 with a JSON body, which it returns.
    pub async fn ok(&self, path: &str) -> Value {
        let resp = self
            .get_req(path)
            .send()
            .await
            .unwrap_or_else(|e| panic!("transport error: {e}"));
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("transport error: {e}"));
        let v: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
        assert_eq!(status, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// Walks a paged list from page 1 until `hasMorePages` is false, and returns every item
    /// as served, in order (no de-duplication). After each page, `check` gets the page number,
    /// the page's body and the items served so far.
    pub async fn walk_pages(
        &self,
        path_with_query: &str,
        page_size: u32,
        mut check: impl FnMut(u32, &Value, &[Value]),
    ) -> Vec<Value> {
        let sep = if path_with_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut out = vec![];
        for page in 1.. {
            let b = self
                .ok(&format!(
                    "{path_with_query}{sep}PageSize={page_size}&PageNumber={page}"
                ))
                .await;
            out.extend(b["items"].as_array().unwrap().iter().cloned());
            check(page, &b, &out);
            if !b["hasMorePages"].as_bool().unwrap() {
                break;
            }
        }
        out
    }
}

/// The id of an ACTIVE, open session of the seeded world.
pub fn active_session(t: &T) -> String {
    let w = t.sim.world();
    w.sessions
        .iter()
        .find(|s| s.window_status == WindowStatus::Active && s.status.is_open())
        .expect("an ACTIVE open session")
        .id
        .clone()
}

/// A date the way the API writes it (UTC, milliseconds, `Z`).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
