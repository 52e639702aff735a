//! Read models for the UI: the inbox tabs, a conversation's header and its message pages.
//!
//! Every screen is a query on the local database (DESIGN.md §2); nothing here touches the
//! network. The shapes serialise to the IPC contract (`docs/ipc-contract.md`).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::tag::{self, Tag};

/// An inbox tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    /// Open conversations assigned to me.
    Mine,
    /// Conversations waiting for an agent in my teams.
    Waiting,
    /// Completed conversations of my teams or mine.
    Completed,
    /// Every visible conversation of my teams or mine.
    All,
}

/// The teams of the user bound to `:me`.
const MY_TEAMS: &str = "(SELECT ad.department_id FROM agent a JOIN agent_department ad ON ad.agent_id = a.id WHERE a.user_id = :me)";

impl Tab {
    fn filter(self) -> String {
        match self {
            Tab::Mine => "s.user_id = :me AND s.status IN ('IN_PROGRESS', 'STARTED')".into(),
            Tab::Waiting => format!("s.status = 'PENDING' AND s.department_id IN {MY_TEAMS}"),
            Tab::Completed => format!(
                "s.status = 'COMPLETED' AND (s.department_id IN {MY_TEAMS} OR s.user_id = :me)"
            ),
            Tab::All => format!(
                "s.status <> 'HIDDEN' AND (s.department_id IN {MY_TEAMS} OR s.user_id = :me)"
            ),
        }
    }

    fn order(self) -> &'static str {
        match self {
            // The longest wait first.
            Tab::Waiting => "s.last_interaction_at ASC, s.id",
            _ => "s.last_interaction_at DESC, s.id",
        }
    }
}

/// Counts per tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InboxCounts {
    pub mine: i64,
    pub waiting: i64,
    pub completed: i64,
    pub all: i64,
}

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: String,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub status: String,
    pub window_status: Option<String>,
    pub channel_type: Option<String>,
    pub channel_name: Option<String>,
    pub department_name: Option<String>,
    pub agent_name: Option<String>,
    pub last_message_text: Option<String>,
    /// The Helena `type` of the newest stored message (`TEXT`, `IMAGE`, `AUDIO`, ...), so a
    /// row whose last message has no text can say what it was.
    pub last_message_type: Option<String>,
    pub last_interaction_at: Option<String>,
    pub unread_count: i64,
    pub number: Option<String>,
}

/// A window of the conversation list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxPage {
    pub total: i64,
    pub items: Vec<ConversationSummary>,
}

/// A conversation's header and contact panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    pub contact_email: Option<String>,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
    pub tags: Vec<Tag>,
}

/// An attached file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub url: Option<String>,
    pub size: Option<i64>,
}

/// A shared location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactCard {
    pub name: Option<String>,
    pub phone_number: Option<String>,
}

/// One message or note of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageItem {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub direction: Option<String>,
    #[serde(rename = "type")]
    pub kind_of_content: String,
    pub text: Option<String>,
    pub status: Option<String>,
    pub created_at: String,
    pub author_name: Option<String>,
    pub file: Option<FileRef>,
    pub location: Option<Location>,
    pub contact: Option<ContactCard>,
    /// Set while the message or note is still in the outbox (its id is the outbox id).
    pub outbox: Option<OutboxMark>,
}

/// Where a queued message or note stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMark {
    /// `pending`, `sending`, `uncertain` or `failed`.
    pub state: String,
    /// Why the last attempt failed (PT-BR), if it did.
    pub error: Option<String>,
}

/// A page of messages, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub items: Vec<MessageItem>,
    /// The seq to pass as `before` for the previous page; `None` at the start.
    pub next_before: Option<i64>,
}

/// The signed-in agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub teams: Vec<String>,
}

const SUMMARY_SELECT: &str = "SELECT s.id, s.contact_id, coalesce(ct.name, s.contact_name),
       coalesce(ct.phone_display, s.contact_phone), s.status, s.window_status, s.channel_type,
       ch.display_name, d.name, (SELECT name FROM agent WHERE user_id = s.user_id LIMIT 1),
       s.last_message_text, s.last_interaction_at, s.unread_count, s.number,
       ct.email, s.start_at, s.end_at,
       (SELECT m.type FROM session_key k JOIN message m ON m.session_key = k.key
         WHERE k.session_id = s.id AND m.kind = 'message'
         ORDER BY m.created_ms DESC LIMIT 1)
  FROM session s
  LEFT JOIN contact ct ON ct.id = s.contact_id
  LEFT JOIN channel ch ON ch.id = s.channel_id
  LEFT JOIN department d ON d.id = s.department_id";

