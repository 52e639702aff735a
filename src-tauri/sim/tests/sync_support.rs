//! What the sync engine relies on, over real loopback HTTP: a scaled clock that runs the rate
//! limiter, the world's timestamps and the background traffic in simulated time; `senderId`
//! visible everywhere right after a send (the outbox's check before re-sending); every sync
//! list ordered by `UpdatedAt` (sessions also by `LastInteractionAt`) with ties broken by id;
//! and [`SimHandle::world_dump`] matching what the API serves, field by field.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atende_sim::{
    Clock, Direction, RateLimits, ScaledClock, SimConfig, TrafficConfig, WindowStatus,
};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{active_session, stamp, SESSION_DETAILS, T};

impl T {
    async fn get(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let resp = self.get_req(path).send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.expect("JSON body"))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self.post_req(path, body).send().await.expect("request");
        let status = resp.status();
        let v: Value = resp.json().await.expect("JSON body");
        assert_eq!(status, StatusCode::OK, "POST {path}: {v}");
        v
    }

    /// Every item of a list, following `hasMorePages`.
    async fn all(&self, path_with_query: &str, page_size: u32) -> Vec<Value> {
        self.walk_pages(path_with_query, page_size, |_, _, _| {})
            .await
    }
}

fn date(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().map(|s| {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .with_timezone(&Utc)
    })
}

fn scaled(factor: f64, utc: DateTime<Utc>) -> Arc<ScaledClock> {
    Arc::new(ScaledClock::new(Instant::now(), utc, factor))
}

// ----- scaled clock -----------------------------------------------------------------------------

#[tokio::test]
async fn a_scaled_clock_runs_traffic_sixty_times_faster() {
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let clock = scaled(60.0, tomorrow);
    let t = T::new(SimConfig {
        clock: clock.clone(),
        traffic: Some(TrafficConfig {
            interval: Duration::from_secs(1),
            new_session_every: u32::MAX,
        }),
        ..SimConfig::small()
    })
    .await;
    let m0 = t.sim.world().message_count();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (m1, newest) = {
        let w = t.sim.world();
        (w.message_count(), w.messages.last().unwrap().created_at)
    };
    let ticks = m1 - m0;
    assert!(
        (35..=75).contains(&ticks),
        "{ticks} inbound messages in 1 s"
    );
    // Stamped in simulated time: a day ahead, about a simulated minute after the start.
    let now = clock.utc();
    assert!(
        newest > tomorrow + chrono::Duration::seconds(30),
        "{newest}"
    );
    assert!(newest <= now && now - newest < chrono::Duration::seconds(10));
    // The seeded data hangs off the simulated "now" too.
    let base = t.sim.world().base_time;
    assert!(base >= tomorrow && base < tomorrow + chrono::Duration::seconds(30));
    t.sim.shutdown().await;
}

