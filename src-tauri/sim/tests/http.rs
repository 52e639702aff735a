//! End-to-end tests of the simulator over real loopback HTTP (reqwest), one simulator per test
//! on an ephemeral port: the conventions of helena.md §1 (auth before routing, service prefix,
//! paging envelope, date windows, repeated params, error envelope, rate limits), the read
//! endpoints, public file URLs, and every write endpoint.

use std::collections::HashSet;
use std::time::Duration;

use atende_sim::{Direction, RateLimits, SimConfig, WindowStatus};
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{SESSION_DETAILS, T};

impl T {
    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }))
        };
        (status, headers, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.get_req(path)).await;
        (s, b)
    }

    async fn write(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, b) = self.send(self.json_req(method, path, body)).await;
        (s, b)
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.write(reqwest::Method::PUT, path, body).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.write(reqwest::Method::POST, path, body).await
    }

    /// Every item of a paged list, following `hasMorePages`.
    async fn all_pages(&self, path_with_query: &str, page_size: u32) -> Vec<Value> {
        self.walk_pages(path_with_query, page_size, |page, b, served| {
            assert_eq!(b["pageNumber"], page);
            assert_eq!(b["pageSize"], page_size);
            if b["hasMorePages"].as_bool().unwrap() {
                assert!(page + 1 < 10_000);
            } else {
                assert_eq!(served.len() as u64, b["totalItems"].as_u64().unwrap());
            }
        })
        .await
    }
}

fn assert_envelope(b: &Value, status: u16, key: &str) {
    assert_eq!(b["httpStatusCode"], status, "{b}");
    assert_eq!(b["error"], true, "{b}");
    assert_eq!(b["key"], key, "{b}");
    assert!(b["text"].as_str().is_some_and(|t| !t.is_empty()), "{b}");
    assert!(
        b["id"]["value"]
            .as_str()
            .is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()),
        "{b}"
    );
    assert!(b["id"]["shortValue"].is_string(), "{b}");
    assert!(b["isUnsolvableError"].is_boolean(), "{b}");
    let date = b["date"].as_str().unwrap();
    assert!(
        date.ends_with('Z') && DateTime::parse_from_rfc3339(date).is_ok(),
        "{date}"
    );
}

fn date(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a date: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

// ----- conventions -----------------------------------------------------------------------------

#[tokio::test]
async fn auth_runs_before_routing() {
    let t = T::small().await;
    // No token, wrong token, wrong scheme: 401 envelope, also for routes that do not exist.
    for (path, auth) in [
        ("/chat/v2/session", None),
        ("/chat/v2/session", Some("Bearer nope")),
        ("/chat/v2/session", Some("demo-token")),
        ("/chat/v9/does-not-exist", None),
        ("/nothing/here", None),
    ] {
        let mut req = t.http.get(t.url(path));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let (s, _, b) = t.send(req).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path} {auth:?}");
        assert_envelope(&b, 401, "ERROR_UNAUTHORIZED");
    }
    // Known token: missing service prefix is 400, unknown route 404, wrong method 405.
    let (s, b) = t.get("/v1/channel").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(&b, 400, "ERROR_INVALID_SERVICE");
    let (s, b) = t.get("/chat/v1/nothing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_envelope(&b, 404, "ERROR_ROUTE_NOT_FOUND");
    let (s, b) = t
        .write(reqwest::Method::DELETE, "/chat/v2/session", json!({}))
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_envelope(&b, 405, "ERROR_METHOD_NOT_ALLOWED");
    // Scheme is case-insensitive.
    let (s, _, _) = t
        .send(
            t.http
                .get(t.url("/core/v1/tag"))
                .header("Authorization", "bearer demo-token"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let st = t.sim.stats();
    assert_eq!(st.requests, 9);
    assert_eq!(st.by_route["GET /core/v1/tag"].requests, 1);
}

#[tokio::test]
async fn paging_walks_every_session_once() {
    let t = T::small().await;
    let items = t.all_pages("/chat/v2/session", 7).await;
    assert_eq!(items.len(), 60);
    let unique: HashSet<String> = ids(&items).into_iter().collect();
    assert_eq!(unique.len(), 60);
    // Default order: CreatedAt ascending, ids break ties.
    let created: Vec<DateTime<Utc>> = items.iter().map(|i| date(&i["createdAt"])).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));
    let first = t.ok("/chat/v2/session").await;
    assert_eq!(first["pageSize"], 15);
    assert_eq!(first["pageNumber"], 1);
    assert_eq!(first["orderBy"], "CreatedAt");
    assert_eq!(first["orderDirection"], "ASCENDING");
    assert_eq!(first["totalItems"], 60);
    assert_eq!(first["totalPages"], 4);
    assert_eq!(first["hasMorePages"], true);
    let last = t.ok("/chat/v2/session?PageNumber=4").await;
    assert_eq!(last["items"].as_array().unwrap().len(), 15);
    assert_eq!(last["hasMorePages"], false);
    let beyond = t.ok("/chat/v2/session?PageNumber=9").await;
    assert!(beyond["items"].as_array().unwrap().is_empty());
    // Descending by LastInteractionAt, case-insensitive names.
    let desc = t
        .ok("/chat/v2/session?orderby=lastinteractionat&orderdirection=DESCENDING&pagesize=100")
        .await;
    let li: Vec<Option<DateTime<Utc>>> = desc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["lastInteractionDate"]
                .as_str()
                .map(|_| date(&i["lastInteractionDate"]))
        })
        .collect();
    assert!(li.windows(2).all(|w| w[0] >= w[1]), "{li:?}");
    assert_eq!(desc["orderBy"], "LastInteractionAt");
}

