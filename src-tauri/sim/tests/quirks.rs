//! `Faults::quirks` over real loopback HTTP: the real API's answer shapes (re-spelled
//! timestamps, unknown fields, `contactDetails` null in lists, contact fields in the other
//! spelling, reference lists in either form), deterministic per item, undone by
//! `quirks::normalize`; and the enum values helena.md does not list, as world state.

use std::collections::BTreeSet;

use atende_sim::quirks::{self, Spelling};
use atende_sim::{ChannelType, Faults, SessionStatus, SimConfig};
use serde_json::{json, Value};

mod common;
use common::T;

const SESSIONS: &str = "/chat/v2/session?PageSize=100&IncludeDetails=All";
const CONTACTS: &str =
    "/core/v1/contact?PageSize=100&IncludeDetails=Tags&IncludeDetails=CustomFields";

fn quirks_on() -> Faults {
    Faults {
        quirks: true,
        ..Faults::default()
    }
}

impl T {
    fn quirk_count(&self) -> u64 {
        self.sim.stats().faults.get("quirks").copied().unwrap_or(0)
    }

    /// Whether each of 8 reads of the tag list came as a plain array.
    async fn tag_forms(&self) -> Vec<bool> {
        let mut out = vec![];
        for _ in 0..8 {
            out.push(self.ok("/core/v1/tag").await.is_array());
        }
        out
    }

    /// Every item of a list (walking the pages), as served.
    async fn all(&self, path_with_query: &str) -> Vec<Value> {
        self.walk_pages(path_with_query, 100, |_, _, _| {}).await
    }
}

fn items_of(body: &Value) -> Vec<Value> {
    match body {
        Value::Array(a) => a.clone(),
        other => other["items"].as_array().expect("an envelope").clone(),
    }
}

/// `2024-06-27T13:45:09.123Z`: the simulator's own spelling.
fn is_canonical(s: &str) -> bool {
    s.len() == 24 && s.as_bytes()[19] == b'.' && s.ends_with('Z')
}

