//! Typed, tolerant views of the Helena JSON.
//!
//! The API is loosely specified (see helena.md §4: "map both spellings"), so every field is
//! optional unless the console cannot work without it, known alternative spellings are accepted
//! through `alias`, and unknown fields are ignored here and kept in the stored raw JSON.

use serde::Deserialize;
use serde_json::Value;

/// `GET /core/v1/agent` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDto {
    pub id: String,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub departments: Option<Vec<AgentDepartmentDto>>,
}

/// One team membership of an agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDepartmentDto {
    #[serde(alias = "id")]
    pub department_id: String,
    #[serde(default)]
    pub is_supervisor: Option<bool>,
}

/// `GET /core/v2/department` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentDto {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: Option<bool>,
}

/// `GET /chat/v1/channel` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDto {
    pub id: String,
    pub channel_type: Option<String>,
    pub identity: Option<ChannelIdentityDto>,
    pub display_name: Option<String>,
}

/// A channel's identity block (mirrored by a session's `channelDetails`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelIdentityDto {
    pub human_id: Option<String>,
    pub platform: Option<String>,
    pub provider: Option<String>,
    pub display_name: Option<String>,
}

/// `GET /core/v1/tag` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagDto {
    pub id: String,
    pub name: Option<String>,
    pub color: Option<String>,
}

/// `GET /core/v1/custom-field` item. Some variants carry only `key`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDto {
    pub id: Option<String>,
    pub key: String,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    pub entity_type: Option<String>,
}

/// `GET /chat/v1/template` item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDto {
    pub id: String,
    pub name: Option<String>,
    pub channel_id: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    #[serde(alias = "body")]
    pub text: Option<String>,
    #[serde(default)]
    pub params: Option<Vec<TemplateParamDto>>,
}

/// A template parameter.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateParamDto {
    pub name: String,
}

/// `GET /core/v1/contact` item (both documented spellings).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    pub id: String,
    pub name: Option<String>,
    #[serde(alias = "phoneNumber")]
    pub phonenumber: Option<String>,
    #[serde(alias = "phoneNumberFormatted")]
    pub phonenumber_formatted: Option<String>,
    pub email: Option<String>,
    pub instagram: Option<String>,
    pub status: Option<String>,
    pub annotation: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(alias = "tagIds")]
    pub tags_id: Option<Vec<String>>,
    #[serde(alias = "customFields")]
    pub custom_field_values: Option<serde_json::Map<String, Value>>,
}

/// `GET /chat/v2/session` item (`PublicSessionDTOV2`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub id: String,
    pub contact_id: Option<String>,
    pub channel_id: Option<String>,
    pub department_id: Option<String>,
    pub user_id: Option<String>,
    pub status: Option<String>,
    pub window_status: Option<String>,
    pub channel_type: Option<String>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
    pub last_interaction_date: Option<String>,
    pub last_message_text: Option<String>,
    pub unread_count: Option<i64>,
    pub contact_details: Option<SessionContactDto>,
}

/// A session's `contactDetails`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContactDto {
    pub name: Option<String>,
    #[serde(alias = "phoneNumber")]
    pub phonenumber: Option<String>,
    #[serde(alias = "phoneNumberFormatted")]
    pub phonenumber_formatted: Option<String>,
}

/// A message or internal note (`PublicMessageDTO`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDto {
    pub id: String,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub timestamp: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub direction: Option<String>,
    pub status: Option<String>,
    pub text: Option<String>,
    pub sender_id: Option<String>,
}

impl MessageDto {
    /// `in` for messages from the contact (`TO_HUB`), `out` for the company's (`FROM_HUB`).
    pub fn direction_code(&self) -> Option<&'static str> {
        match self.direction.as_deref() {
            Some("TO_HUB") => Some("in"),
            Some("FROM_HUB") => Some("out"),
            _ => None,
        }
    }
}

/// A custom-field value as text (numbers and booleans arrive unquoted).
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_accepts_both_spellings() {
        let a: ContactDto = serde_json::from_str(
            r#"{"id":"1","phonenumber":"+55|11999990000","tagsId":["t"],"customFieldValues":{"cpf":"1"}}"#,
        )
        .unwrap();
        let b: ContactDto = serde_json::from_str(
            r#"{"id":"1","phoneNumber":"+55|11999990000","tagIds":["t"],"customFields":{"cpf":1},"extra":true}"#,
        )
        .unwrap();
        assert_eq!(a.phonenumber, b.phonenumber);
        assert_eq!(a.tags_id, b.tags_id);
        let v = &b.custom_field_values.unwrap()["cpf"];
        assert_eq!(value_text(v).as_deref(), Some("1"));
    }

    #[test]
    fn message_direction_is_not_read_backwards() {
        let m: MessageDto =
            serde_json::from_str(r#"{"id":"m","direction":"TO_HUB","type":"TEXT"}"#).unwrap();
        assert_eq!(m.direction_code(), Some("in"));
        let m: MessageDto = serde_json::from_str(r#"{"id":"m","direction":"FROM_HUB"}"#).unwrap();
        assert_eq!(m.direction_code(), Some("out"));
    }
}