fn summary(r: &Row<'_>) -> rusqlite::Result<ConversationSummary> {
    Ok(ConversationSummary {
        id: r.get(0)?,
        contact_id: r.get(1)?,
        contact_name: r.get(2)?,
        contact_phone: r.get(3)?,
        status: r.get(4)?,
        window_status: r.get(5)?,
        channel_type: r.get(6)?,
        channel_name: r.get(7)?,
        department_name: r.get(8)?,
        agent_name: r.get(9)?,
        last_message_text: r.get(10)?,
        last_message_type: r.get(17)?,
        last_interaction_at: r.get(11)?,
        unread_count: r.get(12)?,
        number: r.get(13)?,
    })
}

/// Counts of every tab for user `me`.
pub fn inbox_counts(c: &Connection, me: &str) -> Result<InboxCounts> {
    let count = |tab: Tab| -> Result<i64> {
        let sql = format!("SELECT count(*) FROM session s WHERE {}", tab.filter());
        Ok(c.prepare_cached(&sql)?
            .query_row(rusqlite::named_params! {":me": me}, |r| r.get(0))?)
    };
    Ok(InboxCounts {
        mine: count(Tab::Mine)?,
        waiting: count(Tab::Waiting)?,
        completed: count(Tab::Completed)?,
        all: count(Tab::All)?,
    })
}