#[tokio::test]
async fn a_scaled_clock_frees_rate_limits_and_advances_deliveries_in_milliseconds() {
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let clock = scaled(60.0, tomorrow);
    let t = T::new(SimConfig {
        clock: clock.clone(),
        limits: RateLimits {
            enabled: true,
            burst: (5, Duration::from_secs(5)),
            ..RateLimits::default()
        },
        ..SimConfig::small()
    })
    .await;
    for _ in 0..5 {
        t.ok("/core/v1/tag").await;
    }
    let (s, h, v) = t.get("/core/v1/tag").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // Retry-After is simulated seconds; the envelope's date is simulated time.
    let secs: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=5).contains(&secs), "{secs}");
    assert!(date(&v["date"]).unwrap() > tomorrow);
    // 5 simulated seconds are ~83 real milliseconds.
    tokio::time::sleep(clock.real(Duration::from_secs(5)) + Duration::from_millis(20)).await;
    t.ok("/core/v1/tag").await;

    // A sent message steps QUEUED -> SENT -> DELIVERED -> READ one simulated second apart.
    let sid = active_session(&t);
    let sent = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Seu pedido foi enviado", "senderId": "scaled-1"}),
        )
        .await;
    assert_eq!(sent["status"], "QUEUED");
    tokio::time::sleep(Duration::from_millis(120)).await;
    let m = t
        .ok(&format!(
            "/chat/v1/message/{}",
            sent["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(m["status"], "READ", "{m}");
    let read_at = date(&m["readContactAt"]).unwrap();
    let created = date(&m["createdAt"]).unwrap();
    assert!(read_at - created >= chrono::Duration::seconds(3));
}

// ----- senderId ---------------------------------------------------------------------------------

#[tokio::test]
async fn sender_id_is_served_everywhere_right_after_the_send() {
    let t = T::new(SimConfig::small()).await;
    let (sid, phone, tpl) = {
        let w = t.sim.world();
        let s = w
            .sessions
            .iter()
            .find(|s| {
                s.window_status == WindowStatus::Active
                    && s.status.is_open()
                    && w.contact(&s.contact_id)
                        .is_some_and(|c| c.phonenumber.is_some())
                    && w.sessions
                        .iter()
                        .filter(|o| o.contact_id == s.contact_id && o.status.is_open())
                        .count()
                        == 1
            })
            .expect("an active session of a contact with a phone");
        let phone = w
            .contact(&s.contact_id)
            .unwrap()
            .phonenumber
            .clone()
            .unwrap();
        let tpl = w
            .templates
            .iter()
            .find(|t| t.status == "APPROVED")
            .unwrap()
            .clone();
        (s.id.clone(), phone, tpl)
    };
    let t0 = t.sim.clock().utc();
    let a = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Primeira", "senderId": "out-1"}),
        )
        .await;
    assert_eq!(a["senderId"], "out-1");
    // The outbox's check: found by CreatedAt.After immediately, with its senderId.
    let page = t
        .ok(&format!(
            "/chat/v1/session/{sid}/message?CreatedAt.After={}&OrderBy=CreatedAt&PageSize=100",
            stamp(t0)
        ))
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["id"], a["id"]);
    assert_eq!(items[0]["senderId"], "out-1");

    let b = t
        .post(
            &format!("/chat/v1/session/{sid}/message/sync"),
            json!({"text": "Segunda", "senderId": "out-2"}),
        )
        .await;
    assert_eq!(b["senderId"], "out-2");
    let c = t
        .post(
            "/chat/v1/send/text",
            json!({"to": phone, "text": "Terceira", "senderId": "out-3"}),
        )
        .await;
    assert_eq!(c["senderId"], "out-3");
    assert_eq!(c["sessionId"], sid.as_str());
    let params: serde_json::Map<String, Value> = tpl
        .params
        .iter()
        .map(|p| (p.name.clone(), json!(p.example)))
        .collect();
    let d = t
        .post(
            "/chat/v1/send/template",
            json!({"to": phone, "templateId": tpl.id, "parameters": params, "senderId": "out-4"}),
        )
        .await;
    assert_eq!(d["senderId"], "out-4");

    let expected = [
        (a["id"].clone(), "out-1"),
        (b["id"].clone(), "out-2"),
        (c["id"].clone(), "out-3"),
        (d["id"].clone(), "out-4"),
    ];
    let session_list = t
        .all(
            &format!(
                "/chat/v1/session/{sid}/message?CreatedAt.After={}&OrderBy=CreatedAt",
                stamp(t0)
            ),
            100,
        )
        .await;
    let global = t
        .all(
            &format!(
                "/chat/v1/message?UpdatedAt.After={}&OrderBy=UpdatedAt",
                stamp(t0)
            ),
            100,
        )
        .await;
    let dump = t.sim.world_dump();
    for (id, sender) in &expected {
        for list in [&session_list, &global] {
            let m = list.iter().find(|m| &m["id"] == id).expect("listed");
            assert_eq!(m["senderId"], *sender);
        }
        let id = id.as_str().unwrap();
        let m = t.ok(&format!("/chat/v1/message/{id}")).await;
        assert_eq!(m["senderId"], *sender);
        let st = t.ok(&format!("/chat/v1/message/{id}/status")).await;
        assert_eq!(st["senderId"], *sender);
        let stored = dump.messages.iter().find(|m| m.id == id).unwrap();
        assert_eq!(stored.sender_id.as_deref(), Some(*sender));
    }
    assert_eq!(session_list.len(), 4);
}

// ----- ordering ---------------------------------------------------------------------------------

/// Checks `items` are ordered by `field` (`desc` or not), ties by ascending id; returns how
/// many ties were seen.
fn check_order(items: &[Value], field: &str, desc: bool) -> usize {
    let mut ties = 0;
    for pair in items.windows(2) {
        let (ka, kb) = (date(&pair[0][field]), date(&pair[1][field]));
        let (ia, ib) = (
            pair[0]["id"].as_str().unwrap(),
            pair[1]["id"].as_str().unwrap(),
        );
        if ka == kb {
            ties += 1;
            assert!(ia < ib, "tie on {field} not broken by id: {ia} >= {ib}");
        } else if desc {
            assert!(ka > kb, "{field} not descending: {ka:?} then {kb:?}");
        } else {
            assert!(ka < kb, "{field} not ascending: {ka:?} then {kb:?}");
        }
    }
    ties
}

