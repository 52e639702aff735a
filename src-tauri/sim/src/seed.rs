//! Deterministic generation of the demo account ("Loja Centro").
//!
//! Everything comes from one `ChaCha8Rng` seeded with `SimConfig::seed`, and every timestamp is
//! relative to `base_time`, so the same seed and base time give byte-identical data (only the
//! host:port inside file URLs follows the bound port). The generator works in phases so that
//! the result is *consistent*, not just plausible:
//!
//! 1. reference data (departments, agents, tags, custom fields, channels, templates);
//! 2. contacts;
//! 3. session plans (status by the target distribution, contact, channel, team, agent, times);
//! 4. a message skeleton per session (time, direction, role), the exact total spread unevenly;
//! 5. message types (every §3.1 type guaranteed), then PT-BR content and statuses;
//! 6. session fields derived from their messages (`lastInteractionDate`, `lastMessageIn|Out`,
//!    `lastMessageText`, `unreadCount`, `windowStatus`, `firstResponseAt`, `timeWait`, ...);
//! 7. internal notes and protocol numbers.
//!
//! `windowStatus` is ACTIVE iff the last inbound message is less than 24 h before `base_time`,
//! EXPIRED if older, NOT_STARTED when the contact never wrote (template-started sessions).
//! All seeded timestamps are `<= base_time - 10 min`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::assets::Asset;
use crate::config::SimConfig;
use crate::corpus::{self, Topic};
use crate::model::*;
use crate::world::{fmt_span, format_phone, trunc_ms, DemoAgent, World};

/// Builds the world for `config`; file URLs hang off `base_url`.
pub fn seed_world(config: &SimConfig, base_url: &str) -> World {
    let base_time = trunc_ms(config.base_time.unwrap_or_else(|| config.clock.utc()));
    let mut world = Seeder::new(config, base_time).run(base_url);
    if config.newer_enum_values {
        crate::quirks::seed_newer_values(&mut world);
    }
    world
}

/// The demo agent of a freshly seeded world (agent index 0).
pub fn demo_agent(world: &World) -> Option<DemoAgent> {
    world.agents.first().map(|a| DemoAgent {
        id: a.id.clone(),
        user_id: a.user_id.clone(),
        name: a.name.clone(),
        department_ids: a
            .departments
            .iter()
            .map(|d| d.department_id.clone())
            .collect(),
    })
}

/// Target share of each session status (§ brief: PENDING 10 %, IN_PROGRESS 22 %, ...).
const STATUS_SHARES: &[(SessionStatus, f64)] = &[
    (SessionStatus::Pending, 0.10),
    (SessionStatus::InProgress, 0.22),
    (SessionStatus::Completed, 0.55),
    (SessionStatus::Started, 0.05),
    (SessionStatus::Hidden, 0.05),
    (SessionStatus::Undefined, 0.03),
];

/// Splits `n` by `STATUS_SHARES` (largest remainder), giving every status at least one when n >= 6.
pub fn status_counts(n: usize) -> Vec<(SessionStatus, usize)> {
    let mut counts: Vec<(SessionStatus, usize, f64)> = STATUS_SHARES
        .iter()
        .map(|&(s, p)| {
            let exact = p * n as f64;
            (s, exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let left = n - counts.iter().map(|c| c.1).sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| counts[b].2.total_cmp(&counts[a].2).then(a.cmp(&b)));
    for &i in order.iter().cycle().take(left) {
        counts[i].1 += 1;
    }
    if n >= counts.len() {
        for i in 0..counts.len() {
            if counts[i].1 == 0 {
                // Take one from the largest bucket.
                let big = (0..counts.len()).max_by_key(|&j| counts[j].1).unwrap_or(0);
                counts[big].1 -= 1;
                counts[i].1 += 1;
            }
        }
    }
    counts.into_iter().map(|(s, c, _)| (s, c)).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContactKind {
    WhatsApp,
    Instagram,
    Messenger,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Customer,
    Agent,
    Bot,
    System,
    Template,
    Closing,
}

struct MsgPlan {
    session: usize,
    t: DateTime<Utc>,
    dir: Direction,
    role: Role,
    kind: MessageType,
}

struct SessionPlan {
    id: String,
    status: SessionStatus,
    contact: usize,
    channel: usize,
    department: usize,
    agent: Option<usize>,
    created: DateTime<Utc>,
    last_activity: DateTime<Utc>,
    end_at: Option<DateTime<Utc>>,
    campaign: bool,
    /// Per-session placeholder values.
    topic: usize,
    order: String,
    product: &'static str,
    value: String,
    day: String,
    hour: &'static str,
}

/// Where a conversation is in its dialogue.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    topic: usize,
    customer: usize,
    agent: usize,
}

struct Seeder<'a> {
    cfg: &'a SimConfig,
    rng: ChaCha8Rng,
    base: DateTime<Utc>,
    cutoff: DateTime<Utc>,
}

fn pick<'x, T>(rng: &mut ChaCha8Rng, xs: &'x [T]) -> &'x T {
    &xs[rng.random_range(0..xs.len())]
}