/// Rows `offset..offset+limit` of a tab, with the tab's total.
pub fn inbox_page(
    c: &Connection,
    me: &str,
    tab: Tab,
    offset: u32,
    limit: u32,
) -> Result<InboxPage> {
    if limit == 0 || limit > 500 {
        return Err(Error::InvalidInput(format!(
            "limite da página fora de 1..500: {limit}"
        )));
    }
    let total = c
        .prepare_cached(&format!(
            "SELECT count(*) FROM session s WHERE {}",
            tab.filter()
        ))?
        .query_row(rusqlite::named_params! {":me": me}, |r| r.get(0))?;
    let sql = format!(
        "{SUMMARY_SELECT} WHERE {} ORDER BY {} LIMIT :limit OFFSET :offset",
        tab.filter(),
        tab.order()
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(
        rusqlite::named_params! {":me": me, ":limit": limit, ":offset": offset},
        summary,
    )?;
    Ok(InboxPage {
        total,
        items: rows.collect::<rusqlite::Result<_>>()?,
    })
}

/// A conversation's header and contact panel data.
pub fn conversation_detail(c: &Connection, session_id: &str) -> Result<ConversationDetail> {
    let sql = format!("{SUMMARY_SELECT} WHERE s.id = ?1");
    let found = c
        .prepare_cached(&sql)?
        .query_row([session_id], |r| {
            Ok((summary(r)?, r.get(14)?, r.get(15)?, r.get(16)?))
        })
        .optional()?;
    let (summary, contact_email, start_at, end_at) =
        found.ok_or_else(|| Error::NotFound(format!("conversa {session_id}")))?;
    let tags = match &summary.contact_id {
        Some(cid) => tag::of_contact(c, cid)?,
        None => Vec::new(),
    };
    Ok(ConversationDetail {
        summary,
        contact_email,
        start_at,
        end_at,
        tags,
    })
}

#[derive(Deserialize, Default)]
struct RawMessage {
    #[serde(default)]
    details: Option<RawDetails>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDetails {
    file: Option<RawFile>,
    files: Option<Vec<RawFile>>,
    location: Option<RawLocation>,
    contact: Option<RawContact>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
    name: Option<String>,
    mime_type: Option<String>,
    public_url: Option<String>,
    size: Option<i64>,
}

#[derive(Deserialize)]
struct RawLocation {
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContact {
    name: Option<String>,
    phone_number_formatted: Option<String>,
    phone_number: Option<String>,
}

/// Pulls the attachment, location and contact card out of a message's raw JSON. A malformed
/// `details` block yields none of them rather than failing the page.
fn attachments(raw: &str) -> (Option<FileRef>, Option<Location>, Option<ContactCard>) {
    let details = serde_json::from_str::<RawMessage>(raw)
        .ok()
        .and_then(|m| m.details)
        .unwrap_or_default();
    let file = details
        .file
        .or_else(|| details.files.and_then(|f| f.into_iter().next()))
        .map(|f| FileRef {
            name: f.name,
            mime_type: f.mime_type,
            url: f.public_url,
            size: f.size,
        });
    let location = details.location.and_then(|l| {
        Some(Location {
            latitude: l.latitude?,
            longitude: l.longitude?,
            name: l.name,
            address: l.address,
        })
    });
    let contact = details.contact.map(|ct| ContactCard {
        name: ct.name,
        phone_number: ct.phone_number_formatted.or(ct.phone_number),
    });
    (file, location, contact)
}

/// Up to `limit` messages and notes of a session older than `before` (a seq), oldest first.
pub fn conversation_messages(
    c: &Connection,
    session_id: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<MessagePage> {
    if limit == 0 || limit > 500 {
        return Err(Error::InvalidInput(format!(
            "limite da página fora de 1..500: {limit}"
        )));
    }
    let mut st = c.prepare_cached(
        "SELECT m.seq, m.id, m.kind, m.direction, m.type, m.text, m.status, m.created_at,
                (SELECT name FROM agent WHERE user_id = m.user_id LIMIT 1), m.raw,
                o.state, o.last_error
           FROM message m
           LEFT JOIN outbox o ON o.id = m.id AND o.state <> 'done'
          WHERE m.session_key = (SELECT key FROM session_key WHERE session_id = ?1)
            AND (?2 IS NULL OR (m.created_ms, m.seq) < (SELECT created_ms, seq FROM message WHERE seq = ?2))
          ORDER BY m.created_ms DESC, m.seq DESC
          LIMIT ?3",
    )?;
    let rows = st.query_map(params![session_id, before, limit + 1], |r| {
        let raw: String = r.get(9)?;
        let (file, location, contact) = attachments(&raw);
        Ok(MessageItem {
            seq: r.get(0)?,
            id: r.get(1)?,
            kind: r.get(2)?,
            direction: r.get(3)?,
            kind_of_content: r.get(4)?,
            text: r.get(5)?,
            status: r.get(6)?,
            created_at: r.get(7)?,
            author_name: r.get(8)?,
            file,
            location,
            contact,
            outbox: r.get::<_, Option<String>>(10)?.map(|state| OutboxMark {
                state,
                error: r.get(11).ok().flatten(),
            }),
        })
    })?;
    let mut items: Vec<MessageItem> = rows.collect::<rusqlite::Result<_>>()?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    items.reverse();
    let next_before = if more {
        items.first().map(|m| m.seq)
    } else {
        None
    };
    Ok(MessagePage { items, next_before })
}

/// The signed-in agent, if one is chosen and known locally.
pub fn me(c: &Connection) -> Result<Option<Me>> {
    let Some(user_id) = crate::store::meta::get(c, crate::store::meta::ME_USER_ID)? else {
        return Ok(None);
    };
    let name = crate::store::agent::by_user_id(c, &user_id)?
        .map(|a| a.name)
        .unwrap_or_default();
    let teams = crate::store::agent::team_names(c, &user_id)?;
    Ok(Some(Me {
        user_id,
        name,
        teams,
    }))
}

/// A team one can transfer a conversation to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamTarget {
    pub id: String,
    pub name: String,
}

/// An agent one can transfer a conversation to, with the teams they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentTarget {
    pub user_id: String,
    pub name: String,
    pub department_ids: Vec<String>,
}

/// Who can receive a transfer: every team, and every agent with a user id, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferTargets {
    pub departments: Vec<TeamTarget>,
    pub agents: Vec<AgentTarget>,
}

/// The transfer dialog's choices.
pub fn transfer_targets(c: &Connection) -> Result<TransferTargets> {
    let departments = c
        .prepare_cached("SELECT id, name FROM department ORDER BY name COLLATE NOCASE, id")?
        .query_map([], |r| {
            Ok(TeamTarget {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let agents = c
        .prepare_cached(
            "SELECT a.user_id, a.name,
                    (SELECT json_group_array(department_id) FROM agent_department d
                      WHERE d.agent_id = a.id)
               FROM agent a WHERE a.user_id IS NOT NULL
              ORDER BY a.name COLLATE NOCASE, a.id",
        )?
        .query_map([], |r| {
            let ids: String = r.get(2)?;
            Ok(AgentTarget {
                user_id: r.get(0)?,
                name: r.get(1)?,
                department_ids: serde_json::from_str(&ids).unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(TransferTargets {
        departments,
        agents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::{AgentDto, DepartmentDto, MessageDto, SessionDto};
    use crate::store::{agent, department, message, session, Store};

    fn seed(s: &mut Store) {
        s.write(|tx| {
            let a = r#"{"id":"a1","userId":"u1","name":"Ana","departments":[{"departmentId":"d1"}]}"#;
            agent::upsert(tx, &serde_json::from_str::<AgentDto>(a).unwrap(), a)?;
            let sessions = [
                ("s1", "IN_PROGRESS", "u1", "d1", "2026-11-20T10:00:00Z"),
                ("s2", "PENDING", "", "d1", "2026-11-20T09:00:00Z"),
                ("s3", "PENDING", "", "d1", "2026-11-20T08:00:00Z"),
                ("s4", "PENDING", "", "d2", "2026-11-20T08:00:00Z"),
                ("s5", "COMPLETED", "u1", "d2", "2026-11-19T08:00:00Z"),
                ("s6", "HIDDEN", "u1", "d1", "2026-11-19T08:00:00Z"),
                ("s7", "IN_PROGRESS", "u9", "d1", "2026-11-21T08:00:00Z"),
            ];
            for (id, st, u, d, t) in sessions {
                let raw = serde_json::json!({"id": id, "status": st, "userId": if u.is_empty() { None } else { Some(u) },
                    "departmentId": d, "lastInteractionDate": t,
                    "contactDetails": {"name": format!("Cliente {id}"), "phonenumber": "+55|11900000000"}})
                .to_string();
                session::upsert(tx, &serde_json::from_str::<SessionDto>(&raw).unwrap(), &raw)?;
            }
            for i in 0..5 {
                let raw = serde_json::json!({"id": format!("m{i}"), "sessionId": "s1", "type": if i == 2 { "IMAGE" } else { "TEXT" },
                    "direction": "FROM_HUB", "userId": "u1", "text": format!("texto {i}"),
                    "createdAt": format!("2026-11-20T10:0{i}:00Z"),
                    "details": {"file": {"name": "foto.jpg", "mimeType": "image/jpeg", "publicUrl": "http://127.0.0.1/f.jpg", "size": 10}}})
                .to_string();
                message::upsert(tx, &serde_json::from_str::<MessageDto>(&raw).unwrap(), &raw, message::Kind::Message, None)?;
            }
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn tabs_filter_and_order_by_user_and_team() {
        let mut s = Store::open_in_memory().unwrap();
        seed(&mut s);
        let counts = inbox_counts(s.conn(), "u1").unwrap();
        assert_eq!(
            counts,
            InboxCounts {
                mine: 1,
                waiting: 2,
                completed: 1,
                all: 5
            }
        );
        let waiting = inbox_page(s.conn(), "u1", Tab::Waiting, 0, 10).unwrap();
        let ids: Vec<_> = waiting.items.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["s3", "s2"], "oldest wait first");
        let all = inbox_page(s.conn(), "u1", Tab::All, 1, 2).unwrap();
        assert_eq!(all.total, 5);
        assert_eq!(all.items.len(), 2);
        assert_eq!(all.items[0].id, "s1");
        assert_eq!(all.items[0].agent_name.as_deref(), Some("Ana"));
        assert_eq!(all.items[0].contact_name.as_deref(), Some("Cliente s1"));
        assert!(inbox_page(s.conn(), "u1", Tab::All, 0, 0).is_err());
    }

    #[test]
    fn message_pages_walk_backwards_without_gaps() {
        let mut s = Store::open_in_memory().unwrap();
        seed(&mut s);
        let p1 = conversation_messages(s.conn(), "s1", None, 2).unwrap();
        assert_eq!(
            p1.items.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["m3", "m4"]
        );
        let p2 = conversation_messages(s.conn(), "s1", p1.next_before, 2).unwrap();
        assert_eq!(
            p2.items.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["m1", "m2"]
        );
        let p3 = conversation_messages(s.conn(), "s1", p2.next_before, 2).unwrap();
        assert_eq!(p3.items.len(), 1);
        assert_eq!(p3.next_before, None);
        let img = &p2.items[1];
        assert_eq!(img.kind_of_content, "IMAGE");
        assert_eq!(img.author_name.as_deref(), Some("Ana"));
        assert_eq!(img.file.as_ref().unwrap().name.as_deref(), Some("foto.jpg"));
        let json = serde_json::to_value(img).unwrap();
        assert_eq!(json["type"], "IMAGE");
        assert_eq!(json["createdAt"], "2026-11-20T10:02:00.000Z");
    }

    #[test]
    fn detail_of_unknown_conversation_is_not_found() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(
            conversation_detail(s.conn(), "nope").unwrap_err().code(),
            "not_found"
        );
    }

    #[test]
    fn transfer_targets_list_teams_and_agents_with_their_teams() {
        let mut s = Store::open_in_memory().unwrap();
        seed(&mut s);
        s.write(|tx| {
            for d in [
                r#"{"id":"d2","name":"Vendas"}"#,
                r#"{"id":"d1","name":"Suporte"}"#,
            ] {
                department::upsert(tx, &serde_json::from_str::<DepartmentDto>(d).unwrap(), d)?;
            }
            let b = r#"{"id":"a2","name":"Bruno sem usuário"}"#;
            agent::upsert(tx, &serde_json::from_str::<AgentDto>(b).unwrap(), b)?;
            Ok(())
        })
        .unwrap();
        let t = transfer_targets(s.conn()).unwrap();
        assert_eq!(
            t.departments
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>(),
            ["Suporte", "Vendas"]
        );
        assert_eq!(t.agents.len(), 1, "agents without a user id cannot receive");
        assert_eq!(t.agents[0].user_id, "u1");
        assert_eq!(t.agents[0].department_ids, ["d1"]);
    }
}
