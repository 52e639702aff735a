//! The real API's answer shapes, behind [`Faults::quirks`](crate::Faults::quirks): what a
//! live Helena server (an ASP.NET application) sends that the documentation does not promise.
//!
//! The fault layer ([`faults::around`](crate::faults)) hands every 2xx JSON answer of a `GET`
//! in the faults' scope (`reads`, `routes`) to `reshape`, which rewrites the body and counts
//! [`FaultKind::Quirks`] once per answer it changed. Nothing here touches the world: a
//! [`WorldDump`](crate::WorldDump) stays canonical, and [`normalize`] /
//! [`normalize_contact`] turn what a client stored back into it.
//!
//! | quirk | what is served | chosen by |
//! |---|---|---|
//! | .NET timestamps | every date field (`…At`, `timestamp`, `lastInteractionDate`, `lastMessageIn`/`Out`) in the canonical `YYYY-MM-DDTHH:MM:SS.mmmZ` is re-spelled with 0 to 7 fractional digits: `…:09Z` (only when the milliseconds are 0), `…:09.12Z`, `…:09.1200000Z`. Same instant, never truncated | a hash of the value |
//! | unknown fields | 1 item in 4 carries some of `botContext` (an object), `externalRef` (`null`), `schemaVersion`, `integrations` (`[]`); nested objects (`contactDetails`, `agentDetails`, `channelDetails`, `departmentDetails`, `classification`, `utm`, `details`, `identity`, the items of `departments` and `params`) carry `extensionData` (`null`) or `legacyId` one time in 3 | a hash of the item's `id` (and the key) |
//! | no `contactDetails` | in session *lists* (`/chat/v{1,2}/session`) 1 session in 7 comes with `contactDetails: null` even when `IncludeDetails` asked for it; by-id reads keep it | a hash of the session id |
//! | contact spellings | 1 contact in 3 is served in the other spelling of helena.md §4 (`phoneNumber`, `phoneNumberFormatted`, `tagIds`, `tagNames`, `customFields` instead of `phonenumber`, `phonenumberFormatted`, `tagsId`, `tags`, `customFieldValues`), 1 in 6 in both at once (the same values twice); the same in a session's `contactDetails` (`tagsName` ↔ `tagNames`). Lists, by id, by phone | a hash of the contact id |
//! | reference list form | the plain arrays (`/core/v1/tag`, `/core/v1/agent`, `/core/v1/department`, `/chat/v1/channel`, `/core/v1/custom-field`, `/core/v1/contact/custom-field`) come as the §1.1 envelope with the whole list on page 1 (`hasMorePages: false`); the paged lists (`/core/v2/department`, `/chat/v1/template`) come as a plain array when one page holds them all. The items are the same either way | per request (half the time), from the faults' seed and the request's number |
//!
//! Every choice but the last is a pure function of the item, so the same item reads the same
//! on every request, in a list or by id (a client rewrites a row whose raw JSON changed; a
//! re-read must not look like a change). Free-form maps (`customFieldValues`, `customFields`,
//! `metadata`, `formData`) are left alone: their contents are data, not the server's shape.
//!
//! Enum values the documentation does not list (`SessionStatus::ON_HOLD`, `WAITING_NEW`,
//! `MessageType::INTERACTIVE`, `ChannelType::WEBCHAT`, the `NEWER` lists of the model enums)
//! are world state, not a reshape, so a dump agrees with what is served: put them in a world
//! with [`World::adopt_newer_values`] at run time, or
//! [`SimConfig::newer_enum_values`](crate::SimConfig::newer_enum_values) at seeding.

use axum::body::Body;
use axum::http::{header, Uri};
use axum::response::Response;
use chrono::{DateTime, Timelike, Utc};
use serde_json::{json, Map, Value};

use crate::faults::{fnv1a, FaultKind};
use crate::model::{
    ts, Channel, ChannelIdentity, ChannelType, Direction, MessageType, SessionStatus,
};
use crate::query::{Query, DEFAULT_PAGE_SIZE};
use crate::server::Shared;
use crate::world::World;

/// The names of every field the quirks add, top level or nested. No model field has one, so
/// a client may drop them wherever they appear.
pub const UNKNOWN_FIELDS: [&str; 6] = [
    "botContext",
    "externalRef",
    "schemaVersion",
    "integrations",
    "extensionData",
    "legacyId",
];

/// Nested objects (or arrays of objects) of an item that may carry unknown fields.
const NESTED: [&str; 10] = [
    "contactDetails",
    "agentDetails",
    "channelDetails",
    "departmentDetails",
    "classification",
    "utm",
    "details",
    "identity",
    "departments",
    "params",
];

/// Free-form maps: their keys and values are data, never re-spelled or extended.
const FREE_FORM: [&str; 4] = ["customFieldValues", "customFields", "metadata", "formData"];

