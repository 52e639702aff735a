//! Contact reads: `GET /core/v1/contact` (paged, `Status` default `ACTIVE`, `CreatedAt.*` /
//! `UpdatedAt.*` windows) and by id or phone number.
//!
//! Contacts are shaped like the `CONTACT_UPDATE` webhook content (§4). `IncludeDetails=Tags`
//! fills `tagsId` / `tags` and `IncludeDetails=CustomFields` fills `customFieldValues`; without
//! them those keys are `null` (not empty), so a client can tell "not loaded" from "none".

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use crate::error::{ApiError, WorldError};
use crate::model::{Contact, ContactStatus};
use crate::query::{OrderField, Query, SortKey};
use crate::server::AppState;
use crate::world::World;

use super::json;

/// Which optional parts of a contact to fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ContactDetails {
    pub tags: bool,
    pub custom_fields: bool,
}

impl ContactDetails {
    pub const ALL: ContactDetails = ContactDetails {
        tags: true,
        custom_fields: true,
    };

    fn parse(q: &Query) -> Result<Self, ApiError> {
        let mut d = ContactDetails {
            tags: false,
            custom_fields: false,
        };
        for v in q.all("IncludeDetails") {
            match v.to_ascii_lowercase().as_str() {
                "tags" => d.tags = true,
                "customfields" => d.custom_fields = true,
                "all" => d = ContactDetails::ALL,
                "portfolios" | "undefined" => {}
                _ => return Err(ApiError::invalid_param("IncludeDetails", v)),
            }
        }
        Ok(d)
    }
}

/// A contact as the API answers it.
pub(crate) fn contact_json(w: &World, c: &Contact, d: ContactDetails) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        if d.tags {
            o.insert("tags".into(), serde_json::json!(w.tag_names(&c.tags_id)));
        } else {
            o.insert("tagsId".into(), Value::Null);
            o.insert("tags".into(), Value::Null);
        }
        if !d.custom_fields {
            o.insert("customFieldValues".into(), Value::Null);
        }
    }
    v
}

fn contact_key(c: &Contact, f: OrderField) -> Option<SortKey<'_>> {
    match f {
        OrderField::CreatedAt => Some(SortKey::Time(Some(c.created_at))),
        OrderField::UpdatedAt => Some(SortKey::Time(Some(c.updated_at))),
        OrderField::Name => Some(SortKey::Text(Some(&c.name))),
        OrderField::Id => Some(SortKey::Text(Some(&c.id))),
        OrderField::LastInteractionAt => None,
    }
}

pub async fn list(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = Query::parse(raw.as_deref());
    let paging = q.paging(OrderField::CreatedAt)?;
    let mut statuses = q.enums("Status", ContactStatus::parse)?;
    if statuses.is_empty() {
        statuses.push(ContactStatus::Active);
    }
    let details = ContactDetails::parse(&q)?;
    let created = q.date_range("CreatedAt")?;
    let updated = q.date_range("UpdatedAt")?;
    let name = q
        .get("Name")
        .or_else(|| q.get("TextFilter"))
        .map(str::to_lowercase);
    let phone = q.get("PhoneNumber").and_then(crate::world::normalize_phone);
    let tag_ids = q.all("TagsId");
    let w = st.world();
    let mut items: Vec<&Contact> = w
        .contacts
        .iter()
        .filter(|c| w.visible(&c.id))
        .filter(|c| statuses.contains(&c.status))
        .filter(|c| created.contains(Some(c.created_at)))
        .filter(|c| updated.contains(Some(c.updated_at)))
        .filter(|c| {
            name.as_ref()
                .is_none_or(|n| c.name.to_lowercase().contains(n))
        })
        .filter(|c| {
            phone
                .as_ref()
                .is_none_or(|p| c.phonenumber.as_ref() == Some(p))
        })
        .filter(|c| tag_ids.is_empty() || c.tags_id.iter().any(|t| tag_ids.contains(&t.as_str())))
        .collect();
    paging.sort(&mut items, contact_key, |c| &c.id)?;
    let page = paging.page(&items, |c| contact_json(&w, c, details));
    let n = page.items.len();
    Ok(super::list(&page, n))
}

pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let details = ContactDetails::parse(&Query::parse(raw.as_deref()))?;
    let mut guard = st.world();
    guard.ensure_index();
    let c = guard
        .contact(&id)
        .filter(|c| guard.visible(&c.id))
        .ok_or_else(|| WorldError::not_found("contact", id.as_str()))?;
    Ok(json(&contact_json(&guard, c, details)))
}

pub async fn get_by_phone(
    State(st): State<AppState>,
    Path(phone): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let details = ContactDetails::parse(&Query::parse(raw.as_deref()))?;
    let w = st.world();
    let c = w
        .contact_by_phone(&phone)
        .filter(|c| w.visible(&c.id))
        .ok_or_else(|| WorldError::not_found("contact", phone.as_str()))?;
    Ok(json(&contact_json(&w, c, details)))
}
