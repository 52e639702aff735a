//! The fault layer over real loopback HTTP (reqwest), one simulator per test: every kind of
//! fault, its scope, its reproducibility, the admin route, storms, and what each fault does or
//! does not apply in the world (the sync client's exactly-once guarantees rest on these).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use atende_sim::{Faults, RateLimits, SimConfig};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{active_session, stamp, T};

/// What came back: a complete answer, or a transport failure.
#[derive(Debug)]
enum Outcome {
    Answer(StatusCode, HeaderMap, Vec<u8>),
    Transport(reqwest::Error),
}

impl T {
    fn faults(&self, f: Faults) {
        self.sim.set_faults(f).expect("valid faults");
    }

    async fn raw(&self, req: reqwest::RequestBuilder) -> Outcome {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Transport(e),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        match resp.bytes().await {
            Ok(b) => Outcome::Answer(status, headers, b.to_vec()),
            Err(e) => Outcome::Transport(e),
        }
    }

    /// A complete answer (panics on a transport failure).
    async fn answer(&self, req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Vec<u8>) {
        match self.raw(req).await {
            Outcome::Answer(s, h, b) => (s, h, b),
            Outcome::Transport(e) => panic!("transport error: {e}"),
        }
    }

    async fn json(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let (s, _, b) = self.answer(req).await;
        let v = serde_json::from_slice(&b)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&b)));
        (s, v)
    }

    /// Sends `req`, which must end in a transport failure (a cut connection), not an answer.
    async fn assert_cut(&self, req: reqwest::RequestBuilder) {
        if let Outcome::Answer(s, _, b) = self.raw(req).await {
            panic!("a complete {s} answer: {}", String::from_utf8_lossy(&b))
        }
    }

    /// A naive page-number walk: pages 1, 2, ... until `hasMorePages` is false, keeping every
    /// item's id as served (no de-duplication).
    async fn walk(&self, path_with_query: &str, page_size: u32) -> Vec<String> {
        self.walk_pages(path_with_query, page_size, |page, b, _| {
            assert_eq!(b["pageNumber"], page);
            if b["hasMorePages"].as_bool().unwrap() {
                assert!(page < 5_000, "endless walk");
            }
        })
        .await
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
    }

    fn fault_count(&self, kind: &str) -> u64 {
        self.sim.stats().faults.get(kind).copied().unwrap_or(0)
    }

    fn messages_with_sender(&self, sender: &str) -> usize {
        self.sim
            .world()
            .messages
            .iter()
            .filter(|m| m.sender_id.as_deref() == Some(sender))
            .count()
    }
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok()
}

/// Every element that occurs more than once.
fn repeated(ids: &[String]) -> Vec<String> {
    let mut seen = HashMap::<&str, u32>::new();
    for id in ids {
        *seen.entry(id).or_default() += 1;
    }
    seen.into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(id, _)| id.to_string())
        .collect()
}

/// The `(after, before)` pairs of the items that differ between two snapshots of a list.
fn differing<'a, X: PartialEq>(after: &'a [X], before: &'a [X]) -> Vec<(&'a X, &'a X)> {
    after.iter().zip(before).filter(|(a, b)| a != b).collect()
}