#[tokio::test]
async fn invalid_list_params_are_400() {
    let t = T::small().await;
    for q in [
        "PageSize=101",
        "PageSize=0",
        "PageNumber=0",
        "PageSize=abc",
        "UpdatedAt.After=ontem",
        "Status=OPEN",
        "OrderBy=Color",
        "IncludeDetails=Everything",
    ] {
        let (s, b) = t.get(&format!("/chat/v2/session?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(b["httpStatusCode"], 400, "{q}");
    }
    let (_, b) = t.get("/chat/v2/session?PageSize=101").await;
    assert_envelope(&b, 400, "ERROR_INVALID_PAGE_SIZE");
    let (s, _) = t.get("/chat/v2/session?PageSize=100").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.get("/chat/v1/session/x/message?OrderBy=Name").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn updated_at_windows_partition_and_catch_changes() {
    let t = T::small().await;
    let all = t.all_pages("/chat/v2/session?OrderBy=UpdatedAt", 100).await;
    let mid = &all[all.len() / 2]["updatedAt"];
    let m = mid.as_str().unwrap();
    let before = t
        .all_pages(&format!("/chat/v2/session?UpdatedAt.Before={m}"), 100)
        .await;
    let after = t
        .all_pages(&format!("/chat/v2/session?UpdatedAt.After={m}"), 100)
        .await;
    let b: HashSet<String> = ids(&before).into_iter().collect();
    let a: HashSet<String> = ids(&after).into_iter().collect();
    assert!(b.is_disjoint(&a));
    assert_eq!(a.len() + b.len(), 60);
    assert!(after.iter().all(|i| date(&i["updatedAt"]) >= date(mid)));
    assert!(before.iter().all(|i| date(&i["updatedAt"]) < date(mid)));

    // A mutation now is strictly after every seeded stamp and shows in the next window.
    let t0 = Utc::now() - chrono::Duration::seconds(1);
    let id = all[0]["id"].as_str().unwrap().to_string();
    t.sim
        .world()
        .set_session_status(&id, atende_sim::SessionStatus::Hidden)
        .unwrap();
    let t1 = Utc::now() + chrono::Duration::seconds(1);
    let q = format!(
        "/chat/v2/session?UpdatedAt.After={}&UpdatedAt.Before={}",
        t0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        t1.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let changed = t.ok(&q).await;
    assert_eq!(ids(changed["items"].as_array().unwrap()), vec![id.clone()]);
    assert_eq!(changed["items"][0]["status"], "HIDDEN");
    // An offset with an unencoded '+' (arrives as a space) still parses.
    let plus = format!(
        "/chat/v2/session?UpdatedAt.After={}",
        t0.format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
    );
    assert_eq!(t.ok(&plus).await["totalItems"], 1);
}

#[tokio::test]
async fn repeated_status_params() {
    let t = T::small().await;
    let expected = {
        let w = t.sim.world();
        w.sessions
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    atende_sim::SessionStatus::Pending | atende_sim::SessionStatus::InProgress
                )
            })
            .count()
    };
    for q in [
        "Status=PENDING&Status=IN_PROGRESS",
        "status[]=PENDING&STATUS[]=in_progress",
        "Status=PENDING,IN_PROGRESS",
    ] {
        let items = t.all_pages(&format!("/chat/v2/session?{q}"), 100).await;
        assert_eq!(items.len(), expected, "{q}");
        assert!(items
            .iter()
            .all(|i| i["status"] == "PENDING" || i["status"] == "IN_PROGRESS"));
    }
    let demo = t.sim.demo_agent();
    let mine = t
        .all_pages(
            &format!(
                "/chat/v2/session?Status=IN_PROGRESS&UserId={}",
                demo.user_id
            ),
            100,
        )
        .await;
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|i| i["userId"] == demo.user_id.as_str()));
    let dep = &demo.department_ids[0];
    let queue = t
        .all_pages(
            &format!("/chat/v2/session?Status=PENDING&DepartmentId={dep}"),
            100,
        )
        .await;
    assert!(!queue.is_empty());
    assert!(queue
        .iter()
        .all(|i| i["departmentId"] == dep.as_str() && i["userId"].is_null()));
}

