//! Typed, tolerant views of the Helena JSON.
//!
//! The API is loosely specified (see helena.md §4: "map both spellings"), so every field is
//! optional unless the console cannot work without it, known alternative spellings are accepted
//! (through `alias`, or for contacts, whose answers may carry both spellings at once, through a
//! wire struct with one field per spelling), and unknown fields are ignored here and kept in the
//! stored raw JSON. Enum-like values (`status`, `type`, `channelType`, …) stay strings: a value
//! the console has no case for is stored as it came, never a decode failure. Timestamps stay
//! strings too; [`crate::time`] reads any RFC 3339 fraction (0 to 9 digits), with or without
//! `Z`, and the store keeps them canonical.

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

/// `GET /core/v1/contact` item, in either spelling of helena.md §4: the webhook's
/// (`phonenumber`, `phonenumberFormatted`, `tagsId`, `customFieldValues`) or the one some
/// `GET` answers use (`phoneNumber`, `phoneNumberFormatted`, `tagIds`, `customFields`), or
/// both at once (a serde `alias` would refuse that as a duplicate field). Where both carry a
/// value, the webhook spelling wins.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "ContactWire")]
pub struct ContactDto {
    pub id: String,
    pub name: Option<String>,
    pub phonenumber: Option<String>,
    pub phonenumber_formatted: Option<String>,
    pub email: Option<String>,
    pub instagram: Option<String>,
    pub status: Option<String>,
    pub annotation: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub tags_id: Option<Vec<String>>,
    pub custom_field_values: Option<serde_json::Map<String, Value>>,
}

/// A contact as it arrives: each spelling its own field (see [`ContactDto`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactWire {
    id: String,
    name: Option<String>,
    phonenumber: Option<String>,
    phone_number: Option<String>,
    phonenumber_formatted: Option<String>,
    phone_number_formatted: Option<String>,
    email: Option<String>,
    instagram: Option<String>,
    status: Option<String>,
    annotation: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    tags_id: Option<Vec<String>>,
    tag_ids: Option<Vec<String>>,
    custom_field_values: Option<serde_json::Map<String, Value>>,
    /// Only an object is a map of values; any other shape is left out rather than refused.
    custom_fields: Option<Value>,
}

impl From<ContactWire> for ContactDto {
    fn from(w: ContactWire) -> Self {
        ContactDto {
            id: w.id,
            name: w.name,
            phonenumber: w.phonenumber.or(w.phone_number),
            phonenumber_formatted: w.phonenumber_formatted.or(w.phone_number_formatted),
            email: w.email,
            instagram: w.instagram,
            status: w.status,
            annotation: w.annotation,
            created_at: w.created_at,
            updated_at: w.updated_at,
            tags_id: w.tags_id.or(w.tag_ids),
            custom_field_values: w.custom_field_values.or(match w.custom_fields {
                Some(Value::Object(m)) => Some(m),
                _ => None,
            }),
        }
    }
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

/// A session's `contactDetails` (`null` now and then even when asked for: helena.md §2.2), in
/// either contact spelling or both (see [`ContactDto`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "SessionContactWire")]
pub struct SessionContactDto {
    pub name: Option<String>,
    pub phonenumber: Option<String>,
    pub phonenumber_formatted: Option<String>,
}

/// A session's `contactDetails` as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionContactWire {
    name: Option<String>,
    phonenumber: Option<String>,
    phone_number: Option<String>,
    phonenumber_formatted: Option<String>,
    phone_number_formatted: Option<String>,
}

impl From<SessionContactWire> for SessionContactDto {
    fn from(w: SessionContactWire) -> Self {
        SessionContactDto {
            name: w.name,
            phonenumber: w.phonenumber.or(w.phone_number),
            phonenumber_formatted: w.phonenumber_formatted.or(w.phone_number_formatted),
        }
    }
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
    fn contact_with_both_spellings_at_once_decodes() {
        // A serde `alias` refuses this ("duplicate field"); the documented spelling wins.
        let c: ContactDto = serde_json::from_str(
            r#"{"id":"1","phonenumber":"+55|11999990000","phoneNumber":"+55|11999990000",
                "phonenumberFormatted":"+55 (11) 99999-0000","phoneNumberFormatted":"x",
                "tagsId":["t"],"tagIds":["t"],"tags":["VIP"],"tagNames":["VIP"],
                "customFieldValues":{"cpf":"1"},"customFields":{"cpf":"1"}}"#,
        )
        .unwrap();
        assert_eq!(c.phonenumber.as_deref(), Some("+55|11999990000"));
        assert_eq!(
            c.phonenumber_formatted.as_deref(),
            Some("+55 (11) 99999-0000")
        );
        assert_eq!(c.tags_id, Some(vec!["t".to_string()]));
        assert_eq!(c.custom_field_values.unwrap()["cpf"], "1");
        // `customFields` in another shape is left out, not a decode failure.
        let c: ContactDto =
            serde_json::from_str(r#"{"id":"2","customFields":[{"key":"cpf","value":"1"}]}"#)
                .unwrap();
        assert!(c.custom_field_values.is_none());
        let d: SessionContactDto = serde_json::from_str(
            r#"{"id":"1","name":"Ana","phoneNumber":"+55|1","phonenumber":"+55|1","tagIds":[],"legacyId":3}"#,
        )
        .unwrap();
        assert_eq!(d.phonenumber.as_deref(), Some("+55|1"));
    }

    #[test]
    fn unknown_fields_and_enum_values_decode() {
        let s: SessionDto = serde_json::from_str(
            r#"{"id":"s","status":"ON_HOLD","channelType":"WEBCHAT","windowStatus":"SOMETHING_NEW",
                "botContext":{"flowStep":2},"externalRef":null,"contactDetails":null,
                "updatedAt":"2026-11-22T14:05:09Z"}"#,
        )
        .unwrap();
        assert_eq!(s.status.as_deref(), Some("ON_HOLD"));
        assert_eq!(s.channel_type.as_deref(), Some("WEBCHAT"));
        assert!(s.contact_details.is_none());
        let m: MessageDto = serde_json::from_str(
            r#"{"id":"m","type":"INTERACTIVE","direction":"TO_HUB","status":"NEW_STATUS",
                "details":{"extensionData":null},"schemaVersion":2}"#,
        )
        .unwrap();
        assert_eq!(m.kind.as_deref(), Some("INTERACTIVE"));
        assert_eq!(m.direction_code(), Some("in"));
        let c: ChannelDto = serde_json::from_str(
            r#"{"id":"c","channelType":"WEBCHAT","identity":{"humanId":"site","legacyId":1}}"#,
        )
        .unwrap();
        assert_eq!(c.channel_type.as_deref(), Some("WEBCHAT"));
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