/// A contact's fields in the documented (webhook) spelling and the other one (§4).
const CONTACT_SPELLINGS: [(&str, &str); 5] = [
    ("phonenumber", "phoneNumber"),
    ("phonenumberFormatted", "phoneNumberFormatted"),
    ("tagsId", "tagIds"),
    ("tags", "tagNames"),
    ("customFieldValues", "customFields"),
];

/// The same for a session's `contactDetails`.
const DETAILS_SPELLINGS: [(&str, &str); 4] = [
    ("phonenumber", "phoneNumber"),
    ("phonenumberFormatted", "phoneNumberFormatted"),
    ("tagsId", "tagIds"),
    ("tagsName", "tagNames"),
];

fn hash(salt: &str, key: &str) -> u64 {
    fnv1a(&[salt.as_bytes(), key.as_bytes()])
}

/// How a contact's fields are spelled in every answer that carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// `phonenumber`, `phonenumberFormatted`, `tagsId`, `tags` / `tagsName`, `customFieldValues`.
    Documented,
    /// `phoneNumber`, `phoneNumberFormatted`, `tagIds`, `tagNames`, `customFields`.
    Other,
    /// Both, with the same values.
    Both,
}

/// The spelling contact `id` is served in with quirks on.
pub fn contact_spelling(id: &str) -> Spelling {
    match hash("spelling", id) % 6 {
        0 | 1 => Spelling::Other,
        2 => Spelling::Both,
        _ => Spelling::Documented,
    }
}

/// Whether item `id` carries unknown top-level fields with quirks on.
pub fn carries_unknown_fields(id: &str) -> bool {
    hash("unknown", id).is_multiple_of(4)
}

/// Whether session `id` comes with `contactDetails: null` in lists with quirks on.
pub fn drops_contact_details(id: &str) -> bool {
    hash("no-contact-details", id).is_multiple_of(7)
}

/// Whether `key` names a date field (what .NET serialises from a `DateTime`).
fn is_date_key(key: &str) -> bool {
    key.ends_with("At")
        || matches!(
            key,
            "timestamp" | "lastInteractionDate" | "lastMessageIn" | "lastMessageOut" | "date"
        )
}

/// `s` in the canonical form (`2024-06-27T13:45:09.120Z`), parsed.
fn canonical_instant(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != 24 || !s.ends_with('Z') {
        return None;
    }
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    (ts::format(&t) == s).then_some(t)
}

/// A canonical timestamp re-spelled with 0 to 7 fractional digits (as many as the value
/// needs, at least: never truncated), the count chosen by a hash of the value. `None` for a
/// string not in the canonical form.
pub fn respell_timestamp(s: &str) -> Option<String> {
    let t = canonical_instant(s)?;
    let ms = t.nanosecond() / 1_000_000;
    let needed: u64 = match ms {
        0 => 0,
        m if m % 100 == 0 => 1,
        m if m % 10 == 0 => 2,
        _ => 3,
    };
    let digits = usize::try_from(needed + hash("timestamp", s) % (8 - needed)).unwrap_or(3);
    let mut out = s[..19].to_string();
    if digits > 0 {
        let frac = format!("{ms:03}0000");
        out.push('.');
        out.push_str(&frac[..digits]);
    }
    out.push('Z');
    Some(out)
}

/// Re-spells the date fields of `v`, recursively (free-form maps excepted).
fn respell_dates(v: &mut Value) -> bool {
    let mut changed = false;
    match v {
        Value::Array(items) => {
            for x in items {
                changed |= respell_dates(x);
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if FREE_FORM.contains(&k.as_str()) {
                    continue;
                }
                if let Value::String(s) = x {
                    if is_date_key(k) {
                        if let Some(new) = respell_timestamp(s) {
                            changed |= new != *s;
                            *s = new;
                        }
                    }
                } else {
                    changed |= respell_dates(x);
                }
            }
        }
        _ => {}
    }
    changed
}

/// Adds `key: value` unless the object already has `key`.
fn add(o: &mut Map<String, Value>, key: &str, value: Value) -> bool {
    if o.contains_key(key) {
        return false;
    }
    o.insert(key.to_string(), value);
    true
}

/// One nested unknown field, chosen by `h`.
fn add_nested(o: &mut Map<String, Value>, h: u64) -> bool {
    if h >> 8 & 1 == 0 {
        add(o, "extensionData", Value::Null)
    } else {
        add(o, "legacyId", json!((h >> 16) % 100_000))
    }
}

