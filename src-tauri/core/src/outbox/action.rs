//! The agent actions the outbox delivers: their serialised form (stored in `outbox.payload` and
//! passed over IPC), input validation, and the HTTP request each one becomes (helena.md §2.3,
//! §4, §10.11).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::budget::RequestKind;
use crate::api::client::Method;
use crate::api::dto::SessionDto;
use crate::error::{Error, Result};
use crate::store;

/// How `POST /core/v1/contact/{id}/tags` combines the given tags with the contact's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagOperation {
    InsertIfNotExists,
    DeleteIfExists,
    ReplaceAll,
}

/// A contact's status (`PUT /core/v2/contact/{id}` with `fields: ["Status"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactStatus {
    Active,
    Archived,
    Blocked,
}

/// One agent action. Serialised with a `type` tag in snake case and camel-case fields, e.g.
/// `{"type":"send_text","text":"Olá"}` or `{"type":"transfer","departmentId":"…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum Action {
    /// Free text in the conversation (needs an open 24 h window).
    SendText { text: String },
    /// A file by public URL, with an optional caption.
    SendMedia {
        file_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// A WhatsApp template in the conversation (allowed with the window closed).
    SendTemplate {
        template_id: String,
        #[serde(default)]
        parameters: BTreeMap<String, String>,
    },
    /// An internal note (agents only).
    Note { text: String },
    /// Assign the conversation to an agent (by user id).
    Assume { user_id: String },
    /// Transfer to a team (queue) or to an agent.
    Transfer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
    },
    /// Conclude the conversation.
    Conclude {
        #[serde(default)]
        reactivate_on_new_message: bool,
    },
    /// Reopen a concluded conversation (status `IN_PROGRESS`).
    Reopen,
    /// Add, remove or replace a contact's tags.
    ContactTags {
        contact_id: String,
        tag_ids: Vec<String>,
        operation: TagOperation,
    },
    /// Set custom-field values of a contact (`null` clears one).
    ContactFields {
        contact_id: String,
        custom_fields: Map<String, Value>,
    },
    /// Change a contact's status.
    ContactStatus {
        contact_id: String,
        status: ContactStatus,
    },
}

/// Longest free text WhatsApp accepts in one message.
const MAX_TEXT: usize = 4096;

/// What an action applies to, which is also what orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Session(String),
    Contact(String),
}

impl Target {
    /// The lane that orders delivery.
    pub fn lane(&self) -> String {
        match self {
            Target::Session(id) => store::outbox::session_lane(id),
            Target::Contact(id) => store::outbox::contact_lane(id),
        }
    }
}

/// An HTTP request an action becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Value,
    pub kind: RequestKind,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn invalid(msg: &str) -> Error {
    Error::InvalidInput(msg.to_string())
}

