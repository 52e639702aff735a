//! Write endpoints: the agent actions of helena.md §10.11 (assume, transfer, conclude, status,
//! send, note, contact fields and tags) plus tag create/update/delete.
//!
//! Bodies are parsed leniently (property names case-insensitive, like ASP.NET) and validated
//! into 400 envelopes; each action goes through a [`World`](crate::World) helper so the data
//! stays consistent and `updatedAt` moves as §9 says. Session actions answer the
//! `PublicSessionDTO` (v1 shape, no details); sends answer the async send result and advance
//! later (`QUEUED -> SENT -> DELIVERED -> READ`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::error::{ApiError, WorldError};
use crate::model::{ts, ContactStatus, SessionStatus};
use crate::server::AppState;
use crate::world::{normalize_phone, SendContent, SendOptions, TagOperation, World};

use super::contacts::{contact_json, ContactDetails};
use super::sessions::{session_json, Details};
use super::{body, bool_field, field, json, str_field, str_list, value_to_string};

fn session_answer(w: &World, id: &str) -> Result<Response, ApiError> {
    let s = w
        .session(id)
        .ok_or_else(|| WorldError::not_found("session", id))?;
    Ok(json(&session_json(w, s, Details::default(), false)))
}

fn required(v: Option<String>, name: &str) -> Result<String, ApiError> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("O campo '{name}' é obrigatório.")))
}

/// `PUT /chat/v1/session/{id}/assignee {userId, options}`.
pub async fn assignee(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let user = required(str_field(&v, "userId")?, "userId")?;
    let mut w = st.world();
    w.assign_session(&id, Some(&user))?;
    session_answer(&w, &id)
}

/// `PUT /chat/v1/session/{id}/transfer {type: DEPARTMENT|USER, newDepartmentId?, newUserId?}`.
pub async fn transfer(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let kind = required(str_field(&v, "type")?, "type")?.to_ascii_uppercase();
    let dept = str_field(&v, "newDepartmentId")?;
    let user = str_field(&v, "newUserId")?;
    let mut w = st.world();
    match kind.as_str() {
        "DEPARTMENT" => {
            let dept = required(dept, "newDepartmentId")?;
            w.transfer_session(&id, Some(&dept), None)?;
        }
        "USER" => {
            let user = required(user, "newUserId")?;
            w.transfer_session(&id, dept.as_deref(), Some(&user))?;
        }
        other => return Err(ApiError::invalid_param("type", other)),
    }
    session_answer(&w, &id)
}

/// `PUT /chat/v1/session/{id}/complete {reactivateOnNewMessage, stopBotInExecution}`.
pub async fn complete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let reactivate = bool_field(&v, "reactivateOnNewMessage", false)?;
    bool_field(&v, "stopBotInExecution", false)?;
    let mut w = st.world();
    w.complete_session(&id, reactivate)?;
    session_answer(&w, &id)
}

/// `PUT /chat/v1/session/{id}/status {newStatus}`.
pub async fn status(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let raw = required(str_field(&v, "newStatus")?, "newStatus")?;
    let status =
        SessionStatus::parse(&raw).ok_or_else(|| ApiError::invalid_param("newStatus", &raw))?;
    let mut w = st.world();
    w.set_session_status(&id, status)?;
    session_answer(&w, &id)
}

/// Reads a send body: `{text?, templateId?, parameters?, fileUrl?, fileId?, refId?, senderId?}`.
fn send_request(v: &Value) -> Result<(SendContent, SendOptions), ApiError> {
    let text = str_field(v, "text")?;
    let template = str_field(v, "templateId")?;
    let file_url = str_field(v, "fileUrl")?;
    let file_id = str_field(v, "fileId")?;
    let opts = SendOptions {
        sender_id: str_field(v, "senderId")?,
        ref_id: str_field(v, "refId")?,
        sync: false,
    };
    let content = if let Some(template_id) = template {
        let mut parameters = BTreeMap::new();
        match field(v, "parameters") {
            None => {}
            Some(Value::Object(o)) => {
                for (k, val) in o {
                    if let Some(s) = value_to_string(val) {
                        parameters.insert(k.clone(), s);
                    }
                }
            }
            Some(other) => return Err(ApiError::invalid_param("parameters", &other.to_string())),
        }
        SendContent::Template {
            template_id,
            parameters,
        }
    } else if file_url.is_some() || file_id.is_some() {
        SendContent::File {
            url: file_url,
            file_id,
            caption: text,
        }
    } else if let Some(text) = text {
        SendContent::Text(text)
    } else {
        return Err(ApiError::bad_request(
            "Informe text, templateId ou fileUrl/fileId.",
        ));
    };
    Ok((content, opts))
}

