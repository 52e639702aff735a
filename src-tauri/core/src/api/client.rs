//! HTTP client for the Helena public API (reqwest + rustls).
//!
//! It knows the conventions of helena.md §1: Bearer auth, the service-prefixed paths, the paging
//! envelope (§1.1) and the error envelope (§1.3). Every request first takes a slot from the
//! account's [`Budget`] for its route; a 429 pauses the whole account for `Retry-After`, or
//! without it slows that route alone ([`Budget::rate_limited`]), and the request is retried, as
//! are 5xx answers and dropped connections,
//! a bounded number of times. List items are kept as raw JSON (`RawValue`) so the store saves the
//! server's exact text beside the typed columns, without a second serialisation.

use std::sync::Arc;
use std::time::Duration;

pub use reqwest::Method;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::budget::{Budget, Priority, RequestKind};
use crate::error::{Error, Result};

/// The largest page the API serves; sync loops keep it constant (§1.1).
pub const PAGE_SIZE: u32 = 100;

/// An API token. Never printed: `Debug` shows a mask, and it is never put in an error message.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// One page of a list, items still raw.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Box<RawValue>>,
    pub has_more: bool,
    pub total_items: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    page_number: Option<u32>,
    #[serde(default)]
    items: Vec<Box<RawValue>>,
    #[serde(default)]
    has_more_pages: bool,
    total_items: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    key: Option<String>,
    text: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

/// Tuning for retries; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A client for one account.
#[derive(Debug, Clone)]
pub struct HelenaClient {
    http: reqwest::Client,
    base: String,
    token: Token,
    budget: Arc<Budget>,
    retry: RetryPolicy,
    priority: Priority,
}

impl HelenaClient {
    /// A client for `base_url` (e.g. `https://api.wts.chat`), with Helena's documented budget.
    pub fn new(base_url: &str, token: Token) -> Result<HelenaClient> {
        Self::with_budget(
            base_url,
            token,
            Arc::new(Budget::helena()),
            RetryPolicy::default(),
        )
    }