fn pick_str(rng: &mut ChaCha8Rng, xs: &[&'static str]) -> &'static str {
    xs[rng.random_range(0..xs.len())]
}

fn fold_ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'Á' | 'À' | 'Â' | 'Ã' => 'a',
            'é' | 'ê' | 'è' | 'É' | 'Ê' => 'e',
            'í' | 'Í' | 'î' => 'i',
            'ó' | 'ô' | 'õ' | 'Ó' | 'Ô' | 'Õ' => 'o',
            'ú' | 'ü' | 'Ú' => 'u',
            'ç' | 'Ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

/// A valid CPF (check digits computed), formatted `123.456.789-09`.
fn cpf(rng: &mut ChaCha8Rng) -> String {
    let mut d: Vec<u32> = (0..9).map(|_| rng.random_range(0..10)).collect();
    for len in [9usize, 10] {
        let sum: u32 = d
            .iter()
            .take(len)
            .enumerate()
            .map(|(i, &x)| x * (len as u32 + 1 - i as u32))
            .sum();
        d.push((sum * 10) % 11 % 10);
    }
    let s: String = d
        .iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect();
    format!("{}.{}.{}-{}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
}

fn money(cents: i64) -> String {
    let reais = cents / 100;
    let mut int = reais.to_string();
    let mut out = String::new();
    while int.len() > 3 {
        let tail = int.split_off(int.len() - 3);
        out = format!(".{tail}{out}");
    }
    format!("R$ {int}{out},{:02}", cents % 100)
}

impl<'a> Seeder<'a> {
    fn new(cfg: &'a SimConfig, base: DateTime<Utc>) -> Self {
        Seeder {
            cfg,
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            base,
            cutoff: base - Duration::minutes(10),
        }
    }

    fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .to_string()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform instant in `[a, b]` (ms); `a` when the span is empty.
    fn between(&mut self, a: DateTime<Utc>, b: DateTime<Utc>) -> DateTime<Utc> {
        let span = (b - a).num_milliseconds();
        if span <= 0 {
            return a;
        }
        a + Duration::milliseconds(self.rng.random_range(0..=span))
    }

    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1: f64 = self.rng.random::<f64>().max(1e-12);
        let u2: f64 = self.rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn run(mut self, base_url: &str) -> World {
        let company_id = self.uuid();
        let world_seed = self.cfg.seed ^ 0x5EED_CAFE_F00D_0001;
        let mut w = World::empty(
            company_id,
            base_url.to_string(),
            self.base,
            world_seed,
            self.cfg.clock.clone(),
        );
        w.session_updated_on_message = self.cfg.session_updated_on_message;
        self.departments(&mut w);
        self.agents(&mut w);
        self.tags(&mut w);
        self.custom_fields(&mut w);
        self.channels(&mut w);
        self.templates(&mut w);
        let kinds = self.contacts(&mut w);
        let plans = self.session_plans(&w, &kinds);
        self.sessions_and_messages(&mut w, plans);
        self.notes(&mut w);
        w.reindex();
        w.set_last_stamp(self.base);
        w
    }

    // ----- reference data ------------------------------------------------------------------

    fn departments(&mut self, w: &mut World) {
        for i in 0..self.cfg.size.departments {
            let (name, desc) = match corpus::DEPARTMENTS.get(i) {
                Some(&(n, d)) => (n.to_string(), d.to_string()),
                None => (format!("Equipe {}", i + 1), "Equipe adicional".to_string()),
            };
            let id = self.uuid();
            w.departments.push(Department {
                id,
                company_id: w.company_id.clone(),
                name,
                description: Some(desc),
                is_default: i == 0,
                is_supervisor: false,
            });
        }
    }

    fn unique_name(&mut self, used: &mut HashSet<String>) -> (String, String) {
        for _ in 0..50 {
            let first = *pick(&mut self.rng, corpus::FIRST_NAMES);
            let last = *pick(&mut self.rng, corpus::LAST_NAMES);
            let full = format!("{first} {last}");
            if used.insert(full.clone()) {
                return (first.to_string(), full);
            }
        }
        let first = *pick(&mut self.rng, corpus::FIRST_NAMES);
        let full = format!(
            "{first} {} {}",
            pick(&mut self.rng, corpus::LAST_NAMES),
            used.len()
        );
        used.insert(full.clone());
        (first.to_string(), full)
    }

    fn agents(&mut self, w: &mut World) {
        let nd = w.departments.len();
        let mut used = HashSet::new();
        let mut has_supervisor = vec![false; nd];
        for i in 0..self.cfg.size.agents {
            let (first, full) = self.unique_name(&mut used);
            let mut deps: Vec<AgentDepartment> = vec![];
            if i == 0 {
                for (d, sup) in w.departments.iter().zip(has_supervisor.iter_mut()).take(2) {
                    deps.push(AgentDepartment {
                        department_id: d.id.clone(),
                        is_supervisor: true,
                    });
                    *sup = true;
                }
            } else {
                let primary = i % nd;
                let sup = !has_supervisor[primary];
                has_supervisor[primary] = true;
                deps.push(AgentDepartment {
                    department_id: w.departments[primary].id.clone(),
                    is_supervisor: sup,
                });
                if nd > 1 && self.chance(0.4) {
                    let mut second = self.rng.random_range(0..nd);
                    if second == primary {
                        second = (second + 1) % nd;
                    }
                    deps.push(AgentDepartment {
                        department_id: w.departments[second].id.clone(),
                        is_supervisor: false,
                    });
                }
            }
            let folded = fold_ascii(&full.replace(' ', "."));
            let id = self.uuid();
            let user_id = self.uuid();
            let phone = if self.chance(0.5) {
                Some(format!(
                    "+55|119{:08}",
                    self.rng.random_range(0..100_000_000u32)
                ))
            } else {
                None
            };
            let availability = if i == 0 {
                "ONLINE"
            } else {
                *pick(&mut self.rng, &["ONLINE", "ONLINE", "AWAY", "OFFLINE"])
            };
            w.agents.push(Agent {
                id,
                user_id,
                name: full,
                short_name: first,
                email: format!("{folded}@lojacentro.com.br"),
                phone_number: phone,
                picture_url: None,
                availability: availability.into(),
                departments: deps,
            });
        }
    }

    fn tags(&mut self, w: &mut World) {
        for &(name, color) in corpus::TAGS {
            let id = self.uuid();
            w.tags.push(Tag {
                id,
                name: name.into(),
                color: color.into(),
            });
        }
    }

    fn custom_fields(&mut self, w: &mut World) {
        type Def<'x> = (&'x str, &'x str, &'x str, &'x str, Option<&'x [&'x str]>);
        let defs: &[Def] = &[
            ("cpf", "CPF", "TEXT", "CONTACT", None),
            ("cidade", "Cidade", "TEXT", "CONTACT", None),
            (
                "plano",
                "Plano",
                "LIST",
                "CONTACT",
                Some(&["Básico", "Plus", "Premium"]),
            ),
            (
                "data_nascimento",
                "Data de nascimento",
                "DATE",
                "CONTACT",
                None,
            ),
            ("cliente_desde", "Cliente desde", "DATE", "CONTACT", None),
            (
                "canal_preferido",
                "Canal preferido",
                "LIST",
                "CONTACT",
                Some(&["WhatsApp", "Instagram", "Telefone", "E-mail"]),
            ),
            (
                "limite_credito",
                "Limite de crédito",
                "NUMBER",
                "CONTACT",
                None,
            ),
            ("valor_negocio", "Valor do negócio", "NUMBER", "PANEL", None),
        ];
        for &(key, name, ty, entity, options) in defs {
            let id = self.uuid();
            w.custom_fields.push(CustomField {
                id,
                key: key.into(),
                name: name.into(),
                field_type: ty.into(),
                entity_type: entity.into(),
                options: options.map(|o| o.iter().map(|s| s.to_string()).collect()),
            });
        }
    }

    fn channels(&mut self, w: &mut World) {
        let defs = [
            (
                ChannelType::CloudapiWhatsapp,
                "5511933334000",
                "WhatsApp",
                "CloudAPI",
                "Loja Centro | Vendas",
            ),
            (
                ChannelType::ZapiWhatsapp,
                "5511933334001",
                "WhatsApp",
                "Z-API",
                "Loja Centro | Atendimento",
            ),
            (
                ChannelType::EvolutionapiWhatsapp,
                "5511933334002",
                "WhatsApp",
                "Evolution API",
                "Loja Centro | Assistência",
            ),
            (
                ChannelType::Instagram,
                "lojacentro",
                "Instagram",
                "Meta",
                "@lojacentro",
            ),
            (
                ChannelType::Messenger,
                "108877665544332",
                "Messenger",
                "Meta",
                "Loja Centro",
            ),
        ];
        for (ty, human, platform, provider, display) in defs {
            let id = self.uuid();
            w.channels.push(Channel {
                id,
                channel_type: ty,
                identity: ChannelIdentity {
                    human_id: human.into(),
                    platform: platform.into(),
                    provider: provider.into(),
                    display_name: display.into(),
                    picture_url: None,
                },
            });
        }
    }

    fn templates(&mut self, w: &mut World) {
        type Def<'x> = (
            &'x str,
            &'x str,
            &'x str,
            &'x str,
            Option<&'x str>,
            &'x [&'x str],
        );
        let defs: &[Def] = &[
            ("boas_vindas", "MARKETING", "APPROVED", "Olá {{1}}! 👋 Aqui é da Loja Centro. Como podemos ajudar você hoje?", None, &["Maria"]),
            ("confirmacao_pedido", "UTILITY", "APPROVED", "Olá {{1}}, seu pedido {{2}} foi confirmado e será entregue até {{3}}.", None, &["João", "483920", "15/07"]),
            ("lembrete_boleto", "UTILITY", "APPROVED", "{{1}}, o boleto de {{2}} vence em {{3}}. Se já pagou, desconsidere esta mensagem.", Some("DOCUMENT"), &["Ana", "R$ 349,90", "20/07"]),
            ("agendamento_instalacao", "UTILITY", "APPROVED", "Olá {{1}}! Sua instalação está agendada para {{2}} às {{3}}. Responda SIM para confirmar.", None, &["Carlos", "18/07", "9h"]),
            ("pesquisa_satisfacao", "MARKETING", "APPROVED", "Oi {{1}}, como foi seu atendimento com a Loja Centro? Responda com uma nota de 1 a 5.", None, &["Beatriz"]),
            ("retomada_contato", "MARKETING", "APPROVED", "Olá {{1}}, notamos que sua conversa ficou sem resposta. Ainda podemos ajudar?", None, &["Pedro"]),
            ("ofertas_semana", "MARKETING", "APPROVED", "{{1}}, ofertas da semana com até {{2}}% de desconto em eletrodomésticos! Aproveite na loja ou pelo site.", Some("IMAGE"), &["Fernanda", "30"]),
            ("codigo_verificacao", "AUTHENTICATION", "APPROVED", "Seu código de verificação Loja Centro é {{1}}. Não compartilhe com ninguém.", None, &["482913"]),
            ("segunda_via_fatura", "UTILITY", "PENDING", "Segue a segunda via da sua fatura referente a {{1}}.", Some("DOCUMENT"), &["junho/2024"]),
            ("black_friday_antecipada", "MARKETING", "REJECTED", "{{1}}, a Black Friday chegou mais cedo! Tudo com {{2}}% OFF só hoje!!!", None, &["Lucas", "70"]),
        ];
        let wa: Vec<String> = w
            .channels
            .iter()
            .filter(|c| c.channel_type.is_whatsapp())
            .map(|c| c.id.clone())
            .collect();
        for (i, &(name, category, status, text, file_type, examples)) in defs.iter().enumerate() {
            let id = self.uuid();
            let channel_id = wa.get(i % wa.len().max(1)).cloned().unwrap_or_default();
            w.templates.push(Template {
                id,
                name: name.into(),
                channel_id,
                category: category.into(),
                status: status.into(),
                language: "pt_BR".into(),
                text: text.into(),
                file_type: file_type.map(str::to_string),
                params: examples
                    .iter()
                    .enumerate()
                    .map(|(k, e)| TemplateParam {
                        name: (k + 1).to_string(),
                        example: e.to_string(),
                    })
                    .collect(),
            });
        }
    }

    // ----- contacts --------------------------------------------------------------------------

    fn contacts(&mut self, w: &mut World) -> Vec<ContactKind> {
        let mut kinds = Vec::with_capacity(self.cfg.size.contacts);
        let mut phones = HashSet::new();
        let mut emails = HashSet::new();
        let oldest = self.cutoff - Duration::days(540);
        let newest = self.cutoff - Duration::days(2);
        for _ in 0..self.cfg.size.contacts {
            let first = *pick(&mut self.rng, corpus::FIRST_NAMES);
            let last = *pick(&mut self.rng, corpus::LAST_NAMES);
            let last2 = *pick(&mut self.rng, corpus::LAST_NAMES);
            let name = if self.chance(0.3) {
                format!("{first} {last2} {last}")
            } else {
                format!("{first} {last}")
            };
            let &(ddd, city, uf, _, _) = pick(&mut self.rng, corpus::CITIES);
            let roll: f64 = self.rng.random();
            let kind = if roll < 0.75 {
                ContactKind::WhatsApp
            } else if roll < 0.90 {
                ContactKind::Instagram
            } else {
                ContactKind::Messenger
            };
            let has_phone = kind == ContactKind::WhatsApp || self.chance(0.5);
            let phone = has_phone.then(|| loop {
                let p = format!(
                    "+55|{ddd}9{:08}",
                    self.rng.random_range(10_000_000..100_000_000u32)
                );
                if phones.insert(p.clone()) {
                    break p;
                }
            });
            let handle_base = fold_ascii(&format!("{first}.{last}"));
            let instagram = (kind == ContactKind::Instagram || self.chance(0.1))
                .then(|| format!("@{handle_base}{}", self.rng.random_range(0..100)));
            let email = self.chance(0.6).then(|| {
                let domain = *pick(&mut self.rng, corpus::EMAIL_DOMAINS);
                let mut e = format!("{handle_base}@{domain}");
                let mut n = 1;
                while !emails.insert(e.clone()) {
                    n += 1;
                    e = format!("{handle_base}{n}@{domain}");
                }
                e
            });
            let created = self.between(oldest, newest);
            let status = {
                let r: f64 = self.rng.random();
                if r < 0.90 {
                    ContactStatus::Active
                } else if r < 0.97 {
                    ContactStatus::Archived
                } else {
                    ContactStatus::Blocked
                }
            };
            let origin = *pick(
                &mut self.rng,
                &[
                    "CREATED_FROM_HUB",
                    "CREATED_FROM_HUB",
                    "CREATED_FROM_HUB",
                    "CREATED_BY_USER",
                    "IMPORTED",
                ],
            );
            let n_tags = *pick(&mut self.rng, &[0usize, 0, 0, 1, 1, 1, 2, 2, 3]);
            let mut tags_id: Vec<String> = vec![];
            for _ in 0..n_tags {
                let t = pick(&mut self.rng, &w.tags).id.clone();
                if !tags_id.contains(&t) {
                    tags_id.push(t);
                }
            }
            if kind == ContactKind::Instagram && self.chance(0.5) {
                if let Some(t) = w.tags.iter().find(|t| t.name == "Lead Instagram") {
                    if !tags_id.contains(&t.id) {
                        tags_id.push(t.id.clone());
                    }
                }
            }
            let tags = w.tag_names(&tags_id);
            let mut cf = BTreeMap::new();
            if self.chance(0.6) {
                cf.insert("cpf".to_string(), cpf(&mut self.rng));
            }
            if self.chance(0.8) {
                cf.insert("cidade".to_string(), format!("{city} - {uf}"));
            }
            if self.chance(0.4) {
                cf.insert(
                    "plano".to_string(),
                    pick(&mut self.rng, &["Básico", "Plus", "Premium"]).to_string(),
                );
            }
            if self.chance(0.3) {
                cf.insert(
                    "data_nascimento".to_string(),
                    format!(
                        "{}-{:02}-{:02}",
                        self.rng.random_range(1950..2006),
                        self.rng.random_range(1..13),
                        self.rng.random_range(1..29)
                    ),
                );
            }
            if self.chance(0.5) {
                cf.insert(
                    "cliente_desde".to_string(),
                    created.format("%Y-%m-%d").to_string(),
                );
            }
            if self.chance(0.15) {
                cf.insert(
                    "limite_credito".to_string(),
                    (self.rng.random_range(5..100) * 100).to_string(),
                );
            }
            let annotation = self
                .chance(0.12)
                .then(|| pick(&mut self.rng, corpus::ANNOTATIONS).to_string());
            let metadata = self
                .chance(0.2)
                .then(|| json!({ "codigoCliente": format!("C-{:05}", self.rng.random_range(1000..99999)) }));
            let utm = (kind == ContactKind::Instagram && self.chance(0.4)).then(|| Utm {
                source: Some("instagram".into()),
                medium: Some("social".into()),
                campaign: Some("ofertas-da-semana".into()),
                ..Utm::default()
            });
            let id = self.uuid();
            w.contacts.push(Contact {
                id,
                created_at: created,
                updated_at: created,
                company_id: w.company_id.clone(),
                name,
                phonenumber_formatted: phone.as_deref().map(format_phone),
                phonenumber: phone,
                email,
                instagram,
                annotation,
                tags_id,
                tags,
                status,
                origin: origin.into(),
                utm,
                custom_field_values: cf,
                metadata,
            });
            kinds.push(kind);
        }
        kinds
    }

    // ----- sessions --------------------------------------------------------------------------

    fn members(w: &World, dept: usize) -> Vec<usize> {
        let id = &w.departments[dept].id;
        (0..w.agents.len())
            .filter(|&a| {
                w.agents[a]
                    .departments
                    .iter()
                    .any(|d| &d.department_id == id)
            })
            .collect()
    }

    fn session_plans(&mut self, w: &World, kinds: &[ContactKind]) -> Vec<SessionPlan> {
        let n = self.cfg.size.sessions;
        let mut statuses: Vec<SessionStatus> = status_counts(n)
            .into_iter()
            .flat_map(|(s, c)| std::iter::repeat_n(s, c))
            .collect();
        // Fisher-Yates with our rng (deterministic).
        for i in (1..statuses.len()).rev() {
            let j = self.rng.random_range(0..=i);
            statuses.swap(i, j);
        }
        let nd = w.departments.len();
        let demo_teams: Vec<usize> = (0..nd.min(2)).collect();
        let members: Vec<Vec<usize>> = (0..nd).map(|d| Self::members(w, d)).collect();
        let wa_channels: Vec<usize> = (0..w.channels.len())
            .filter(|&c| w.channels[c].channel_type.is_whatsapp())
            .collect();
        let ig = w
            .channels
            .iter()
            .position(|c| c.channel_type == ChannelType::Instagram);
        let fb = w
            .channels
            .iter()
            .position(|c| c.channel_type == ChannelType::Messenger);
        let nc = w.contacts.len();
        let mut open_contacts: HashSet<usize> = HashSet::new();
        let mut pending_seen = 0usize;
        let mut plans = Vec::with_capacity(n);
        for status in statuses {
            let open = status.is_open();
            // Contacts: skewed so some have many sessions; one open session per contact.
            let mut contact = 0;
            for attempt in 0..12 {
                let u: f64 = self.rng.random();
                contact = ((u.powf(1.5)) * nc as f64) as usize % nc.max(1);
                let ok_status = !open || w.contacts[contact].status == ContactStatus::Active;
                let ok_open = !open || !open_contacts.contains(&contact);
                if (ok_status && ok_open) || attempt == 11 {
                    break;
                }
            }
            if open {
                open_contacts.insert(contact);
            }
            let kind = kinds.get(contact).copied().unwrap_or(ContactKind::WhatsApp);
            let channel = match kind {
                ContactKind::Instagram => ig,
                ContactKind::Messenger => fb,
                ContactKind::WhatsApp => None,
            }
            .or_else(|| wa_channels.get(contact % wa_channels.len().max(1)).copied())
            .unwrap_or(0);
            // Team: PENDING sessions go to the demo agent's teams first, so its queue is never empty.
            let department = if status == SessionStatus::Pending
                && !demo_teams.is_empty()
                && (pending_seen < 2 || self.chance(0.6))
            {
                pending_seen += 1;
                demo_teams[pending_seen % demo_teams.len()]
            } else {
                let u: f64 = self.rng.random();
                ((u.powf(1.3)) * nd as f64) as usize % nd
            };
            let wants_agent = match status {
                // (`ON_HOLD` / `WAITING_NEW` are never planned: see `SessionStatus::NEWER`.)
                SessionStatus::InProgress | SessionStatus::Completed | SessionStatus::OnHold => {
                    true
                }
                SessionStatus::Started => self.chance(0.7),
                SessionStatus::Hidden => self.chance(0.3),
                SessionStatus::Pending | SessionStatus::Undefined | SessionStatus::WaitingNew => {
                    false
                }
            };
            let agent = if wants_agent {
                let m = &members[department];
                if demo_teams.contains(&department) && self.chance(0.3) {
                    Some(0)
                } else if m.is_empty() {
                    Some(self.rng.random_range(0..w.agents.len()))
                } else {
                    Some(m[self.rng.random_range(0..m.len())])
                }
            } else {
                None
            };
            let c = self.cutoff;
            let (created, last_activity, end_at) = match status {
                SessionStatus::Completed => {
                    let created = if self.chance(0.15) {
                        self.between(c - Duration::days(2), c - Duration::hours(1))
                    } else {
                        self.between(c - Duration::days(120), c - Duration::hours(1))
                    };
                    let mins =
                        (5.0 * (self.rng.random::<f64>() * (2880.0f64 / 5.0).ln()).exp()) as i64;
                    let last = (created + Duration::minutes(mins)).min(c - Duration::minutes(2));
                    let end = self
                        .between(last + Duration::seconds(30), last + Duration::minutes(90))
                        .min(c);
                    (created, last.max(created), Some(end.max(last)))
                }
                SessionStatus::Pending | SessionStatus::WaitingNew => {
                    let created = if self.chance(0.8) {
                        self.between(c - Duration::hours(20), c - Duration::minutes(2))
                    } else {
                        self.between(c - Duration::days(2), c - Duration::hours(20))
                    };
                    let last = self.between(created, c - Duration::minutes(1));
                    (created, last, None)
                }
                SessionStatus::InProgress | SessionStatus::OnHold => {
                    let created = self.between(c - Duration::days(6), c - Duration::minutes(5));
                    let last = if self.chance(0.7) {
                        self.between(
                            created.max(c - Duration::hours(20)),
                            c - Duration::minutes(1),
                        )
                    } else {
                        self.between(created, created + Duration::hours(6))
                            .min(c - Duration::minutes(1))
                    };
                    (created, last, None)
                }
                SessionStatus::Started => {
                    let created = self.between(c - Duration::days(3), c - Duration::minutes(3));
                    let last = self.between(
                        created,
                        (created + Duration::hours(2)).min(c - Duration::minutes(1)),
                    );
                    (created, last, None)
                }
                SessionStatus::Hidden => {
                    let created = self.between(c - Duration::days(60), c - Duration::hours(2));
                    let last = (created + Duration::minutes(self.rng.random_range(1..600)))
                        .min(c - Duration::minutes(1));
                    let end = self
                        .chance(0.5)
                        .then(|| (last + Duration::minutes(5)).min(c));
                    (created, last, end)
                }
                SessionStatus::Undefined => {
                    let created = self.between(c - Duration::days(200), c - Duration::days(30));
                    let last = created + Duration::minutes(self.rng.random_range(1..240));
                    (created, last, None)
                }
            };
            let campaign = match status {
                SessionStatus::Started => true,
                SessionStatus::Hidden => self.chance(0.4),
                _ => self.chance(0.05),
            };
            let topic = self.rng.random_range(0..corpus::TOPICS.len());
            let order = format!("{}", self.rng.random_range(100_000..999_999));
            let product = *pick(&mut self.rng, corpus::PRODUCTS);
            let value = money(self.rng.random_range(4_990..799_990));
            let day_t = created + Duration::days(self.rng.random_range(1..6));
            let day = day_t.format("%d/%m").to_string();
            let hour = *pick(
                &mut self.rng,
                &["8h", "9h", "10h", "11h", "14h", "15h", "16h"],
            );
            let id = self.uuid();
            plans.push(SessionPlan {
                id,
                status,
                contact,
                channel,
                department,
                agent,
                created,
                last_activity,
                end_at,
                campaign,
                topic,
                order,
                product,
                value,
                day,
                hour,
            });
        }
        // Sessions are listed oldest first.
        plans.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        plans
    }

    /// Contacts exist before their first session, and some were edited since.
    fn fix_contact_dates(&mut self, w: &mut World, plans: &[SessionPlan]) {
        let mut first_seen: Vec<Option<DateTime<Utc>>> = vec![None; w.contacts.len()];
        for p in plans {
            let f = &mut first_seen[p.contact];
            *f = Some(f.map_or(p.created, |t| t.min(p.created)));
        }
        for (c, first) in w.contacts.iter_mut().zip(first_seen) {
            if let Some(first) = first {
                if c.created_at >= first {
                    let back = Duration::minutes(self.rng.random_range(1..(30 * 24 * 60)));
                    c.created_at = first - back;
                }
            }
            c.updated_at = if self.rng.random_bool(0.3) {
                let t = self.between(c.created_at, self.cutoff);
                t.max(c.created_at)
            } else {
                c.created_at
            };
            if c.custom_field_values.contains_key("cliente_desde") {
                c.custom_field_values.insert(
                    "cliente_desde".into(),
                    c.created_at.format("%Y-%m-%d").to_string(),
                );
            }
        }
    }

    // ----- messages ------------------------------------------------------------------------

    /// Spreads exactly `size.messages` over the sessions: at least one each (when there are
    /// enough), the rest by a heavy-tailed weight per session.
    fn allocate_messages(&mut self, plans: &[SessionPlan]) -> Vec<usize> {
        let n = plans.len();
        let m = self.cfg.size.messages;
        let mut counts = vec![0usize; n];
        if n == 0 {
            return counts;
        }
        if m < n {
            let mut idx: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = self.rng.random_range(0..=i);
                idx.swap(i, j);
            }
            for &i in idx.iter().take(m) {
                counts[i] = 1;
            }
            return counts;
        }
        counts.fill(1);
        let mut cum = Vec::with_capacity(n);
        let mut total = 0.0;
        for p in plans {
            let base = match p.status {
                SessionStatus::Completed => 1.0,
                SessionStatus::InProgress | SessionStatus::OnHold => 1.1,
                SessionStatus::Pending | SessionStatus::WaitingNew => 0.35,
                SessionStatus::Hidden => 0.15,
                SessionStatus::Undefined => 0.4,
                SessionStatus::Started => 0.02,
            };
            total += base * (0.9 * self.normal()).exp();
            cum.push(total);
        }
        for _ in 0..(m - n) {
            let r = self.rng.random::<f64>() * total;
            let i = cum.partition_point(|&c| c <= r).min(n - 1);
            counts[i] += 1;
        }
        counts
    }

    /// Times, directions and roles of one session's `k` messages.
    fn skeleton(&mut self, si: usize, p: &SessionPlan, k: usize, out: &mut Vec<MsgPlan>) {
        if k == 0 {
            return;
        }
        // Times: first shortly after creation, last at `last_activity`, the rest in between.
        let first =
            (p.created + Duration::seconds(self.rng.random_range(0..40))).min(p.last_activity);
        let mut times = Vec::with_capacity(k);
        times.push(first);
        for _ in 1..k.saturating_sub(1) {
            times.push(self.between(first, p.last_activity));
        }
        if k > 1 {
            times.push(p.last_activity);
        }
        times.sort();
        for i in 1..k {
            if times[i] <= times[i - 1] {
                times[i] = times[i - 1] + Duration::milliseconds(1);
            }
        }
        let has_agent = p.agent.is_some();
        let agent_role = |has: bool| if has { Role::Agent } else { Role::Bot };
        let mut slots: Vec<(Direction, Role)> = Vec::with_capacity(k);
        match p.status {
            SessionStatus::Started => {
                slots.push((Direction::FromHub, Role::Template));
                for _ in 1..k {
                    slots.push((Direction::FromHub, agent_role(has_agent)));
                }
            }
            SessionStatus::Hidden if p.campaign => {
                slots.push((Direction::FromHub, Role::Template));
                for _ in 1..k {
                    slots.push((Direction::FromHub, Role::Bot));
                }
            }
            SessionStatus::Pending => {
                let bot_first = k >= 2 && self.chance(0.3);
                for i in 0..k {
                    if i == 0 && bot_first {
                        slots.push((Direction::FromHub, Role::Bot));
                    } else {
                        slots.push((Direction::ToHub, Role::Customer));
                    }
                }
            }
            _ => {
                let mut customer_turn = true;
                if p.campaign {
                    slots.push((Direction::FromHub, Role::Template));
                } else {
                    slots.push((Direction::ToHub, Role::Customer));
                    customer_turn = false;
                }
                let mut agent_spoke = false;
                while slots.len() < k {
                    let run = if customer_turn {
                        self.rng.random_range(1..=3)
                    } else {
                        self.rng.random_range(1..=2)
                    };
                    for _ in 0..run {
                        if slots.len() >= k {
                            break;
                        }
                        if customer_turn {
                            slots.push((Direction::ToHub, Role::Customer));
                        } else if has_agent && !agent_spoke && self.chance(0.25) {
                            slots.push((Direction::FromHub, Role::System));
                        } else {
                            agent_spoke = true;
                            slots.push((Direction::FromHub, agent_role(has_agent)));
                        }
                    }
                    customer_turn = !customer_turn;
                }
                if k >= 2 {
                    let last = k - 1;
                    match p.status {
                        SessionStatus::Completed if self.chance(0.8) => {
                            slots[last] = (
                                Direction::FromHub,
                                if has_agent { Role::Closing } else { Role::Bot },
                            );
                        }
                        SessionStatus::InProgress if self.chance(0.55) => {
                            slots[last] = (Direction::ToHub, Role::Customer);
                        }
                        _ => {}
                    }
                }
            }
        }
        let track_first = slots[0].1 == Role::Customer && self.chance(0.03);
        for (i, (&(dir, role), t)) in slots.iter().zip(times).enumerate() {
            let kind = match role {
                Role::System => MessageType::Transition,
                _ if i == 0 && track_first => MessageType::Track,
                _ => self.roll_type(role),
            };
            out.push(MsgPlan {
                session: si,
                t,
                dir,
                role,
                kind,
            });
        }
    }

    fn roll_type(&mut self, role: Role) -> MessageType {
        use MessageType as T;
        let table: &[(T, f64)] = match role {
            Role::Customer => &[
                (T::Image, 0.05),
                (T::Audio, 0.05),
                (T::Sticker, 0.02),
                (T::Document, 0.015),
                (T::Video, 0.01),
                (T::Location, 0.007),
                (T::Contact, 0.005),
                (T::Track, 0.003),
            ],
            Role::Agent => &[
                (T::Document, 0.03),
                (T::Image, 0.025),
                (T::Audio, 0.01),
                (T::Buttons, 0.01),
                (T::List, 0.005),
                (T::Location, 0.005),
                (T::Contact, 0.005),
                (T::Video, 0.005),
                (T::Sticker, 0.005),
            ],
            Role::Bot => &[(T::List, 0.35), (T::Buttons, 0.25)],
            Role::System => return T::Transition,
            Role::Template | Role::Closing => return T::Text,
        };
        let mut r: f64 = self.rng.random();
        for &(t, p) in table {
            if r < p {
                return t;
            }
            r -= p;
        }
        T::Text
    }

    /// Makes sure every message type occurs at least once by converting TEXT messages.
    fn ensure_all_types(&mut self, skel: &mut [MsgPlan]) {
        if skel.is_empty() {
            return;
        }
        for &ty in MessageType::ALL {
            if skel.iter().any(|m| m.kind == ty) {
                continue;
            }
            let wants = |m: &MsgPlan| -> bool {
                m.kind == MessageType::Text
                    && match ty {
                        MessageType::List | MessageType::Buttons => {
                            matches!(m.role, Role::Agent | Role::Bot)
                        }
                        MessageType::Transition => m.role == Role::Agent,
                        _ => m.role == Role::Customer,
                    }
            };
            let start = self.rng.random_range(0..skel.len());
            let found = (0..skel.len())
                .map(|o| (start + o) % skel.len())
                .find(|&i| wants(&skel[i]));
            if let Some(i) = found {
                skel[i].kind = ty;
                if ty == MessageType::Transition {
                    skel[i].role = Role::System;
                }
            }
        }
    }

    fn fill(&self, line: &str, p: &SessionPlan, nome: &str, agente: &str, dept: &str) -> String {
        line.replace("{nome}", nome)
            .replace("{agente}", agente)
            .replace("{pedido}", &p.order)
            .replace("{produto}", p.product)
            .replace("{valor}", &p.value)
            .replace("{data}", &p.day)
            .replace("{hora}", p.hour)
            .replace("{dept}", dept)
    }

    /// The next line of the conversation for one side. When the contact runs out of things to
    /// say about the current topic they usually bring up another one (long conversations stay
    /// varied), sometimes a short filler; the agent answers the current topic, then fillers.
    fn next_line(&mut self, cur: &mut Cursor, customer: bool) -> &'static str {
        let topic: &Topic = &corpus::TOPICS[cur.topic];
        if customer {
            if cur.customer < topic.customer.len() {
                cur.customer += 1;
                return topic.customer[cur.customer - 1];
            }
            if self.chance(0.35) {
                return pick_str(&mut self.rng, corpus::CUSTOMER_FILLERS);
            }
            cur.topic = (cur.topic + 1 + self.rng.random_range(0..corpus::TOPICS.len() - 1))
                % corpus::TOPICS.len();
            cur.customer = 1;
            cur.agent = 0;
            corpus::TOPICS[cur.topic].customer[0]
        } else if cur.agent < topic.agent.len() {
            cur.agent += 1;
            topic.agent[cur.agent - 1]
        } else {
            pick_str(&mut self.rng, corpus::AGENT_FILLERS)
        }
    }

    fn new_file(
        &mut self,
        w: &mut World,
        asset: Asset,
        name: String,
        user: Option<String>,
    ) -> FileDto {
        let f = StoredFile {
            id: self.uuid(),
            name,
            mime_type: asset.mime_type().into(),
            asset,
        };
        let dto = w.file_dto(&f, user);
        w.files.push(f);
        dto
    }

    fn template_values(tpl: &Template, p: &SessionPlan, nome: &str) -> BTreeMap<String, String> {
        let ctx: Vec<String> = match tpl.name.as_str() {
            "confirmacao_pedido" => vec![nome.into(), p.order.clone(), p.day.clone()],
            "lembrete_boleto" => vec![nome.into(), p.value.clone(), p.day.clone()],
            "agendamento_instalacao" => vec![nome.into(), p.day.clone(), p.hour.into()],
            "codigo_verificacao" => vec![p.order.clone()],
            _ => vec![nome.into()],
        };
        tpl.params
            .iter()
            .enumerate()
            .map(|(i, prm)| {
                (
                    prm.name.clone(),
                    ctx.get(i).cloned().unwrap_or_else(|| prm.example.clone()),
                )
            })
            .collect()
    }

    /// PT-BR content for one planned message (status and `updatedAt` come later).
    fn render(
        &mut self,
        w: &mut World,
        p: &SessionPlan,
        m: &MsgPlan,
        cursor: &mut Cursor,
    ) -> Message {
        let contact = &w.contacts[p.contact];
        let nome = contact.name.split(' ').next().unwrap_or("").to_string();
        let contact_phone = contact.phonenumber.clone();
        let agent = p
            .agent
            .map(|a| (w.agents[a].short_name.clone(), w.agents[a].user_id.clone()));
        let agente = agent
            .as_ref()
            .map(|a| a.0.clone())
            .unwrap_or_else(|| "Equipe Loja Centro".into());
        let dept = w.departments[p.department].name.clone();
        let user_id = match m.role {
            Role::Agent | Role::Closing | Role::Template => agent.as_ref().map(|a| a.1.clone()),
            _ => None,
        };
        let customer = m.dir == Direction::ToHub;
        let date = m.t.format("%Y%m%d").to_string();
        let mut text: Option<String> = None;
        let mut details = MessageDetails::default();
        let mut template_id = None;
        let mut origin = match m.role {
            Role::Bot => MessageOrigin::Bot,
            _ => MessageOrigin::Default,
        };
        let mut file: Option<FileDto> = None;
        let seq = self.rng.random_range(0..10_000);
        match m.kind {
            MessageType::Text => {
                let line: String = match m.role {
                    Role::Customer => {
                        let l = self.next_line(cursor, true);
                        self.fill(l, p, &nome, &agente, &dept)
                    }
                    Role::Agent | Role::System => {
                        let l = self.next_line(cursor, false);
                        self.fill(l, p, &nome, &agente, &dept)
                    }
                    Role::Bot => {
                        let l = *pick(
                            &mut self.rng,
                            &[
                                "Olá! Sou a assistente virtual da Loja Centro 🤖 Em instantes um atendente vai falar com você.",
                                "Recebemos sua mensagem! Nosso horário de atendimento é de segunda a sábado, das 8h às 18h.",
                                "Por favor, informe seu CPF ou o número do pedido para agilizar o atendimento.",
                            ],
                        );
                        l.to_string()
                    }
                    Role::Closing => {
                        let l = *pick(&mut self.rng, corpus::CLOSINGS);
                        self.fill(l, p, &nome, &agente, &dept)
                    }
                    Role::Template => {
                        let approved: Vec<usize> = (0..w.templates.len())
                            .filter(|&i| {
                                w.templates[i].status == "APPROVED"
                                    && w.templates[i].category != "AUTHENTICATION"
                            })
                            .collect();
                        if approved.is_empty() {
                            format!("Olá {nome}! Aqui é da Loja Centro.")
                        } else {
                            let tpl = w.templates
                                [approved[self.rng.random_range(0..approved.len())]]
                            .clone();
                            template_id = Some(tpl.id.clone());
                            origin = if p.campaign && p.status == SessionStatus::Hidden {
                                MessageOrigin::Campaign
                            } else {
                                MessageOrigin::Api
                            };
                            details.template_category_name = Some(tpl.category.clone());
                            tpl.render(&Self::template_values(&tpl, p, &nome))
                        }
                    }
                };
                text = Some(line);
            }
            MessageType::Transition => {
                let l = *pick(&mut self.rng, corpus::TRANSITIONS);
                text = Some(self.fill(l, p, &nome, &agente, &dept));
            }
            MessageType::Image => {
                let caps = if customer {
                    corpus::CUSTOMER_IMAGE_CAPTIONS
                } else {
                    corpus::AGENT_IMAGE_CAPTIONS
                };
                let c = *pick(&mut self.rng, caps);
                text = (!c.is_empty()).then(|| c.to_string());
                file = Some(self.new_file(
                    w,
                    Asset::Photo,
                    format!("IMG-{date}-WA{seq:04}.jpg"),
                    user_id.clone(),
                ));
            }
            MessageType::Sticker => {
                file = Some(self.new_file(
                    w,
                    Asset::Sticker,
                    format!("STK-{date}-WA{seq:04}.webp"),
                    user_id.clone(),
                ));
            }
            MessageType::Audio => {
                file = Some(self.new_file(
                    w,
                    Asset::Audio,
                    format!("PTT-{date}-WA{seq:04}.ogg"),
                    user_id.clone(),
                ));
                if customer && self.chance(0.4) {
                    details.transcription = Some(Transcription {
                        text: pick(&mut self.rng, corpus::AUDIO_TRANSCRIPTIONS).to_string(),
                        processing: false,
                        error: false,
                    });
                }
            }
            MessageType::Video => {
                let c = *pick(&mut self.rng, corpus::VIDEO_CAPTIONS);
                text = (!c.is_empty()).then(|| c.to_string());
                file = Some(self.new_file(
                    w,
                    Asset::Video,
                    format!("VID-{date}-WA{seq:04}.mp4"),
                    user_id.clone(),
                ));
            }
            MessageType::Document => {
                let (name, caption) = if customer {
                    ("comprovante-pix.pdf".to_string(), "Segue o comprovante")
                } else {
                    let kind = *pick(&mut self.rng, &["boleto", "nota-fiscal", "orcamento"]);
                    let cap = match kind {
                        "boleto" => "Segue o boleto",
                        "nota-fiscal" => "Segue a nota fiscal",
                        _ => "Segue o orçamento",
                    };
                    (format!("{kind}-{}.pdf", p.order), cap)
                };
                text = Some(caption.to_string());
                file = Some(self.new_file(w, Asset::Document, name, user_id.clone()));
            }
            MessageType::Location => {
                let ddd = contact_phone
                    .as_deref()
                    .and_then(|ph| ph.get(4..6))
                    .unwrap_or("11")
                    .to_string();
                let city = corpus::CITIES
                    .iter()
                    .find(|c| c.0 == ddd)
                    .unwrap_or(&corpus::CITIES[0]);
                let jitter = |r: &mut ChaCha8Rng| r.random_range(-0.03..0.03);
                let lat = city.3 + jitter(&mut self.rng);
                let lng = city.4 + jitter(&mut self.rng);
                let street = *pick(&mut self.rng, corpus::STREETS);
                let number = self.rng.random_range(10..2000);
                details.location = Some(Location {
                    latitude: (lat * 1e6).round() / 1e6,
                    longitude: (lng * 1e6).round() / 1e6,
                    address: format!("{street}, {number} - {}/{}", city.1, city.2),
                    name: if customer {
                        "Localização atual".into()
                    } else {
                        "Loja Centro".into()
                    },
                    url: format!("https://maps.google.com/?q={:.6},{:.6}", lat, lng),
                });
            }
            MessageType::Contact => {
                let first = *pick(&mut self.rng, corpus::FIRST_NAMES);
                let last = *pick(&mut self.rng, corpus::LAST_NAMES);
                let &(ddd, ..) = pick(&mut self.rng, corpus::CITIES);
                let phone = format!(
                    "+55|{ddd}9{:08}",
                    self.rng.random_range(10_000_000..100_000_000u32)
                );
                let name = if customer {
                    format!("{first} {last}")
                } else {
                    format!("Técnico {first} (Loja Centro)")
                };
                details.contact = Some(SharedContact {
                    email: self
                        .chance(0.4)
                        .then(|| format!("{}@gmail.com", fold_ascii(&format!("{first}.{last}")))),
                    phone_number_formatted: format_phone(&phone),
                    phone_number: phone,
                    name,
                });
            }
            MessageType::List => {
                text = Some(pick(&mut self.rng, corpus::LIST_TEXTS).to_string());
                details.footer_text = Some("Responda com o número da opção".into());
                origin = MessageOrigin::Bot;
            }
            // (`INTERACTIVE` is never planned: see `MessageType::NEWER`.)
            MessageType::Buttons | MessageType::Interactive => {
                let l = *pick(&mut self.rng, corpus::BUTTON_TEXTS);
                text = Some(self.fill(l, p, &nome, &agente, &dept));
                details.footer_text = Some("Toque em uma das opções: Sim / Não".into());
                details.wait_reply = Some(true);
            }
            MessageType::Track => {
                let &(title, url) = pick(&mut self.rng, corpus::TRACK_PAGES);
                let start_chat = self.chance(0.6);
                details.track = Some(Track {
                    id: self.uuid(),
                    created_at: m.t - Duration::seconds(20),
                    track_type: if start_chat {
                        TrackType::StartChat
                    } else {
                        TrackType::AccessPage
                    },
                    page_title: title.into(),
                    page_url: url.into(),
                    page_utm: self.chance(0.5).then(|| Utm {
                        source: Some("google".into()),
                        medium: Some("cpc".into()),
                        campaign: Some("eletro-julho".into()),
                        ..Utm::default()
                    }),
                    is_mobile_device: self.chance(0.7),
                    form_data: start_chat
                        .then(|| json!({ "nome": nome, "telefone": contact_phone })),
                });
                text = Some(if start_chat {
                    format!("{nome} iniciou uma conversa pelo site")
                } else {
                    format!("{nome} acessou a página \"{title}\"")
                });
            }
        }
        let file_id = file.as_ref().map(|f| f.id.clone());
        if let Some(f) = file {
            details.file = Some(f);
        }
        let has_details = details != MessageDetails::default();
        Message {
            id: self.uuid(),
            session_id: p.id.clone(),
            template_id,
            file_id: file_id.clone(),
            ref_id: None,
            user_id,
            created_at: m.t,
            updated_at: m.t,
            timestamp: m.t,
            read_contact_at: None,
            message_type: m.kind,
            direction: m.dir,
            status: MessageStatus::Sent,
            origin,
            sender_id: None,
            text,
            failed_reason: None,
            files_ids: file_id.into_iter().collect(),
            details: has_details.then(|| Box::new(details)),
            delivery: None,
        }
    }

    fn sessions_and_messages(&mut self, w: &mut World, plans: Vec<SessionPlan>) {
        self.fix_contact_dates(w, &plans);
        let counts = self.allocate_messages(&plans);
        let mut skel = Vec::with_capacity(self.cfg.size.messages);
        for (si, p) in plans.iter().enumerate() {
            self.skeleton(si, p, counts[si], &mut skel);
        }
        self.ensure_all_types(&mut skel);
        let mut messages = Vec::with_capacity(skel.len());
        let mut cursors: Vec<Cursor> = plans
            .iter()
            .map(|p| Cursor {
                topic: p.topic,
                customer: 0,
                agent: 0,
            })
            .collect();
        for m in &skel {
            let msg = self.render(w, &plans[m.session], m, &mut cursors[m.session]);
            messages.push(msg);
        }
        // Statuses and session fields, session by session (each session's messages are contiguous).
        let mut start = 0;
        for (si, p) in plans.iter().enumerate() {
            let end = start + counts[si];
            let session = self.finish_session(w, p, &skel[start..end], &mut messages[start..end]);
            w.sessions.push(session);
            start = end;
        }
        // Protocol numbers: per-day sequence in creation order (plans are sorted).
        let mut day = String::new();
        let mut seq = 0;
        for s in &mut w.sessions {
            let d = s.created_at.format("%Y%m%d").to_string();
            if d != day {
                day = d;
                seq = 0;
            }
            seq += 1;
            s.number = format!("{day}{seq:05}");
        }
        messages.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        w.messages = messages;
    }

    /// Message statuses and the session's derived fields.
    fn finish_session(
        &mut self,
        w: &World,
        p: &SessionPlan,
        skel: &[MsgPlan],
        msgs: &mut [Message],
    ) -> Session {
        let cutoff = self.cutoff;
        let last_agent = msgs
            .iter()
            .rposition(|m| m.direction == Direction::FromHub && m.user_id.is_some());
        let unread_from = match p.status {
            SessionStatus::Pending => Some(0),
            SessionStatus::InProgress if self.chance(0.6) => Some(last_agent.map_or(0, |i| i + 1)),
            _ => None,
        };
        let mut unread = 0;
        for (i, (m, plan)) in msgs.iter_mut().zip(skel).enumerate() {
            match m.direction {
                Direction::ToHub => {
                    if unread_from.is_some_and(|u| i >= u) {
                        m.status = MessageStatus::Delivered;
                        unread += 1;
                    } else {
                        m.status = MessageStatus::Read;
                        m.updated_at = (m.created_at
                            + Duration::seconds(self.rng.random_range(2..600)))
                        .min(cutoff);
                    }
                }
                Direction::FromHub => {
                    if plan.role == Role::System {
                        m.status = MessageStatus::Sent;
                    } else if m.created_at > cutoff - Duration::minutes(2) {
                        m.status = MessageStatus::Sent;
                        m.updated_at = m.created_at;
                    } else {
                        let r: f64 = self.rng.random();
                        if r < 0.015 && matches!(plan.role, Role::Agent | Role::Template) {
                            m.status = MessageStatus::Failed;
                            m.failed_reason =
                                Some(pick(&mut self.rng, corpus::FAILED_REASONS).to_string());
                            m.updated_at = (m.created_at
                                + Duration::seconds(self.rng.random_range(1..30)))
                            .min(cutoff);
                        } else if r < 0.13 {
                            m.status = MessageStatus::Delivered;
                            m.updated_at = (m.created_at
                                + Duration::seconds(self.rng.random_range(1..20)))
                            .min(cutoff);
                        } else {
                            let read =
                                m.created_at + Duration::seconds(self.rng.random_range(5..10_800));
                            if read <= cutoff {
                                m.status = MessageStatus::Read;
                                m.read_contact_at = Some(read);
                                m.updated_at = read;
                            } else {
                                m.status = MessageStatus::Delivered;
                                m.updated_at = (m.created_at + Duration::seconds(3)).min(cutoff);
                            }
                        }
                    }
                }
            }
            m.updated_at = m.updated_at.max(m.created_at);
        }
        let last_in = msgs
            .iter()
            .rev()
            .find(|m| m.direction == Direction::ToHub)
            .map(|m| m.created_at);
        let last_out = msgs
            .iter()
            .rev()
            .find(|m| m.direction == Direction::FromHub)
            .map(|m| m.created_at);
        let first_in = msgs
            .iter()
            .find(|m| m.direction == Direction::ToHub)
            .map(|m| m.created_at);
        let first_response = msgs
            .iter()
            .find(|m| {
                m.direction == Direction::FromHub
                    && m.user_id.is_some()
                    && first_in.is_some_and(|f| m.created_at > f)
            })
            .map(|m| m.created_at);
        let window = match last_in {
            None => WindowStatus::NotStarted,
            Some(t) if t >= self.base - Duration::hours(24) => WindowStatus::Active,
            Some(_) => WindowStatus::Expired,
        };
        let last = msgs.last();
        let contact = &w.contacts[p.contact];
        let channel = &w.channels[p.channel];
        let end_at = match p.status {
            SessionStatus::Completed | SessionStatus::Hidden => p.end_at,
            _ => None,
        };
        let updated = match p.status {
            SessionStatus::Completed => end_at.unwrap_or(p.last_activity),
            SessionStatus::InProgress => first_response
                .map(|f| f - Duration::seconds(self.rng.random_range(0..60)))
                .unwrap_or(p.created + Duration::seconds(30)),
            SessionStatus::Hidden => end_at.unwrap_or(p.last_activity),
            _ => p.created,
        }
        .max(p.created)
        .min(cutoff);
        let time_wait = match (first_response, p.status) {
            (Some(f), _) => Some(fmt_span(f - p.created)),
            (None, SessionStatus::Pending) => Some(fmt_span(cutoff - p.created)),
            _ => None,
        };
        let time_service = first_response.map(|f| fmt_span(end_at.unwrap_or(p.last_activity) - f));
        let classification =
            (p.status == SessionStatus::Completed && self.chance(0.5)).then(|| {
                let (cat, name, desc) = *pick(
                    &mut self.rng,
                    &[
                        (
                            ClassificationCategory::Won,
                            "Venda realizada",
                            "Cliente fechou o pedido",
                        ),
                        (
                            ClassificationCategory::Won,
                            "Venda realizada",
                            "Venda concluída pelo WhatsApp",
                        ),
                        (
                            ClassificationCategory::Lost,
                            "Venda perdida",
                            "Cliente achou o preço alto",
                        ),
                        (
                            ClassificationCategory::Info,
                            "Informação",
                            "Dúvida respondida",
                        ),
                        (
                            ClassificationCategory::Other,
                            "Outros",
                            "Atendimento de pós-venda",
                        ),
                    ],
                );
                Classification {
                    id: self.uuid(),
                    category: cat,
                    category_description: desc.into(),
                    amount: if cat == ClassificationCategory::Won {
                        self.rng.random_range(4_990..799_990) as f64 / 100.0
                    } else {
                        0.0
                    },
                    category_name: name.into(),
                }
            });
        let utm = contact.utm.clone().filter(|_| self.chance(0.6));
        let metadata = self.chance(0.1).then(|| json!({ "pedido": p.order }));
        let group = channel.channel_type.is_whatsapp() && self.chance(0.01);
        let origin = match skel.first().map(|m| m.role) {
            Some(Role::Template) if p.status == SessionStatus::Hidden => "CAMPAIGN",
            Some(Role::Template) => "API",
            _ => "CONTACT",
        };
        Session {
            id: p.id.clone(),
            company_id: w.company_id.clone(),
            contact_id: contact.id.clone(),
            channel_id: channel.id.clone(),
            department_id: Some(w.departments[p.department].id.clone()),
            bot_id: None,
            user_id: p.agent.map(|a| w.agents[a].user_id.clone()),
            created_at: p.created,
            updated_at: updated,
            start_at: Some(p.created),
            end_at,
            first_response_at: first_response,
            last_interaction_date: last.map(|m| m.created_at),
            last_message_out: last_out,
            last_message_in: last_in,
            status: p.status,
            window_status: window,
            channel_type: channel.channel_type,
            session_type: if group {
                SessionType::Group
            } else {
                SessionType::Individual
            },
            preview_url: format!("https://app.helena.run/chat2/sessions/{}", p.id),
            title: Some(contact.name.clone()),
            number: String::new(),
            origin: origin.into(),
            status_description: p.status.description().into(),
            time_service,
            time_wait,
            last_message_text: last.and_then(Message::preview_text),
            unread_count: unread,
            utm,
            metadata,
            classification,
            reactivate_on_new_message: false,
        }
    }

    // ----- notes -----------------------------------------------------------------------------

    fn notes(&mut self, w: &mut World) {
        let n = w.sessions.len() / 4;
        if w.sessions.is_empty() || w.agents.is_empty() {
            return;
        }
        let mut notes = Vec::with_capacity(n);
        for _ in 0..n {
            let si = self.rng.random_range(0..w.sessions.len());
            let s = &w.sessions[si];
            let author = s.user_id.clone().unwrap_or_else(|| {
                let dep = s.department_id.as_deref().unwrap_or("");
                w.agents
                    .iter()
                    .find(|a| {
                        a.departments
                            .iter()
                            .any(|d| d.department_id == dep && d.is_supervisor)
                    })
                    .unwrap_or(&w.agents[0])
                    .user_id
                    .clone()
            });
            let until = s
                .end_at
                .or(s.last_interaction_date)
                .unwrap_or(s.created_at)
                .min(self.cutoff);
            let t = self.between(s.created_at, until);
            let dept = s
                .department_id
                .as_deref()
                .and_then(|d| w.department(d))
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let line = pick(&mut self.rng, corpus::NOTES)
                .replace(
                    "{pedido}",
                    &self.rng.random_range(100_000..999_999).to_string(),
                )
                .replace(
                    "{data}",
                    &(t + Duration::days(2)).format("%d/%m").to_string(),
                )
                .replace(
                    "{hora}",
                    pick_str(&mut self.rng, &["9h", "10h", "14h", "16h"]),
                )
                .replace("{produto}", pick_str(&mut self.rng, corpus::PRODUCTS))
                .replace("{dept}", &dept);
            let edited = self.chance(0.1);
            let updated = if edited {
                self.between(t, self.cutoff)
            } else {
                t
            };
            let id = self.uuid();
            notes.push(Message {
                updated_at: updated,
                ..Message::text_at(
                    id,
                    s.id.clone(),
                    Some(author),
                    t,
                    Direction::FromHub,
                    MessageStatus::Saved,
                    line,
                )
            });
        }
        notes.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        w.notes = notes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SeedSize;
    use chrono::TimeZone;
    use std::collections::HashMap;

    fn base() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 27, 15, 0, 0).unwrap()
    }

    fn small() -> SimConfig {
        SimConfig {
            base_time: Some(base()),
            ..SimConfig::small()
        }
    }

    #[test]
    fn status_counts_are_exact_and_cover_every_status() {
        for n in [6usize, 7, 60, 100, 1500, 1501] {
            let c = status_counts(n);
            assert_eq!(c.iter().map(|x| x.1).sum::<usize>(), n);
            assert!(c.iter().all(|x| x.1 >= 1), "{n}: {c:?}");
        }
        let c: HashMap<_, _> = status_counts(1500).into_iter().collect();
        assert_eq!(c[&SessionStatus::Completed], 825);
        assert_eq!(c[&SessionStatus::InProgress], 330);
        assert_eq!(c[&SessionStatus::Pending], 150);
        assert_eq!(status_counts(0).iter().map(|x| x.1).sum::<usize>(), 0);
    }

    #[test]
    fn same_seed_same_json_other_seed_differs() {
        let a = seed_world(&small(), "http://sim").to_json();
        let b = seed_world(&small(), "http://sim").to_json();
        assert_eq!(a, b);
        let c = seed_world(&SimConfig { seed: 7, ..small() }, "http://sim").to_json();
        assert_ne!(a, c);
    }

    #[test]
    fn counts_are_exact() {
        let w = seed_world(&small(), "http://sim");
        assert_eq!(w.departments.len(), 3);
        assert_eq!(w.agents.len(), 6);
        assert_eq!(w.contacts.len(), 40);
        assert_eq!(w.sessions.len(), 60);
        assert_eq!(w.messages.len(), 600);
        assert_eq!(w.notes.len(), 15);
        let files = w.messages.iter().filter(|m| m.file_id.is_some()).count();
        assert_eq!(w.files.len(), files);
        // Few messages: still exact, some sessions empty.
        let tiny = SimConfig {
            size: SeedSize {
                messages: 10,
                ..small().size
            },
            ..small()
        };
        assert_eq!(seed_world(&tiny, "http://sim").messages.len(), 10);
    }

    #[test]
    fn every_status_window_and_type_is_present() {
        let w = seed_world(&small(), "http://sim");
        for s in SessionStatus::ALL {
            assert!(w.sessions.iter().any(|x| x.status == *s), "status {s}");
        }
        for ws in WindowStatus::ALL {
            assert!(
                w.sessions.iter().any(|x| x.window_status == *ws),
                "window {ws}"
            );
        }
        for t in MessageType::ALL {
            assert!(w.messages.iter().any(|m| m.message_type == *t), "type {t}");
        }
        for d in Direction::ALL {
            assert!(w.messages.iter().any(|m| m.direction == *d));
        }
        for st in [
            MessageStatus::Read,
            MessageStatus::Delivered,
            MessageStatus::Failed,
        ] {
            assert!(w.messages.iter().any(|m| m.status == st), "{st}");
        }
    }

    #[test]
    fn every_timestamp_is_at_least_ten_minutes_old() {
        let w = seed_world(
            &SimConfig {
                size: SeedSize::default(),
                ..small()
            },
            "http://sim",
        );
        let cutoff = base() - Duration::minutes(10);
        let dates = |v: &serde_json::Value, out: &mut Vec<DateTime<Utc>>| {
            fn walk(v: &serde_json::Value, out: &mut Vec<DateTime<Utc>>) {
                match v {
                    serde_json::Value::Object(o) => {
                        for (k, x) in o {
                            if let (true, Some(s)) = (
                                k.ends_with("At")
                                    || k == "timestamp"
                                    || k == "lastInteractionDate"
                                    || k == "lastMessageIn"
                                    || k == "lastMessageOut",
                                x.as_str(),
                            ) {
                                out.push(
                                    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc),
                                );
                            }
                            walk(x, out);
                        }
                    }
                    serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                    _ => {}
                }
            }
            walk(v, out)
        };
        let mut all = vec![];
        dates(&w.to_json(), &mut all);
        assert!(all.len() > 100_000, "{}", all.len());
        let max = all.iter().max().unwrap();
        assert!(*max <= cutoff, "{max} > {cutoff}");
        for m in &w.messages {
            assert!(m.updated_at >= m.created_at);
        }
        for s in &w.sessions {
            assert!(s.updated_at >= s.created_at);
        }
    }

    #[test]
    fn sessions_agree_with_their_messages() {
        let w = seed_world(&small(), "http://sim");
        let day_ago = base() - Duration::hours(24);
        for s in &w.sessions {
            let msgs: Vec<&Message> = w.messages.iter().filter(|m| m.session_id == s.id).collect();
            assert!(msgs.windows(2).all(|p| p[0].created_at <= p[1].created_at));
            let last = msgs.last();
            assert_eq!(s.last_interaction_date, last.map(|m| m.created_at));
            assert_eq!(s.last_message_text, last.and_then(|m| m.preview_text()));
            let last_in = msgs
                .iter()
                .rev()
                .find(|m| m.direction == Direction::ToHub)
                .map(|m| m.created_at);
            assert_eq!(s.last_message_in, last_in);
            let expected = match last_in {
                None => WindowStatus::NotStarted,
                Some(t) if t >= day_ago => WindowStatus::Active,
                Some(_) => WindowStatus::Expired,
            };
            assert_eq!(s.window_status, expected, "session {}", s.id);
            let unread = msgs
                .iter()
                .filter(|m| m.direction == Direction::ToHub && m.status == MessageStatus::Delivered)
                .count();
            assert_eq!(s.unread_count as usize, unread);
            assert_eq!(
                s.end_at.is_some(),
                s.status == SessionStatus::Completed
                    || (s.status == SessionStatus::Hidden && s.end_at.is_some())
            );
            if s.status == SessionStatus::Started {
                assert_eq!(s.window_status, WindowStatus::NotStarted);
                assert!(msgs.first().is_some_and(|m| m.template_id.is_some()));
            }
            if s.status == SessionStatus::Pending {
                assert!(s.user_id.is_none());
                assert!(last.is_some_and(|m| m.direction == Direction::ToHub));
            }
            assert!(w
                .contact(&s.contact_id)
                .is_some_and(|c| c.created_at < s.created_at));
            assert!(
                s.number.len() == 13
                    && s.number
                        .starts_with(&s.created_at.format("%Y%m%d").to_string())
            );
            assert_eq!(
                s.channel_type,
                w.channel(&s.channel_id).unwrap().channel_type
            );
        }
        // Outbound agent messages carry the agent; inbound ones carry nobody.
        assert!(w
            .messages
            .iter()
            .filter(|m| m.direction == Direction::ToHub)
            .all(|m| m.user_id.is_none()));
        assert!(w
            .messages
            .iter()
            .any(|m| m.direction == Direction::FromHub && m.user_id.is_some()));
        let numbers: HashSet<&str> = w.sessions.iter().map(|s| s.number.as_str()).collect();
        assert_eq!(numbers.len(), w.sessions.len());
    }

    #[test]
    fn demo_agent_supervises_two_teams_and_has_work() {
        let w = seed_world(
            &SimConfig {
                size: SeedSize::default(),
                ..small()
            },
            "http://sim",
        );
        let demo = demo_agent(&w).unwrap();
        assert_eq!(demo.department_ids.len(), 2);
        assert!(w.agents[0].departments.iter().all(|d| d.is_supervisor));
        let mine = |st: SessionStatus| {
            w.sessions
                .iter()
                .filter(|s| s.status == st && s.user_id.as_deref() == Some(demo.user_id.as_str()))
                .count()
        };
        let total = |st: SessionStatus| w.sessions.iter().filter(|s| s.status == st).count();
        assert!(
            mine(SessionStatus::InProgress) * 8 >= total(SessionStatus::InProgress),
            "in progress"
        );
        assert!(
            mine(SessionStatus::Completed) * 8 >= total(SessionStatus::Completed),
            "completed"
        );
        for d in &demo.department_ids {
            assert!(w.sessions.iter().any(|s| s.status == SessionStatus::Pending
                && s.department_id.as_deref() == Some(d.as_str())));
        }
        // Every agent belongs to one or two teams, and every team has someone.
        assert!(w
            .agents
            .iter()
            .all(|a| (1..=2).contains(&a.departments.len())));
        for d in &w.departments {
            assert!(w
                .agents
                .iter()
                .any(|a| a.departments.iter().any(|x| x.department_id == d.id)));
        }
    }

    #[test]
    fn media_points_at_served_files() {
        let w = seed_world(&small(), "http://127.0.0.1:9");
        for m in w.messages.iter().filter(|m| m.file_id.is_some()) {
            let f = m.details.as_ref().and_then(|d| d.file.as_ref()).unwrap();
            let stored = w.file(&f.id).unwrap();
            assert_eq!(
                f.public_url,
                format!("http://127.0.0.1:9/files/{}/{}", f.id, stored.name)
            );
            assert_eq!(f.mime_type, stored.asset.mime_type());
            assert_eq!(f.size as usize, stored.asset.bytes().len());
        }
        let loc = w
            .messages
            .iter()
            .find_map(|m| m.details.as_ref()?.location.as_ref())
            .unwrap();
        assert!((-34.0..6.0).contains(&loc.latitude) && (-74.0..-34.0).contains(&loc.longitude));
    }

    #[test]
    fn cpf_check_digits_are_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            let c = cpf(&mut rng);
            let d: Vec<u32> = c.chars().filter_map(|x| x.to_digit(10)).collect();
            assert_eq!(d.len(), 11);
            let dv = |len: usize| {
                (d[..len]
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x * (len as u32 + 1 - i as u32))
                    .sum::<u32>()
                    * 10)
                    % 11
                    % 10
            };
            assert_eq!(d[9], dv(9));
            assert_eq!(d[10], dv(10));
        }
        assert_eq!(money(124_990), "R$ 1.249,90");
        assert_eq!(money(99), "R$ 0,99");
        assert_eq!(money(123_456_789), "R$ 1.234.567,89");
    }

    #[test]
    fn default_size_seeds_quickly() {
        let cfg = SimConfig {
            size: SeedSize::default(),
            ..small()
        };
        let t = std::time::Instant::now();
        let w = seed_world(&cfg, "http://sim");
        let took = t.elapsed();
        eprintln!(
            "seeded default size in {took:?}: {} sessions, {} messages",
            w.sessions.len(),
            w.messages.len()
        );
        let mut by_status: Vec<(SessionStatus, usize)> = SessionStatus::ALL
            .iter()
            .map(|s| (*s, w.sessions.iter().filter(|x| x.status == *s).count()))
            .collect();
        by_status.sort();
        eprintln!("by status: {by_status:?}");
        let by_window: Vec<(WindowStatus, usize)> = WindowStatus::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    w.sessions.iter().filter(|x| x.window_status == *s).count(),
                )
            })
            .collect();
        eprintln!("by window: {by_window:?}");
        let by_type: Vec<(MessageType, usize)> = MessageType::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    w.messages.iter().filter(|x| x.message_type == *s).count(),
                )
            })
            .collect();
        eprintln!("by type: {by_type:?}");
        let by_mstatus: Vec<(MessageStatus, usize)> = MessageStatus::ALL
            .iter()
            .map(|s| (*s, w.messages.iter().filter(|x| x.status == *s).count()))
            .collect();
        eprintln!(
            "by message status: {by_mstatus:?}; notes {}, files {}",
            w.notes.len(),
            w.files.len()
        );
        assert_eq!(w.messages.len(), 40_000);
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    }
}