// ----- admin ------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_route_reads_and_replaces_the_faults() {
    let t = T::new(SimConfig {
        limits: RateLimits {
            enabled: true,
            burst: (1, Duration::from_secs(60)),
            ..RateLimits::default()
        },
        ..SimConfig::small()
    })
    .await;
    let admin = t.url("/__sim/faults");
    // Same token as the API.
    let (s, _, _) = t.answer(t.http.get(&admin)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = t.json(t.http.get(&admin).bearer_auth(t.sim.token())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["error_5xx"], 0.0);
    assert_eq!(v["reads"], true);
    assert_eq!(v["routes"], Value::Null);

    // Exhaust the rate limit and go offline: the admin route still answers.
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    t.sim.set_online(false);
    let requests_before = t.sim.stats().requests;

    let body = json!({"seed": 5, "error_5xx": 1.0, "writes": false, "routes": ["/core"]});
    let (s, v) = t
        .json(t.http.put(&admin).bearer_auth(t.sim.token()).json(&body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["seed"], 5);
    assert_eq!(v["writes"], false);
    let f = t.sim.faults();
    assert_eq!((f.seed, f.error_5xx, f.writes), (5, 1.0, false));
    assert_eq!(f.routes, Some(vec!["/core".to_string()]));
    assert_eq!(f.timeout_ms, Faults::default().timeout_ms);

    // Refused bodies: 400 envelope, faults unchanged.
    for bad in [
        "{not json",
        r#"{"error5xx": 1}"#,
        r#"{"slow": 1.5}"#,
        r#"{"malformed": -0.1}"#,
    ] {
        let (s, v) = t
            .json(
                t.http
                    .put(&admin)
                    .bearer_auth(t.sim.token())
                    .header("content-type", "application/json")
                    .body(bad),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(v["key"], "ERROR_BAD_REQUEST");
        assert!(v["text"].as_str().unwrap().contains("falhas"), "{v}");
    }
    assert_eq!(t.sim.faults(), f);
    let (s, _, _) = t
        .answer(t.http.delete(&admin).bearer_auth(t.sim.token()))
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    // Admin calls are not API traffic.
    assert_eq!(t.sim.stats().requests, requests_before);

    t.sim.set_faults(Faults::default()).unwrap();
    assert_eq!(t.sim.faults(), Faults::default());
    assert!(t
        .sim
        .set_faults(Faults {
            timeout: 2.0,
            ..Faults::default()
        })
        .is_err());
}

// ----- errors -----------------------------------------------------------------------------------

#[tokio::test]
async fn error_5xx_answers_before_the_handler_runs() {
    let t = T::small().await;
    let sid = active_session(&t);
    let notes_before = t.sim.world().notes.len();
    t.faults(Faults {
        seed: 1,
        error_5xx: 1.0,
        ..Faults::default()
    });
    let mut statuses = HashSet::new();
    let (mut html, mut envelope) = (0, 0);
    for i in 0..24 {
        let (s, h, b) = t
            .answer(t.post_req(
                &format!("/chat/v1/session/{sid}/note"),
                json!({ "text": format!("nota {i}") }),
            ))
            .await;
        statuses.insert(s.as_u16());
        let ct = h["content-type"].to_str().unwrap();
        if ct.starts_with("text/html") {
            html += 1;
            assert!(String::from_utf8_lossy(&b).contains(&s.as_u16().to_string()));
        } else {
            envelope += 1;
            let v: Value = serde_json::from_slice(&b).unwrap();
            assert_eq!(v["httpStatusCode"], s.as_u16());
            assert_eq!(v["error"], true);
            assert_eq!(v["isUnsolvableError"], false);
        }
    }
    assert!(
        statuses.iter().all(|s| [500, 502, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.len() >= 2, "{statuses:?}");
    assert!(
        html > 0 && envelope > 0,
        "{html} html, {envelope} envelopes"
    );
    // Nothing was applied, and the handler never ran.
    assert_eq!(t.sim.world().notes.len(), notes_before);
    let st = t.sim.stats();
    assert_eq!(st.faults["error_5xx"], 24);
    assert!(!st.by_route.contains_key("POST /chat/v1/session/{id}/note"));
}

#[tokio::test]
async fn error_after_apply_applies_the_write_exactly_once() {
    let t = T::small().await;
    let sid = active_session(&t);
    let t0 = t.sim.clock().utc();
    t.faults(Faults {
        error_after_apply: 1.0,
        reads: false,
        ..Faults::default()
    });
    let (s, _, _) = t
        .answer(t.post_req(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Pedido confirmado", "senderId": "outbox-502"}),
        ))
        .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert_eq!(t.messages_with_sender("outbox-502"), 1);
    // The client's check before re-sending finds it (reads are out of the faults' scope).
    let page = t
        .ok(&format!(
            "/chat/v1/session/{sid}/message?CreatedAt.After={}&OrderBy=CreatedAt&PageSize=100",
            stamp(t0)
        ))
        .await;
    let found: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["senderId"] == "outbox-502")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["text"], "Pedido confirmado");
    assert_eq!(t.fault_count("error_after_apply"), 1);
    assert_eq!(
        t.sim.stats().by_route["POST /chat/v1/session/{id}/message"].requests,
        1
    );
}

#[tokio::test]
async fn a_timeout_holds_an_applied_answer_until_the_client_gives_up() {
    let t = T::small().await;
    let sid = active_session(&t);
    t.faults(Faults {
        timeout: 1.0,
        timeout_ms: 3_000,
        reads: false,
        ..Faults::default()
    });
    let started = Instant::now();
    let out = t
        .raw(
            t.post_req(
                &format!("/chat/v1/session/{sid}/message"),
                json!({"text": "Já estou verificando", "senderId": "outbox-timeout"}),
            )
            .timeout(Duration::from_millis(300)),
        )
        .await;
    match out {
        Outcome::Transport(e) => assert!(e.is_timeout(), "{e}"),
        Outcome::Answer(s, ..) => panic!("answered {s} before the client's timeout"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(t.messages_with_sender("outbox-timeout"), 1);
    assert_eq!(t.fault_count("timeout"), 1);
    // A patient client gets the normal answer after the hold.
    let started = Instant::now();
    let (s, v) = t
        .json(t.post_req(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Pronto", "senderId": "outbox-patient"}),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["senderId"], "outbox-patient");
    assert!(started.elapsed() >= Duration::from_millis(2_900));
}

// ----- cut connections --------------------------------------------------------------------------

#[tokio::test]
async fn dropped_connections_are_transport_errors_for_the_client() {
    let t = T::small().await;
    let sid = active_session(&t);
    let send = |sender: &str| {
        t.post_req(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Segue o boleto", "senderId": sender}),
        )
    };

    t.faults(Faults {
        drop_before: 1.0,
        ..Faults::default()
    });
    for i in 0..3 {
        let sender = format!("drop-before-{i}");
        t.assert_cut(send(&sender)).await;
        assert_eq!(t.messages_with_sender(&sender), 0, "not applied");
    }
    t.assert_cut(t.get_req("/core/v1/tag")).await;

    t.faults(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });
    for i in 0..3 {
        let sender = format!("drop-after-{i}");
        t.assert_cut(send(&sender)).await;
        assert_eq!(t.messages_with_sender(&sender), 1, "applied exactly once");
    }
    // A 204 answer is cut too (the client must not see a clean success).
    let tag = t.sim.world().tags[0].id.clone();
    t.assert_cut(
        t.http
            .delete(t.url(&format!("/core/v1/tag/{tag}")))
            .bearer_auth(t.sim.token()),
    )
    .await;
    assert!(t.sim.world().tag(&tag).is_none(), "the delete was applied");

    t.faults(Faults::default());
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert_eq!(s, StatusCode::OK, "the client recovers on a new connection");
    let st = t.sim.stats();
    assert_eq!(st.faults["drop_before"], 4);
    assert_eq!(st.faults["drop_after"], 4);
}

// ----- slow and broken bodies -------------------------------------------------------------------

#[tokio::test]
async fn slow_answers_arrive_late_but_whole() {
    let t = T::small().await;
    t.faults(Faults {
        slow: 1.0,
        slow_ms: 300,
        ..Faults::default()
    });
    let started = Instant::now();
    let v = t.ok("/core/v1/tag").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{v}");
    assert_eq!(t.fault_count("slow"), 1);
}

#[tokio::test]
async fn malformed_and_truncated_bodies_keep_the_status() {
    let t = T::small().await;
    let path = "/chat/v2/session?PageSize=40&OrderBy=CreatedAt";
    let (_, _, clean) = t.answer(t.get_req(path)).await;
    assert!(is_json(&clean));

    t.faults(Faults {
        seed: 2,
        malformed: 1.0,
        ..Faults::default()
    });
    let mut bodies = HashSet::new();
    for _ in 0..12 {
        let (s, _, b) = t.answer(t.get_req(path)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!is_json(&b), "{}", String::from_utf8_lossy(&b));
        bodies.insert(b);
    }
    assert!(bodies.len() >= 2, "both kinds of garbage");
    // Errors are left alone (only 2xx JSON is spoiled).
    let (s, _, b) = t.answer(t.get_req("/chat/v2/session/ghost")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(is_json(&b));
    assert_eq!(t.fault_count("malformed"), 12);

    t.faults(Faults {
        seed: 2,
        truncated: 1.0,
        ..Faults::default()
    });
    let mut cuts = HashSet::new();
    for _ in 0..12 {
        let (s, _, b) = t.answer(t.get_req(path)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!is_json(&b));
        assert!(!b.is_empty() && b.len() < clean.len());
        assert_eq!(&clean[..b.len()], &b[..], "a prefix of the real body");
        cuts.insert(b.len());
    }
    assert!(cuts.len() > 3, "cut at random points: {cuts:?}");
    assert_eq!(t.fault_count("truncated"), 12);
}

// ----- paging -----------------------------------------------------------------------------------

#[tokio::test]
async fn duplicate_across_pages_repeats_items_but_never_loses_one() {
    let t = T::small().await;
    let (sessions, contacts, messages): (HashSet<String>, HashSet<String>, HashSet<String>) = {
        let w = t.sim.world();
        (
            w.sessions.iter().map(|s| s.id.clone()).collect(),
            w.contacts
                .iter()
                .filter(|c| c.status == atende_sim::model::ContactStatus::Active)
                .map(|c| c.id.clone())
                .collect(),
            w.messages.iter().map(|m| m.id.clone()).collect(),
        )
    };
    for (p, seed) in [(1.0, 1), (0.5, 2), (0.2, 3)] {
        t.faults(Faults {
            seed,
            duplicate_across_pages: p,
            ..Faults::default()
        });
        for size in [1, 2, 5, 7, 15] {
            let walked = t.walk("/chat/v2/session?OrderBy=UpdatedAt", size).await;
            let set: HashSet<String> = walked.iter().cloned().collect();
            assert_eq!(set, sessions, "p {p}, size {size}: an item was lost");
            if p == 1.0 && size >= 2 {
                assert!(
                    walked.len() > sessions.len(),
                    "size {size}: no repeats at p = 1"
                );
                // Each boundary repeats at most 3 items.
                let pages = sessions.len().div_ceil(size as usize);
                assert!(walked.len() - sessions.len() <= 3 * pages * 2);
            }
            if size == 1 {
                assert_eq!(walked.len(), sessions.len(), "a 1-item page cannot repeat");
            }
        }
        let walked = t.walk("/core/v1/contact?OrderBy=UpdatedAt", 6).await;
        assert_eq!(walked.iter().cloned().collect::<HashSet<_>>(), contacts);
        let walked = t.walk("/chat/v1/message?OrderBy=UpdatedAt", 100).await;
        assert_eq!(walked.iter().cloned().collect::<HashSet<_>>(), messages);
    }
    // A re-read page answers the same items (a retrying client sees a stable walk).
    t.faults(Faults {
        seed: 9,
        duplicate_across_pages: 1.0,
        ..Faults::default()
    });
    let a = t.ok("/chat/v2/session?PageSize=10&PageNumber=3").await;
    let b = t.ok("/chat/v2/session?PageSize=10&PageNumber=3").await;
    assert_eq!(a["items"], b["items"]);
    let p2 = t.ok("/chat/v2/session?PageSize=10&PageNumber=2").await;
    let p1 = t.ok("/chat/v2/session?PageSize=10&PageNumber=1").await;
    let first_of_2 = &p2["items"][0]["id"];
    assert!(
        p1["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| &i["id"] == first_of_2),
        "page 2 starts inside page 1"
    );
    assert!(t.fault_count("duplicate_across_pages") > 0);
}

#[tokio::test]
async fn change_while_paging_makes_a_naive_walk_miss_and_repeat_items() {
    let t = T::small().await;
    let all: HashSet<String> = t
        .sim
        .world()
        .sessions
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let before = t.sim.world_dump();
    t.faults(Faults {
        seed: 4,
        change_while_paging: 1.0,
        ..Faults::default()
    });

    // 1. A window with a fixed upper bound, ordered by UpdatedAt: each changed session leaves
    //    the window, the later ones shift one place back, and the walk misses one per page.
    let t1 = t.sim.clock().utc();
    let walked = t
        .walk(
            &format!(
                "/chat/v2/session?UpdatedAt.After=2000-01-01T00:00:00Z&UpdatedAt.Before={}&OrderBy=UpdatedAt",
                stamp(t1)
            ),
            10,
        )
        .await;
    let got: HashSet<String> = walked.iter().cloned().collect();
    let missed: Vec<&String> = all.difference(&got).collect();
    assert!(
        !missed.is_empty(),
        "a naive walk of a moving window misses items"
    );
    assert!(repeated(&walked).is_empty());
    let changed = t.fault_count("change_while_paging");
    assert_eq!(changed, 5, "one change before each of pages 2..=6");
    // Changed for real: lastInteractionDate and updatedAt moved to now.
    let after = t.sim.world_dump();
    let moved = differing(&after.sessions, &before.sessions);
    assert_eq!(moved.len() as u64, changed);
    for (a, b) in &moved {
        assert!(a.updated_at >= t1 && a.updated_at > b.updated_at);
        assert_ne!(a.last_interaction_date, b.last_interaction_date);
        assert_eq!((&a.status, &a.user_id), (&b.status, &b.user_id));
    }

    // 2. No upper bound: a changed session jumps to the end and is served twice, and the
    //    session that slid back across the page boundary is never served.
    let walked = t.walk("/chat/v2/session?OrderBy=UpdatedAt", 10).await;
    let got: HashSet<String> = walked.iter().cloned().collect();
    assert!(!repeated(&walked).is_empty(), "repeats");
    assert!(all.difference(&got).next().is_some(), "and misses");

    // 3. The same walk without faults is exact.
    t.faults(Faults::default());
    let walked = t.walk("/chat/v2/session?OrderBy=UpdatedAt", 10).await;
    assert_eq!(walked.len(), all.len());
    assert_eq!(walked.into_iter().collect::<HashSet<_>>(), all);
}

#[tokio::test]
async fn change_while_paging_changes_messages_notes_and_contacts_for_real() {
    let t = T::small().await;
    let sid = active_session(&t);
    {
        let mut w = t.sim.world();
        for i in 0..6 {
            w.add_note(&sid, None, &format!("Nota interna {i}"), &[])
                .unwrap();
        }
    }
    let before = t.sim.world_dump();
    t.faults(Faults {
        seed: 8,
        change_while_paging: 1.0,
        ..Faults::default()
    });
    t.walk("/chat/v1/message?OrderBy=CreatedAt", 100).await;
    t.walk(&format!("/chat/v1/session/{sid}/note"), 2).await;
    let contacts = t.walk("/core/v1/contact", 10).await;
    let after = t.sim.world_dump();

    let changed_messages = differing(&after.messages, &before.messages);
    assert!(!changed_messages.is_empty());
    for (a, b) in &changed_messages {
        assert!(a.updated_at > b.updated_at);
        assert_eq!(
            (&a.id, &a.text, &a.sender_id),
            (&b.id, &b.text, &b.sender_id)
        );
        let reacted = a
            .details
            .as_ref()
            .is_some_and(|d| d.reaction_from_contact.is_some() || d.reaction_to_contact.is_some());
        assert!(a.status != b.status || reacted, "{a:?}");
    }
    let changed_notes = differing(&after.notes, &before.notes);
    assert!(!changed_notes.is_empty());
    for (a, b) in &changed_notes {
        assert!(a.updated_at > b.updated_at && a.text == b.text);
        assert!(a.details.as_ref().unwrap().reaction_to_contact.is_some());
    }
    let changed_contacts = differing(&after.contacts, &before.contacts);
    assert!(!changed_contacts.is_empty());
    for (a, b) in &changed_contacts {
        assert!(a.updated_at > b.updated_at);
        assert_eq!(
            (&a.name, &a.phonenumber, &a.tags_id),
            (&b.name, &b.phonenumber, &b.tags_id)
        );
        assert!(a
            .annotation
            .as_deref()
            .is_some_and(|n| n.contains("Cadastro revisado em")));
    }
    // Every change is counted (an item may have been picked twice).
    let counted = t.fault_count("change_while_paging") as usize;
    let distinct = changed_messages.len() + changed_notes.len() + changed_contacts.len();
    assert!(
        counted >= distinct && distinct >= 3,
        "{counted} < {distinct}"
    );
    // The server's re-reads of earlier pages are not client traffic.
    let st = t.sim.stats();
    assert_eq!(
        st.by_route["GET /core/v1/contact"].requests,
        contacts.len().div_ceil(10) as u64
    );
}

// ----- storms -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_storm_answers_429_until_it_ends_and_is_counted_apart() {
    let t = T::new(SimConfig {
        limits: RateLimits {
            enabled: true,
            burst: (3, Duration::from_secs(60)),
            ..RateLimits::default()
        },
        ..SimConfig::small()
    })
    .await;
    let sid = active_session(&t);
    t.sim.start_storm(Duration::from_millis(600));
    for _ in 0..4 {
        let (s, h, b) = t.answer(t.get_req("/core/v1/tag")).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(h["retry-after"], "1");
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["key"], "ERROR_TOO_MANY_REQUESTS");
    }
    let (s, _, _) = t
        .answer(t.post_req(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Oi"}),
        ))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let st = t.sim.stats();
    assert_eq!((st.stormed, st.rate_limited), (5, 0));
    assert_eq!(st.faults["storm"], 5);
    assert!(st.by_route.is_empty(), "no handler ran");

    tokio::time::sleep(Duration::from_millis(650)).await;
    // The storm consumed none of the real budget (3 per minute).
    for _ in 0..3 {
        let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let st = t.sim.stats();
    assert_eq!((st.stormed, st.rate_limited), (5, 1));

    // From the admin route too; replacing the faults ends it.
    let (s, _, _) = t
        .answer(
            t.http
                .put(t.url("/__sim/faults"))
                .bearer_auth(t.sim.token())
                .json(&json!({"storm_ms": 60000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, h, _) = t.answer(t.get_req("/core/v1/agent")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((59..=60).contains(&secs), "{secs}");
    assert_eq!(t.sim.faults().storm_ms, 60_000);
    // Public media URLs are not API calls: no storm there.
    let (s, _, _) = t.answer(t.http.get(t.url("/files/none/x.png"))).await;
    assert_ne!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(t.sim.stats().stormed, 6);
    // Replacing the faults ends the storm: the next 429 is the real limiter's again.
    t.faults(Faults::default());
    let (s, _, _) = t.answer(t.get_req("/core/v1/agent")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let st = t.sim.stats();
    assert_eq!((st.stormed, st.rate_limited), (6, 2));
}

// ----- scope and reproducibility ----------------------------------------------------------------

#[tokio::test]
async fn scope_limits_faults_to_methods_and_route_prefixes() {
    let t = T::small().await;
    let sid = active_session(&t);
    t.faults(Faults {
        error_5xx: 1.0,
        routes: Some(vec!["/core/v1/tag".into()]),
        ..Faults::default()
    });
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert!(s.is_server_error());
    let (s, _, _) = t.answer(t.get_req("/chat/v2/session")).await;
    assert_eq!(s, StatusCode::OK);

    t.faults(Faults {
        error_5xx: 1.0,
        writes: false,
        ..Faults::default()
    });
    let (s, _, _) = t.answer(t.get_req("/chat/v2/session")).await;
    assert!(s.is_server_error());
    let (s, _, _) = t
        .answer(t.post_req(
            &format!("/chat/v1/session/{sid}/note"),
            json!({"text": "ok"}),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);

    t.faults(Faults {
        error_5xx: 1.0,
        reads: false,
        ..Faults::default()
    });
    let (s, _, _) = t.answer(t.get_req("/chat/v2/session")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = t
        .answer(t.post_req(
            &format!("/chat/v1/session/{sid}/note"),
            json!({"text": "não"}),
        ))
        .await;
    assert!(s.is_server_error());
    assert_eq!(t.fault_count("error_5xx"), 3);
}

async fn statuses(seed: u64) -> Vec<u16> {
    let t = T::small().await;
    t.faults(Faults {
        seed,
        error_5xx: 0.5,
        ..Faults::default()
    });
    let mut out = vec![];
    for _ in 0..40 {
        let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
        out.push(s.as_u16());
    }
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let a = statuses(11).await;
    assert_eq!(a, statuses(11).await);
    assert_ne!(a, statuses(12).await);
    assert!(a.contains(&200) && a.iter().any(|&s| s >= 500));
}

#[tokio::test]
async fn faults_can_be_on_from_the_start() {
    let t = T::new(SimConfig {
        faults: Faults {
            error_5xx: 1.0,
            ..Faults::default()
        },
        ..SimConfig::small()
    })
    .await;
    let (s, _, _) = t.answer(t.get_req("/core/v1/tag")).await;
    assert!(s.is_server_error());
    assert!(atende_sim::start(SimConfig {
        faults: Faults {
            drop_after: -1.0,
            ..Faults::default()
        },
        ..SimConfig::small()
    })
    .await
    .is_err());
}