#[tokio::test]
async fn rate_limit_storm_gets_429_with_retry_after() {
    let cfg = SimConfig {
        limits: RateLimits {
            enabled: true,
            general: (100, Duration::from_secs(60)),
            burst: (5, Duration::from_millis(1500)),
            send: (2, Duration::from_secs(60)),
            per_route: None,
        },
        ..SimConfig::small()
    };
    let t = T::new(cfg).await;
    let mut codes = vec![];
    let mut retry = vec![];
    for _ in 0..9 {
        let (s, h, b) = t
            .send(t.http.get(t.url("/core/v1/tag")).bearer_auth(t.sim.token()))
            .await;
        codes.push(s.as_u16());
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_envelope(&b, 429, "ERROR_TOO_MANY_REQUESTS");
            retry.push(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap());
        }
    }
    assert_eq!(codes, [200, 200, 200, 200, 200, 429, 429, 429, 429]);
    assert!(retry.iter().all(|&r| (1..=2).contains(&r)), "{retry:?}");
    let st = t.sim.stats();
    assert_eq!(st.rate_limited, 4);
    assert_eq!(st.requests, 9);
    assert_eq!(st.by_route["GET /core/v1/tag"].requests, 5);
    // Unauthorized calls do not consume the budget; the window reopens.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (s, _) = t.get("/core/v1/tag").await;
    assert_eq!(s, StatusCode::OK);
    // Sends have their own bucket.
    let sid = active_session(&t);
    for expect in [200u16, 200, 429] {
        let (s, _) = t
            .post(
                &format!("/chat/v1/session/{sid}/message"),
                json!({"text": "Oi"}),
            )
            .await;
        assert_eq!(s.as_u16(), expect);
    }
}

#[tokio::test]
async fn retry_after_can_be_switched_off() {
    let cfg = SimConfig {
        limits: RateLimits {
            enabled: true,
            burst: (1, Duration::from_secs(10)),
            ..RateLimits::default()
        },
        retry_after: false,
        ..SimConfig::small()
    };
    let t = T::new(cfg).await;
    t.ok("/core/v1/tag").await;
    let (s, h, _) = t
        .send(t.http.get(t.url("/core/v1/tag")).bearer_auth(t.sim.token()))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(h.get("retry-after").is_none());
}

#[tokio::test]
async fn include_details_on_and_off() {
    let t = T::small().await;
    let plain = t.ok("/chat/v2/session?PageSize=100").await;
    for i in plain["items"].as_array().unwrap() {
        for k in SESSION_DETAILS {
            assert!(i.get(k).is_some_and(Value::is_null), "{k}");
        }
        assert!(i["type"] == "INDIVIDUAL" || i["type"] == "GROUP");
    }
    let rich = t
        .ok("/chat/v2/session?PageSize=100&IncludeDetails=ContactDetails&IncludeDetails=AgentDetails&IncludeDetails=DepartmentsDetails&IncludeDetails=ChannelDetails")
        .await;
    for i in rich["items"].as_array().unwrap() {
        assert_eq!(i["contactDetails"]["id"], i["contactId"]);
        assert!(i["contactDetails"]["tagsName"].is_array());
        assert_eq!(i["departmentDetails"]["id"], i["departmentId"]);
        assert!(i["channelDetails"]["humanId"].is_string());
        if i["userId"].is_string() {
            assert_eq!(i["agentDetails"]["userId"], i["userId"]);
        }
        assert!(i["classification"].is_null());
    }
    let all = t
        .ok("/chat/v2/session?PageSize=100&IncludeDetails=All&Status=COMPLETED")
        .await;
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["classification"]["category"].is_string()));

    // Switched off: the list never fills them, by-id still does; v1 has no `type`.
    let t = T::new(SimConfig {
        honour_include_details: false,
        ..SimConfig::small()
    })
    .await;
    let b = t.ok("/chat/v2/session?IncludeDetails=All").await;
    let first = &b["items"][0];
    assert!(first["contactDetails"].is_null());
    let id = first["id"].as_str().unwrap();
    let one = t
        .ok(&format!(
            "/chat/v2/session/{id}?includeDetails=ContactDetails"
        ))
        .await;
    assert_eq!(one["contactDetails"]["id"], first["contactId"]);
    assert!(one["type"] == "INDIVIDUAL" || one["type"] == "GROUP");
    let v1 = t.ok(&format!("/chat/v1/session/{id}")).await;
    assert!(v1.get("type").is_none());
    assert_eq!(v1["id"], id);
    let (s, b) = t
        .get("/chat/v2/session/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_envelope(&b, 404, "ERROR_NOT_FOUND");
}

