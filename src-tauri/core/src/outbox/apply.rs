//! The optimistic side of agent actions: what an action changes locally the moment it is
//! queued, and how the actions still undelivered are put back on top of every server copy of
//! their session or contact (server state wins, pending actions on top). Sync and the worker
//! store server copies through [`store_session`] / [`store_contact`]; the SQL lives in
//! `store::outbox`, which knows no action type.

use rusqlite::Connection;

use super::{Action, ContactStatus, TagOperation};
use crate::api::dto::{value_text, ContactDto, MessageDto, SessionDto};
use crate::error::{Error, Result};
use crate::store::{self, message::Kind, outbox as q};

/// What an optimistic change needs besides the action.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The client id (outbox id; placeholder id and `senderId`).
    pub client_id: &'a str,
    pub session_id: Option<&'a str>,
    /// When the action was queued (canonical UTC).
    pub created_at: &'a str,
    /// The signed-in agent's user id.
    pub me: Option<&'a str>,
}

/// Applies a new action's optimistic change: the placeholder of a send or note, and the change
/// to its session or contact row.
pub fn apply_new(c: &Connection, action: &Action, cx: &Context<'_>) -> Result<()> {
    if let Some(session_id) = cx.session_id.filter(|_| action.creates_message()) {
        insert_placeholder(c, action, cx, session_id)?;
    }
    apply_to_row(c, action, cx)
}

/// Stores a server copy of a session and, when it changed the row, re-applies the session's
/// undelivered actions on top. Returns whether the row changed.
pub fn store_session(c: &Connection, s: &SessionDto, raw: &str) -> Result<bool> {
    let changed = store::session::upsert(c, s, raw)?;
    if changed {
        reapply_session(c, &s.id)?;
    }
    Ok(changed)
}

/// [`store_session`] for a contact.
pub fn store_contact(c: &Connection, ct: &ContactDto, raw: &str) -> Result<bool> {
    let changed = store::contact::upsert(c, ct, raw)?;
    if changed {
        reapply_contact(c, &ct.id)?;
    }
    Ok(changed)
}

/// Rebuilds a session's row from its own stored server copy and re-applies the actions still
/// undelivered (rolls back an action that failed or was discarded).
pub fn rebuild_session(c: &Connection, id: &str) -> Result<()> {
    store::rebuild_from_raw(c, "session", id, store_session, reapply_session)
}

/// [`rebuild_session`] for a contact. Tags and fields absent from its copy keep their values.
pub fn rebuild_contact(c: &Connection, id: &str) -> Result<()> {
    store::rebuild_from_raw(c, "contact", id, store_contact, reapply_contact)
}

/// Re-applies the undelivered actions of a session on top of its row (after a server copy
/// replaced it). One indexed lookup when nothing is pending. Returns how many were applied.
pub fn reapply_session(c: &Connection, session_id: &str) -> Result<usize> {
    reapply(c, &q::session_lane(session_id))
}

/// Re-applies the undelivered actions of a contact on top of its rows.
pub fn reapply_contact(c: &Connection, contact_id: &str) -> Result<usize> {
    reapply(c, &q::contact_lane(contact_id))
}

fn reapply(c: &Connection, lane: &str) -> Result<usize> {
    let mut n = 0;
    for e in q::undelivered_in_lane(c, lane)? {
        let Ok(action) = serde_json::from_str::<Action>(&e.payload) else {
            continue;
        };
        let cx = Context {
            client_id: &e.id,
            session_id: e.session_id.as_deref(),
            created_at: &e.created_at,
            me: None,
        };
        apply_to_row(c, &action, &cx)?;
        n += 1;
    }
    Ok(n)
}

/// The placeholder row of a send or note, as the timeline shows it until the server's copy.
fn insert_placeholder(
    c: &Connection,
    action: &Action,
    cx: &Context<'_>,
    session_id: &str,
) -> Result<()> {
    let text = action.preview_text(c)?;
    let mut raw = serde_json::json!({
        "id": cx.client_id,
        "sessionId": session_id,
        "senderId": cx.client_id,
        "userId": cx.me,
        "type": action.content_type(),
        "direction": "FROM_HUB",
        "status": q::PLACEHOLDER_PENDING,
        "text": text,
        "createdAt": cx.created_at,
    });
    if let Action::SendMedia { file_url, .. } = action {
        let name = file_url
            .rsplit('/')
            .next()
            .and_then(|n| n.split(['?', '#']).next())
            .filter(|n| !n.is_empty())
            .unwrap_or("arquivo");
        raw["details"] = serde_json::json!({"file": {"name": name, "publicUrl": file_url}});
    }
    // Stored like any server row (session key, creation time, full-text entry), so the
    // timeline, search and the upsert's lookup treat it the same.
    let kind = if matches!(action, Action::Note { .. }) {
        Kind::Note
    } else {
        Kind::Message
    };
    let dto: MessageDto = serde_json::from_value(raw.clone()).map_err(|e| Error::Decode {
        context: "mensagem local".into(),
        detail: e.to_string(),
    })?;
    store::message::upsert(c, &dto, &raw.to_string(), kind, Some(session_id))?;
    Ok(())
}

/// The change an action makes to its session or contact row (placeholders aside). Marks the row
/// dirty, so the next server copy replaces it even with an unchanged raw.
fn apply_to_row(c: &Connection, action: &Action, cx: &Context<'_>) -> Result<()> {
    let Some(sid) = cx.session_id else {
        return apply_to_contact(c, action);
    };
    match action {
        Action::SendText { .. } | Action::SendMedia { .. } | Action::SendTemplate { .. } => {
            let text = action.preview_text(c)?;
            q::session_sent(c, sid, text.as_deref(), cx.created_at)
        }
        Action::Assume { user_id } => q::session_assumed(c, sid, user_id),
        Action::Transfer {
            department_id,
            user_id,
        } => q::session_transferred(c, sid, department_id.as_deref(), user_id.as_deref()),
        Action::Conclude { .. } => q::session_concluded(c, sid, cx.created_at),
        Action::Reopen => q::session_reopened(c, sid),
        _ => apply_to_contact(c, action),
    }
}

/// The change a contact action makes to the contact's rows (other actions change nothing here).
fn apply_to_contact(c: &Connection, action: &Action) -> Result<()> {
    match action {
        Action::ContactTags {
            contact_id,
            tag_ids,
            operation,
        } => {
            let edit = match operation {
                TagOperation::InsertIfNotExists => q::TagEdit::Add,
                TagOperation::DeleteIfExists => q::TagEdit::Remove,
                TagOperation::ReplaceAll => q::TagEdit::Replace,
            };
            q::contact_tags_edited(c, contact_id, tag_ids, edit)
        }
        Action::ContactFields {
            contact_id,
            custom_fields,
        } => {
            let fields: Vec<(&str, Option<String>)> = custom_fields
                .iter()
                .map(|(k, v)| (k.as_str(), value_text(v)))
                .collect();
            q::contact_fields_edited(c, contact_id, &fields)
        }
        Action::ContactStatus { contact_id, status } => {
            let status = match status {
                ContactStatus::Active => "ACTIVE",
                ContactStatus::Archived => "ARCHIVED",
                ContactStatus::Blocked => "BLOCKED",
            };
            q::contact_status_set(c, contact_id, status)
        }
        _ => Ok(()),
    }
}