/// `POST /chat/v1/session/{id}/message`: queued; answers the send result (`status: QUEUED`).
pub async fn send(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let (content, opts) = send_request(&v)?;
    let mut w = st.world();
    let mid = w.send_message(&id, content, opts)?;
    let m = w
        .message(&mid)
        .ok_or_else(|| WorldError::not_found("message", mid.as_str()))?;
    let answer = json!({
        "id": m.id,
        "createdAt": ts::format(&m.created_at),
        "updatedAt": ts::format(&m.updated_at),
        "sessionId": m.session_id,
        "senderId": m.sender_id,
        "status": m.status,
        "statusUrl": format!("{}/chat/v1/message/{}/status", w.base_url, m.id),
        "failureReason": Value::Null,
    });
    Ok((StatusCode::OK, axum::Json(answer)).into_response())
}

/// `POST /chat/v1/session/{id}/message/sync`: answers the full message, already `SENT`.
pub async fn send_sync(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let (content, mut opts) = send_request(&v)?;
    opts.sync = true;
    let mut w = st.world();
    let mid = w.send_message(&id, content, opts)?;
    let m = w
        .message(&mid)
        .ok_or_else(|| WorldError::not_found("message", mid.as_str()))?;
    Ok(json(m))
}

/// `{id}` of a nested object (`options.user.id`, `department.id`), or a plain string.
fn nested_id(v: &Value, outer: &str) -> Result<Option<String>, ApiError> {
    match field(v, outer) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(o @ Value::Object(_)) => str_field(o, "id"),
        Some(other) => Err(ApiError::invalid_param(outer, &other.to_string())),
    }
}

/// A channel by id or by `identity.humanId` (digits compared).
fn channel_of(w: &World, from: &str) -> Result<String, ApiError> {
    if w.channel(from).is_some() {
        return Ok(from.to_string());
    }
    let digits: String = from.chars().filter(char::is_ascii_digit).collect();
    w.channels
        .iter()
        .find(|c| {
            c.identity.human_id == from
                || (!digits.is_empty()
                    && c.identity
                        .human_id
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        == digits)
        })
        .map(|c| c.id.clone())
        .ok_or_else(|| ApiError::invalid_param("from", from))
}

