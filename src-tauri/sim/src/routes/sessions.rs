//! Session reads: `GET /chat/v2/session` (the recommended list), the legacy `/chat/v1/session`
//! list, and the by-id reads of both versions.
//!
//! The `…Details` objects are computed here from the world's other lists when `IncludeDetails`
//! asks (repeat the parameter; `All` means every kind). The v2 list honours it only when
//! `SimConfig::honour_include_details` is on (helena.md marks that unverified); by-id reads
//! always honour it. When not asked for, the detail keys are present with `null`, so a client
//! can tell "not loaded" from "empty". v1 answers omit the v2-only `type` field.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::model::{Session, SessionStatus, SessionType};
use crate::query::{OrderField, Query, SortKey};
use crate::server::AppState;
use crate::world::World;

use super::list;

/// Which detail objects to fill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Details {
    pub contact: bool,
    pub agent: bool,
    pub department: bool,
    pub channel: bool,
    pub classification: bool,
}

impl Details {
    /// Parses every `IncludeDetails` value; unknown values are a 400.
    pub fn parse(q: &Query) -> Result<Details, ApiError> {
        let mut d = Details::default();
        for v in q.all("IncludeDetails") {
            let l = v.to_ascii_lowercase();
            match l.as_str() {
                "all" => {
                    d = Details {
                        contact: true,
                        agent: true,
                        department: true,
                        channel: true,
                        classification: true,
                    }
                }
                "contactdetails" => d.contact = true,
                "agentdetails" => d.agent = true,
                "departmentsdetails" | "departmentdetails" => d.department = true,
                "channeldetails" => d.channel = true,
                // `channelType` is always sent; the flag has nothing more to add.
                "channeltypedetails" | "undefined" => {}
                "classificationdetails" => d.classification = true,
                _ => return Err(ApiError::invalid_param("IncludeDetails", v)),
            }
        }
        Ok(d)
    }
}

fn contact_details(w: &World, s: &Session) -> Value {
    match w.contact(&s.contact_id) {
        None => Value::Null,
        Some(c) => json!({
            "id": c.id,
            "name": c.name,
            "pictureUrl": Value::Null,
            "phonenumber": c.phonenumber,
            "instagram": c.instagram,
            "phonenumberFormatted": c.phonenumber_formatted,
            "tagsId": c.tags_id,
            "tagsName": w.tag_names(&c.tags_id),
            "status": c.status,
        }),
    }
}

fn agent_details(w: &World, s: &Session) -> Value {
    match s.user_id.as_deref().and_then(|u| w.agent_by_user(u)) {
        None => Value::Null,
        Some(a) => json!({
            "id": a.id,
            "userId": a.user_id,
            "name": a.name,
            "shortName": a.short_name,
            "phoneNumber": a.phone_number,
            "email": a.email,
            "pictureFileId": Value::Null,
            "pictureUrl": a.picture_url,
        }),
    }
}

fn channel_details(w: &World, s: &Session) -> Value {
    match w.channel(&s.channel_id) {
        None => Value::Null,
        Some(c) => json!({
            "humanId": c.identity.human_id,
            "platform": c.identity.platform,
            "provider": c.identity.provider,
            "providerVariable": Value::Null,
            "pictureUrl": c.identity.picture_url,
            "displayName": c.identity.display_name,
        }),
    }
}

fn department_details(w: &World, s: &Session) -> Value {
    match s.department_id.as_deref().and_then(|d| w.department(d)) {
        None => Value::Null,
        Some(d) => serde_json::to_value(d).unwrap_or(Value::Null),
    }
}

/// A session as the API answers it.
pub(crate) fn session_json(w: &World, s: &Session, d: Details, v2: bool) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_else(|_| Value::Object(Map::new()));
    if let Some(o) = v.as_object_mut() {
        if !v2 {
            o.remove("type");
        }
        if !d.classification {
            o.insert("classification".into(), Value::Null);
        }
        let pick =
            |on: bool, f: fn(&World, &Session) -> Value| if on { f(w, s) } else { Value::Null };
        o.insert("contactDetails".into(), pick(d.contact, contact_details));
        o.insert("agentDetails".into(), pick(d.agent, agent_details));
        o.insert("channelDetails".into(), pick(d.channel, channel_details));
        o.insert(
            "departmentDetails".into(),
            pick(d.department, department_details),
        );
    }
    v
}

