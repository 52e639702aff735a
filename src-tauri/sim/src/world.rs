//! The simulated account: every entity the API exposes, and the mutations that keep them
//! consistent.
//!
//! [`World`] holds plain `pub` vectors of the [`model`](crate::model) structs so tests can read
//! and poke anything; the HTTP handlers and the traffic task go through the helper methods,
//! which keep the cross-references right (a message moves its session's `lastInteractionDate`,
//! a tag deletion drops it from contacts, ...) and stamp `updatedAt` with [`World::now_stamp`]:
//! the configured [`Clock`]'s UTC time at millisecond precision, forced strictly monotonic so
//! every mutation is visibly after everything before it (an `UpdatedAt.After=<last seen>` poll
//! never misses it).
//!
//! [`World::dump`] (and [`SimHandle::world_dump`](crate::SimHandle::world_dump)) copies every
//! entity a client mirrors into a [`WorldDump`], so a test in another crate can compare its
//! local copy with the server's state field by field without holding the lock.
//!
//! Lookups by id use a private index, rebuilt automatically when a vector's length changes
//! behind its back; after changing an `id` or a message's `session_id` in place, call
//! [`World::reindex`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::Value;

use crate::clock::Clock;
use crate::error::WorldError;
use crate::model::*;

/// The demo agent: the user the demo workspace logs in as (a supervisor of exactly two teams).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoAgent {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub department_ids: Vec<String>,
}

/// How `POST /core/v1/contact/{id}/tags` combines the given tags with the contact's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagOperation {
    InsertIfNotExists,
    DeleteIfExists,
    ReplaceAll,
}

impl TagOperation {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("InsertIfNotExists") {
            Some(TagOperation::InsertIfNotExists)
        } else if s.eq_ignore_ascii_case("DeleteIfExists") {
            Some(TagOperation::DeleteIfExists)
        } else if s.eq_ignore_ascii_case("ReplaceAll") {
            Some(TagOperation::ReplaceAll)
        } else {
            None
        }
    }
}

/// What an API send carries (`POST /chat/v1/session/{id}/message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendContent {
    Text(String),
    Template {
        template_id: String,
        parameters: BTreeMap<String, String>,
    },
    /// A file by public URL or by stored file id, with an optional caption.
    File {
        url: Option<String>,
        file_id: Option<String>,
        caption: Option<String>,
    },
}

/// Options of an API send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendOptions {
    pub sender_id: Option<String>,
    pub ref_id: Option<String>,
    /// Advance straight to `SENT` (the `/sync` variant).
    pub sync: bool,
}

#[derive(Debug, Default)]
struct Index {
    lens: [usize; 5],
    sessions: HashMap<String, usize>,
    contacts: HashMap<String, usize>,
    messages: HashMap<String, usize>,
    notes: HashMap<String, usize>,
    files: HashMap<String, usize>,
    messages_by_session: HashMap<String, Vec<usize>>,
    notes_by_session: HashMap<String, Vec<usize>>,
}

/// Records message (or note) `m` at position `i` in an id map and a by-session map.
fn index_message(
    ids: &mut HashMap<String, usize>,
    by_session: &mut HashMap<String, Vec<usize>>,
    m: &Message,
    i: usize,
) {
    ids.insert(m.id.clone(), i);
    by_session.entry(m.session_id.clone()).or_default().push(i);
}

/// Late commits (the `late_commit` fault, helena.md §9): an item created by a customer or by
/// another agent is stamped up to `max_age` in the past and becomes visible (in every list and
/// by id) up to `max_delay` later, while its effects on other items (a message's on its session:
/// `lastInteractionDate`, `unreadCount`, `lastMessageText`) are visible at once. Writes the API
/// answers (sends, notes, contacts created through it) are never late: the answer carries them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LateCommits {
    /// Per item created, the probability that it is a late commit (0 = off).
    pub probability: f64,
    /// How far in the past a late item is stamped, at most.
    pub max_age: Duration,
    /// How long a late item stays invisible, at most.
    pub max_delay: Duration,
}

/// The whole simulated account.
#[derive(Debug)]
pub struct World {
    pub company_id: String,
    /// `http://127.0.0.1:PORT`, used in file URLs.
    pub base_url: String,
    /// "Now" at seeding.
    pub base_time: DateTime<Utc>,
    pub departments: Vec<Department>,
    pub agents: Vec<Agent>,
    pub tags: Vec<Tag>,
    pub channels: Vec<Channel>,
    pub templates: Vec<Template>,
    pub custom_fields: Vec<CustomField>,
    pub contacts: Vec<Contact>,
    pub sessions: Vec<Session>,
    /// Every message, oldest first.
    pub messages: Vec<Message>,
    /// Internal notes (same DTO as messages, separate list, `GET /chat/v1/session/{id}/note`).
    pub notes: Vec<Message>,
    /// Media served at `GET /files/{id}/{name}`.
    pub files: Vec<StoredFile>,
    /// Minimum time between two delivery steps of a sent message (`QUEUED -> SENT -> DELIVERED
    /// -> READ`). Zero = one step per request.
    pub delivery_step: Duration,
    /// Mirror of [`SimConfig::session_updated_on_message`](crate::SimConfig).
    pub session_updated_on_message: bool,
    /// The late-commit fault in force (mirrored from [`Faults`](crate::Faults) by the server).
    pub late: LateCommits,
    /// How many items were created as late commits.
    pub late_commits: u64,
    /// Late commits not visible yet: id -> when it becomes visible.
    hidden: HashMap<String, DateTime<Utc>>,
    /// Depth of [`World::without_late`] calls: writes answered by the API are never late.
    late_off: u32,
    last_stamp: DateTime<Utc>,
    rng: ChaCha8Rng,
    in_flight: Vec<String>,
    index: Index,
    clock: Arc<dyn Clock>,
}

/// A copy of everything a client mirrors (see [`World::dump`]). The structs are the ones the
/// API serializes, so `sessions[i].updated_at`, `messages[i].sender_id`, `contacts[i].tags_id`
/// ... compare directly with what a client stored. Sessions come without their computed
/// `…Details` objects (those are joins of the other lists).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorldDump {
    pub company_id: String,
    pub departments: Vec<Department>,
    pub agents: Vec<Agent>,
    pub tags: Vec<Tag>,
    pub channels: Vec<Channel>,
    pub templates: Vec<Template>,
    pub custom_fields: Vec<CustomField>,
    pub contacts: Vec<Contact>,
    pub sessions: Vec<Session>,
    /// Every message, oldest first, `sender_id` included.
    pub messages: Vec<Message>,
    /// Internal notes.
    pub notes: Vec<Message>,
}

/// The reaction after `current` in `cycle` (the first when there is none), so a new reaction
/// is always a real change.
fn next_reaction(current: Option<&str>, cycle: &[&str]) -> String {
    let at = current.and_then(|c| cycle.iter().position(|r| *r == c));
    let i = at.map_or(0, |i| (i + 1) % cycle.len());
    cycle[i].to_string()
}

/// The company's reactions (`details.reactionToContact`), in the order they cycle.
const COMPANY_REACTIONS: &[&str] = &["LOVE", "SMILE", "WOW", "SAD"];

/// The contact's reactions (`details.reactionFromContact`), in the order they cycle.
const CONTACT_REACTIONS: &[&str] = &["👍", "❤️", "😂", "🙏"];

/// The company reacts to a message or a note: its `reactionToContact` moves to the next one.
fn react_as_company(d: &mut MessageDetails) {
    d.reaction_to_contact = Some(next_reaction(
        d.reaction_to_contact.as_deref(),
        COMPANY_REACTIONS,
    ));
}