/// `POST /chat/v1/send/text` and `/send/template`: sends by phone number (`to`) or `sessionId`.
/// Free text needs the contact's open conversation with an ACTIVE window; a template opens a
/// new `STARTED` conversation when there is none (creating the contact if unknown).
fn quick_send(st: &AppState, v: &Value, content: SendContent) -> Result<Response, ApiError> {
    let opts = SendOptions {
        sender_id: str_field(v, "senderId")?,
        ref_id: str_field(v, "refId")?,
        sync: false,
    };
    let options = field(v, "options").cloned().unwrap_or(Value::Null);
    let department = match nested_id(&options, "department")? {
        Some(d) => Some(d),
        None => nested_id(v, "department")?,
    };
    let user = match nested_id(&options, "user")? {
        Some(u) => Some(u),
        None => nested_id(v, "user")?,
    };
    let callback = str_field(v, "callbackUrl")?;
    let mut w = st.world();
    let session = match str_field(v, "sessionId")? {
        Some(sid) => sid,
        None => {
            let to = required(str_field(v, "to")?, "to")?;
            let channel = match str_field(v, "from")? {
                Some(f) => Some(channel_of(&w, &f)?),
                None => None,
            };
            match content {
                SendContent::Template { .. } => w.without_late(|w| {
                    w.session_for_send(
                        &to,
                        channel.as_deref(),
                        department.as_deref(),
                        user.as_deref(),
                    )
                })?,
                _ => match w.open_session_of_phone(&to) {
                    Some(s) => s.id.clone(),
                    None => return Err(WorldError::WindowClosed(to).into()),
                },
            }
        }
    };
    let mid = w.send_message(&session, content, opts)?;
    let m = w
        .message(&mid)
        .ok_or_else(|| WorldError::not_found("message", mid.as_str()))?;
    Ok(json(&json!({
        "id": m.id,
        "createdAt": ts::format(&m.created_at),
        "updatedAt": ts::format(&m.updated_at),
        "companyId": w.company_id,
        "sessionId": m.session_id,
        "status": m.status,
        "senderId": m.sender_id,
        "statusUrl": format!("{}/chat/v1/message/{}/status", w.base_url, m.id),
        "sentAt": Value::Null,
        "failedReason": Value::Null,
        "callbackUrl": callback,
        "waitReply": false,
    })))
}

/// `POST /chat/v1/send/text {to, from?, text, sessionId?, senderId?, options?}`.
pub async fn send_text(State(st): State<AppState>, b: Bytes) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let text = required(str_field(&v, "text")?, "text")?;
    quick_send(&st, &v, SendContent::Text(text))
}

/// `POST /chat/v1/send/template {to, from?, templateId, parameters, senderId?, options?}`.
pub async fn send_template(State(st): State<AppState>, b: Bytes) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let (content, _) = send_request(&v)?;
    if !matches!(content, SendContent::Template { .. }) {
        return Err(ApiError::bad_request("O campo 'templateId' é obrigatório."));
    }
    quick_send(&st, &v, content)
}

/// `POST /chat/v1/session/{id}/note {text, filesUrls?}`. The author is `userId` when given
/// (a simulator extension), else the session's assigned agent.
pub async fn add_note(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let text = str_field(&v, "text")?.unwrap_or_default();
    let files = str_list(&v, "filesUrls")?;
    let user = str_field(&v, "userId")?;
    let mut w = st.world();
    let author = user.or_else(|| w.session(&id).and_then(|s| s.user_id.clone()));
    let nid = w.without_late(|w| w.add_note(&id, author, &text, &files))?;
    let n = w
        .note(&nid)
        .ok_or_else(|| WorldError::not_found("note", nid.as_str()))?;
    Ok(json(n))
}

/// `DELETE /chat/v1/session/note/{id}`: answers the deleted note.
pub async fn delete_note(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut w = st.world();
    let note = w.delete_note(&id)?;
    Ok(json(&note))
}

/// Resolves `tagIds` and `tagNames` to tag ids; unknown names are created (`GRAY_600`),
/// unknown ids are a 404.
fn resolve_tags(
    w: &mut World,
    ids: Vec<String>,
    names: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let mut out = vec![];
    for id in ids {
        if w.tag(&id).is_none() {
            return Err(WorldError::not_found("tag", id).into());
        }
        out.push(id);
    }
    for name in names {
        let name = name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let id = match w.tags.iter().find(|t| t.name.eq_ignore_ascii_case(&name)) {
            Some(t) => t.id.clone(),
            None => w.add_tag(&name, "GRAY_600"),
        };
        out.push(id);
    }
    Ok(out)
}

fn tags_answer(w: &mut World, contact_id: &str, v: &Value) -> Result<Response, ApiError> {
    let op = match str_field(v, "operation")? {
        None => TagOperation::InsertIfNotExists,
        Some(s) => {
            TagOperation::parse(&s).ok_or_else(|| ApiError::invalid_param("operation", &s))?
        }
    };
    let mut ids = str_list(v, "tagIds")?;
    ids.extend(str_list(v, "tagsId")?);
    let names = str_list(v, "tagNames")?;
    if w.contact(contact_id).is_none() {
        return Err(WorldError::not_found("contact", contact_id).into());
    }
    let ids = resolve_tags(w, ids, names)?;
    w.set_contact_tags(contact_id, op, &ids)?;
    let c = w
        .contact(contact_id)
        .ok_or_else(|| WorldError::not_found("contact", contact_id))?;
    Ok(json(&contact_json(w, c, ContactDetails::ALL)))
}