impl Action {
    /// The stable name stored in `outbox.action` (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::SendText { .. } => "send_text",
            Action::SendMedia { .. } => "send_media",
            Action::SendTemplate { .. } => "send_template",
            Action::Note { .. } => "note",
            Action::Assume { .. } => "assume",
            Action::Transfer { .. } => "transfer",
            Action::Conclude { .. } => "conclude",
            Action::Reopen => "reopen",
            Action::ContactTags { .. } => "contact_tags",
            Action::ContactFields { .. } => "contact_fields",
            Action::ContactStatus { .. } => "contact_status",
        }
    }

    /// A message to the customer, tracked by `senderId`.
    pub fn is_send(&self) -> bool {
        matches!(
            self,
            Action::SendText { .. } | Action::SendMedia { .. } | Action::SendTemplate { .. }
        )
    }

    /// Whether the action adds a row to the timeline (a send or a note).
    pub fn creates_message(&self) -> bool {
        self.is_send() || matches!(self, Action::Note { .. })
    }

    /// The entities whose queries a change by this action invalidates (change notices).
    pub fn entities(&self) -> &'static [&'static str] {
        match self {
            Action::SendText { .. } | Action::SendMedia { .. } | Action::SendTemplate { .. } => {
                &["outbox", "message", "session"]
            }
            Action::Note { .. } => &["outbox", "message"],
            Action::Assume { .. }
            | Action::Transfer { .. }
            | Action::Conclude { .. }
            | Action::Reopen => &["outbox", "session"],
            Action::ContactTags { .. }
            | Action::ContactFields { .. }
            | Action::ContactStatus { .. } => &["outbox", "contact"],
        }
    }

    /// Checks the input; messages are PT-BR, for the agent.
    pub fn validate(&self) -> Result<()> {
        match self {
            Action::SendText { text } => {
                if blank(text) {
                    return Err(invalid("a mensagem está vazia"));
                }
                if text.chars().count() > MAX_TEXT {
                    return Err(Error::InvalidInput(format!(
                        "a mensagem passa de {MAX_TEXT} caracteres"
                    )));
                }
            }
            Action::SendMedia { file_url, caption } => {
                let ok = url::Url::parse(file_url.trim())
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    return Err(Error::InvalidInput(format!(
                        "endereço do arquivo inválido (use http ou https): {file_url}"
                    )));
                }
                if caption
                    .as_deref()
                    .is_some_and(|c| c.chars().count() > MAX_TEXT)
                {
                    return Err(Error::InvalidInput(format!(
                        "a legenda passa de {MAX_TEXT} caracteres"
                    )));
                }
            }
            Action::SendTemplate {
                template_id,
                parameters,
            } => {
                if blank(template_id) {
                    return Err(invalid("escolha um modelo de mensagem"));
                }
                if parameters.keys().any(|k| blank(k)) {
                    return Err(invalid("parâmetro do modelo sem nome"));
                }
            }
            Action::Note { text } => {
                if blank(text) {
                    return Err(invalid("a nota interna está vazia"));
                }
            }
            Action::Assume { user_id } => {
                if blank(user_id) {
                    return Err(invalid("informe o agente que assume a conversa"));
                }
            }
            Action::Transfer {
                department_id,
                user_id,
            } => {
                let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !blank(s));
                if !given(department_id) && !given(user_id) {
                    return Err(invalid("informe a equipe ou o agente da transferência"));
                }
                if department_id.as_deref().is_some_and(blank)
                    || user_id.as_deref().is_some_and(blank)
                {
                    return Err(invalid("equipe ou agente da transferência em branco"));
                }
            }
            Action::Conclude { .. } | Action::Reopen => {}
            Action::ContactTags {
                contact_id,
                tag_ids,
                operation,
            } => {
                if blank(contact_id) {
                    return Err(invalid("informe o contato"));
                }
                if tag_ids.is_empty() && *operation != TagOperation::ReplaceAll {
                    return Err(invalid("informe ao menos uma etiqueta"));
                }
                if tag_ids.iter().any(|t| blank(t)) {
                    return Err(invalid("etiqueta em branco"));
                }
            }
            Action::ContactFields {
                contact_id,
                custom_fields,
            } => {
                if blank(contact_id) {
                    return Err(invalid("informe o contato"));
                }
                if custom_fields.is_empty() {
                    return Err(invalid("informe ao menos um campo personalizado"));
                }
                if custom_fields.keys().any(|k| blank(k)) {
                    return Err(invalid("campo personalizado sem chave"));
                }
            }
            Action::ContactStatus { contact_id, .. } => {
                if blank(contact_id) {
                    return Err(invalid("informe o contato"));
                }
            }
        }
        Ok(())
    }

    /// What the action applies to: the conversation for sends, notes and session actions, the
    /// contact for contact actions.
    pub fn target(&self, session_id: Option<&str>) -> Result<Target> {
        match self {
            Action::ContactTags { contact_id, .. }
            | Action::ContactFields { contact_id, .. }
            | Action::ContactStatus { contact_id, .. } => Ok(Target::Contact(contact_id.clone())),
            _ => session_id
                .filter(|s| !blank(s))
                .map(|s| Target::Session(s.to_string()))
                .ok_or_else(|| invalid("esta ação precisa de uma conversa")),
        }
    }

    /// The message `type` the timeline shows for a send or note.
    pub fn content_type(&self) -> &'static str {
        match self {
            Action::SendMedia { file_url, .. } => media_type(file_url),
            _ => "TEXT",
        }
    }

    /// The text a send or note shows before the server's copy arrives (a template is rendered
    /// from the local template table when known).
    pub fn preview_text(&self, c: &Connection) -> Result<Option<String>> {
        Ok(match self {
            Action::SendText { text } | Action::Note { text } => Some(text.clone()),
            Action::SendMedia { caption, file_url } => Some(
                caption
                    .clone()
                    .filter(|c| !blank(c))
                    .unwrap_or_else(|| media_preview(media_type(file_url)).to_string()),
            ),
            Action::SendTemplate {
                template_id,
                parameters,
            } => {
                let text: Option<Option<String>> = c
                    .prepare_cached("SELECT text FROM template WHERE id = ?1")?
                    .query_row([template_id], |r| r.get(0))
                    .optional()?;
                Some(match text.flatten() {
                    Some(t) => render_template(&t, parameters),
                    None => "Modelo de mensagem".to_string(),
                })
            }
            _ => None,
        })
    }

    /// The HTTP request that delivers the action; `client_id` goes as `senderId` on sends.
    pub fn request(&self, target: &Target, client_id: &str) -> Request {
        let id = match target {
            Target::Session(id) | Target::Contact(id) => crate::sync::encode_segment(id),
        };
        let session = |suffix: &str| format!("/chat/v1/session/{id}/{suffix}");
        let put = |path: String, body: Value| Request {
            method: Method::PUT,
            path,
            body,
            kind: RequestKind::General,
        };
        let send = |body: Value| Request {
            method: Method::POST,
            path: session("message"),
            body,
            kind: RequestKind::Send,
        };
        match self {
            Action::SendText { text } => send(json!({"text": text, "senderId": client_id})),
            Action::SendMedia { file_url, caption } => {
                let mut body = json!({"fileUrl": file_url.trim(), "senderId": client_id});
                if let Some(c) = caption.as_deref().filter(|c| !blank(c)) {
                    body["text"] = json!(c);
                }
                send(body)
            }
            Action::SendTemplate {
                template_id,
                parameters,
            } => send(json!({
                "templateId": template_id,
                "parameters": parameters,
                "senderId": client_id,
            })),
            Action::Note { text } => Request {
                method: Method::POST,
                path: session("note"),
                body: json!({"text": text}),
                kind: RequestKind::General,
            },
            Action::Assume { user_id } => put(session("assignee"), json!({"userId": user_id})),
            Action::Transfer {
                department_id,
                user_id,
            } => {
                // helena.md S5: USER when an agent is named (a team may go with it).
                let kind = if user_id.is_some() {
                    "USER"
                } else {
                    "DEPARTMENT"
                };
                let mut body = json!({"type": kind});
                if let Some(d) = department_id {
                    body["newDepartmentId"] = json!(d);
                }
                if let Some(u) = user_id {
                    body["newUserId"] = json!(u);
                }
                put(session("transfer"), body)
            }
            Action::Conclude {
                reactivate_on_new_message,
            } => put(
                session("complete"),
                json!({"reactivateOnNewMessage": reactivate_on_new_message}),
            ),
            Action::Reopen => put(session("status"), json!({"newStatus": "IN_PROGRESS"})),
            Action::ContactTags {
                tag_ids, operation, ..
            } => Request {
                method: Method::POST,
                path: format!("/core/v1/contact/{id}/tags"),
                body: json!({"tagIds": tag_ids, "operation": operation}),
                kind: RequestKind::General,
            },
            Action::ContactFields { custom_fields, .. } => put(
                format!("/core/v2/contact/{id}"),
                json!({"fields": ["CustomFields"], "customFields": custom_fields}),
            ),
            Action::ContactStatus { status, .. } => put(
                format!("/core/v2/contact/{id}"),
                json!({"fields": ["Status"], "status": status}),
            ),
        }
    }

    /// Whether a session action's goal already holds on the server's copy (so a refused resend
    /// after an uncertain attempt means the first attempt landed). `None` for other actions.
    pub fn goal_reached(&self, s: &SessionDto) -> Option<bool> {
        let status = s.status.as_deref();
        match self {
            Action::Assume { user_id } => Some(s.user_id.as_deref() == Some(user_id)),
            Action::Transfer {
                department_id,
                user_id,
            } => Some(
                s.user_id.as_deref() == user_id.as_deref()
                    && department_id
                        .as_deref()
                        .is_none_or(|d| s.department_id.as_deref() == Some(d)),
            ),
            Action::Conclude { .. } => Some(status == Some("COMPLETED")),
            Action::Reopen => Some(status == Some("IN_PROGRESS")),
            _ => None,
        }
    }
}