/// The delivery status one step after `status` for a sent message bound to end at `outcome`
/// (`QUEUED -> SENT -> DELIVERED -> READ`, or `SENT -> FAILED`); `None` when it cannot advance.
fn next_delivery_status(status: MessageStatus, outcome: MessageStatus) -> Option<MessageStatus> {
    match (status, outcome) {
        (MessageStatus::Processing | MessageStatus::Queued, _) => Some(MessageStatus::Sent),
        (MessageStatus::Sent, MessageStatus::Failed) => Some(MessageStatus::Failed),
        (MessageStatus::Sent, _) => Some(MessageStatus::Delivered),
        (MessageStatus::Delivered, _) => Some(MessageStatus::Read),
        _ => None,
    }
}

/// Puts a sent message at delivery `status` as of `t`: `READ` sets `readContactAt` and ends
/// the delivery, `FAILED` sets `failedReason` and ends it, any other status keeps it under
/// way from `t`. Leaves `updatedAt` to the caller.
fn settle_delivery(m: &mut Message, status: MessageStatus, t: DateTime<Utc>) {
    m.status = status;
    match status {
        MessageStatus::Read => {
            m.read_contact_at = Some(t);
            m.delivery = None;
        }
        MessageStatus::Failed => {
            m.failed_reason = Some(
                "Não foi possível entregar a mensagem: o número não está disponível no WhatsApp."
                    .into(),
            );
            m.delivery = None;
        }
        _ => {
            if let Some(d) = m.delivery.as_mut() {
                d.last_step = t;
            }
        }
    }
}