#[tokio::test]
async fn quirks_on_answers_reshape_the_same_items_the_same_way_every_time() {
    let t = T::small().await;
    let plain_sessions = t.all(SESSIONS).await;
    let plain_contacts = t.all(CONTACTS).await;
    assert_eq!(t.quirk_count(), 0, "off by default");

    // Switched at run time, through the admin route like every fault.
    let resp = t
        .json_req(
            reqwest::Method::PUT,
            "/__sim/faults",
            json!({"quirks": true}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    assert!(t.sim.faults().quirks);

    let sessions = t.all(SESSIONS).await;
    assert_eq!(sessions, t.all(SESSIONS).await, "a re-read is identical");
    assert!(t.quirk_count() >= 2, "counted per reshaped answer");
    assert_eq!(sessions.len(), plain_sessions.len());

    // Show one answer as served (visible with --nocapture).
    let shown = sessions
        .iter()
        .find(|s| quirks::UNKNOWN_FIELDS.iter().any(|k| s.get(*k).is_some()))
        .expect("a session with unknown fields");
    eprintln!(
        "a quirks-on session: {}",
        serde_json::to_string_pretty(shown).unwrap()
    );

    let (mut respelled, mut dropped, mut unknown) = (0, 0, 0);
    let w = t.sim.world_dump();
    for (q, p) in sessions.iter().zip(&plain_sessions) {
        assert_eq!(q["id"], p["id"], "same items, same order");
        let updated = q["updatedAt"].as_str().unwrap();
        respelled += usize::from(!is_canonical(updated));
        // The same instant as the world's.
        let s = w.sessions.iter().find(|s| s.id == q["id"]).unwrap();
        let served = chrono::DateTime::parse_from_rfc3339(updated).unwrap();
        assert_eq!(served, s.updated_at);
        dropped += usize::from(q["contactDetails"].is_null());
        unknown += usize::from(quirks::UNKNOWN_FIELDS.iter().any(|k| q.get(*k).is_some()));
        // Undone, the item is what the simulator serves without quirks.
        let mut n = q.clone();
        quirks::normalize(&mut n);
        let mut expected = p.clone();
        if n["contactDetails"].is_null() {
            expected["contactDetails"] = Value::Null;
        }
        assert_eq!(n, expected);
        // By id, contactDetails is always there.
        let id = q["id"].as_str().unwrap();
        let one = t
            .ok(&format!("/chat/v2/session/{id}?includeDetails=All"))
            .await;
        assert!(one["contactDetails"].is_object(), "{id}");
        assert_eq!(one["updatedAt"], q["updatedAt"], "{id}: spelled the same");
    }
    assert!(respelled > 0 && respelled < sessions.len(), "{respelled}");
    assert!(dropped > 0 && dropped < sessions.len() / 3, "{dropped}");
    assert!(unknown > 0 && unknown < sessions.len() / 2, "{unknown}");

    let contacts = t.all(CONTACTS).await;
    assert_eq!(contacts, t.all(CONTACTS).await);
    let mut spellings = BTreeSet::new();
    for (q, p) in contacts.iter().zip(&plain_contacts) {
        let id = q["id"].as_str().unwrap();
        let spelling = quirks::contact_spelling(id);
        spellings.insert(format!("{spelling:?}"));
        match spelling {
            Spelling::Other => {
                assert!(q.get("phonenumber").is_none(), "{q}");
                assert_eq!(q["phoneNumber"], p["phonenumber"]);
                assert_eq!(q["tagIds"], p["tagsId"]);
            }
            Spelling::Both => assert_eq!(q["phoneNumber"], q["phonenumber"]),
            Spelling::Documented => assert!(q.get("phoneNumber").is_none()),
        }
        let by_id = t
            .ok(&format!(
                "/core/v1/contact/{id}?IncludeDetails=Tags&IncludeDetails=CustomFields"
            ))
            .await;
        assert_eq!(&by_id, q, "a contact reads the same in the list and by id");
        let mut n = q.clone();
        quirks::normalize_contact(&mut n);
        assert_eq!(&n, p);
    }
    assert_eq!(spellings.len(), 3, "{spellings:?}");

    // Messages too: same items, same instants.
    let sid = plain_sessions[0]["id"].as_str().unwrap();
    let path = format!("/chat/v1/session/{sid}/message?PageSize=100");
    let served = t.ok(&path).await;
    assert_eq!(served, t.ok(&path).await);
    t.sim.set_faults(Faults::default()).unwrap();
    let mut undone = served.clone();
    quirks::normalize(&mut undone);
    assert_eq!(undone, t.ok(&path).await);
}

#[tokio::test]
async fn reference_lists_come_as_arrays_or_envelopes_with_the_same_items() {
    let t = T::small().await;
    let paths = [
        "/core/v1/tag",
        "/core/v1/agent",
        "/core/v1/department",
        "/chat/v1/channel",
        "/core/v1/custom-field",
        "/core/v1/contact/custom-field",
        "/core/v2/department?PageSize=100",
        "/chat/v1/template?PageSize=100&IncludeDetails=Params",
    ];
    t.sim.set_faults(quirks_on()).unwrap();
    for path in paths {
        let mut forms = BTreeSet::new();
        let mut items = BTreeSet::new();
        for _ in 0..16 {
            let body = t.ok(path).await;
            forms.insert(if body.is_array() { "array" } else { "envelope" });
            if let Some(more) = body.get("hasMorePages") {
                assert_eq!(more, false, "{path}: the whole list on one page");
                assert_eq!(body["pageNumber"], 1);
            }
            items.insert(serde_json::to_string(&items_of(&body)).unwrap());
        }
        assert_eq!(forms.len(), 2, "{path}: {forms:?}");
        assert_eq!(items.len(), 1, "{path}: the same items either way");
    }
    // Reproducible: the same seed and requests give the same forms.
    t.sim.set_faults(quirks_on()).unwrap();
    let a = t.tag_forms().await;
    t.sim.set_faults(quirks_on()).unwrap();
    assert_eq!(a, t.tag_forms().await);
}

#[tokio::test]
async fn quirks_respect_the_fault_scope_and_spare_writes() {
    let t = T::small().await;
    let plain = t.ok(CONTACTS).await;
    t.sim
        .set_faults(Faults {
            routes: Some(vec!["/chat".into()]),
            ..quirks_on()
        })
        .unwrap();
    assert_eq!(t.ok(CONTACTS).await, plain, "out of scope");
    let before = t.quirk_count();
    let sessions = t.ok(SESSIONS).await;
    assert!(t.quirk_count() > before);
    // A write answers in the canonical form.
    let sid = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "PENDING")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let me = t.sim.demo_agent().user_id;
    let resp = t
        .json_req(
            reqwest::Method::PUT,
            &format!("/chat/v1/session/{sid}/assignee"),
            json!({"userId": me}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let v: Value = resp.json().await.unwrap();
    assert!(is_canonical(v["updatedAt"].as_str().unwrap()), "{v}");
    assert!(quirks::UNKNOWN_FIELDS.iter().all(|k| v.get(*k).is_none()));
}

#[tokio::test]
async fn newer_enum_values_are_served_as_world_state() {
    let t = T::new(SimConfig {
        newer_enum_values: true,
        ..SimConfig::small()
    })
    .await;
    let sessions = t.all("/chat/v2/session").await;
    let statuses: BTreeSet<&str> = sessions
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains("ON_HOLD") && statuses.contains("WAITING_NEW"));
    let on_hold = t.all("/chat/v2/session?Status=ON_HOLD").await;
    assert!(!on_hold.is_empty());
    assert!(on_hold.iter().all(|s| s["endAt"].is_null()));
    let web = t.ok("/chat/v1/channel?ChannelType=WebChat").await;
    assert_eq!(web.as_array().unwrap().len(), 1);
    assert_eq!(web[0]["channelType"], "WEBCHAT");
    let dump = t.sim.world_dump();
    assert!(dump
        .sessions
        .iter()
        .any(|s| s.channel_type == ChannelType::Webchat));
    assert!(dump
        .messages
        .iter()
        .any(|m| m.message_type.as_str() == "INTERACTIVE"));

    // At run time, on a world seeded without them; a status change to ON_HOLD keeps it open.
    let t = T::small().await;
    let changed = t.sim.world().adopt_newer_values();
    let id = &changed.on_hold[0];
    let one = t.ok(&format!("/chat/v2/session/{id}")).await;
    assert_eq!(one["status"], "ON_HOLD");
    assert_eq!(one["statusDescription"], "Em espera");
    let sid = t
        .sim
        .world()
        .sessions
        .iter()
        .find(|s| s.status == SessionStatus::Completed)
        .unwrap()
        .id
        .clone();
    let resp = t
        .json_req(
            reqwest::Method::PUT,
            &format!("/chat/v1/session/{sid}/status"),
            json!({"newStatus": "ON_HOLD"}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let s: Value = resp.json().await.unwrap();
    assert_eq!(
        (s["status"].as_str(), s["endAt"].is_null()),
        (Some("ON_HOLD"), true)
    );
}