/// `POST /core/v1/contact/{id}/tags {tagNames?, tagIds?, operation}`.
pub async fn contact_tags(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let mut w = st.world();
    tags_answer(&mut w, &id, &v)
}

/// `POST /core/v1/contact/phonenumber/{phone}/tags`.
pub async fn contact_tags_by_phone(
    State(st): State<AppState>,
    Path(phone): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let mut w = st.world();
    let id = w
        .contact_by_phone(&phone)
        .map(|c| c.id.clone())
        .ok_or_else(|| WorldError::not_found("contact", phone.as_str()))?;
    tags_answer(&mut w, &id, &v)
}

/// `PUT /core/v2/contact/{id}`: applies only the attributes named in `fields`
/// (`Name`, `PhoneNumber`, `Email`, `Instagram`, `Annotation`, `Tags`, `Status`, `CustomFields`,
/// `Metadata`; `PictureUrl`, `Portfolio`, `SequenceIds` are accepted and ignored).
pub async fn update_contact(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let fields = str_list(&v, "fields")?;
    if fields.is_empty() {
        return Err(ApiError::bad_request(
            "O campo 'fields' é obrigatório e não pode ser vazio.",
        ));
    }
    let mut w = st.world();
    if w.contact(&id).is_none() {
        return Err(WorldError::not_found("contact", id.as_str()).into());
    }
    // Validate everything first, then apply in one update (one updatedAt stamp).
    let mut name = None;
    let mut phone = None;
    let mut email = None;
    let mut instagram = None;
    let mut annotation = None;
    let mut status = None;
    let mut tags: Option<(TagOperation, Vec<String>)> = None;
    let mut custom: Option<Vec<(String, Option<String>)>> = None;
    let mut metadata = None;
    for f in &fields {
        match f.to_ascii_lowercase().as_str() {
            "name" => name = Some(required(str_field(&v, "name")?, "name")?),
            "phonenumber" => {
                phone = Some(match str_field(&v, "phoneNumber")? {
                    None => None,
                    Some(p) => Some(
                        normalize_phone(&p)
                            .ok_or_else(|| ApiError::invalid_param("phoneNumber", &p))?,
                    ),
                })
            }
            "email" => email = Some(str_field(&v, "email")?),
            "instagram" => instagram = Some(str_field(&v, "instagram")?),
            "annotation" => annotation = Some(str_field(&v, "annotation")?),
            "status" => {
                let s = required(str_field(&v, "status")?, "status")?;
                status = Some(
                    ContactStatus::parse(&s)
                        .ok_or_else(|| ApiError::invalid_param("status", &s))?,
                );
            }
            "tags" | "tagids" | "tagnames" => {
                let op = match field(&v, "options").and_then(|o| field(o, "tagsOperation")) {
                    None => TagOperation::ReplaceAll,
                    Some(Value::String(s)) => TagOperation::parse(s)
                        .ok_or_else(|| ApiError::invalid_param("tagsOperation", s))?,
                    Some(other) => {
                        return Err(ApiError::invalid_param("tagsOperation", &other.to_string()))
                    }
                };
                let mut ids = str_list(&v, "tagIds")?;
                ids.extend(str_list(&v, "tagsId")?);
                let names = str_list(&v, "tagNames")?;
                tags = Some((op, resolve_tags(&mut w, ids, names)?));
            }
            "customfields" => {
                let mut list = vec![];
                match field(&v, "customFields") {
                    None => {}
                    Some(Value::Object(o)) => {
                        for (k, val) in o {
                            let known = w.custom_fields.iter().any(|cf| {
                                cf.entity_type == "CONTACT" && cf.key.eq_ignore_ascii_case(k)
                            });
                            if !known {
                                return Err(ApiError::bad_request(format!(
                                    "Campo personalizado desconhecido: '{k}'."
                                )));
                            }
                            list.push((k.to_ascii_lowercase(), value_to_string(val)));
                        }
                    }
                    Some(other) => {
                        return Err(ApiError::invalid_param("customFields", &other.to_string()))
                    }
                }
                custom = Some(list);
            }
            "metadata" => metadata = Some(field(&v, "metadata").cloned()),
            "pictureurl" | "portfolio" | "portfolios" | "portfolioids" | "sequenceids" => {}
            _ => return Err(ApiError::invalid_param("fields", f)),
        }
    }
    let keys: Vec<(String, String)> = w
        .custom_fields
        .iter()
        .map(|cf| (cf.key.to_ascii_lowercase(), cf.key.clone()))
        .collect();
    w.update_contact(&id, |c| {
        if let Some(n) = name {
            c.name = n;
        }
        if let Some(p) = phone {
            c.phonenumber = p;
        }
        if let Some(e) = email {
            c.email = e;
        }
        if let Some(i) = instagram {
            c.instagram = i;
        }
        if let Some(a) = annotation {
            c.annotation = a;
        }
        if let Some(s) = status {
            c.status = s;
        }
        if let Some((op, ids)) = tags {
            match op {
                TagOperation::ReplaceAll => c.tags_id = ids,
                TagOperation::InsertIfNotExists => {
                    for t in ids {
                        if !c.tags_id.contains(&t) {
                            c.tags_id.push(t);
                        }
                    }
                }
                TagOperation::DeleteIfExists => c.tags_id.retain(|t| !ids.contains(t)),
            }
        }
        if let Some(list) = custom {
            for (lower, value) in list {
                let key = keys
                    .iter()
                    .find(|(l, _)| *l == lower)
                    .map(|(_, k)| k.clone())
                    .unwrap_or(lower);
                match value {
                    Some(v) => {
                        c.custom_field_values.insert(key, v);
                    }
                    None => {
                        c.custom_field_values.remove(&key);
                    }
                }
            }
        }
        if let Some(m) = metadata {
            c.metadata = m;
        }
    })?;
    let c = w
        .contact(&id)
        .ok_or_else(|| WorldError::not_found("contact", id.as_str()))?;
    Ok(json(&contact_json(&w, c, ContactDetails::ALL)))
}