fn session_key(s: &Session, f: OrderField) -> Option<SortKey<'_>> {
    Some(match f {
        OrderField::CreatedAt => SortKey::Time(Some(s.created_at)),
        OrderField::UpdatedAt => SortKey::Time(Some(s.updated_at)),
        OrderField::LastInteractionAt => SortKey::Time(s.last_interaction_date),
        OrderField::Name => SortKey::Text(s.title.as_deref()),
        OrderField::Id => SortKey::Text(Some(&s.id)),
    })
}

pub async fn list_v2(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list_sessions(&st, raw.as_deref(), true)
}

pub async fn list_v1(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list_sessions(&st, raw.as_deref(), false)
}

fn list_sessions(st: &AppState, raw: Option<&str>, v2: bool) -> Result<Response, ApiError> {
    let q = Query::parse(raw);
    let paging = q.paging(OrderField::CreatedAt)?;
    let statuses = q.enums("Status", SessionStatus::parse)?;
    let types = q.enums("Type", SessionType::parse)?;
    let departments = q.all("DepartmentId");
    let users = q.all("UserId");
    let contacts = q.all("ContactId");
    let mut channels = q.all("ChannelsId");
    channels.extend(q.all("ChannelId"));
    let tag_ids = q.all("TagsId");
    let tag_names = q.all("TagsName");
    let updated = q.date_range("UpdatedAt")?;
    let created = q.date_range("CreatedAt")?;
    let last = q.date_range("LastInteractionAt")?;
    let end = q.date_range("EndAt")?;
    let active = q.date_range("ActiveAt")?;
    let asked = Details::parse(&q)?;
    let details = if v2 && st.config.honour_include_details {
        asked
    } else {
        Details::default()
    };

    let mut guard = st.world();
    guard.ensure_index();
    let w: &World = &guard;
    let mut items: Vec<&Session> = w
        .sessions
        .iter()
        .filter(|s| w.visible(&s.id))
        .filter(|s| statuses.is_empty() || statuses.contains(&s.status))
        .filter(|s| types.is_empty() || types.contains(&s.session_type))
        .filter(|s| {
            departments.is_empty()
                || s.department_id
                    .as_deref()
                    .is_some_and(|d| departments.contains(&d))
        })
        .filter(|s| users.is_empty() || s.user_id.as_deref().is_some_and(|u| users.contains(&u)))
        .filter(|s| contacts.is_empty() || contacts.contains(&s.contact_id.as_str()))
        .filter(|s| channels.is_empty() || channels.contains(&s.channel_id.as_str()))
        .filter(|s| updated.contains(Some(s.updated_at)))
        .filter(|s| created.contains(Some(s.created_at)))
        .filter(|s| last.contains(s.last_interaction_date))
        .filter(|s| end.contains(s.end_at))
        // "ActiveAt" is undocumented beyond its name; the simulator reads it as the last
        // inbound message (when the contact was last active).
        .filter(|s| active.contains(s.last_message_in))
        .filter(|s| {
            if tag_ids.is_empty() && tag_names.is_empty() {
                return true;
            }
            let Some(c) = w.contact(&s.contact_id) else {
                return false;
            };
            let ids_ok =
                tag_ids.is_empty() || c.tags_id.iter().any(|t| tag_ids.contains(&t.as_str()));
            let names_ok = tag_names.is_empty()
                || w.tag_names(&c.tags_id)
                    .iter()
                    .any(|n| tag_names.iter().any(|x| x.eq_ignore_ascii_case(n)));
            ids_ok && names_ok
        })
        .collect();
    paging.sort(&mut items, session_key, |s| &s.id)?;
    let page = paging.page(&items, |s| session_json(w, s, details, v2));
    let n = page.items.len();
    Ok(list(&page, n))
}

pub async fn get_v2(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    get_session(&st, &id, raw.as_deref(), true)
}

pub async fn get_v1(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    get_session(&st, &id, raw.as_deref(), false)
}

fn get_session(st: &AppState, id: &str, raw: Option<&str>, v2: bool) -> Result<Response, ApiError> {
    let q = Query::parse(raw);
    let details = Details::parse(&q)?;
    let mut guard = st.world();
    guard.ensure_index();
    let w: &World = &guard;
    let s = w
        .session(id)
        .filter(|s| w.visible(&s.id))
        .ok_or_else(|| ApiError::from(crate::error::WorldError::not_found("session", id)))?;
    Ok(super::json(&session_json(w, s, details, v2)))
}
