//! Reference data (§5): tags, departments (v2 paged, v1 plain array), agents, channels,
//! templates (paged) and custom-field definitions. These have no change filters in the API, so
//! clients refresh them in full and diff; deletions show only as absence.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use crate::error::{ApiError, WorldError};
use crate::model::{ChannelType, CustomField, Department, Template};
use crate::query::{OrderField, Query, SortKey};
use crate::server::AppState;

use super::{json, list};

pub async fn tags(State(st): State<AppState>) -> Response {
    let w = st.world();
    list(&w.tags, w.tags.len())
}

fn department_key(d: &Department, f: OrderField) -> Option<SortKey<'_>> {
    match f {
        OrderField::Name => Some(SortKey::Text(Some(&d.name))),
        OrderField::Id => Some(SortKey::Text(Some(&d.id))),
        _ => None,
    }
}

pub async fn departments_v2(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let paging = q.paging(OrderField::Name)?;
    let name = q.get("Name").map(str::to_lowercase);
    let w = st.world();
    let mut items: Vec<&Department> = w
        .departments
        .iter()
        .filter(|d| {
            name.as_ref()
                .is_none_or(|n| d.name.to_lowercase().contains(n))
        })
        .collect();
    paging.sort(&mut items, department_key, |d| &d.id)?;
    let page = paging.page(&items, |d| *d);
    let n = page.items.len();
    Ok(list(&page, n))
}

pub async fn departments_v1(State(st): State<AppState>) -> Response {
    let w = st.world();
    list(&w.departments, w.departments.len())
}

pub async fn department(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = st.world();
    let d = w
        .department(&id)
        .ok_or_else(|| WorldError::not_found("department", id.as_str()))?;
    Ok(json(d))
}

pub async fn agents(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    let deps = q.all("DepartmentId");
    let w = st.world();
    let items: Vec<_> = w
        .agents
        .iter()
        .filter(|a| {
            deps.is_empty()
                || a.departments
                    .iter()
                    .any(|d| deps.contains(&d.department_id.as_str()))
        })
        .collect();
    list(&items, items.len())
}

pub async fn agent(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = st.world();
    let a = w
        .agent(&id)
        .or_else(|| w.agent_by_user(&id))
        .ok_or_else(|| WorldError::not_found("agent", id.as_str()))?;
    Ok(json(a))
}

/// `ChannelType=All|Whatsapp|Messenger|Instagram|WebChat`, or an exact `channelType`.
pub async fn channels(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let filter = q.get("ChannelType").map(str::to_ascii_lowercase);
    let keep = |t: ChannelType| -> Result<bool, ApiError> {
        Ok(match filter.as_deref() {
            None | Some("all") => true,
            Some("whatsapp") => t.is_whatsapp(),
            Some("instagram") => t == ChannelType::Instagram,
            Some("messenger") => t == ChannelType::Messenger,
            Some("webchat") => t == ChannelType::Webchat,
            Some(other) => match ChannelType::parse(other) {
                Some(x) => x == t,
                None => return Err(ApiError::invalid_param("ChannelType", other)),
            },
        })
    };
    let w = st.world();
    let mut items = vec![];
    for c in &w.channels {
        if keep(c.channel_type)? {
            items.push(c);
        }
    }
    Ok(list(&items, items.len()))
}

fn template_key(t: &Template, f: OrderField) -> Option<SortKey<'_>> {
    match f {
        OrderField::Name => Some(SortKey::Text(Some(&t.name))),
        OrderField::Id => Some(SortKey::Text(Some(&t.id))),
        _ => None,
    }
}

/// Paged; `params` is filled only with `IncludeDetails=Params` (else `null`).
pub async fn templates(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let paging = q.paging(OrderField::Name)?;
    let mut with_params = false;
    for v in q.all("IncludeDetails") {
        match v.to_ascii_lowercase().as_str() {
            "params" | "all" => with_params = true,
            "undefined" => {}
            _ => return Err(ApiError::invalid_param("IncludeDetails", v)),
        }
    }
    let channels = q.all("ChannelId");
    let name = q.get("Name").map(str::to_lowercase);
    let statuses: Vec<String> = q
        .all("Status")
        .iter()
        .map(|s| s.to_ascii_uppercase())
        .collect();
    let w = st.world();
    let mut items: Vec<&Template> = w
        .templates
        .iter()
        .filter(|t| channels.is_empty() || channels.contains(&t.channel_id.as_str()))
        .filter(|t| {
            name.as_ref()
                .is_none_or(|n| t.name.to_lowercase().contains(n))
        })
        .filter(|t| statuses.is_empty() || statuses.contains(&t.status))
        .collect();
    paging.sort(&mut items, template_key, |t| &t.id)?;
    let page = paging.page(&items, |t| {
        let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
        if !with_params {
            if let Some(o) = v.as_object_mut() {
                o.insert("params".into(), Value::Null);
            }
        }
        v
    });
    let n = page.items.len();
    Ok(list(&page, n))
}

fn custom_fields_of(st: &AppState, entity: Option<&str>) -> Response {
    let w = st.world();
    let items: Vec<&CustomField> = w
        .custom_fields
        .iter()
        .filter(|f| entity.is_none_or(|e| f.entity_type.eq_ignore_ascii_case(e)))
        .collect();
    list(&items, items.len())
}

/// `GET /core/v1/custom-field?EntityType=CONTACT|PANEL` (all when absent).
pub async fn custom_fields(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let entity = q.get("EntityType").map(str::to_string);
    if let Some(e) = entity.as_deref() {
        if !["CONTACT", "PANEL"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(e))
        {
            return Err(ApiError::invalid_param("EntityType", e));
        }
    }
    Ok(custom_fields_of(&st, entity.as_deref()))
}

/// `GET /core/v1/contact/custom-field`: the contact fields.
pub async fn contact_custom_fields(State(st): State<AppState>) -> Response {
    custom_fields_of(&st, Some("CONTACT"))
}