/// `POST /core/v1/tag {name, color}`.
pub async fn create_tag(State(st): State<AppState>, b: Bytes) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let name = required(str_field(&v, "name")?, "name")?;
    let color = str_field(&v, "color")?.unwrap_or_else(|| "GRAY_600".into());
    let mut w = st.world();
    if w.tags.iter().any(|t| t.name.eq_ignore_ascii_case(&name)) {
        return Err(ApiError::bad_request(format!(
            "Já existe uma etiqueta chamada '{name}'."
        )));
    }
    let id = w.add_tag(&name, &color);
    let t = w.tag(&id).cloned();
    Ok(json(&t))
}

/// `PUT /core/v1/tag/{id} {name?, color?}`.
pub async fn update_tag(
    State(st): State<AppState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let v = body(&b)?;
    let name = str_field(&v, "name")?;
    let color = str_field(&v, "color")?;
    let mut w = st.world();
    let t = w
        .tags
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(|| WorldError::not_found("tag", id.as_str()))?;
    if let Some(n) = name {
        t.name = n;
    }
    if let Some(c) = color {
        t.color = c;
    }
    let t = t.clone();
    let tags = w.tags.clone();
    for c in w.contacts.iter_mut().filter(|c| c.tags_id.contains(&id)) {
        c.tags = c
            .tags_id
            .iter()
            .filter_map(|tid| tags.iter().find(|x| &x.id == tid).map(|x| x.name.clone()))
            .collect();
    }
    Ok(json(&t))
}

/// `DELETE /core/v1/tag/{id}`.
pub async fn delete_tag(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut w = st.world();
    w.delete_tag(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