#[tokio::test]
async fn messages_notes_and_global_list() {
    let t = T::small().await;
    let sid = {
        let w = t.sim.world();
        w.sessions
            .iter()
            .max_by_key(|s| w.messages_of(&s.id).len())
            .unwrap()
            .id
            .clone()
    };
    let history = t
        .all_pages(&format!("/chat/v1/session/{sid}/message"), 10)
        .await;
    assert!(history.len() > 10);
    assert!(history.iter().all(|m| m["sessionId"] == sid.as_str()));
    let created: Vec<_> = history.iter().map(|m| date(&m["createdAt"])).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));
    let one = t
        .ok(&format!(
            "/chat/v1/message/{}",
            history[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one, history[0]);

    let global = t.all_pages("/chat/v1/message", 100).await;
    assert_eq!(global.len(), 600);
    let by_session = t
        .ok(&format!("/chat/v1/message?SessionId={sid}&PageSize=100"))
        .await;
    assert_eq!(
        by_session["totalItems"].as_u64().unwrap() as usize,
        history.len()
    );
    // UpdatedAt window on messages.
    let cut = &global[300]["updatedAt"];
    let newer = t
        .all_pages(
            &format!("/chat/v1/message?UpdatedAt.After={}", cut.as_str().unwrap()),
            100,
        )
        .await;
    assert!(newer.iter().all(|m| date(&m["updatedAt"]) >= date(cut)));

    // Notes.
    let (nsid, nid) = {
        let w = t.sim.world();
        let n = &w.notes[0];
        (n.session_id.clone(), n.id.clone())
    };
    let notes = t.ok(&format!("/chat/v1/session/{nsid}/note")).await;
    assert!(ids(notes["items"].as_array().unwrap()).contains(&nid));
    let note = t.ok(&format!("/chat/v1/session/note/{nid}")).await;
    assert_eq!(note["status"], "SAVED");
    assert!(note["userId"].is_string());

    // Global list switched off: 404 envelope unless filtered by session.
    let t = T::new(SimConfig {
        global_message_list: false,
        ..SimConfig::small()
    })
    .await;
    let (s, b) = t.get("/chat/v1/message").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_envelope(&b, 404, "ERROR_ROUTE_NOT_FOUND");
    let (s, _) = t.get(&format!("/chat/v1/message?sessionId={sid}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn contacts_and_reference_data() {
    let t = T::small().await;
    let (active, archived) = {
        let w = t.sim.world();
        let n = |st| w.contacts.iter().filter(|c| c.status == st).count();
        (
            n(atende_sim::model::ContactStatus::Active),
            n(atende_sim::model::ContactStatus::Archived),
        )
    };
    let list = t.all_pages("/core/v1/contact", 100).await;
    assert_eq!(list.len(), active);
    assert!(list.iter().all(|c| c["status"] == "ACTIVE"
        && c["tagsId"].is_null()
        && c["customFieldValues"].is_null()));
    let rich = t
        .all_pages(
            "/core/v1/contact?IncludeDetails=Tags&IncludeDetails=CustomFields",
            100,
        )
        .await;
    assert!(rich.iter().all(|c| c["tagsId"].is_array()
        && c["tags"].is_array()
        && c["customFieldValues"].is_object()));
    assert!(rich
        .iter()
        .any(|c| !c["tags"].as_array().unwrap().is_empty()));
    let c = &rich[0];
    assert!(c["phonenumber"]
        .as_str()
        .is_none_or(|p| p.starts_with("+55|")));
    let arch = t.all_pages("/core/v1/contact?Status=ARCHIVED", 100).await;
    assert_eq!(arch.len(), archived);
    let id = c["id"].as_str().unwrap();
    let one = t
        .ok(&format!("/core/v1/contact/{id}?IncludeDetails=Tags"))
        .await;
    assert_eq!(one["tagsId"], c["tagsId"]);

    let tags = t.ok("/core/v1/tag").await;
    assert!(tags.as_array().unwrap().len() >= 10);
    assert!(tags[0]["color"].as_str().unwrap().contains('_'));
    let deps = t.ok("/core/v2/department").await;
    assert_eq!(deps["totalItems"], 3);
    assert_eq!(
        t.ok("/core/v1/department").await.as_array().unwrap().len(),
        3
    );
    let agents = t.ok("/core/v1/agent").await;
    let demo = t.sim.demo_agent();
    let a0 = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["userId"] == demo.user_id.as_str())
        .unwrap();
    assert_eq!(a0["departments"].as_array().unwrap().len(), 2);
    assert!(a0["departments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["isSupervisor"] == true));
    let channels = t.ok("/chat/v1/channel").await;
    let types: HashSet<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channelType"].as_str().unwrap())
        .collect();
    assert!(types.len() >= 5);
    assert_eq!(
        t.ok("/chat/v1/channel?ChannelType=Instagram")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let tpl = t.ok("/chat/v1/template?PageSize=100").await;
    assert!(tpl["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["params"].is_null()));
    let tpl = t
        .ok("/chat/v1/template?PageSize=100&IncludeDetails=Params")
        .await;
    assert!(tpl["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["params"].is_array()));
    assert!(tpl["items"][0]["text"].as_str().unwrap().contains("{{1}}"));
    let cf = t.ok("/core/v1/custom-field?EntityType=CONTACT").await;
    assert!(cf
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["entityType"] == "CONTACT"));
    assert!(cf.as_array().unwrap().iter().any(|f| f["key"] == "cpf"));
    let st = t.sim.stats();
    assert_eq!(
        st.by_route["GET /core/v1/contact"].items as usize,
        active + archived + active
    );
}

#[tokio::test]
async fn public_file_urls_serve_media_without_auth() {
    let t = T::small().await;
    let urls: Vec<(String, String)> = {
        let w = t.sim.world();
        let mut seen = HashSet::new();
        w.messages
            .iter()
            .filter_map(|m| m.details.as_ref()?.file.as_ref())
            .filter(|f| seen.insert(f.mime_type.clone()))
            .map(|f| (f.public_url.clone(), f.mime_type.clone()))
            .collect()
    };
    assert!(urls.iter().any(|(_, m)| m == "image/jpeg"));
    for (url, mime) in urls {
        assert!(url.starts_with(&t.sim.base_url()));
        let resp = t.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], mime.as_str());
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.len() > 100);
        if mime == "image/jpeg" {
            assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
        }
    }
    let resp = t.http.get(t.url("/files/nope/x.jpg")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn offline_switch_answers_503() {
    let t = T::small().await;
    t.sim.set_online(false);
    let (s, b) = t.get("/core/v1/tag").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_envelope(&b, 503, "ERROR_SERVICE_UNAVAILABLE");
    t.sim.set_online(true);
    t.ok("/core/v1/tag").await;
    t.sim.reset_stats();
    assert_eq!(t.sim.stats().requests, 0);
    t.sim.shutdown().await;
}

#[tokio::test]
async fn new_messages_move_last_interaction_but_not_updated_at() {
    let t = T::small().await;
    let sid = active_session(&t);
    let before = t.ok(&format!("/chat/v2/session/{sid}")).await;
    let t0 = Utc::now() - chrono::Duration::seconds(1);
    let mid = t
        .sim
        .world()
        .add_message(&sid, Direction::ToHub, "Oi, alguma novidade?");
    let after = t.ok(&format!("/chat/v2/session/{sid}")).await;
    assert_eq!(after["updatedAt"], before["updatedAt"]);
    assert!(date(&after["lastInteractionDate"]) > date(&before["lastInteractionDate"]));
    assert_eq!(after["lastMessageText"], "Oi, alguma novidade?");
    assert_eq!(
        after["unreadCount"].as_i64().unwrap(),
        before["unreadCount"].as_i64().unwrap() + 1
    );
    let q = format!(
        "/chat/v2/session?LastInteractionAt.After={}",
        t0.to_rfc3339()
    );
    assert_eq!(
        ids(t.ok(&q).await["items"].as_array().unwrap()),
        vec![sid.clone()]
    );
    let q = format!("/chat/v2/session?UpdatedAt.After={}", t0.to_rfc3339());
    assert_eq!(t.ok(&q).await["totalItems"], 0);
    let m = t.ok(&format!("/chat/v1/message/{mid}")).await;
    assert_eq!(m["direction"], "TO_HUB");
    assert_eq!(m["status"], "DELIVERED");

    // The optimistic switch moves updatedAt too.
    let t = T::new(SimConfig {
        session_updated_on_message: true,
        ..SimConfig::small()
    })
    .await;
    let sid = active_session(&t);
    let before = t.ok(&format!("/chat/v2/session/{sid}")).await;
    t.sim
        .world()
        .add_message(&sid, Direction::FromHub, "Já verifico!");
    let after = t.ok(&format!("/chat/v2/session/{sid}")).await;
    assert!(date(&after["updatedAt"]) > date(&before["updatedAt"]));
    assert_eq!(after["unreadCount"], 0);
}

// ----- writes ----------------------------------------------------------------------------------

fn active_session(t: &T) -> String {
    let w = t.sim.world();
    w.sessions
        .iter()
        .find(|s| {
            s.window_status == WindowStatus::Active
                && s.status == atende_sim::SessionStatus::InProgress
        })
        .or_else(|| {
            w.sessions
                .iter()
                .find(|s| s.window_status == WindowStatus::Active)
        })
        .expect("an ACTIVE session")
        .id
        .clone()
}

fn session_with(t: &T, status: atende_sim::SessionStatus) -> String {
    let w = t.sim.world();
    w.sessions
        .iter()
        .find(|s| s.status == status)
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn assume_transfer_complete_and_status() {
    let t = T::small().await;
    let demo = t.sim.demo_agent();
    let sid = session_with(&t, atende_sim::SessionStatus::Pending);
    let before = t.ok(&format!("/chat/v1/session/{sid}")).await;

    let (s, b) = t
        .put(
            &format!("/chat/v1/session/{sid}/assignee"),
            json!({"userId": demo.user_id, "options": {"stopBotInExecution": false}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "IN_PROGRESS");
    assert_eq!(b["userId"], demo.user_id.as_str());
    assert!(b.get("type").is_none());
    assert!(date(&b["updatedAt"]) > date(&before["updatedAt"]));
    let (s, b) = t
        .put(&format!("/chat/v1/session/{sid}/assignee"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(&b, 400, "ERROR_BAD_REQUEST");
    let (s, _) = t
        .put(
            &format!("/chat/v1/session/{sid}/assignee"),
            json!({"userId": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let other_dept = demo.department_ids[1].clone();
    let (s, b) = t
        .put(
            &format!("/chat/v1/session/{sid}/transfer"),
            json!({"type": "DEPARTMENT", "newDepartmentId": other_dept}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "PENDING");
    assert!(b["userId"].is_null());
    assert_eq!(b["departmentId"], other_dept.as_str());
    let other_user = t.sim.world().agents[1].user_id.clone();
    let (s, b) = t
        .put(
            &format!("/chat/v1/session/{sid}/transfer"),
            json!({"Type": "user", "NewUserId": other_user}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "IN_PROGRESS");
    assert_eq!(b["userId"], other_user.as_str());
    let (s, _) = t
        .put(
            &format!("/chat/v1/session/{sid}/transfer"),
            json!({"type": "TEAM"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, b) = t
        .put(
            &format!("/chat/v1/session/{sid}/complete"),
            json!({"reactivateOnNewMessage": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "COMPLETED");
    assert!(b["endAt"].is_string());
    // The next inbound message reopens it.
    t.sim
        .world()
        .add_message(&sid, Direction::ToHub, "Esqueci de perguntar uma coisa");
    let b = t.ok(&format!("/chat/v1/session/{sid}")).await;
    assert_eq!(b["status"], "IN_PROGRESS");
    assert!(b["endAt"].is_null());

    // Without reactivation it stays completed.
    let (_, b) = t
        .put(&format!("/chat/v1/session/{sid}/complete"), json!({}))
        .await;
    assert_eq!(b["status"], "COMPLETED");
    t.sim.world().add_message(&sid, Direction::ToHub, "Oi?");
    assert_eq!(
        t.ok(&format!("/chat/v1/session/{sid}")).await["status"],
        "COMPLETED"
    );

    let (s, b) = t
        .put(
            &format!("/chat/v1/session/{sid}/status"),
            json!({"newStatus": "HIDDEN"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "HIDDEN");
    let (s, _) = t
        .put(
            &format!("/chat/v1/session/{sid}/status"),
            json!({"newStatus": "OPEN"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t
        .put(
            "/chat/v1/session/nope/status",
            json!({"newStatus": "PENDING"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, b) = t
        .send(
            t.http
                .put(t.url(&format!("/chat/v1/session/{sid}/status")))
                .bearer_auth(t.sim.token())
                .body("{not json"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(&b, 400, "ERROR_BAD_REQUEST");
    let st = t.sim.stats();
    assert!(st.by_route["PUT /chat/v1/session/{id}/status"].requests >= 3);
}

#[tokio::test]
async fn send_in_session_advances_status() {
    let t = T::small().await;
    t.sim.world().delivery_step = Duration::ZERO; // one step per request
    let sid = active_session(&t);
    let (s, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Seu pedido saiu para entrega!", "senderId": "outbox-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "QUEUED");
    assert_eq!(b["sessionId"], sid.as_str());
    assert_eq!(b["senderId"], "outbox-1");
    assert!(b["statusUrl"].as_str().unwrap().ends_with("/status"));
    let mid = b["id"].as_str().unwrap().to_string();
    let created = date(&b["createdAt"]);

    let mut seen = vec![];
    let mut last_updated = date(&b["updatedAt"]);
    for _ in 0..4 {
        let m = t.ok(&format!("/chat/v1/message/{mid}")).await;
        seen.push(m["status"].as_str().unwrap().to_string());
        let u = date(&m["updatedAt"]);
        assert!(u >= last_updated);
        last_updated = u;
        assert_eq!(m["senderId"], "outbox-1");
    }
    assert_eq!(seen, ["SENT", "DELIVERED", "READ", "READ"]);
    let m = t.ok(&format!("/chat/v1/message/{mid}")).await;
    assert!(date(&m["readContactAt"]) > created);
    assert_eq!(m["direction"], "FROM_HUB");
    let s = t.ok(&format!("/chat/v2/session/{sid}")).await;
    assert_eq!(s["lastMessageText"], "Seu pedido saiu para entrega!");
    assert_eq!(s["unreadCount"], 0);
    // The sync client can find its message by senderId in the session history.
    let hist = t
        .all_pages(
            &format!("/chat/v1/session/{sid}/message?OrderBy=CreatedAt"),
            100,
        )
        .await;
    assert!(hist.iter().any(|m| m["senderId"] == "outbox-1"));

    // `[falha]` ends FAILED with a reason.
    let (_, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "teste [falha]"}),
        )
        .await;
    let fid = b["id"].as_str().unwrap().to_string();
    for _ in 0..3 {
        t.ok("/core/v1/tag").await;
    }
    let m = t.ok(&format!("/chat/v1/message/{fid}")).await;
    assert_eq!(m["status"], "FAILED");
    assert!(m["failedReason"].is_string());

    // File by URL, and the /sync variant returning the full DTO.
    let (s, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message/sync"),
            json!({"fileUrl": "https://example.com/catalogo.pdf", "text": "Catálogo"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["type"], "DOCUMENT");
    assert_eq!(b["status"], "SENT");
    assert_eq!(
        b["details"]["file"]["publicUrl"],
        "https://example.com/catalogo.pdf"
    );

    let (s, b) = t
        .post(&format!("/chat/v1/session/{sid}/message"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let st = t.sim.stats();
    assert_eq!(
        st.by_route["POST /chat/v1/session/{id}/message"].requests,
        3
    );
}

#[tokio::test]
async fn free_text_needs_an_active_window_templates_do_not() {
    let t = T::small().await;
    let sid = {
        let w = t.sim.world();
        w.sessions
            .iter()
            .find(|s| s.window_status == WindowStatus::Expired)
            .unwrap()
            .id
            .clone()
    };
    let (s, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"text": "Oi"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(&b, 400, "ERROR_SESSION_WINDOW_CLOSED");
    let tpl = t
        .ok("/chat/v1/template?IncludeDetails=Params&Name=confirmacao_pedido")
        .await["items"][0]
        .clone();
    let tid = tpl["id"].as_str().unwrap();
    let (s, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"templateId": tid, "parameters": {"1": "Ana"}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["text"].as_str().unwrap().contains('2'));
    let (s, b) = t
        .post(
            &format!("/chat/v1/session/{sid}/message"),
            json!({"templateId": tid, "parameters": {"1": "Ana", "2": "123456", "3": "20/07"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let m = t
        .ok(&format!("/chat/v1/message/{}", b["id"].as_str().unwrap()))
        .await;
    assert_eq!(m["templateId"], tid);
    assert_eq!(
        m["text"],
        "Olá Ana, seu pedido 123456 foi confirmado e será entregue até 20/07."
    );
}

#[tokio::test]
async fn notes_can_be_added_listed_and_deleted() {
    let t = T::small().await;
    let sid = session_with(&t, atende_sim::SessionStatus::InProgress);
    let (s, n) = t
        .post(
            &format!("/chat/v1/session/{sid}/note"),
            json!({"text": "Cliente pediu retorno amanhã."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{n}");
    assert_eq!(n["sessionId"], sid.as_str());
    assert_eq!(n["text"], "Cliente pediu retorno amanhã.");
    let nid = n["id"].as_str().unwrap();
    let list = t
        .ok(&format!(
            "/chat/v1/session/{sid}/note?UpdatedAt.After={}",
            n["createdAt"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        ids(list["items"].as_array().unwrap()),
        vec![nid.to_string()]
    );
    let (s, _) = t
        .write(
            reqwest::Method::DELETE,
            &format!("/chat/v1/session/note/{nid}"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.get(&format!("/chat/v1/session/note/{nid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post(
            &format!("/chat/v1/session/{sid}/note"),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn contact_fields_and_tags() {
    let t = T::small().await;
    let (cid, before) = {
        let w = t.sim.world();
        let c = &w.contacts[0];
        (c.id.clone(), c.updated_at)
    };
    let (s, b) = t
        .put(
            &format!("/core/v2/contact/{cid}"),
            json!({
                "fields": ["Name", "Email", "CustomFields"],
                "name": "Maria Souza",
                "email": "maria.souza@example.com",
                "instagram": "@ignored",
                "customFields": {"cpf": "123.456.789-09", "plano": "Premium", "cidade": null}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["name"], "Maria Souza");
    assert_eq!(b["email"], "maria.souza@example.com");
    assert_eq!(b["customFieldValues"]["plano"], "Premium");
    assert_eq!(b["customFieldValues"]["cpf"], "123.456.789-09");
    assert!(b["customFieldValues"].get("cidade").is_none());
    assert_ne!(b["instagram"], "@ignored");
    assert!(date(&b["updatedAt"]) > before);
    let (s, _) = t
        .put(
            &format!("/core/v2/contact/{cid}"),
            json!({"fields": ["CustomFields"], "customFields": {"sapato": "42"}}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = t
        .put(&format!("/core/v2/contact/{cid}"), json!({"name": "x"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let tags = t.ok("/core/v1/tag").await;
    let vip = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Cliente VIP")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, b) = t
        .post(
            &format!("/core/v1/contact/{cid}/tags"),
            json!({"tagIds": [vip], "operation": "ReplaceAll"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["tagsId"], json!([vip]));
    assert_eq!(b["tags"], json!(["Cliente VIP"]));
    let (_, b) = t
        .post(
            &format!("/core/v1/contact/{cid}/tags"),
            json!({"tagNames": ["Garantia", "Nova etiqueta"], "operation": "InsertIfNotExists"}),
        )
        .await;
    assert_eq!(
        b["tags"],
        json!(["Cliente VIP", "Garantia", "Nova etiqueta"])
    );
    let (_, b) = t
        .post(
            &format!("/core/v1/contact/{cid}/tags"),
            json!({"tagIds": [vip], "operation": "DeleteIfExists"}),
        )
        .await;
    assert_eq!(b["tags"], json!(["Garantia", "Nova etiqueta"]));
    let (s, _) = t
        .post(
            &format!("/core/v1/contact/{cid}/tags"),
            json!({"tagIds": [vip], "operation": "Toggle"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The created tag is in the full list; deleting it drops it from the contact.
    let tags = t.ok("/core/v1/tag").await;
    let new_id = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Nova etiqueta")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = t
        .write(
            reqwest::Method::DELETE,
            &format!("/core/v1/tag/{new_id}"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let c = t
        .ok(&format!("/core/v1/contact/{cid}?IncludeDetails=Tags"))
        .await;
    assert_eq!(c["tags"], json!(["Garantia"]));
    // Changed contacts show in an UpdatedAt window.
    let since = (Utc::now() - chrono::Duration::seconds(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let changed = t
        .ok(&format!("/core/v1/contact?UpdatedAt.After={since}"))
        .await;
    assert_eq!(ids(changed["items"].as_array().unwrap()), vec![cid]);
}

#[tokio::test]
async fn traffic_adds_inbound_messages() {
    let t = T::new(SimConfig {
        traffic: Some(atende_sim::TrafficConfig {
            interval: Duration::from_millis(30),
            new_session_every: 2,
        }),
        ..SimConfig::small()
    })
    .await;
    let (m0, s0) = {
        let w = t.sim.world();
        (w.message_count(), w.sessions.len())
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (m1, s1) = {
        let w = t.sim.world();
        (w.message_count(), w.sessions.len())
    };
    assert!(m1 >= m0 + 4, "{m0} -> {m1}");
    assert!(s1 > s0);
    let since = (Utc::now() - chrono::Duration::seconds(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let fresh = t
        .all_pages(
            &format!("/chat/v2/session?Status=PENDING&CreatedAt.After={since}"),
            100,
        )
        .await;
    assert!(!fresh.is_empty());
    t.sim.shutdown().await;
}

#[tokio::test]
async fn send_by_phone_starts_conversations_with_templates_only() {
    let t = T::small().await;
    let tpl = t.ok("/chat/v1/template?Name=boas_vindas").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let demo = t.sim.demo_agent();
    // Free text to a number without an open conversation is refused (and creates nothing).
    let contacts0 = t.sim.world().contacts.len();
    let (s, b) = t
        .post(
            "/chat/v1/send/text",
            json!({"to": "+55 11 91234-5678", "text": "Oi"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_envelope(&b, 400, "ERROR_SESSION_WINDOW_CLOSED");
    assert_eq!(t.sim.world().contacts.len(), contacts0);
    // A template creates the contact and a STARTED conversation in the chosen team.
    let (s, b) = t
        .post(
            "/chat/v1/send/template",
            json!({
                "to": "5511912345678",
                "templateId": tpl,
                "parameters": {"1": "Joana"},
                "senderId": "outbox-7",
                "options": {"department": {"id": demo.department_ids[1]}, "user": {"id": demo.user_id}}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "QUEUED");
    assert_eq!(b["senderId"], "outbox-7");
    let sid = b["sessionId"].as_str().unwrap().to_string();
    let session = t
        .ok(&format!(
            "/chat/v2/session/{sid}?IncludeDetails=ContactDetails"
        ))
        .await;
    assert_eq!(session["status"], "STARTED");
    assert_eq!(session["windowStatus"], "NOT_STARTED");
    assert_eq!(session["departmentId"], demo.department_ids[1].as_str());
    assert_eq!(session["userId"], demo.user_id.as_str());
    assert_eq!(session["contactDetails"]["phonenumber"], "+55|11912345678");
    assert_eq!(
        session["lastMessageText"],
        "Olá Joana! 👋 Aqui é da Loja Centro. Como podemos ajudar você hoje?"
    );
    // The contact replies: the window opens and free text works, by phone or by session.
    t.sim
        .world()
        .add_message(&sid, Direction::ToHub, "Oi! Quero um orçamento");
    let (s, b) = t
        .post(
            "/chat/v1/send/text",
            json!({"to": "(11) 91234-5678", "text": "Claro!"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["sessionId"], sid.as_str());
    let (s, _) = t
        .post(
            "/chat/v1/send/text",
            json!({"sessionId": sid, "text": "Um momento."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let st = t.sim.stats();
    assert_eq!(st.by_route["POST /chat/v1/send/text"].requests, 3);
    assert_eq!(st.by_route["POST /chat/v1/send/template"].requests, 1);
}
