//! The Helena API's JSON objects as serde structs.
//!
//! Every struct here serializes to exactly the JSON the public API documents
//! (`/work/shared/api/helena.md`): camelCase field names, enums as their upper-case strings,
//! dates as ISO-8601 UTC with milliseconds and `Z` (with [`Faults::quirks`](crate::Faults::quirks)
//! the fault layer re-spells answers the way the live API does: see [`quirks`](crate::quirks);
//! the world keeps this canonical form). The simulator's [`World`](crate::World)
//! stores these structs directly, so a handler can answer by serializing what it holds and a
//! test can read or mutate exactly what a client will see. A few `#[serde(skip)]` fields hold
//! simulator-only bookkeeping (e.g. the delivery progress of a message sent through the API).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Serde helpers for dates: `2024-06-27T13:45:00.123Z` (UTC, milliseconds, `Z`).
pub mod ts {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Formats a date the way the API does.
    pub fn format(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    /// The same for `Option<DateTime<Utc>>` (`null` when absent).
    pub mod opt {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let s = Option::<String>::deserialize(d)?;
            s.map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
        }
    }
}

/// Declares an API enum: serde names, `ALL`, `NEWER`, `as_str`, case-insensitive `parse`.
///
/// The optional `newer { … }` values are ones helena.md does not list: a live server may add
/// values a client has no case for. The simulator serves them only when a world holds them
/// ([`World::adopt_newer_values`](crate::World::adopt_newer_values), or
/// [`SimConfig::newer_enum_values`](crate::SimConfig::newer_enum_values) at seeding); `ALL`
/// leaves them out, so seeding, which walks `ALL`, is unchanged.
macro_rules! api_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }
     $(newer { $($(#[$nm:meta])* $nv:ident = $ns:literal),+ $(,)? })?) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( #[serde(rename = $s)] $variant, )+
            $($( $(#[$nm])* #[serde(rename = $ns)] $nv, )+)?
        }

        impl $name {
            /// Every documented value, in the order the API lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Values the documentation does not list (served only by worlds that hold them).
            pub const NEWER: &'static [$name] = &[$($($name::$nv),+)?];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                    $($($name::$nv => $ns,)+)?
                }
            }

            /// Parses the wire spelling, ignoring case and surrounding blanks.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $( if s.eq_ignore_ascii_case($s) { return Some($name::$variant); } )+
                $($( if s.eq_ignore_ascii_case($ns) { return Some($name::$nv); } )+)?
                None
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

api_enum!(
    /// Session `status` (§2.1).
    SessionStatus {
        Undefined = "UNDEFINED",
        Started = "STARTED",
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        Hidden = "HIDDEN",
    }
    newer {
        /// Parked by an agent; open (no `endAt`), it behaves like `IN_PROGRESS`.
        OnHold = "ON_HOLD",
        /// Waiting for a new contact message; open, it behaves like `PENDING`.
        WaitingNew = "WAITING_NEW",
    }
);

impl SessionStatus {
    /// Whether a session in this status is still open (no `endAt`).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            SessionStatus::Pending
                | SessionStatus::InProgress
                | SessionStatus::Started
                | SessionStatus::OnHold
                | SessionStatus::WaitingNew
        )
    }

    /// The PT-BR `statusDescription`.
    pub fn description(self) -> &'static str {
        match self {
            SessionStatus::Undefined => "Indefinido",
            SessionStatus::Started => "Iniciado",
            SessionStatus::Pending => "Aguardando atendimento",
            SessionStatus::InProgress => "Em atendimento",
            SessionStatus::Completed => "Concluído",
            SessionStatus::Hidden => "Oculto",
            SessionStatus::OnHold => "Em espera",
            SessionStatus::WaitingNew => "Aguardando nova mensagem",
        }
    }
}

api_enum!(
    /// The WhatsApp 24 h customer-service window (§2.1).
    WindowStatus {
        Active = "ACTIVE",
        Expired = "EXPIRED",
        NotStarted = "NOT_STARTED",
    }
);

api_enum!(
    /// Channel providers (§2.1).
    ChannelType {
        GupshupWhatsapp = "GUPSHUP_WHATSAPP",
        Dialog360Whatsapp = "DIALOG360_WHATSAPP",
        CloudapiWhatsapp = "CLOUDAPI_WHATSAPP",
        ZapiWhatsapp = "ZAPI_WHATSAPP",
        EvolutionapiWhatsapp = "EVOLUTIONAPI_WHATSAPP",
        Instagram = "INSTAGRAM",
        Messenger = "MESSENGER",
    }
    newer {
        /// The web-chat widget (the channel list's `ChannelType=WebChat` filter names it).
        Webchat = "WEBCHAT",
    }
);

impl ChannelType {
    /// Whether this is one of the WhatsApp providers.
    pub fn is_whatsapp(self) -> bool {
        matches!(
            self,
            ChannelType::GupshupWhatsapp
                | ChannelType::Dialog360Whatsapp
                | ChannelType::CloudapiWhatsapp
                | ChannelType::ZapiWhatsapp
                | ChannelType::EvolutionapiWhatsapp
        )
    }
}

api_enum!(
    /// Session `type` (v2 only).
    SessionType {
        Individual = "INDIVIDUAL",
        Group = "GROUP",
    }
);

api_enum!(
    /// Message `type` (§3.1).
    MessageType {
        Text = "TEXT",
        Sticker = "STICKER",
        Image = "IMAGE",
        Audio = "AUDIO",
        Video = "VIDEO",
        Document = "DOCUMENT",
        Contact = "CONTACT",
        Location = "LOCATION",
        List = "LIST",
        Buttons = "BUTTONS",
        Transition = "TRANSITION",
        Track = "TRACK",
    }
    newer {
        /// An interactive reply (a button or list choice) the documented list does not name.
        Interactive = "INTERACTIVE",
    }
);

api_enum!(
    /// Message `direction`: `FROM_HUB` = outbound (company), `TO_HUB` = inbound (contact).
    Direction {
        FromHub = "FROM_HUB",
        ToHub = "TO_HUB",
    }
);

api_enum!(
    /// Message `status` (§3.1).
    MessageStatus {
        Processing = "PROCESSING",
        Saved = "SAVED",
        Queued = "QUEUED",
        Sent = "SENT",
        Delivered = "DELIVERED",
        Read = "READ",
        Failed = "FAILED",
        Deleted = "DELETED",
        WaitReply = "WAIT_REPLY",
    }
);

api_enum!(
    /// Message `origin` (§3.1).
    MessageOrigin {
        Default = "DEFAULT",
        Campaign = "CAMPAIGN",
        OfficeHours = "OFFICE_HOURS",
        Bot = "BOT",
        Api = "API",
        Payment = "PAYMENT",
        Gateway = "GATEWAY",
    }
);

api_enum!(
    /// Contact `status` (§4).
    ContactStatus {
        Active = "ACTIVE",
        Archived = "ARCHIVED",
        Blocked = "BLOCKED",
        Undefined = "UNDEFINED",
    }
);

api_enum!(
    /// `PublicFileDTO.type`.
    FileType {
        Undefined = "UNDEFINED",
        Pdf = "PDF",
        Excel = "EXCEL",
        Word = "WORD",
        Image = "IMAGE",
        Audio = "AUDIO",
        Video = "VIDEO",
    }
);

api_enum!(
    /// Session classification `category`.
    ClassificationCategory {
        Undefined = "UNDEFINED",
        Won = "WON",
        Lost = "LOST",
        Info = "INFO",
        Other = "OTHER",
    }
);

api_enum!(
    /// `details.track.type`.
    TrackType {
        AccessPage = "ACCESS_PAGE",
        StartChat = "START_CHAT",
        SaveContact = "SAVE_CONTACT",
    }
);

/// A team ("equipe"), `GET /core/v2/department`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_default: bool,
    pub is_supervisor: bool,
}

/// One team membership of an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDepartment {
    pub department_id: String,
    pub is_supervisor: bool,
}