/// The unknown fields of one item (an object with an `id`).
fn add_unknown_fields(item: &mut Map<String, Value>) -> bool {
    let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) else {
        return false;
    };
    let mut changed = false;
    if carries_unknown_fields(&id) {
        let h = hash("unknown-which", &id);
        let mut any = false;
        if h & 1 == 1 {
            any = true;
            changed |= add(
                item,
                "botContext",
                json!({
                    "botId": format!("{:016x}", hash("bot", &id)),
                    "flowStep": (h >> 8) % 9,
                    "variables": {"canal": "api", "tentativas": (h >> 12) % 3},
                }),
            );
        }
        if h >> 1 & 1 == 1 {
            any = true;
            changed |= add(item, "schemaVersion", json!(2 + (h >> 16) % 2));
        }
        if h >> 2 & 1 == 1 {
            any = true;
            changed |= add(item, "integrations", json!([]));
        }
        if !any || h >> 3 & 1 == 1 {
            changed |= add(item, "externalRef", Value::Null);
        }
    }
    for key in NESTED {
        let h = fnv1a(&[b"unknown-nested", id.as_bytes(), key.as_bytes()]);
        if !h.is_multiple_of(3) {
            continue;
        }
        match item.get_mut(key) {
            Some(Value::Object(o)) => changed |= add_nested(o, h),
            Some(Value::Array(a)) => {
                for (i, x) in a.iter_mut().enumerate() {
                    if let Value::Object(o) = x {
                        changed |= add_nested(o, h ^ (i as u64).wrapping_mul(0x9e37_79b9));
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

/// Serves a contact object (by its `id`) in its spelling.
fn respell_contact(o: &mut Map<String, Value>, pairs: &[(&str, &str)]) -> bool {
    let Some(id) = o.get("id").and_then(Value::as_str) else {
        return false;
    };
    let mut changed = false;
    match contact_spelling(id) {
        Spelling::Documented => {}
        Spelling::Other => {
            for (ours, theirs) in pairs {
                if let Some(v) = o.remove(*ours) {
                    o.insert((*theirs).to_string(), v);
                    changed = true;
                }
            }
        }
        Spelling::Both => {
            for (ours, theirs) in pairs {
                if let Some(v) = o.get(*ours).cloned() {
                    changed |= add(o, theirs, v);
                }
            }
        }
    }
    changed
}

/// What an answer holds, by its path (after routing, so the path is one of the routes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    SessionList,
    Session,
    ContactList,
    Contact,
    /// A reference list the simulator answers as a plain array.
    ReferenceArray,
    /// A reference list the simulator answers as a page envelope.
    ReferencePaged,
    Other,
}

impl Answer {
    fn of(path: &str) -> Answer {
        let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
        match seg.as_slice() {
            ["chat", "v1" | "v2", "session"] => Answer::SessionList,
            ["chat", "v1" | "v2", "session", _] => Answer::Session,
            ["core", "v1", "contact"] => Answer::ContactList,
            ["core", "v1", "contact", "custom-field"] => Answer::ReferenceArray,
            ["core", "v1", "contact", "phonenumber", _] | ["core", "v1", "contact", _] => {
                Answer::Contact
            }
            ["core", "v1", "tag" | "agent" | "department" | "custom-field"]
            | ["chat", "v1", "channel"] => Answer::ReferenceArray,
            ["core", "v2", "department"] | ["chat", "v1", "template"] => Answer::ReferencePaged,
            _ => Answer::Other,
        }
    }
}

/// Applies every quirk to the body of a 2xx answer to `GET path?query`; `draw` decides the
/// per-request ones. Returns whether the body changed.
pub(crate) fn apply(path: &str, query: Option<&str>, draw: u64, body: &mut Value) -> bool {
    let answer = Answer::of(path);
    let mut changed = false;
    let paged = body.get("items").is_some_and(Value::is_array);
    let items: Vec<&mut Value> = if let Value::Array(items) = body {
        items.iter_mut().collect()
    } else if paged {
        (body.get_mut("items").and_then(Value::as_array_mut))
            .map(|items| items.iter_mut().collect())
            .unwrap_or_default()
    } else {
        vec![body]
    };
    for item in items {
        let Value::Object(o) = item else { continue };
        match answer {
            Answer::ContactList | Answer::Contact => {
                changed |= respell_contact(o, &CONTACT_SPELLINGS);
            }
            Answer::SessionList | Answer::Session => {
                let drop = answer == Answer::SessionList
                    && o.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(drops_contact_details);
                if let Some(d) = o.get_mut("contactDetails") {
                    if drop && d.is_object() {
                        *d = Value::Null;
                        changed = true;
                    } else if let Value::Object(d) = d {
                        changed |= respell_contact(d, &DETAILS_SPELLINGS);
                    }
                }
            }
            _ => {}
        }
        changed |= add_unknown_fields(o);
    }
    changed |= respell_dates(body);
    if draw % 2 == 1 {
        changed |= flip_form(answer, query, body);
    }
    changed
}

/// A plain array as the §1.1 envelope (the whole list on page 1), or a paged answer that
/// holds the whole list as a plain array.
fn flip_form(answer: Answer, query: Option<&str>, body: &mut Value) -> bool {
    match answer {
        Answer::ReferenceArray => {
            let Value::Array(items) = body else {
                return false;
            };
            let items = std::mem::take(items);
            let n = items.len();
            let size = Query::parse(query)
                .get("PageSize")
                .and_then(|v| v.trim().parse::<u32>().ok())
                .unwrap_or(DEFAULT_PAGE_SIZE);
            *body = json!({
                "pageNumber": 1,
                "pageSize": size,
                "orderBy": "Name",
                "orderDirection": "ASCENDING",
                "items": items,
                "totalItems": n,
                "totalPages": u32::from(n > 0),
                "hasMorePages": false,
            });
            true
        }
        Answer::ReferencePaged => {
            let whole = body["pageNumber"] == 1 && body["hasMorePages"] == false;
            match body.get_mut("items") {
                Some(Value::Array(items)) if whole => {
                    let items = std::mem::take(items);
                    *body = Value::Array(items);
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Reshapes one answer (see the module docs); counts [`FaultKind::Quirks`] when it changed.
pub(crate) async fn reshape(st: &Shared, uri: &Uri, draw: u64, resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "quirks: could not read an answer");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    // Every answer goes out re-serialised, changed or not, so an item's text (its key order)
    // is the same whatever else the answer held: a real server's is stable, and a client that
    // compares raw text must not see a change where there is none.
    let changed = apply(uri.path(), uri.query(), draw, &mut v);
    let Ok(out) = serde_json::to_vec(&v) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if changed {
        st.count_fault(FaultKind::Quirks);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

// ----- the client's side ---------------------------------------------------------------------

/// Undoes the quirks on one item a client stored (its raw JSON, parsed), so it compares with
/// the same item of a [`WorldDump`](crate::WorldDump) serialised: date fields back to the
/// canonical form, every [`UNKNOWN_FIELDS`] name dropped (at any depth, free-form maps
/// excepted), and a session's `contactDetails` back to the documented spelling. For a
/// contact, use [`normalize_contact`]. A `contactDetails` the list sent as `null` cannot be
/// restored: compare it only when present.
pub fn normalize(v: &mut Value) {
    canonical_dates(v);
    drop_unknown(v);
    if let Some(Value::Object(d)) = v.get_mut("contactDetails") {
        documented_spelling(d, &DETAILS_SPELLINGS);
    }
}

/// [`normalize`] for a contact: also back to the documented spelling at the top level.
pub fn normalize_contact(v: &mut Value) {
    normalize(v);
    if let Value::Object(o) = v {
        documented_spelling(o, &CONTACT_SPELLINGS);
    }
}

/// The other spelling renamed to the documented one (dropped when both were served).
fn documented_spelling(o: &mut Map<String, Value>, pairs: &[(&str, &str)]) {
    for (ours, theirs) in pairs {
        if let Some(v) = o.remove(*theirs) {
            if !o.contains_key(*ours) {
                o.insert((*ours).to_string(), v);
            }
        }
    }
}

/// Date fields in any spelling back to the canonical form (milliseconds, `Z`).
fn canonical_dates(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(canonical_dates),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if FREE_FORM.contains(&k.as_str()) {
                    continue;
                }
                match x {
                    Value::String(s) if is_date_key(k) => {
                        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                            *s = ts::format(&t.with_timezone(&Utc));
                        }
                    }
                    _ => canonical_dates(x),
                }
            }
        }
        _ => {}
    }
}

fn drop_unknown(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(drop_unknown),
        Value::Object(o) => {
            for k in UNKNOWN_FIELDS {
                o.remove(k);
            }
            for (k, x) in o.iter_mut() {
                if !FREE_FORM.contains(&k.as_str()) {
                    drop_unknown(x);
                }
            }
        }
        _ => {}
    }
}

// ----- enum values the documentation does not list ---------------------------------------------

/// What [`World::adopt_newer_values`] changed: the ids of the items that now hold values
/// helena.md does not list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewerValues {
    /// Sessions now `ON_HOLD` (they were `IN_PROGRESS`; still open and assigned).
    pub on_hold: Vec<String>,
    /// Sessions now `WAITING_NEW` (they were `PENDING`; still open and in their queue).
    pub waiting_new: Vec<String>,
    /// Messages now of type `INTERACTIVE` (they were inbound `TEXT`, text kept).
    pub interactive: Vec<String>,
    /// The `WEBCHAT` channel (added unless the world had one).
    pub webchat_channel: Option<String>,
    /// A concluded session moved onto the `WEBCHAT` channel (`channelId`, `channelType`).
    pub webchat_session: Option<String>,
}

/// One in `per` of `n`, rounded up (at least one when `n > 0`).
fn few(n: usize, per: usize) -> usize {
    n.div_ceil(per)
}

/// The `k` ids of `ids` with the smallest hash under `salt` (a stable, spread-out choice).
fn choose(mut ids: Vec<(usize, String)>, salt: &str, k: usize) -> Vec<(usize, String)> {
    ids.sort_by_key(|(_, id)| hash(salt, id));
    ids.truncate(k);
    ids.sort();
    ids
}

impl World {
    /// Turns a few items into enum values helena.md does not list, as a live server may
    /// (real state: lists, by-id reads and [`World::dump`] agree). One `IN_PROGRESS` session
    /// in 8 becomes `ON_HOLD` and one `PENDING` in 8 `WAITING_NEW` (both stay open: no
    /// `endAt`, the same assignee and team; the world treats them like `IN_PROGRESS` and
    /// `PENDING`); one inbound `TEXT` message in 40 becomes `INTERACTIVE`; a `WEBCHAT` channel
    /// is added and one `COMPLETED` session moves onto it. Each changed item gets a fresh
    /// `updatedAt`, so an incremental client sees it. The choice is a hash of the ids.
    pub fn adopt_newer_values(&mut self) -> NewerValues {
        newer_values(self, true)
    }
}

/// [`World::adopt_newer_values`] at seeding: the same changes, timestamps untouched (a seeded
/// world stays byte-identical for a seed and base time).
pub(crate) fn seed_newer_values(w: &mut World) {
    newer_values(w, false);
}

fn newer_values(w: &mut World, stamp: bool) -> NewerValues {
    let mut out = NewerValues::default();
    let of_status = |w: &World, status: SessionStatus| -> Vec<(usize, String)> {
        (w.sessions.iter().enumerate())
            .filter(|(_, s)| s.status == status)
            .map(|(i, s)| (i, s.id.clone()))
            .collect()
    };
    for (from, to, salt) in [
        (SessionStatus::InProgress, SessionStatus::OnHold, "on-hold"),
        (
            SessionStatus::Pending,
            SessionStatus::WaitingNew,
            "waiting-new",
        ),
    ] {
        let ids = of_status(w, from);
        let k = few(ids.len(), 8);
        for (i, id) in choose(ids, salt, k) {
            let t = stamp.then(|| w.now_stamp());
            let s = &mut w.sessions[i];
            s.status = to;
            s.status_description = to.description().into();
            if let Some(t) = t {
                s.updated_at = t;
            }
            match to {
                SessionStatus::OnHold => out.on_hold.push(id),
                _ => out.waiting_new.push(id),
            }
        }
    }

    let texts: Vec<(usize, String)> = (w.messages.iter().enumerate())
        .filter(|(_, m)| m.message_type == MessageType::Text && m.direction == Direction::ToHub)
        .map(|(i, m)| (i, m.id.clone()))
        .collect();
    let k = few(texts.len(), 40);
    for (i, id) in choose(texts, "interactive", k) {
        let t = stamp.then(|| w.now_stamp());
        let m = &mut w.messages[i];
        m.message_type = MessageType::Interactive;
        if let Some(t) = t {
            m.updated_at = t;
        }
        out.interactive.push(id);
    }

    let channel = match w
        .channels
        .iter()
        .find(|c| c.channel_type == ChannelType::Webchat)
    {
        Some(c) => c.id.clone(),
        None => {
            let id = w.new_id();
            w.channels.push(Channel {
                id: id.clone(),
                channel_type: ChannelType::Webchat,
                identity: ChannelIdentity {
                    human_id: "chat-do-site".into(),
                    platform: "WebChat".into(),
                    provider: "WEBCHAT".into(),
                    display_name: "Chat do site".into(),
                    picture_url: None,
                },
            });
            id
        }
    };
    out.webchat_channel = Some(channel.clone());
    let done = of_status(w, SessionStatus::Completed);
    if let Some((i, id)) = choose(done, "webchat", 1).pop() {
        let t = stamp.then(|| w.now_stamp());
        let s = &mut w.sessions[i];
        s.channel_id = channel;
        s.channel_type = ChannelType::Webchat;
        if let Some(t) = t {
            s.updated_at = t;
        }
        out.webchat_session = Some(id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_respelled_losslessly_and_deterministically() {
        let mut digits = [0usize; 8];
        for ms in 0..1000u32 {
            for sec in [0u32, 9, 59] {
                let s = format!("2024-06-27T13:45:{sec:02}.{ms:03}Z");
                let r = respell_timestamp(&s).unwrap();
                assert_eq!(respell_timestamp(&s).as_deref(), Some(r.as_str()), "stable");
                let a = DateTime::parse_from_rfc3339(&s).unwrap();
                let b = DateTime::parse_from_rfc3339(&r).unwrap();
                assert_eq!(a, b, "{s} -> {r}: same instant");
                assert!(r.starts_with(&s[..19]) && r.ends_with('Z'), "{r}");
                let n = r.len() - 20 - usize::from(r.len() > 20);
                assert!(n <= 7, "{r}");
                digits[n] += 1;
            }
        }
        // Every count from 1 to 7 occurs (0, for whole seconds only, in the next test).
        assert!(digits[1..].iter().all(|&n| n > 0), "{digits:?}");
        // Only the canonical form is touched.
        assert_eq!(respell_timestamp("2024-06-27T13:45:09Z"), None);
        assert_eq!(respell_timestamp("2024-06-27T13:45:09.1234Z"), None);
        assert_eq!(respell_timestamp("2024-06-27 13:45:09.123Z"), None);
        assert_eq!(respell_timestamp("Bom dia"), None);
    }

    #[test]
    fn whole_seconds_and_seven_digits_occur_and_nothing_is_cut() {
        let whole: Vec<String> = (0..600)
            .map(|i| format!("2024-06-27T13:{:02}:{:02}.000Z", i / 60, i % 60))
            .filter_map(|s| respell_timestamp(&s))
            .collect();
        assert!(whole.iter().any(|r| r.len() == 20), "`…:09Z`");
        assert!(whole.iter().any(|r| r.ends_with(".0000000Z")));
        for sec in 0..60 {
            let r = respell_timestamp(&format!("2024-06-27T13:45:{sec:02}.120Z")).unwrap();
            assert!(r.contains(".12"), "{r}");
            let r = respell_timestamp(&format!("2024-06-27T13:45:{sec:02}.123Z")).unwrap();
            assert!(r.contains(".123"), "{r}");
        }
    }

    fn session(id: &str) -> Value {
        json!({
            "id": id,
            "createdAt": "2024-06-27T13:45:09.120Z",
            "updatedAt": "2024-06-27T13:46:00.000Z",
            "endAt": null,
            "status": "IN_PROGRESS",
            "metadata": {"pedidoAt": "2024-06-27T13:45:09.120Z"},
            "utm": {"source": "google"},
            "contactDetails": {
                "id": format!("c-{id}"),
                "name": "Ana",
                "phonenumber": "+55|11999990000",
                "phonenumberFormatted": "+55 (11) 99999-0000",
                "tagsId": ["t1"],
                "tagsName": ["VIP"],
            },
            "agentDetails": null,
        })
    }

    fn page(items: Vec<Value>) -> Value {
        json!({"pageNumber": 1, "pageSize": 100, "items": items, "hasMorePages": false,
               "totalItems": 0, "totalPages": 1, "orderBy": "UpdatedAt",
               "orderDirection": "ASCENDING"})
    }

    #[test]
    fn reshapes_are_deterministic_per_item_and_undone_by_normalize() {
        let ids: Vec<String> = (0..200).map(|i| format!("s{i:03}")).collect();
        let original = page(ids.iter().map(|id| session(id)).collect());
        let once = |draw: u64| {
            let mut v = original.clone();
            assert!(apply("/chat/v2/session", None, draw, &mut v));
            v
        };
        let (a, b) = (once(0), once(1));
        assert_eq!(a, b, "session lists do not vary per request");
        assert_eq!(a, once(0));
        let items = a["items"].as_array().unwrap();
        let dropped = items
            .iter()
            .filter(|s| s["contactDetails"].is_null())
            .count();
        assert!((15..45).contains(&dropped), "about 1 in 7: {dropped}");
        assert!(items
            .iter()
            .all(|s| s["contactDetails"].is_null()
                == drops_contact_details(s["id"].as_str().unwrap())));
        let unknown = items
            .iter()
            .filter(|s| UNKNOWN_FIELDS.iter().any(|k| s.get(*k).is_some()))
            .count();
        assert!((25..80).contains(&unknown), "about 1 in 4: {unknown}");
        assert!(
            items
                .iter()
                .any(|s| s["utm"].get("extensionData").is_some()
                    || s["utm"].get("legacyId").is_some())
        );
        assert!(items
            .iter()
            .any(|s| s["contactDetails"].get("tagIds").is_some()));
        // Free-form maps are data.
        assert!(items
            .iter()
            .all(|s| s["metadata"] == json!({"pedidoAt": "2024-06-27T13:45:09.120Z"})));
        // The same session by id keeps its contactDetails, and reads like in the list.
        for (i, id) in ids.iter().enumerate() {
            let mut one = session(id);
            apply(&format!("/chat/v2/session/{id}"), None, 7, &mut one);
            assert!(one["contactDetails"].is_object());
            let mut listed = items[i].clone();
            listed["contactDetails"] = Value::Null;
            one["contactDetails"] = Value::Null;
            assert_eq!(one, listed, "{id}");
        }
        // normalize gives the canonical item back (but for a dropped contactDetails).
        for (i, s) in items.iter().enumerate() {
            let mut s = s.clone();
            normalize(&mut s);
            let mut expected = original["items"][i].clone();
            if s["contactDetails"].is_null() {
                expected["contactDetails"] = Value::Null;
            }
            assert_eq!(s, expected);
        }
    }

    fn contact(id: &str) -> Value {
        json!({
            "id": id,
            "name": "Ana",
            "createdAt": "2024-06-27T13:45:09.001Z",
            "updatedAt": "2024-06-27T13:45:10.000Z",
            "phonenumber": "+55|11999990000",
            "phonenumberFormatted": "+55 (11) 99999-0000",
            "tagsId": ["t1"],
            "tags": ["VIP"],
            "customFieldValues": {"cpf": "1", "desdeAt": "2024-06-27T13:45:09.001Z"},
            "metadata": null,
            "utm": null,
        })
    }

    #[test]
    fn contacts_come_in_both_spellings_and_normalize_back() {
        let mut seen = [0usize; 3];
        for i in 0..120 {
            let id = format!("c{i}");
            let mut v = contact(&id);
            apply(&format!("/core/v1/contact/{id}"), None, 0, &mut v);
            let mut listed = page(vec![contact(&id)]);
            apply("/core/v1/contact", Some("PageSize=100"), 1, &mut listed);
            assert_eq!(listed["items"][0], v, "list and by-id agree");
            let mut by_phone = contact(&id);
            apply(
                "/core/v1/contact/phonenumber/+55|11999990000",
                None,
                0,
                &mut by_phone,
            );
            assert_eq!(by_phone, v);
            match contact_spelling(&id) {
                Spelling::Documented => {
                    seen[0] += 1;
                    assert!(v.get("phoneNumber").is_none() && v.get("phonenumber").is_some());
                }
                Spelling::Other => {
                    seen[1] += 1;
                    assert!(v.get("phonenumber").is_none() && v.get("tagsId").is_none());
                    assert_eq!(v["phoneNumber"], "+55|11999990000");
                    assert_eq!(v["tagIds"], json!(["t1"]));
                    assert_eq!(v["tagNames"], json!(["VIP"]));
                    assert_eq!(v["customFields"]["cpf"], "1");
                }
                Spelling::Both => {
                    seen[2] += 1;
                    assert_eq!(v["phoneNumber"], v["phonenumber"]);
                    assert_eq!(v["tagIds"], v["tagsId"]);
                }
            }
            // A free-form map keeps its timestamps as they are.
            let fields = v
                .get("customFieldValues")
                .or(v.get("customFields"))
                .unwrap();
            assert_eq!(fields["desdeAt"], "2024-06-27T13:45:09.001Z");
            normalize_contact(&mut v);
            assert_eq!(v, contact(&id));
        }
        assert!(seen.iter().all(|&n| n > 10), "{seen:?}");
    }

    #[test]
    fn reference_lists_switch_form_per_request() {
        let tags = json!([{"id": "t1", "name": "VIP", "color": "RED_500"},
                          {"id": "t2", "name": "Atacado", "color": "GRAY_600"}]);
        let mut plain = tags.clone();
        apply(
            "/core/v1/tag",
            Some("PageSize=100&PageNumber=1"),
            0,
            &mut plain,
        );
        let mut paged = tags.clone();
        assert!(apply(
            "/core/v1/tag",
            Some("PageSize=100&PageNumber=1"),
            1,
            &mut paged
        ));
        assert!(plain.is_array());
        assert_eq!(paged["items"], plain, "the same items either way");
        assert_eq!(paged["hasMorePages"], false);
        assert_eq!(paged["pageNumber"], 1);
        assert_eq!(paged["totalItems"], 2);
        assert_eq!(paged["pageSize"], 100);

        let whole = json!({"pageNumber": 1, "pageSize": 100, "items": tags.clone(),
                           "hasMorePages": false, "totalItems": 2, "totalPages": 1});
        let mut v = whole.clone();
        apply("/chat/v1/template", None, 0, &mut v);
        assert!(v.is_object());
        let mut v = whole.clone();
        apply("/chat/v1/template", None, 1, &mut v);
        assert_eq!(v, plain, "a whole paged list as a plain array");
        // A page that is not the whole list keeps its envelope.
        let partial = json!({"pageNumber": 1, "pageSize": 1, "items": [tags[0].clone()],
                             "hasMorePages": true, "totalItems": 2, "totalPages": 2});
        let mut v = partial.clone();
        apply("/core/v2/department", None, 1, &mut v);
        assert_eq!(v["hasMorePages"], true);
        // Other lists never change form.
        let mut v = page(vec![]);
        assert!(!apply("/chat/v1/session/x/message", None, 1, &mut v));
    }

    #[test]
    fn answers_are_classified_by_path() {
        assert_eq!(Answer::of("/chat/v2/session"), Answer::SessionList);
        assert_eq!(Answer::of("/chat/v1/session"), Answer::SessionList);
        assert_eq!(Answer::of("/chat/v2/session/abc"), Answer::Session);
        assert_eq!(Answer::of("/chat/v1/session/abc/message"), Answer::Other);
        assert_eq!(Answer::of("/core/v1/contact"), Answer::ContactList);
        assert_eq!(Answer::of("/core/v1/contact/abc"), Answer::Contact);
        assert_eq!(
            Answer::of("/core/v1/contact/phonenumber/+55|1"),
            Answer::Contact
        );
        assert_eq!(
            Answer::of("/core/v1/contact/custom-field"),
            Answer::ReferenceArray
        );
        for p in [
            "/core/v1/tag",
            "/core/v1/agent",
            "/core/v1/department",
            "/chat/v1/channel",
            "/core/v1/custom-field",
        ] {
            assert_eq!(Answer::of(p), Answer::ReferenceArray, "{p}");
        }
        assert_eq!(Answer::of("/core/v2/department"), Answer::ReferencePaged);
        assert_eq!(Answer::of("/chat/v1/template"), Answer::ReferencePaged);
        assert_eq!(Answer::of("/core/v1/agent/abc"), Answer::Other);
    }

    #[test]
    fn newer_values_are_world_state_and_keep_the_rules() {
        let cfg = crate::SimConfig::small();
        let mut w = crate::seed(&cfg, "http://sim");
        let before = w.dump();
        let changed = w.adopt_newer_values();
        assert!(!changed.on_hold.is_empty() && !changed.waiting_new.is_empty());
        assert!(!changed.interactive.is_empty());
        let channel = changed.webchat_channel.clone().unwrap();
        let moved = changed.webchat_session.clone().unwrap();
        w.ensure_index();
        for id in &changed.on_hold {
            let s = w.session(id).unwrap();
            assert_eq!(s.status, SessionStatus::OnHold);
            assert!(s.status.is_open() && s.end_at.is_none() && s.user_id.is_some());
            assert_eq!(s.status_description, "Em espera");
        }
        for id in &changed.waiting_new {
            assert_eq!(w.session(id).unwrap().status, SessionStatus::WaitingNew);
        }
        for id in &changed.interactive {
            assert_eq!(
                w.message(id).unwrap().message_type,
                MessageType::Interactive
            );
        }
        let s = w.session(&moved).unwrap();
        assert_eq!(
            (s.channel_id.as_str(), s.channel_type),
            (channel.as_str(), ChannelType::Webchat)
        );
        assert_eq!(w.channels.len(), before.channels.len() + 1);
        // Counts are unchanged; every changed item moved its updatedAt.
        assert_eq!(w.sessions.len(), before.sessions.len());
        assert_eq!(w.messages.len(), before.messages.len());
        let newest = before.sessions.iter().map(|s| s.updated_at).max().unwrap();
        assert!(w.session(&changed.on_hold[0]).unwrap().updated_at > newest);
        // The wire spellings round-trip.
        let v = serde_json::to_value(w.session(&changed.on_hold[0]).unwrap()).unwrap();
        assert_eq!(v["status"], "ON_HOLD");
        assert_eq!(
            SessionStatus::parse("waiting_new"),
            Some(SessionStatus::WaitingNew)
        );
        assert!(!SessionStatus::ALL.contains(&SessionStatus::OnHold));
        assert!(!ChannelType::Webchat.is_whatsapp());
        // An ON_HOLD session behaves like an open one: it can be concluded and reopened.
        let id = changed.on_hold[0].clone();
        w.complete_session(&id, false).unwrap();
        assert!(w.session(&id).unwrap().end_at.is_some());
        w.set_session_status(&id, SessionStatus::OnHold).unwrap();
        assert!(w.session(&id).unwrap().end_at.is_none());
        // A WAITING_NEW session assigned goes IN_PROGRESS, like a PENDING one.
        let wid = changed.waiting_new[0].clone();
        let user = w.agents[0].user_id.clone();
        w.assign_session(&wid, Some(&user)).unwrap();
        assert_eq!(w.session(&wid).unwrap().status, SessionStatus::InProgress);
    }

    #[test]
    fn the_seeding_switch_is_deterministic_and_off_by_default() {
        let base = crate::SimConfig {
            base_time: Some(DateTime::from_timestamp(1_750_000_000, 0).unwrap()),
            ..crate::SimConfig::small()
        };
        let plain = crate::seed(&base, "http://sim");
        assert!(plain
            .sessions
            .iter()
            .all(|s| SessionStatus::ALL.contains(&s.status)));
        let cfg = crate::SimConfig {
            newer_enum_values: true,
            ..base.clone()
        };
        let a = crate::seed(&cfg, "http://sim").to_json();
        let b = crate::seed(&cfg, "http://sim").to_json();
        assert_eq!(a, b);
        let w = crate::seed(&cfg, "http://sim");
        assert!(w.sessions.iter().any(|s| s.status == SessionStatus::OnHold));
        assert!(w
            .sessions
            .iter()
            .any(|s| s.status == SessionStatus::WaitingNew));
        assert!(w
            .messages
            .iter()
            .any(|m| m.message_type == MessageType::Interactive));
        assert!(w
            .channels
            .iter()
            .any(|c| c.channel_type == ChannelType::Webchat));
        // Seeded timestamps are untouched.
        let newest = |w: &World| w.sessions.iter().map(|s| s.updated_at).max();
        assert_eq!(newest(&w), newest(&plain));
        assert_eq!(w.sessions.len(), plain.sessions.len());
    }
}