/// Truncates to whole milliseconds (what the API's date format carries).
pub fn trunc_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Formats a span like .NET's `TimeSpan`: `hh:mm:ss`, `d.hh:mm:ss` past a day.
pub fn fmt_span(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if days > 0 {
        format!("{days}.{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// `+55|11999999999` -> `+55 (11) 99999-9999` (falls back to the digits for other shapes).
pub fn format_phone(phone: &str) -> String {
    let (cc, rest) = phone.split_once('|').unwrap_or(("+55", phone));
    let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() == 11 {
        format!("{cc} ({}) {}-{}", &digits[..2], &digits[2..7], &digits[7..])
    } else if digits.len() == 10 {
        format!("{cc} ({}) {}-{}", &digits[..2], &digits[2..6], &digits[6..])
    } else {
        format!("{cc} {digits}")
    }
}

/// Accepts `+55|11999999999`, `+5511999999999`, `5511999999999`, `11999999999`, with any
/// punctuation; returns the `+55|...` form.
pub fn normalize_phone(input: &str) -> Option<String> {
    if let Some((cc, rest)) = input.split_once('|') {
        let cc: String = cc.chars().filter(|c| c.is_ascii_digit()).collect();
        let rest: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
        return (!cc.is_empty() && rest.len() >= 8).then(|| format!("+{cc}|{rest}"));
    }
    let digits: String = input.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.len() {
        10 | 11 => Some(format!("+55|{digits}")),
        12 | 13 if digits.starts_with("55") => Some(format!("+55|{}", &digits[2..])),
        n if n >= 8 => Some(format!("+{digits}")),
        _ => None,
    }
}

impl World {
    /// An empty world; the seeder fills it.
    pub(crate) fn empty(
        company_id: String,
        base_url: String,
        base_time: DateTime<Utc>,
        rng_seed: u64,
        clock: Arc<dyn Clock>,
    ) -> Self {
        World {
            company_id,
            base_url,
            base_time,
            departments: vec![],
            agents: vec![],
            tags: vec![],
            channels: vec![],
            templates: vec![],
            custom_fields: vec![],
            contacts: vec![],
            sessions: vec![],
            messages: vec![],
            notes: vec![],
            files: vec![],
            delivery_step: Duration::from_secs(1),
            session_updated_on_message: false,
            late: LateCommits::default(),
            late_commits: 0,
            hidden: HashMap::new(),
            late_off: 0,
            last_stamp: base_time,
            rng: ChaCha8Rng::seed_from_u64(rng_seed),
            in_flight: vec![],
            index: Index::default(),
            clock,
        }
    }

    /// A copy of every entity (for comparisons with a client's local copy).
    pub fn dump(&self) -> WorldDump {
        WorldDump {
            company_id: self.company_id.clone(),
            departments: self.departments.clone(),
            agents: self.agents.clone(),
            tags: self.tags.clone(),
            channels: self.channels.clone(),
            templates: self.templates.clone(),
            custom_fields: self.custom_fields.clone(),
            contacts: self.contacts.clone(),
            sessions: self.sessions.clone(),
            messages: self.messages.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The clock every stamp comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The world as one JSON document (for determinism checks and debugging).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "companyId": self.company_id,
            "departments": self.departments,
            "agents": self.agents,
            "tags": self.tags,
            "channels": self.channels,
            "templates": self.templates,
            "customFields": self.custom_fields,
            "contacts": self.contacts,
            "sessions": self.sessions,
            "messages": self.messages,
            "notes": self.notes,
            "files": self.files,
        })
    }

    // ----- time and ids -------------------------------------------------------------------

    /// A fresh `updatedAt` stamp: the clock's UTC now (ms), strictly after every earlier stamp.
    pub fn now_stamp(&mut self) -> DateTime<Utc> {
        let now = trunc_ms(self.clock.utc());
        let t = if now > self.last_stamp {
            now
        } else {
            self.last_stamp + chrono::Duration::milliseconds(1)
        };
        self.last_stamp = t;
        t
    }

    /// A new UUID v4 from the world's own deterministic generator.
    pub fn new_id(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .to_string()
    }

    /// The world's random generator (the traffic task draws from it).
    pub(crate) fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    pub(crate) fn set_last_stamp(&mut self, t: DateTime<Utc>) {
        if t > self.last_stamp {
            self.last_stamp = t;
        }
    }

    // ----- late commits --------------------------------------------------------------------

    /// The stamp of an item created now and, for a late commit, when it becomes visible (see
    /// [`LateCommits`]). A late stamp is in the past: it is not forced after earlier stamps.
    fn creation_stamp(&mut self) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        let late = self.late;
        let on = self.late_off == 0 && late.probability > 0.0 && !late.max_age.is_zero();
        if !on || !self.rng.random_bool(late.probability.min(1.0)) {
            return (self.now_stamp(), None);
        }
        let age_ms = self
            .rng
            .random_range(1..=late.max_age.as_millis().max(1) as i64);
        let delay_ms = self
            .rng
            .random_range(1..=late.max_delay.as_millis().max(1) as i64);
        self.late_stamp(
            chrono::Duration::milliseconds(age_ms),
            chrono::Duration::milliseconds(delay_ms),
        )
    }

    /// A late commit's stamp, `age` before now, and when it becomes visible, `delay` from now.
    fn late_stamp(
        &mut self,
        age: chrono::Duration,
        delay: chrono::Duration,
    ) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        let now = self.clock.utc();
        self.late_commits += 1;
        (trunc_ms(now - age), Some(now + delay))
    }

    /// Records a late item as invisible until `visible_at`, forgetting those already visible.
    fn hide(&mut self, id: &str, visible_at: Option<DateTime<Utc>>) {
        let Some(at) = visible_at else { return };
        let now = self.clock.utc();
        self.hidden.retain(|_, t| *t > now);
        self.hidden.insert(id.to_string(), at);
    }

    /// Whether the item `id` is visible to the API now (false only for a late commit that has
    /// not landed yet).
    pub fn visible(&self, id: &str) -> bool {
        self.hidden.get(id).is_none_or(|&at| at <= self.clock.utc())
    }

    /// When everything created so far is visible and stamped: the latest of the last stamp and
    /// every pending late commit. A client that polls after it sees the whole world.
    pub fn settled_at(&self) -> DateTime<Utc> {
        self.hidden
            .values()
            .copied()
            .fold(self.last_stamp, DateTime::max)
    }

    /// Runs `f` with late commits off: for writes the API answers (their answer carries the
    /// item, so it is visible at once).
    pub fn without_late<T>(&mut self, f: impl FnOnce(&mut World) -> T) -> T {
        self.late_off += 1;
        let out = f(self);
        self.late_off -= 1;
        out
    }

    // ----- index ---------------------------------------------------------------------------

    fn lens(&self) -> [usize; 5] {
        [
            self.sessions.len(),
            self.contacts.len(),
            self.messages.len(),
            self.notes.len(),
            self.files.len(),
        ]
    }

    fn index_fresh(&self) -> bool {
        self.index.lens == self.lens()
    }

    /// Rebuilds the id indexes. Needed only after changing ids (or a message's `session_id`)
    /// in place; length changes are noticed automatically.
    pub fn reindex(&mut self) {
        let mut ix = Index {
            lens: self.lens(),
            ..Index::default()
        };
        ix.sessions = self
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        ix.contacts = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        ix.files = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), i))
            .collect();
        ix.messages.reserve(self.messages.len());
        for (i, m) in self.messages.iter().enumerate() {
            index_message(&mut ix.messages, &mut ix.messages_by_session, m, i);
        }
        for (i, m) in self.notes.iter().enumerate() {
            index_message(&mut ix.notes, &mut ix.notes_by_session, m, i);
        }
        self.index = ix;
    }

    /// Rebuilds the index if a vector changed length behind its back.
    pub fn ensure_index(&mut self) {
        if !self.index_fresh() {
            self.reindex();
        }
    }

    fn pos<T>(
        list: &[T],
        map: &HashMap<String, usize>,
        id: &str,
        get_id: impl Fn(&T) -> &str,
    ) -> Option<usize> {
        if let Some(&i) = map.get(id) {
            if list.get(i).is_some_and(|x| get_id(x) == id) {
                return Some(i);
            }
        }
        list.iter().position(|x| get_id(x) == id)
    }

    fn session_pos(&self, id: &str) -> Option<usize> {
        Self::pos(&self.sessions, &self.index.sessions, id, |s| &s.id)
    }

    fn contact_pos(&self, id: &str) -> Option<usize> {
        Self::pos(&self.contacts, &self.index.contacts, id, |c| &c.id)
    }

    fn message_pos(&self, id: &str) -> Option<usize> {
        Self::pos(&self.messages, &self.index.messages, id, |m| &m.id)
    }

    fn note_pos(&self, id: &str) -> Option<usize> {
        Self::pos(&self.notes, &self.index.notes, id, |m| &m.id)
    }

    fn by_session<'a>(
        list: &'a [Message],
        map: &HashMap<String, Vec<usize>>,
        fresh: bool,
        session_id: &str,
    ) -> Vec<&'a Message> {
        if fresh {
            match map.get(session_id) {
                None => return vec![],
                Some(v)
                    if v.iter()
                        .all(|&i| list.get(i).is_some_and(|m| m.session_id == session_id)) =>
                {
                    return v.iter().map(|&i| &list[i]).collect();
                }
                Some(_) => {}
            }
        }
        list.iter().filter(|m| m.session_id == session_id).collect()
    }

    // ----- lookups -------------------------------------------------------------------------

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.session_pos(id).map(|i| &self.sessions[i])
    }

    pub fn session_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.session_pos(id).map(|i| &mut self.sessions[i])
    }

    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contact_pos(id).map(|i| &self.contacts[i])
    }

    pub fn contact_by_phone(&self, phone: &str) -> Option<&Contact> {
        let p = normalize_phone(phone)?;
        self.contacts
            .iter()
            .find(|c| c.phonenumber.as_deref() == Some(p.as_str()))
    }

    pub fn message(&self, id: &str) -> Option<&Message> {
        self.message_pos(id).map(|i| &self.messages[i])
    }

    pub fn note(&self, id: &str) -> Option<&Message> {
        self.note_pos(id).map(|i| &self.notes[i])
    }

    pub fn file(&self, id: &str) -> Option<&StoredFile> {
        Self::pos(&self.files, &self.index.files, id, |f| &f.id).map(|i| &self.files[i])
    }

    /// A session's messages, oldest first.
    pub fn messages_of(&self, session_id: &str) -> Vec<&Message> {
        Self::by_session(
            &self.messages,
            &self.index.messages_by_session,
            self.index_fresh(),
            session_id,
        )
    }

    /// A session's internal notes, oldest first.
    pub fn notes_of(&self, session_id: &str) -> Vec<&Message> {
        Self::by_session(
            &self.notes,
            &self.index.notes_by_session,
            self.index_fresh(),
            session_id,
        )
    }

    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The agent whose `userId` is `user_id` (sessions refer to agents this way).
    pub fn agent_by_user(&self, user_id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.user_id == user_id)
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn tag(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Tag names for `ids`, in the same order, skipping unknown ids.
    pub fn tag_names(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .filter_map(|id| self.tag(id).map(|t| t.name.clone()))
            .collect()
    }

    // ----- pushes that keep the index fresh -------------------------------------------------

    pub(crate) fn push_session(&mut self, s: Session) {
        self.ensure_index();
        self.index
            .sessions
            .insert(s.id.clone(), self.sessions.len());
        self.sessions.push(s);
        self.index.lens = self.lens();
    }

    pub(crate) fn push_contact(&mut self, c: Contact) {
        self.ensure_index();
        self.index
            .contacts
            .insert(c.id.clone(), self.contacts.len());
        self.contacts.push(c);
        self.index.lens = self.lens();
    }

    pub(crate) fn push_message(&mut self, m: Message) {
        self.ensure_index();
        let ix = &mut self.index;
        index_message(
            &mut ix.messages,
            &mut ix.messages_by_session,
            &m,
            self.messages.len(),
        );
        self.messages.push(m);
        self.index.lens = self.lens();
    }

    pub(crate) fn push_note(&mut self, m: Message) {
        self.ensure_index();
        let ix = &mut self.index;
        index_message(
            &mut ix.notes,
            &mut ix.notes_by_session,
            &m,
            self.notes.len(),
        );
        self.notes.push(m);
        self.index.lens = self.lens();
    }

    // ----- messages --------------------------------------------------------------------------

    /// Adds a TEXT message now and updates the session (see [`World::try_add_message`]).
    ///
    /// # Panics
    /// If the session does not exist.
    pub fn add_message(&mut self, session_id: &str, direction: Direction, text: &str) -> String {
        self.try_add_message(session_id, direction, text)
            .unwrap_or_else(|e| panic!("add_message: {e}"))
    }

    /// Adds a TEXT message now. Inbound (`TO_HUB`) arrives `DELIVERED` (unread), bumps
    /// `unreadCount`, opens the 24 h window and reopens a session completed with
    /// `reactivateOnNewMessage`; outbound (`FROM_HUB`) is `SENT` by the assigned agent and marks
    /// the session read. Either way `lastInteractionDate`, `lastMessageIn|Out` and
    /// `lastMessageText` move; `updatedAt` only with `session_updated_on_message` (or when the
    /// status changes).
    pub fn try_add_message(
        &mut self,
        session_id: &str,
        direction: Direction,
        text: &str,
    ) -> Result<String, WorldError> {
        self.session(session_id)
            .ok_or_else(|| WorldError::not_found("session", session_id))?;
        let (t, visible_at) = self.creation_stamp();
        self.add_text_at(session_id, direction, text, t, visible_at)
    }

    /// Adds a TEXT message as a late commit, whatever the late-commit fault says: stamped `age`
    /// before now and visible `delay` from now, its effect on the session visible at once (see
    /// [`LateCommits`]). For tests that need one exact late commit.
    pub fn add_late_message(
        &mut self,
        session_id: &str,
        direction: Direction,
        text: &str,
        age: Duration,
        delay: Duration,
    ) -> Result<String, WorldError> {
        self.session(session_id)
            .ok_or_else(|| WorldError::not_found("session", session_id))?;
        let span = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();
        let (t, visible_at) = self.late_stamp(span(age), span(delay));
        self.add_text_at(session_id, direction, text, t, visible_at)
    }

    /// The TEXT message of [`World::try_add_message`], stamped `t`, hidden until `visible_at`.
    fn add_text_at(
        &mut self,
        session_id: &str,
        direction: Direction,
        text: &str,
        t: DateTime<Utc>,
        visible_at: Option<DateTime<Utc>>,
    ) -> Result<String, WorldError> {
        let s = self
            .session(session_id)
            .ok_or_else(|| WorldError::not_found("session", session_id))?;
        let user_id = match direction {
            Direction::FromHub => s.user_id.clone(),
            Direction::ToHub => None,
        };
        let status = match direction {
            Direction::FromHub => MessageStatus::Sent,
            Direction::ToHub => MessageStatus::Delivered,
        };
        let id = self.new_id();
        let msg = Message::text_at(
            id.clone(),
            session_id.to_string(),
            user_id,
            t,
            direction,
            status,
            text.to_string(),
        );
        self.insert_message(msg);
        self.hide(&id, visible_at);
        Ok(id)
    }

    /// Stores a message created now and applies its effect on the session.
    fn insert_message(&mut self, msg: Message) {
        let sid = msg.session_id.clone();
        let t = msg.created_at;
        let direction = msg.direction;
        let preview = msg.preview_text();
        let by_agent = msg.user_id.is_some();
        self.push_message(msg);
        if direction == Direction::FromHub && by_agent {
            self.mark_inbound_read(&sid);
        }
        let on_message = self.session_updated_on_message;
        let mut status_changed = false;
        if let Some(s) = self.session_mut(&sid) {
            // A late commit may be older than the session's last interaction.
            if s.last_interaction_date.is_none_or(|last| last <= t) {
                s.last_interaction_date = Some(t);
                s.last_message_text = preview;
            }
            match direction {
                Direction::ToHub => {
                    s.last_message_in = s.last_message_in.max(Some(t));
                    s.unread_count += 1;
                    s.window_status = WindowStatus::Active;
                    if s.status == SessionStatus::Completed && s.reactivate_on_new_message {
                        s.status = if s.user_id.is_some() {
                            SessionStatus::InProgress
                        } else {
                            SessionStatus::Pending
                        };
                        s.status_description = s.status.description().into();
                        s.end_at = None;
                        s.reactivate_on_new_message = false;
                        status_changed = true;
                    }
                }
                Direction::FromHub => {
                    s.last_message_out = s.last_message_out.max(Some(t));
                    if by_agent {
                        s.unread_count = 0;
                        if s.first_response_at.is_none() {
                            s.first_response_at = Some(t);
                            s.time_wait = Some(fmt_span(t - s.created_at));
                        }
                    }
                }
            }
        }
        if on_message || status_changed {
            let stamp = self.now_stamp();
            if let Some(s) = self.session_mut(&sid) {
                s.updated_at = stamp;
            }
        }
    }

    /// An agent answered: the contact's unread (`DELIVERED`) messages become `READ`.
    fn mark_inbound_read(&mut self, session_id: &str) {
        self.ensure_index();
        let idx: Vec<usize> = self
            .index
            .messages_by_session
            .get(session_id)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| {
                        let m = &self.messages[i];
                        m.direction == Direction::ToHub && m.status == MessageStatus::Delivered
                    })
                    .collect()
            })
            .unwrap_or_default();
        for i in idx {
            let t = self.now_stamp();
            let m = &mut self.messages[i];
            m.status = MessageStatus::Read;
            m.updated_at = t;
        }
    }

    /// Sends a message through the API (`POST /chat/v1/session/{id}/message`): stored as
    /// `QUEUED` (or `SENT` with `sync`), then advanced by [`World::advance_deliveries`].
    /// Free text and files need an `ACTIVE` window; templates are always allowed but every
    /// parameter must be given. A text containing `[falha]` ends `FAILED` (for tests).
    pub fn send_message(
        &mut self,
        session_id: &str,
        content: SendContent,
        opts: SendOptions,
    ) -> Result<String, WorldError> {
        let s = self
            .session(session_id)
            .ok_or_else(|| WorldError::not_found("session", session_id))?;
        let user_id = s.user_id.clone();
        let window = s.window_status;
        let needs_window = !matches!(content, SendContent::Template { .. });
        if needs_window && window != WindowStatus::Active {
            return Err(WorldError::WindowClosed(session_id.to_string()));
        }
        let mut msg_type = MessageType::Text;
        let text;
        let mut template_id = None;
        let mut details = None;
        let mut file_id = None;
        let mut origin = MessageOrigin::Api;
        match content {
            SendContent::Text(t) => {
                if t.trim().is_empty() {
                    return Err(WorldError::Invalid(
                        "O texto da mensagem está vazio.".into(),
                    ));
                }
                text = Some(t);
            }
            SendContent::Template {
                template_id: tid,
                parameters,
            } => {
                let tpl = self
                    .template(&tid)
                    .ok_or_else(|| WorldError::not_found("template", tid.as_str()))?;
                if tpl.status != "APPROVED" {
                    return Err(WorldError::Invalid(format!(
                        "O modelo '{}' não está aprovado (status {}).",
                        tpl.name, tpl.status
                    )));
                }
                let missing: Vec<&str> = tpl
                    .params
                    .iter()
                    .filter(|p| !parameters.contains_key(&p.name))
                    .map(|p| p.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(WorldError::Invalid(format!(
                        "Parâmetros obrigatórios do modelo ausentes: {}.",
                        missing.join(", ")
                    )));
                }
                text = Some(tpl.render(&parameters));
                details = Some(Box::new(MessageDetails {
                    template_category_name: Some(tpl.category.clone()),
                    ..MessageDetails::default()
                }));
                template_id = Some(tid);
                origin = MessageOrigin::Api;
            }
            SendContent::File {
                url,
                file_id: fid,
                caption,
            } => {
                let dto = match (fid, url) {
                    (Some(fid), _) => {
                        let f = self
                            .file(&fid)
                            .ok_or_else(|| WorldError::not_found("file", fid.as_str()))?
                            .clone();
                        self.file_dto(&f, user_id.clone())
                    }
                    (None, Some(url)) => self.external_file_dto(&url, user_id.clone())?,
                    (None, None) => {
                        return Err(WorldError::Invalid("Informe fileUrl ou fileId.".into()))
                    }
                };
                msg_type = match dto.file_type {
                    FileType::Image => MessageType::Image,
                    FileType::Audio => MessageType::Audio,
                    FileType::Video => MessageType::Video,
                    _ => MessageType::Document,
                };
                file_id = Some(dto.id.clone());
                text = caption.filter(|c| !c.trim().is_empty());
                details = Some(Box::new(MessageDetails {
                    file: Some(dto),
                    ..MessageDetails::default()
                }));
            }
        }
        let outcome = if text.as_deref().is_some_and(|t| t.contains("[falha]")) {
            MessageStatus::Failed
        } else {
            MessageStatus::Read
        };
        let id = self.new_id();
        let t = self.now_stamp();
        let msg = Message {
            id: id.clone(),
            session_id: session_id.to_string(),
            template_id,
            file_id: file_id.clone(),
            ref_id: opts.ref_id,
            user_id,
            created_at: t,
            updated_at: t,
            timestamp: t,
            read_contact_at: None,
            message_type: msg_type,
            direction: Direction::FromHub,
            status: if opts.sync {
                MessageStatus::Sent
            } else {
                MessageStatus::Queued
            },
            origin,
            sender_id: opts.sender_id,
            text,
            failed_reason: None,
            files_ids: file_id.into_iter().collect(),
            details,
            delivery: Some(Delivery {
                last_step: t,
                outcome,
            }),
        };
        self.insert_message(msg);
        self.in_flight.push(id.clone());
        Ok(id)
    }

    /// Advances every in-flight sent message by the steps due: one step per
    /// `delivery_step` elapsed since its last change (one step per call when the step is
    /// zero). Each change bumps the message's `updatedAt`; `READ` sets `readContactAt`.
    pub fn advance_deliveries(&mut self) {
        if self.in_flight.is_empty() {
            return;
        }
        let now = self.clock.utc();
        let step = chrono::Duration::from_std(self.delivery_step).unwrap_or(chrono::Duration::MAX);
        let ids = std::mem::take(&mut self.in_flight);
        let mut still = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(i) = self.message_pos(&id) else {
                continue;
            };
            let Some(d) = self.messages[i].delivery.clone() else {
                continue;
            };
            let due = if step.is_zero() {
                1
            } else {
                ((now - d.last_step).num_milliseconds() / step.num_milliseconds().max(1)).max(0)
            };
            if due == 0 {
                still.push(id);
                continue;
            }
            let mut status = self.messages[i].status;
            for _ in 0..due {
                status = next_delivery_status(status, d.outcome).unwrap_or(status);
            }
            let t = self.now_stamp();
            let m = &mut self.messages[i];
            m.updated_at = t;
            settle_delivery(m, status, t);
            if m.delivery.is_some() {
                still.push(id);
            }
        }
        self.in_flight = still;
    }

    /// A `PublicFileDTO` for a stored file.
    pub fn file_dto(&self, f: &StoredFile, user_id: Option<String>) -> FileDto {
        let url = format!("{}/files/{}/{}", self.base_url, f.id, f.name);
        FileDto {
            id: f.id.clone(),
            company_id: self.company_id.clone(),
            user_id,
            name: f.name.clone(),
            extension: f.asset.extension().to_string(),
            mime_type: f.mime_type.clone(),
            file_type: f.asset.file_type(),
            public_url: url.clone(),
            public_url_download: format!("{url}?download=true"),
            size: f.asset.bytes().len() as i64,
            is_thumbnail: false,
            thumbnail: None,
        }
    }

    /// A `PublicFileDTO` for a file sent by URL (kind guessed from the extension).
    fn external_file_dto(
        &mut self,
        url: &str,
        user_id: Option<String>,
    ) -> Result<FileDto, WorldError> {
        let parsed = url::Url::parse(url)
            .map_err(|_| WorldError::Invalid(format!("fileUrl inválida: {url}")))?;
        let name = parsed
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_string))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "arquivo".into());
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let (file_type, mime) = match ext.as_str() {
            "jpg" | "jpeg" => (FileType::Image, "image/jpeg"),
            "png" => (FileType::Image, "image/png"),
            "webp" => (FileType::Image, "image/webp"),
            "gif" => (FileType::Image, "image/gif"),
            "ogg" | "opus" => (FileType::Audio, "audio/ogg"),
            "mp3" => (FileType::Audio, "audio/mpeg"),
            "mp4" => (FileType::Video, "video/mp4"),
            "pdf" => (FileType::Pdf, "application/pdf"),
            "xls" | "xlsx" => (FileType::Excel, "application/vnd.ms-excel"),
            "doc" | "docx" => (FileType::Word, "application/msword"),
            _ => (FileType::Undefined, "application/octet-stream"),
        };
        Ok(FileDto {
            id: self.new_id(),
            company_id: self.company_id.clone(),
            user_id,
            name,
            extension: ext,
            mime_type: mime.into(),
            file_type,
            public_url: url.to_string(),
            public_url_download: url.to_string(),
            size: 0,
            is_thumbnail: false,
            thumbnail: None,
        })
    }

    // ----- notes -----------------------------------------------------------------------------

    /// Adds an internal note now (`POST /chat/v1/session/{id}/note`). Notes do not move the
    /// session's `lastInteractionDate`; `updatedAt` only with `session_updated_on_message`.
    pub fn add_note(
        &mut self,
        session_id: &str,
        user_id: Option<String>,
        text: &str,
        file_urls: &[String],
    ) -> Result<String, WorldError> {
        if self.session(session_id).is_none() {
            return Err(WorldError::not_found("session", session_id));
        }
        if text.trim().is_empty() && file_urls.is_empty() {
            return Err(WorldError::Invalid(
                "A nota precisa de texto ou arquivos.".into(),
            ));
        }
        let files = file_urls
            .iter()
            .map(|u| self.external_file_dto(u, user_id.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let id = self.new_id();
        let (t, visible_at) = self.creation_stamp();
        let note = Message {
            file_id: files.first().map(|f| f.id.clone()),
            files_ids: files.iter().map(|f| f.id.clone()).collect(),
            details: (!files.is_empty()).then(|| {
                Box::new(MessageDetails {
                    files: Some(files),
                    ..MessageDetails::default()
                })
            }),
            ..Message::text_at(
                id.clone(),
                session_id.to_string(),
                user_id,
                t,
                Direction::FromHub,
                MessageStatus::Saved,
                text.to_string(),
            )
        };
        self.push_note(note);
        self.hide(&id, visible_at);
        if self.session_updated_on_message {
            let stamp = self.now_stamp();
            if let Some(s) = self.session_mut(session_id) {
                s.updated_at = stamp;
            }
        }
        Ok(id)
    }

    // ----- live changes (the `change_while_paging` fault) ----------------------------------

    /// Moves a session the way a live account does while a client pages through it: its
    /// `lastInteractionDate` becomes now, and `updatedAt` with it.
    pub fn simulate_session_change(&mut self, id: &str) -> Result<(), WorldError> {
        self.stamp_session(id, |s, t| s.last_interaction_date = Some(t))
    }

    /// Changes a message for real: an outbound message still on its way advances one
    /// delivery step (`QUEUED -> SENT -> DELIVERED -> READ`, or `-> FAILED`); one that cannot
    /// advance gets the contact's reaction (`details.reactionFromContact`); an inbound one gets
    /// the company's reaction (`details.reactionToContact`). `updatedAt` moves either way.
    pub fn simulate_message_change(&mut self, id: &str) -> Result<(), WorldError> {
        let i = self.message_index_or_err(id)?;
        let t = self.now_stamp();
        let m = &mut self.messages[i];
        let outcome = m
            .delivery
            .as_ref()
            .map_or(MessageStatus::Read, |d| d.outcome);
        let next = if m.direction == Direction::ToHub {
            None
        } else {
            next_delivery_status(m.status, outcome)
        };
        match next {
            Some(status) => settle_delivery(m, status, t),
            None => {
                let d = m.details.get_or_insert_with(Box::default);
                if m.direction == Direction::ToHub {
                    react_as_company(d);
                } else {
                    d.reaction_from_contact = Some(next_reaction(
                        d.reaction_from_contact.as_deref(),
                        CONTACT_REACTIONS,
                    ));
                }
            }
        }
        m.updated_at = t;
        Ok(())
    }

    /// Changes an internal note: a teammate reacts to it (`details.reactionToContact`);
    /// `updatedAt` moves.
    pub fn simulate_note_change(&mut self, id: &str) -> Result<(), WorldError> {
        let i = self.note_index_or_err(id)?;
        let t = self.now_stamp();
        let n = &mut self.notes[i];
        react_as_company(n.details.get_or_insert_with(Box::default));
        n.updated_at = t;
        Ok(())
    }

    /// Changes a contact's free-text `annotation` (a dated line is appended); `updatedAt`
    /// moves. Name, phone and tags stay as they are.
    pub fn simulate_contact_change(&mut self, id: &str) -> Result<(), WorldError> {
        let when = self.clock.utc().format("%d/%m/%Y %H:%M:%S").to_string();
        self.update_contact(id, |c| {
            let line = format!("Cadastro revisado em {when} (UTC).");
            c.annotation = Some(match c.annotation.take() {
                Some(a) if !a.trim().is_empty() => format!("{a}\n{line}"),
                _ => line,
            });
        })
    }

    /// Deletes an internal note.
    pub fn delete_note(&mut self, id: &str) -> Result<Message, WorldError> {
        let i = self.note_index_or_err(id)?;
        let note = self.notes.remove(i);
        self.reindex();
        Ok(note)
    }

    fn message_index_or_err(&self, id: &str) -> Result<usize, WorldError> {
        self.message_pos(id)
            .ok_or_else(|| WorldError::not_found("message", id))
    }

    fn note_index_or_err(&self, id: &str) -> Result<usize, WorldError> {
        self.note_pos(id)
            .ok_or_else(|| WorldError::not_found("note", id))
    }

    // ----- sessions ----------------------------------------------------------------------------

    fn session_index_or_err(&self, id: &str) -> Result<usize, WorldError> {
        self.session_pos(id)
            .ok_or_else(|| WorldError::not_found("session", id))
    }

    /// Applies `f` to a session with a fresh stamp `t`, then stamps `updatedAt` with `t`.
    fn stamp_session(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Session, DateTime<Utc>),
    ) -> Result<(), WorldError> {
        let i = self.session_index_or_err(id)?;
        let t = self.now_stamp();
        let s = &mut self.sessions[i];
        f(s, t);
        s.updated_at = t;
        Ok(())
    }

    /// [`World::stamp_session`], re-deriving `statusDescription` from the status `f` leaves.
    fn change_session(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Session, DateTime<Utc>),
    ) -> Result<(), WorldError> {
        self.stamp_session(id, |s, t| {
            f(s, t);
            s.status_description = s.status.description().into();
        })
    }

    /// Applies `f` to a session and stamps `updatedAt`.
    pub fn update_session(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Session),
    ) -> Result<(), WorldError> {
        self.change_session(id, |s, _| f(s))
    }

    fn apply_status(s: &mut Session, status: SessionStatus, t: DateTime<Utc>) {
        let was = s.status;
        s.status = status;
        match status {
            SessionStatus::Completed => {
                if was != SessionStatus::Completed || s.end_at.is_none() {
                    s.end_at = Some(t);
                }
                if let Some(first) = s.first_response_at {
                    s.time_service = Some(fmt_span(t - first));
                }
                s.unread_count = 0;
            }
            SessionStatus::Pending
            | SessionStatus::InProgress
            | SessionStatus::Started
            | SessionStatus::OnHold
            | SessionStatus::WaitingNew => {
                s.end_at = None;
                s.reactivate_on_new_message = false;
            }
            SessionStatus::Hidden | SessionStatus::Undefined => {}
        }
    }

    /// Sets a session's status (`PUT .../status`): COMPLETED sets `endAt`, an open status clears it.
    pub fn set_session_status(
        &mut self,
        id: &str,
        status: SessionStatus,
    ) -> Result<(), WorldError> {
        self.change_session(id, |s, t| Self::apply_status(s, status, t))
    }

    /// Assigns a session to an agent by **user id** (`PUT .../assignee`), or unassigns it.
    /// Assigning a PENDING session makes it IN_PROGRESS; unassigning an IN_PROGRESS one makes it PENDING.
    pub fn assign_session(&mut self, id: &str, user_id: Option<&str>) -> Result<(), WorldError> {
        if let Some(u) = user_id {
            if self.agent_by_user(u).is_none() {
                return Err(WorldError::not_found("agent", u));
            }
        }
        self.change_session(id, |s, t| {
            s.user_id = user_id.map(str::to_string);
            match (user_id.is_some(), s.status) {
                (
                    true,
                    SessionStatus::Pending
                    | SessionStatus::Started
                    | SessionStatus::Undefined
                    | SessionStatus::WaitingNew,
                ) => Self::apply_status(s, SessionStatus::InProgress, t),
                (false, SessionStatus::InProgress) => {
                    Self::apply_status(s, SessionStatus::Pending, t)
                }
                _ => {}
            }
        })
    }

    /// Transfers a session (`PUT .../transfer`): to a department (queue, unassigned, PENDING)
    /// or to a user (optionally also a department; IN_PROGRESS).
    pub fn transfer_session(
        &mut self,
        id: &str,
        department_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<(), WorldError> {
        if let Some(d) = department_id {
            if self.department(d).is_none() {
                return Err(WorldError::not_found("department", d));
            }
        }
        if let Some(u) = user_id {
            if self.agent_by_user(u).is_none() {
                return Err(WorldError::not_found("agent", u));
            }
        }
        if department_id.is_none() && user_id.is_none() {
            return Err(WorldError::Invalid(
                "Informe newDepartmentId ou newUserId para transferir.".into(),
            ));
        }
        self.change_session(id, |s, t| {
            if let Some(d) = department_id {
                s.department_id = Some(d.to_string());
            }
            match user_id {
                Some(u) => {
                    s.user_id = Some(u.to_string());
                    Self::apply_status(s, SessionStatus::InProgress, t);
                }
                None => {
                    s.user_id = None;
                    Self::apply_status(s, SessionStatus::Pending, t);
                }
            }
        })
    }

    /// Concludes a session (`PUT .../complete`). With `reactivate_on_new_message`, the next
    /// inbound message reopens it.
    pub fn complete_session(
        &mut self,
        id: &str,
        reactivate_on_new_message: bool,
    ) -> Result<(), WorldError> {
        self.change_session(id, |s, t| {
            Self::apply_status(s, SessionStatus::Completed, t);
            s.reactivate_on_new_message = reactivate_on_new_message;
        })
    }

    /// A protocol number for a session created at `t`: `YYYYMMDD` + a per-day sequence.
    pub(crate) fn next_protocol(&self, t: DateTime<Utc>) -> String {
        let prefix = t.format("%Y%m%d").to_string();
        let n = self
            .sessions
            .iter()
            .filter(|s| s.number.starts_with(&prefix))
            .count();
        format!("{prefix}{:05}", n + 1)
    }

    /// Opens a session now for a contact in a department, on the contact's usual channel.
    ///
    /// # Panics
    /// If the contact or department does not exist, or there is no channel.
    pub fn add_session(
        &mut self,
        contact_id: &str,
        department_id: &str,
        status: SessionStatus,
    ) -> String {
        self.try_add_session(contact_id, department_id, status)
            .unwrap_or_else(|e| panic!("add_session: {e}"))
    }

    /// See [`World::add_session`].
    pub fn try_add_session(
        &mut self,
        contact_id: &str,
        department_id: &str,
        status: SessionStatus,
    ) -> Result<String, WorldError> {
        let contact = self
            .contact(contact_id)
            .ok_or_else(|| WorldError::not_found("contact", contact_id))?;
        let title = Some(contact.name.clone());
        let has_instagram = contact.instagram.is_some() && contact.phonenumber.is_none();
        if self.department(department_id).is_none() {
            return Err(WorldError::not_found("department", department_id));
        }
        let channel = self
            .sessions
            .iter()
            .rev()
            .find(|s| s.contact_id == contact_id)
            .and_then(|s| self.channel(&s.channel_id))
            .or_else(|| {
                self.channels
                    .iter()
                    .find(|c| (c.channel_type == ChannelType::Instagram) == has_instagram)
            })
            .or_else(|| self.channels.first())
            .cloned()
            .ok_or_else(|| WorldError::Invalid("Nenhum canal configurado.".into()))?;
        let id = self.new_id();
        let (t, visible_at) = self.creation_stamp();
        let number = self.next_protocol(t);
        let mut s = Session {
            id: id.clone(),
            company_id: self.company_id.clone(),
            contact_id: contact_id.to_string(),
            channel_id: channel.id.clone(),
            department_id: Some(department_id.to_string()),
            bot_id: None,
            user_id: None,
            created_at: t,
            updated_at: t,
            start_at: Some(t),
            end_at: None,
            first_response_at: None,
            last_interaction_date: None,
            last_message_out: None,
            last_message_in: None,
            status,
            window_status: WindowStatus::NotStarted,
            channel_type: channel.channel_type,
            session_type: SessionType::Individual,
            preview_url: format!("https://app.helena.run/chat2/sessions/{id}"),
            title,
            number,
            origin: "CONTACT".into(),
            status_description: status.description().into(),
            time_service: None,
            time_wait: None,
            last_message_text: None,
            unread_count: 0,
            utm: None,
            metadata: None,
            classification: None,
            reactivate_on_new_message: false,
        };
        Self::apply_status(&mut s, status, t);
        self.push_session(s);
        self.hide(&id, visible_at);
        Ok(id)
    }

    // ----- contacts --------------------------------------------------------------------------

    /// Applies `f` to a contact, re-derives `tags` (names) from `tagsId` and
    /// `phonenumberFormatted` from `phonenumber`, and stamps `updatedAt`.
    pub fn update_contact(
        &mut self,
        id: &str,
        f: impl FnOnce(&mut Contact),
    ) -> Result<(), WorldError> {
        let i = self
            .contact_pos(id)
            .ok_or_else(|| WorldError::not_found("contact", id))?;
        let t = self.now_stamp();
        f(&mut self.contacts[i]);
        let tags = &self.tags;
        let c = &mut self.contacts[i];
        c.tags_id.retain(|id| tags.iter().any(|t| &t.id == id));
        c.tags = c
            .tags_id
            .iter()
            .filter_map(|id| tags.iter().find(|t| &t.id == id).map(|t| t.name.clone()))
            .collect();
        c.phonenumber_formatted = c.phonenumber.as_deref().map(format_phone);
        c.updated_at = t;
        Ok(())
    }

    /// Creates a contact now (origin `CREATED_FROM_HUB`).
    pub fn add_contact(&mut self, name: &str, phone: Option<&str>) -> Result<String, WorldError> {
        let phonenumber = match phone {
            Some(p) => Some(
                normalize_phone(p)
                    .ok_or_else(|| WorldError::Invalid(format!("Telefone inválido: {p}")))?,
            ),
            None => None,
        };
        let id = self.new_id();
        let (t, visible_at) = self.creation_stamp();
        self.push_contact(Contact {
            id: id.clone(),
            created_at: t,
            updated_at: t,
            company_id: self.company_id.clone(),
            name: name.to_string(),
            phonenumber_formatted: phonenumber.as_deref().map(format_phone),
            phonenumber,
            email: None,
            instagram: None,
            annotation: None,
            tags_id: vec![],
            tags: vec![],
            status: ContactStatus::Active,
            origin: "CREATED_FROM_HUB".into(),
            utm: None,
            custom_field_values: BTreeMap::new(),
            metadata: None,
        });
        self.hide(&id, visible_at);
        Ok(id)
    }

    /// The contact's open conversation (PENDING, IN_PROGRESS or STARTED), if any.
    pub fn open_session_of_phone(&self, phone: &str) -> Option<&Session> {
        let c = self.contact_by_phone(phone)?;
        self.sessions
            .iter()
            .rev()
            .find(|s| s.contact_id == c.id && s.status.is_open())
    }

    /// Where a send to a phone number lands (`POST /chat/v1/send/*`): the contact's open
    /// conversation, or a new `STARTED` one (the contact is created when unknown, §3.2: "an
    /// unknown contact is created automatically") on `channel_id` (default: the first WhatsApp
    /// channel), in `department_id` (default: the default team), assigned to `user_id`.
    pub fn session_for_send(
        &mut self,
        phone: &str,
        channel_id: Option<&str>,
        department_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<String, WorldError> {
        let normalized = normalize_phone(phone)
            .ok_or_else(|| WorldError::Invalid(format!("Telefone inválido: {phone}")))?;
        if let Some(s) = self.open_session_of_phone(&normalized) {
            return Ok(s.id.clone());
        }
        let channel = match channel_id {
            Some(c) => self
                .channel(c)
                .cloned()
                .ok_or_else(|| WorldError::not_found("channel", c))?,
            None => self
                .channels
                .iter()
                .find(|c| c.channel_type.is_whatsapp())
                .or_else(|| self.channels.first())
                .cloned()
                .ok_or_else(|| WorldError::Invalid("Nenhum canal configurado.".into()))?,
        };
        let department = match department_id {
            Some(d) => self
                .department(d)
                .map(|d| d.id.clone())
                .ok_or_else(|| WorldError::not_found("department", d))?,
            None => self
                .departments
                .iter()
                .find(|d| d.is_default)
                .or_else(|| self.departments.first())
                .map(|d| d.id.clone())
                .ok_or_else(|| WorldError::Invalid("Nenhum departamento configurado.".into()))?,
        };
        if let Some(u) = user_id {
            if self.agent_by_user(u).is_none() {
                return Err(WorldError::not_found("agent", u));
            }
        }
        let contact_id = match self.contact_by_phone(&normalized) {
            Some(c) => c.id.clone(),
            None => self.add_contact(&format_phone(&normalized), Some(&normalized))?,
        };
        let sid = self.try_add_session(&contact_id, &department, SessionStatus::Started)?;
        if let Some(s) = self.session_mut(&sid) {
            s.channel_id = channel.id.clone();
            s.channel_type = channel.channel_type;
            s.user_id = user_id.map(str::to_string);
            s.origin = "API".into();
        }
        Ok(sid)
    }

    /// Combines `tag_ids` with a contact's tags (`POST /core/v1/contact/{id}/tags`).
    pub fn set_contact_tags(
        &mut self,
        id: &str,
        op: TagOperation,
        tag_ids: &[String],
    ) -> Result<(), WorldError> {
        if let Some(bad) = tag_ids.iter().find(|t| self.tag(t).is_none()) {
            return Err(WorldError::not_found("tag", bad.as_str()));
        }
        self.update_contact(id, |c| match op {
            TagOperation::InsertIfNotExists => {
                for t in tag_ids {
                    if !c.tags_id.contains(t) {
                        c.tags_id.push(t.clone());
                    }
                }
            }
            TagOperation::DeleteIfExists => c.tags_id.retain(|t| !tag_ids.contains(t)),
            TagOperation::ReplaceAll => {
                c.tags_id.clear();
                for t in tag_ids {
                    if !c.tags_id.contains(t) {
                        c.tags_id.push(t.clone());
                    }
                }
            }
        })
    }

    // ----- reference data ----------------------------------------------------------------------

    /// Creates a tag; returns its id.
    pub fn add_tag(&mut self, name: &str, color: &str) -> String {
        let id = self.new_id();
        self.tags.push(Tag {
            id: id.clone(),
            name: name.to_string(),
            color: color.to_string(),
        });
        id
    }

    /// Deletes a tag and drops it from every contact (without touching their `updatedAt`: the
    /// deletion is visible only by the tag's absence, §9).
    pub fn delete_tag(&mut self, id: &str) -> Result<(), WorldError> {
        let before = self.tags.len();
        self.tags.retain(|t| t.id != id);
        if self.tags.len() == before {
            return Err(WorldError::not_found("tag", id));
        }
        let tags = &self.tags;
        for c in &mut self.contacts {
            if c.tags_id.iter().any(|t| t == id) {
                c.tags_id.retain(|t| t != id);
                c.tags = c
                    .tags_id
                    .iter()
                    .filter_map(|id| tags.iter().find(|t| &t.id == id).map(|t| t.name.clone()))
                    .collect();
            }
        }
        Ok(())
    }

    /// Deletes an agent (by agent id). Sessions keep the dangling `userId`.
    pub fn delete_agent(&mut self, id: &str) -> Result<(), WorldError> {
        let before = self.agents.len();
        self.agents.retain(|a| a.id != id);
        if self.agents.len() == before {
            return Err(WorldError::not_found("agent", id));
        }
        Ok(())
    }

    /// Deletes a department and the memberships in it. Sessions keep the dangling id.
    pub fn delete_department(&mut self, id: &str) -> Result<(), WorldError> {
        let before = self.departments.len();
        self.departments.retain(|d| d.id != id);
        if self.departments.len() == before {
            return Err(WorldError::not_found("department", id));
        }
        for a in &mut self.agents {
            a.departments.retain(|d| d.department_id != id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(format_phone("+55|11987654321"), "+55 (11) 98765-4321");
        assert_eq!(format_phone("+55|1133334444"), "+55 (11) 3333-4444");
        assert_eq!(
            normalize_phone("(11) 98765-4321").as_deref(),
            Some("+55|11987654321")
        );
        assert_eq!(
            normalize_phone("+55 11 98765-4321").as_deref(),
            Some("+55|11987654321")
        );
        assert_eq!(
            normalize_phone("+55|11987654321").as_deref(),
            Some("+55|11987654321")
        );
        assert_eq!(normalize_phone("123"), None);
    }

    #[test]
    fn spans() {
        assert_eq!(fmt_span(chrono::Duration::seconds(75)), "00:01:15");
        assert_eq!(fmt_span(chrono::Duration::seconds(90_061)), "1.01:01:01");
        assert_eq!(fmt_span(chrono::Duration::seconds(-3)), "00:00:00");
    }

    fn small() -> World {
        crate::seed(&crate::SimConfig::small(), "http://sim")
    }

    #[test]
    fn index_heals_after_direct_vector_edits() {
        let mut w = small();
        let sid = w.sessions[5].id.clone();
        let n = w.messages_of(&sid).len();
        let mut m = w.messages_of(&sid)[0].clone();
        m.id = "direct-push".into();
        w.messages.push(m);
        // Stale index: lookups still find it, and the next ensure_index rebuilds.
        assert_eq!(w.messages_of(&sid).len(), n + 1);
        assert!(w.message("direct-push").is_some());
        w.ensure_index();
        assert_eq!(w.messages_of(&sid).len(), n + 1);
        w.sessions.swap(0, 1);
        let id0 = w.sessions[0].id.clone();
        assert_eq!(w.session(&id0).map(|s| s.id.as_str()), Some(id0.as_str()));
    }

    #[test]
    fn messages_move_the_session_but_not_its_updated_at() {
        let mut w = small();
        let i = w
            .sessions
            .iter()
            .position(|s| s.status == SessionStatus::InProgress)
            .unwrap();
        let sid = w.sessions[i].id.clone();
        let before = w.sessions[i].clone();
        let mid = w.add_message(&sid, Direction::ToHub, "Oi de novo");
        let s = w.session(&sid).unwrap();
        assert_eq!(s.updated_at, before.updated_at);
        assert_eq!(s.last_message_in, Some(w.message(&mid).unwrap().created_at));
        assert_eq!(s.last_interaction_date, s.last_message_in);
        assert_eq!(s.unread_count, before.unread_count + 1);
        assert_eq!(s.window_status, WindowStatus::Active);
        w.add_message(&sid, Direction::FromHub, "Olá!");
        let s = w.session(&sid).unwrap();
        assert_eq!(s.unread_count, 0);
        assert_eq!(s.last_message_text.as_deref(), Some("Olá!"));
        assert!(w
            .messages_of(&sid)
            .iter()
            .all(|m| m.direction == Direction::FromHub || m.status == MessageStatus::Read));
        assert!(w.try_add_message("nope", Direction::ToHub, "x").is_err());
    }

    #[test]
    fn tag_agent_and_department_deletions() {
        let mut w = small();
        let tag = w.tags[0].id.clone();
        let carriers = w
            .contacts
            .iter()
            .filter(|c| c.tags_id.contains(&tag))
            .count();
        assert!(carriers > 0);
        w.delete_tag(&tag).unwrap();
        assert!(w.tag(&tag).is_none());
        assert!(w
            .contacts
            .iter()
            .all(|c| !c.tags_id.contains(&tag) && c.tags.len() == c.tags_id.len()));
        assert!(w.delete_tag(&tag).is_err());
        let new = w.add_tag("Teste", "BLUE_300");
        let cid = w.contacts[0].id.clone();
        w.set_contact_tags(
            &cid,
            TagOperation::InsertIfNotExists,
            std::slice::from_ref(&new),
        )
        .unwrap();
        assert_eq!(
            w.contact(&cid).unwrap().tags.last().map(String::as_str),
            Some("Teste")
        );
        let agent = w.agents[1].id.clone();
        w.delete_agent(&agent).unwrap();
        assert!(w.agent(&agent).is_none());
        let dep = w.departments[2].id.clone();
        w.delete_department(&dep).unwrap();
        assert!(w
            .agents
            .iter()
            .all(|a| a.departments.iter().all(|d| d.department_id != dep)));
    }

    #[test]
    fn new_sessions_and_status_changes() {
        let mut w = small();
        let cid = w.contacts[0].id.clone();
        let dep = w.departments[0].id.clone();
        let sid = w.add_session(&cid, &dep, SessionStatus::Pending);
        let s = w.session(&sid).unwrap().clone();
        assert_eq!(s.window_status, WindowStatus::NotStarted);
        assert!(s.number.ends_with(&format!("{:05}", 1)) || s.number.len() == 13);
        let user = w.agents[0].user_id.clone();
        w.assign_session(&sid, Some(&user)).unwrap();
        assert_eq!(w.session(&sid).unwrap().status, SessionStatus::InProgress);
        w.assign_session(&sid, None).unwrap();
        assert_eq!(w.session(&sid).unwrap().status, SessionStatus::Pending);
        w.complete_session(&sid, false).unwrap();
        let done = w.session(&sid).unwrap().clone();
        assert_eq!(done.status, SessionStatus::Completed);
        assert!(done.end_at.is_some() && done.updated_at > s.updated_at);
        w.set_session_status(&sid, SessionStatus::InProgress)
            .unwrap();
        assert!(w.session(&sid).unwrap().end_at.is_none());
        assert!(w.assign_session(&sid, Some("ghost")).is_err());
        assert!(w.transfer_session(&sid, None, None).is_err());
    }

    #[test]
    fn stamps_are_strictly_monotonic_even_from_a_future_base() {
        let base = Utc::now() + chrono::Duration::hours(1);
        let mut w = World::empty(
            "c".into(),
            "http://x".into(),
            trunc_ms(base),
            1,
            Arc::new(crate::clock::SystemClock),
        );
        let mut last = w.now_stamp();
        assert!(last > trunc_ms(base));
        for _ in 0..1000 {
            let t = w.now_stamp();
            assert!(t > last);
            assert_eq!(t, trunc_ms(t));
            last = t;
        }
    }
}