/// A user of the account, `GET /core/v1/agent`. Sessions refer to agents by `userId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub short_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub picture_url: Option<String>,
    pub availability: String,
    pub departments: Vec<AgentDepartment>,
}

/// A contact tag, `GET /core/v1/tag`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub color: String,
}

/// `identity` of a channel; session `channelDetails` mirrors it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelIdentity {
    pub human_id: String,
    pub platform: String,
    pub provider: String,
    pub display_name: String,
    pub picture_url: Option<String>,
}

/// A connected channel (a WhatsApp number, an Instagram or Messenger page), `GET /chat/v1/channel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: String,
    pub channel_type: ChannelType,
    pub identity: ChannelIdentity,
}

/// A template parameter (`{{name}}` in the text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateParam {
    pub name: String,
    pub example: String,
}

/// A WhatsApp message template, `GET /chat/v1/template`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    pub name: String,
    pub channel_id: String,
    pub category: String,
    pub status: String,
    pub language: String,
    pub text: String,
    pub file_type: Option<String>,
    pub params: Vec<TemplateParam>,
}

impl Template {
    /// The text with every `{{name}}` replaced from `values` (missing ones stay as they are).
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = self.text.clone();
        for p in &self.params {
            if let Some(v) = values.get(&p.name) {
                out = out.replace(&format!("{{{{{}}}}}", p.name), v);
            }
        }
        out
    }
}