/// The message type a file URL will most likely become (by extension).
fn media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" | "png" | "webp" | "gif" => "IMAGE",
        "ogg" | "opus" | "mp3" | "m4a" | "aac" => "AUDIO",
        "mp4" | "3gp" | "mov" => "VIDEO",
        _ => "DOCUMENT",
    }
}

fn media_preview(kind: &str) -> &'static str {
    match kind {
        "IMAGE" => "📷 Imagem",
        "AUDIO" => "🎤 Áudio",
        "VIDEO" => "🎬 Vídeo",
        _ => "📄 Documento",
    }
}

/// Replaces `{{name}}` placeholders with the given values.
fn render_template(text: &str, parameters: &BTreeMap<String, String>) -> String {
    parameters.iter().fold(text.to_string(), |out, (k, v)| {
        out.replace(&format!("{{{{{k}}}}}"), v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_form_is_tagged_and_camel_case() {
        let a = Action::Transfer {
            department_id: Some("d1".into()),
            user_id: None,
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            json!({"type": "transfer", "departmentId": "d1"})
        );
        let back: Action = serde_json::from_str(r#"{"type":"reopen"}"#).unwrap();
        assert_eq!(back, Action::Reopen);
        let tags: Action = serde_json::from_str(
            r#"{"type":"contact_tags","contactId":"c1","tagIds":["t"],"operation":"DeleteIfExists"}"#,
        )
        .unwrap();
        assert_eq!(tags.kind(), "contact_tags");
        assert_eq!(
            tags.target(None).unwrap(),
            Target::Contact("c1".to_string())
        );
        let st: Action = serde_json::from_str(
            r#"{"type":"contact_status","contactId":"c1","status":"BLOCKED"}"#,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(&st).unwrap()["status"], "BLOCKED");
    }

    #[test]
    fn invalid_input_is_refused_in_portuguese() {
        let cases = [
            Action::SendText { text: "  ".into() },
            Action::Note { text: "".into() },
            Action::SendMedia {
                file_url: "ftp://x/a.pdf".into(),
                caption: None,
            },
            Action::SendTemplate {
                template_id: "".into(),
                parameters: BTreeMap::new(),
            },
            Action::Assume { user_id: "".into() },
            Action::Transfer {
                department_id: None,
                user_id: None,
            },
            Action::ContactTags {
                contact_id: "c".into(),
                tag_ids: vec![],
                operation: TagOperation::InsertIfNotExists,
            },
            Action::ContactFields {
                contact_id: "c".into(),
                custom_fields: Map::new(),
            },
            Action::SendText {
                text: "a".repeat(MAX_TEXT + 1),
            },
        ];
        for a in cases {
            let e = a.validate().unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{a:?}");
            assert!(e.to_string().starts_with("entrada inválida"), "{e}");
        }
        assert!(Action::Reopen.target(None).is_err());
        assert!(Action::ContactTags {
            contact_id: "c".into(),
            tag_ids: vec![],
            operation: TagOperation::ReplaceAll
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn requests_follow_the_documented_shapes() {
        let t = Target::Session("s 1".into());
        let r = Action::SendText { text: "Oi".into() }.request(&t, "cid");
        assert_eq!(r.method, Method::POST);
        assert_eq!(r.path, "/chat/v1/session/s+1/message");
        assert_eq!(r.body, json!({"text": "Oi", "senderId": "cid"}));
        assert_eq!(r.kind, RequestKind::Send);
        let r = Action::SendMedia {
            file_url: "https://x/f.pdf".into(),
            caption: Some("Boleto".into()),
        }
        .request(&t, "cid");
        assert_eq!(
            r.body,
            json!({"fileUrl": "https://x/f.pdf", "text": "Boleto", "senderId": "cid"})
        );
        let r = Action::Transfer {
            department_id: Some("d".into()),
            user_id: Some("u".into()),
        }
        .request(&t, "cid");
        assert_eq!(r.path, "/chat/v1/session/s+1/transfer");
        assert_eq!(r.body["type"], "USER");
        let r = Action::Reopen.request(&t, "cid");
        assert_eq!(r.body, json!({"newStatus": "IN_PROGRESS"}));
        let c = Target::Contact("c1".into());
        let r = Action::ContactStatus {
            contact_id: "c1".into(),
            status: ContactStatus::Archived,
        }
        .request(&c, "cid");
        assert_eq!(r.path, "/core/v2/contact/c1");
        assert_eq!(r.body, json!({"fields": ["Status"], "status": "ARCHIVED"}));
        let r = Action::ContactTags {
            contact_id: "c1".into(),
            tag_ids: vec!["t1".into()],
            operation: TagOperation::InsertIfNotExists,
        }
        .request(&c, "cid");
        assert_eq!(r.path, "/core/v1/contact/c1/tags");
        assert_eq!(
            r.body,
            json!({"tagIds": ["t1"], "operation": "InsertIfNotExists"})
        );
    }

    #[test]
    fn templates_render_and_media_types_are_guessed() {
        let mut p = BTreeMap::new();
        p.insert("nome".to_string(), "Ana".to_string());
        assert_eq!(render_template("Olá, {{nome}}!", &p), "Olá, Ana!");
        assert_eq!(media_type("https://x/a.JPG?x=1"), "IMAGE");
        assert_eq!(media_type("https://x/a"), "DOCUMENT");
    }
}