#[tokio::test]
async fn sync_lists_order_by_updated_at_with_ties_broken_by_id() {
    let t = T::new(SimConfig::small()).await;
    // Ties in every list: three items share one updatedAt (and sessions a lastInteractionDate).
    let sid = {
        let mut w = t.sim.world();
        let tie = w.base_time - chrono::Duration::hours(1);
        for s in w.sessions.iter_mut().take(3) {
            s.updated_at = tie;
            s.last_interaction_date = Some(tie);
        }
        for c in w.contacts.iter_mut().take(3) {
            c.updated_at = tie;
        }
        let sid = w
            .sessions
            .iter()
            .find(|s| w.messages_of(&s.id).len() >= 3)
            .unwrap()
            .id
            .clone();
        let ids: Vec<String> = w
            .messages_of(&sid)
            .iter()
            .take(3)
            .map(|m| m.id.clone())
            .collect();
        for m in w.messages.iter_mut().filter(|m| ids.contains(&m.id)) {
            m.updated_at = tie;
        }
        for i in 0..3 {
            w.add_note(&sid, None, &format!("Nota {i}"), &[]).unwrap();
        }
        let n = w.notes.len();
        for note in &mut w.notes[n - 3..] {
            note.updated_at = tie;
        }
        sid
    };
    let lists = [
        "/chat/v2/session".to_string(),
        "/chat/v1/session".to_string(),
        format!("/chat/v1/session/{sid}/message"),
        format!("/chat/v1/session/{sid}/note"),
        "/chat/v1/message".to_string(),
        "/core/v1/contact".to_string(),
    ];
    for list in &lists {
        for (dir, desc) in [("ASCENDING", false), ("DESCENDING", true)] {
            let items = t
                .all(&format!("{list}?OrderBy=UpdatedAt&OrderDirection={dir}"), 7)
                .await;
            assert!(!items.is_empty(), "{list}");
            let unique: HashSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
            assert_eq!(unique.len(), items.len(), "{list}: stable paging");
            let ties = check_order(&items, "updatedAt", desc);
            assert!(ties >= 2, "{list} {dir}: the ties were not exercised");
        }
    }
    for (dir, desc) in [("ASCENDING", false), ("DESCENDING", true)] {
        let items = t
            .all(
                &format!("/chat/v2/session?OrderBy=LastInteractionAt&OrderDirection={dir}"),
                7,
            )
            .await;
        // Sessions that never had a message (null) come first ascending, last descending.
        let nulls: Vec<bool> = items
            .iter()
            .map(|s| s["lastInteractionDate"].is_null())
            .collect();
        let first_dated = nulls.iter().position(|n| !n).unwrap();
        let last_null = nulls.iter().rposition(|n| *n);
        if let Some(last_null) = last_null {
            if desc {
                assert!(nulls[first_dated..].iter().skip_while(|n| !**n).all(|n| *n));
            } else {
                assert!(last_null < first_dated);
            }
        }
        let dated: Vec<Value> = items
            .into_iter()
            .filter(|s| !s["lastInteractionDate"].is_null())
            .collect();
        assert!(check_order(&dated, "lastInteractionDate", desc) >= 2);
    }
}

// ----- world dump -------------------------------------------------------------------------------

#[tokio::test]
async fn the_world_dump_matches_what_the_api_serves() {
    let t = T::new(SimConfig::small()).await;
    let sid = active_session(&t);
    t.sim
        .world()
        .add_message(&sid, Direction::ToHub, "Oi, tudo bem?");
    let dump = t.sim.world_dump();
    let api_sessions = t.all("/chat/v2/session?OrderBy=CreatedAt", 100).await;
    assert_eq!(api_sessions.len(), dump.sessions.len());
    for api in &api_sessions {
        let stored = dump
            .sessions
            .iter()
            .find(|s| s.id == api["id"].as_str().unwrap())
            .unwrap();
        let mut stored = serde_json::to_value(stored).unwrap();
        // The list adds the computed detail objects (null without IncludeDetails).
        for k in SESSION_DETAILS {
            stored[k] = api[k].clone();
        }
        assert_eq!(&stored, api);
    }
    let api_messages = t.all(&format!("/chat/v1/session/{sid}/message"), 100).await;
    for api in &api_messages {
        let stored = dump
            .messages
            .iter()
            .find(|m| m.id == api["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(&serde_json::to_value(stored).unwrap(), api);
    }
    let api_tags = t.ok("/core/v1/tag").await;
    assert_eq!(api_tags, serde_json::to_value(&dump.tags).unwrap());
    let contact = &dump.contacts[0];
    let api = t
        .ok(&format!(
            "/core/v1/contact/{}?IncludeDetails=Tags&IncludeDetails=CustomFields",
            contact.id
        ))
        .await;
    assert_eq!(api, serde_json::to_value(contact).unwrap());
}