/// A custom-field definition, `GET /core/v1/custom-field`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    pub id: String,
    pub key: String,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub entity_type: String,
    pub options: Option<Vec<String>>,
}

/// Campaign attribution (`utm`) of a contact, session or message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Utm {
    pub source_id: Option<String>,
    pub source: Option<String>,
    pub clid: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub content: Option<String>,
    pub headline: Option<String>,
    pub term: Option<String>,
    pub referral_url: Option<String>,
}

/// A contact, shaped like the `CONTACT_UPDATE` webhook content (§4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(with = "ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "ts")]
    pub updated_at: DateTime<Utc>,
    pub company_id: String,
    pub name: String,
    /// `+55|11999999999`.
    pub phonenumber: Option<String>,
    /// `+55 (11) 99999-9999`.
    pub phonenumber_formatted: Option<String>,
    pub email: Option<String>,
    pub instagram: Option<String>,
    pub annotation: Option<String>,
    pub tags_id: Vec<String>,
    /// Tag names, kept in step with `tags_id` by the [`World`](crate::World) helpers.
    pub tags: Vec<String>,
    pub status: ContactStatus,
    pub origin: String,
    pub utm: Option<Utm>,
    pub custom_field_values: BTreeMap<String, String>,
    pub metadata: Option<Value>,
}

/// Session `classification`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Classification {
    pub id: String,
    pub category: ClassificationCategory,
    pub category_description: String,
    pub amount: f64,
    pub category_name: String,
}

/// A conversation (`PublicSessionDTOV2`, without the `…Details` objects, which the server
/// computes from the other lists when `IncludeDetails` asks for them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub company_id: String,
    pub contact_id: String,
    pub channel_id: String,
    pub department_id: Option<String>,
    pub bot_id: Option<String>,
    /// The assigned agent's **user** id.
    pub user_id: Option<String>,
    #[serde(with = "ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "ts")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "ts::opt")]
    pub start_at: Option<DateTime<Utc>>,
    #[serde(with = "ts::opt")]
    pub end_at: Option<DateTime<Utc>>,
    #[serde(with = "ts::opt")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(with = "ts::opt")]
    pub last_interaction_date: Option<DateTime<Utc>>,
    #[serde(with = "ts::opt")]
    pub last_message_out: Option<DateTime<Utc>>,
    #[serde(with = "ts::opt")]
    pub last_message_in: Option<DateTime<Utc>>,
    pub status: SessionStatus,
    pub window_status: WindowStatus,
    pub channel_type: ChannelType,
    #[serde(rename = "type")]
    pub session_type: SessionType,
    pub preview_url: String,
    pub title: Option<String>,
    /// Protocol number, e.g. `2024062700164`.
    pub number: String,
    pub origin: String,
    pub status_description: String,
    pub time_service: Option<String>,
    pub time_wait: Option<String>,
    pub last_message_text: Option<String>,
    pub unread_count: i32,
    pub utm: Option<Utm>,
    pub metadata: Option<Value>,
    /// Only sent when `IncludeDetails` asks for `ClassificationDetails`.
    pub classification: Option<Classification>,
    /// Set by `complete` with `reactivateOnNewMessage: true`: the next inbound message reopens it.
    #[serde(skip)]
    pub reactivate_on_new_message: bool,
}