    /// A client with an explicit budget and retry policy.
    pub fn with_budget(
        base_url: &str,
        token: Token,
        budget: Arc<Budget>,
        retry: RetryPolicy,
    ) -> Result<HelenaClient> {
        let parsed = url::Url::parse(base_url)
            .map_err(|e| Error::Config(format!("URL da API inválida ({base_url}): {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "URL da API deve ser http(s): {base_url}"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(retry.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("Atende/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cliente HTTP: {e}")))?;
        Ok(HelenaClient {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            token,
            budget,
            retry,
            priority: Priority::Visible,
        })
    }

    /// The same client, asking the budget at `priority` (cheap: the connection pool is shared).
    pub fn with_priority(&self, priority: Priority) -> HelenaClient {
        HelenaClient {
            priority,
            ..self.clone()
        }
    }

    /// The priority this client asks the budget at.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The account's budget (shared with other workers of the account).
    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// How long one request may take before it is given up (a write's outcome is then
    /// uncertain until that much time has passed since it was sent).
    pub fn timeout(&self) -> Duration {
        self.retry.timeout
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// GET `path` with `query`, returning the body of a 2xx answer. Transient failures (429,
    /// 5xx, dropped connections, timeouts) are retried a bounded number of times.
    #[tracing::instrument(level = "debug", skip(self, query), fields(attempts))]
    pub async fn get(&self, path: &str, query: &[(String, String)]) -> Result<Vec<u8>> {
        self.execute(
            Method::GET,
            path,
            query,
            None,
            RequestKind::General,
            true,
            |b| Ok(b.to_vec()),
        )
        .await
    }

    /// A write (POST / PUT / DELETE) with a JSON body, sent **once**: a transport error, timeout
    /// or 5xx leaves the outcome uncertain, and only the caller knows how to check before sending
    /// again. A 429 is the exception: the server refused it unapplied, so it waits out the
    /// account's pause and tries again (bounded).
    #[tracing::instrument(level = "debug", skip(self, body), fields(attempts))]
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
        kind: RequestKind,
    ) -> Result<Vec<u8>> {
        self.execute(method, path, &[], Some(body), kind, false, |b| {
            Ok(b.to_vec())
        })
        .await
    }

    /// Sends a request and hands a 2xx body to `read`. With `retry_transient` (reads), transient
    /// failures are retried, and so is a body `read` cannot decode (cut short or garbled), all
    /// within one attempt budget; otherwise (writes) only a 429 is.
    #[allow(clippy::too_many_arguments)]
    async fn execute<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&serde_json::Value>,
        kind: RequestKind,
        retry_transient: bool,
        read: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let url = format!("{}{}", self.base, path);
        let route = super::budget::route_of(path);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            self.budget.acquire_route(&route, kind, self.priority).await;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token.0)
                .query(query);
            if let Some(body) = body {
                req = req.json(body);
            }
            let failure = match req.send().await {
                // A connect failure means the request never left: certainly not applied.
                Err(e) if e.is_connect() => Error::NotSent(describe_transport(&e)),
                Err(e) => Error::Offline(describe_transport(&e)),
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        self.budget.route_ok(&route);
                        match resp.bytes().await {
                            Ok(b) => match read(&b) {
                                Err(e @ Error::Decode { .. }) => e,
                                other => return other,
                            },
                            Err(e) => Error::Offline(describe_transport(&e)),
                        }
                    } else if status == StatusCode::TOO_MANY_REQUESTS {
                        let retry_after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|s| s.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        let wait =
                            self.budget
                                .rate_limited(&route, retry_after, self.backoff(attempt));
                        tracing::warn!(path, ?wait, ?retry_after, "429 from server");
                        Error::RateLimited { retry_after }
                    } else {
                        let body = resp.bytes().await.unwrap_or_default();
                        api_error(status, &body)
                    }
                }
            };
            let retryable = match failure {
                Error::RateLimited { .. } => true,
                Error::Decode { .. } => retry_transient,
                _ => retry_transient && failure.is_transient(),
            };
            if !retryable || attempt >= self.retry.max_attempts {
                return Err(failure);
            }
            if !matches!(failure, Error::RateLimited { .. }) {
                let wait = self.backoff(attempt);
                tracing::debug!(path, ?wait, error = %failure, "transient failure; retrying");
                crate::clock::sleep(&**self.budget.clock(), wait).await;
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_backoff
            .saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
        let capped = exp.min(self.retry.max_backoff);
        // Full jitter in [50%, 100%] of the capped delay, so clients do not retry in lockstep.
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// One page of a list endpoint. A plain JSON array is accepted as a single, final page.
    pub async fn page(
        &self,
        path: &str,
        query: &[(String, String)],
        page_number: u32,
    ) -> Result<Page> {
        let mut q = query.to_vec();
        q.push(("PageNumber".into(), page_number.to_string()));
        q.push(("PageSize".into(), PAGE_SIZE.to_string()));
        // A body that does not decode (cut short, garbled by a proxy) is fetched again, within
        // the same attempts as any transient failure: the next answer is usually whole.
        self.execute(
            Method::GET,
            path,
            &q,
            None,
            RequestKind::General,
            true,
            |body| decode_page(path, body, page_number),
        )
        .await
    }

    /// Walks every page of a list, handing each to `on_page` (which stores it) before fetching
    /// the next. `on_page` gets the page and whether it is the last one.
    pub async fn for_each_page<F>(
        &self,
        path: &str,
        query: &[(String, String)],
        mut on_page: F,
    ) -> Result<u32>
    where
        F: FnMut(Page, bool) -> Result<()>,
    {
        const MAX_PAGES: u32 = 100_000;
        let mut n = 1;
        loop {
            let page = self.page(path, query, n).await?;
            let last = !page.has_more;
            on_page(page, last)?;
            if last {
                return Ok(n);
            }
            n += 1;
            if n > MAX_PAGES {
                return Err(Error::Decode {
                    context: path.to_string(),
                    detail: "o servidor não para de indicar mais páginas".into(),
                });
            }
        }
    }

    /// Every item of a list (reference data), as raw JSON.
    pub async fn list_all(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Vec<Box<RawValue>>> {
        let mut all = Vec::new();
        self.for_each_page(path, query, |p, _| {
            all.extend(p.items);
            Ok(())
        })
        .await?;
        Ok(all)
    }
}

/// Decodes the body of one list page (`context` names it in errors): the §1.1 envelope, or a
/// plain JSON array taken as a single, final page. A page whose echoed `pageNumber` is not
/// `page_number` is refused (the server ignored the paging).
pub fn decode_page(context: &str, body: &[u8], page_number: u32) -> Result<Page> {
    let decode = |e: serde_json::Error| Error::Decode {
        context: context.to_string(),
        detail: e.to_string(),
    };
    // A plain array or the envelope. Dispatch on the first byte: `RawValue` items cannot
    // pass through serde's untagged-enum buffering.
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if is_array {
        let items: Vec<Box<RawValue>> = serde_json::from_slice(body).map_err(decode)?;
        return Ok(Page {
            total_items: Some(items.len() as u64),
            items,
            has_more: false,
        });
    }
    let env: Envelope = serde_json::from_slice(body).map_err(decode)?;
    if let Some(echoed) = env.page_number {
        if echoed != page_number {
            return Err(Error::Decode {
                context: context.to_string(),
                detail: format!(
                    "pedida a página {page_number}, recebida a {echoed} (paginação ignorada)"
                ),
            });
        }
    }
    Ok(Page {
        has_more: env.has_more_pages && !env.items.is_empty(),
        total_items: env.total_items,
        items: env.items,
    })
}

fn describe_transport(e: &reqwest::Error) -> String {
    // reqwest errors carry the URL, never headers, so the token cannot leak through them.
    if e.is_timeout() {
        "tempo esgotado".into()
    } else if e.is_connect() {
        "conexão recusada ou indisponível".into()
    } else {
        e.to_string()
    }
}

fn api_error(status: StatusCode, body: &[u8]) -> Error {
    if status == StatusCode::UNAUTHORIZED {
        return Error::Unauthorized;
    }
    let env: Option<ErrorEnvelope> = serde_json::from_slice(body).ok();
    let (key, text) = match env {
        Some(e) => (e.key, e.text.or(e.detail).or(e.title)),
        None => (None, None),
    };
    Error::Api {
        status: status.as_u16(),
        key,
        text: text.unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("erro desconhecido")
                .to_string()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_never_printed() {
        let c = HelenaClient::new("http://127.0.0.1:1", Token::new("pn_secret_value")).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("pn_secret_value"), "{dbg}");
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        assert_eq!(
            HelenaClient::new("ftp://x", Token::new("t"))
                .unwrap_err()
                .code(),
            "config"
        );
        assert_eq!(
            HelenaClient::new("não é url", Token::new("t"))
                .unwrap_err()
                .code(),
            "config"
        );
    }

    #[test]
    fn a_list_decodes_the_same_as_a_plain_array_or_a_one_page_envelope() {
        let items = r#"[{"id":"t1","name":"VIP","legacyId":3},{"id":"t2","name":"Atacado"}]"#;
        let envelope = format!(
            r#"{{"pageNumber":1,"pageSize":100,"orderBy":"Name","orderDirection":"ASCENDING",
                "items":{items},"totalItems":2,"totalPages":1,"hasMorePages":false}}"#
        );
        let raw =
            |p: &Page| -> Vec<String> { p.items.iter().map(|i| i.get().to_string()).collect() };
        let a = decode_page("/core/v1/tag", items.as_bytes(), 1).unwrap();
        let b = decode_page("/core/v1/tag", envelope.as_bytes(), 1).unwrap();
        assert_eq!(raw(&a), raw(&b), "the same raw items either way");
        assert!(!a.has_more && !b.has_more);
        assert_eq!((a.total_items, b.total_items), (Some(2), Some(2)));
        let empty = decode_page("/core/v1/tag", b" [ ] ", 1).unwrap();
        assert!(empty.items.is_empty() && !empty.has_more);
    }

    #[test]
    fn error_envelope_and_problem_details_are_read() {
        let e = api_error(
            StatusCode::BAD_REQUEST,
            r#"{"error":true,"key":"ERROR_VALIDATION","text":"Campo inválido","httpStatusCode":400}"#.as_bytes(),
        );
        match e {
            Error::Api { status, key, text } => {
                assert_eq!(status, 400);
                assert_eq!(key.as_deref(), Some("ERROR_VALIDATION"));
                assert_eq!(text, "Campo inválido");
            }
            other => panic!("{other:?}"),
        }
        let e = api_error(
            StatusCode::BAD_REQUEST,
            br#"{"type":"x","title":"One or more validation errors occurred.","status":400}"#,
        );
        assert!(e.to_string().contains("validation"));
        assert_eq!(
            api_error(StatusCode::UNAUTHORIZED, b"").code(),
            "unauthorized"
        );
        assert!(api_error(StatusCode::BAD_GATEWAY, b"<html>").is_transient());
    }
}