/// `PublicFileDTO.thumbnail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thumbnail {
    pub id: String,
    pub public_url: String,
}

/// `PublicFileDTO`: a media file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDto {
    pub id: String,
    pub company_id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub extension: String,
    pub mime_type: String,
    #[serde(rename = "type")]
    pub file_type: FileType,
    pub public_url: String,
    pub public_url_download: String,
    pub size: i64,
    pub is_thumbnail: bool,
    pub thumbnail: Option<Thumbnail>,
}

/// `details.location`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub address: String,
    pub name: String,
    pub url: String,
}

/// `details.contact` (a shared contact card).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedContact {
    pub name: String,
    pub email: Option<String>,
    pub phone_number: String,
    pub phone_number_formatted: String,
}

/// `details.track` (a site-tracking event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    pub id: String,
    #[serde(with = "ts")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub track_type: TrackType,
    pub page_title: String,
    pub page_url: String,
    pub page_utm: Option<Utm>,
    pub is_mobile_device: bool,
    pub form_data: Option<Value>,
}

/// `details.transcription` (of an audio message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcription {
    pub text: String,
    pub processing: bool,
    pub error: bool,
}

/// `details` of a message. Only the keys a message actually has are sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDetails {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<FileDto>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub files: Option<Vec<FileDto>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contact: Option<SharedContact>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub footer_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub track: Option<Track>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcription: Option<Transcription>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub template_category_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wait_reply: Option<bool>,
    /// The company's reaction to a contact's message: `SMILE`, `SAD`, `WOW` or `LOVE`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reaction_to_contact: Option<String>,
    /// The contact's reaction (an emoji) to a company message.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reaction_from_contact: Option<String>,
}

/// Simulator bookkeeping for a message sent through the API: it advances
/// `QUEUED -> SENT -> DELIVERED -> READ` (or `-> FAILED`) as time passes and requests arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// When the status last changed.
    pub last_step: DateTime<Utc>,
    /// Where it ends: `READ` or `FAILED`.
    pub outcome: MessageStatus,
}

/// A message or an internal note (`PublicMessageDTO`, §3.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub session_id: String,
    pub template_id: Option<String>,
    pub file_id: Option<String>,
    pub ref_id: Option<String>,
    /// The agent (user id) who sent it; `null` for inbound, bot and system messages.
    pub user_id: Option<String>,
    #[serde(with = "ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "ts")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "ts")]
    pub timestamp: DateTime<Utc>,
    #[serde(with = "ts::opt")]
    pub read_contact_at: Option<DateTime<Utc>>,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    pub direction: Direction,
    pub status: MessageStatus,
    pub origin: MessageOrigin,
    pub sender_id: Option<String>,
    pub text: Option<String>,
    pub failed_reason: Option<String>,
    pub files_ids: Vec<String>,
    pub details: Option<Box<MessageDetails>>,
    #[serde(skip)]
    pub delivery: Option<Delivery>,
}

impl Message {
    /// A plain `TEXT` message created (and last updated) at `t`, with no template, file,
    /// reference, sender, details or delivery progress; callers override the rest.
    pub(crate) fn text_at(
        id: String,
        session_id: String,
        user_id: Option<String>,
        t: DateTime<Utc>,
        direction: Direction,
        status: MessageStatus,
        text: String,
    ) -> Self {
        Message {
            id,
            session_id,
            template_id: None,
            file_id: None,
            ref_id: None,
            user_id,
            created_at: t,
            updated_at: t,
            timestamp: t,
            read_contact_at: None,
            message_type: MessageType::Text,
            direction,
            status,
            origin: MessageOrigin::Default,
            sender_id: None,
            text: Some(text),
            failed_reason: None,
            files_ids: vec![],
            details: None,
            delivery: None,
        }
    }

    /// The session's `lastMessageText` after this message: its text or caption. As the real API
    /// does, a media message without a caption leaves it empty (a client shows the kind from the
    /// message's `type`).
    pub fn preview_text(&self) -> Option<String> {
        self.text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)
    }
}

/// A media file the simulator serves at `GET /files/{id}/{name}` (no auth).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredFile {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    /// Which bundled sample supplies the bytes (see `assets`).
    pub asset: crate::assets::Asset,
}
