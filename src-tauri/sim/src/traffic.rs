//! Background "customers" for demo mode and sync tests: a tokio task that, every tick, drops
//! an inbound (`TO_HUB`) message into a random open session (IN_PROGRESS or PENDING), and
//! every `new_session_every`-th tick opens a new PENDING session (sometimes for a brand-new
//! contact) in one of the teams, with its first inbound message. It also advances the
//! delivery status of messages sent through the API. It draws from the world's own seeded
//! generator, so it only varies with wall-clock timing, not between runs of the same ticks.
//!
//! The interval is simulated time: the task sleeps [`Clock::real`](crate::clock::Clock::real)
//! of it, so under a clock 60× faster a 1 s interval ticks about 60 times per real second.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::config::TrafficConfig;
use crate::corpus;
use crate::model::{ContactStatus, Direction, SessionStatus};
use crate::server::Shared;
use crate::world::World;

/// The shortest real pause between ticks (a very fast clock must not spin).
const MIN_REAL_TICK: Duration = Duration::from_millis(1);

pub(crate) async fn run(st: Arc<Shared>, cfg: TrafficConfig) {
    let clock = st.config.clock.clone();
    let mut next = Instant::now();
    let mut n: u64 = 0;
    loop {
        // Deadlines, not sleeps: the time spent in a tick does not stretch the interval. A
        // tick that is late starts the schedule over (no burst of catch-up ticks).
        next += clock.real(cfg.interval).max(MIN_REAL_TICK);
        let now = Instant::now();
        if next < now {
            next = now;
        }
        tokio::time::sleep_until(next).await;
        n += 1;
        let mut w = st.world();
        step(&mut w, n, cfg.new_session_every);
    }
}

/// One tick of traffic (tick numbers start at 1).
pub(crate) fn step(w: &mut World, n: u64, new_session_every: u32) {
    w.advance_deliveries();
    let open: Vec<usize> = (0..w.sessions.len())
        .filter(|&i| {
            matches!(
                w.sessions[i].status,
                SessionStatus::InProgress
                    | SessionStatus::Pending
                    | SessionStatus::OnHold
                    | SessionStatus::WaitingNew
            )
        })
        .collect();
    if !open.is_empty() {
        let i = open[w.rng().random_range(0..open.len())];
        let id = w.sessions[i].id.clone();
        let line = customer_line(w);
        if let Err(e) = w.try_add_message(&id, Direction::ToHub, &line) {
            tracing::warn!(error = %e, "traffic: could not add a message");
        }
    }
    if n.checked_rem(u64::from(new_session_every)) == Some(0) {
        if let Err(e) = new_session(w) {
            tracing::warn!(error = %e, "traffic: could not open a session");
        }
    }
}

fn customer_line(w: &mut World) -> String {
    let r = w.rng().random_range(0..100);
    if r < 60 {
        let t = &corpus::TOPICS[w.rng().random_range(0..corpus::TOPICS.len())];
        let line = t.customer[w.rng().random_range(0..t.customer.len())];
        let product = corpus::PRODUCTS[w.rng().random_range(0..corpus::PRODUCTS.len())];
        let order = w.rng().random_range(100_000..999_999).to_string();
        line.replace("{produto}", product)
            .replace("{pedido}", &order)
            .replace(
                "{data}",
                &(w.clock().utc() + chrono::Duration::days(2))
                    .format("%d/%m")
                    .to_string(),
            )
    } else {
        corpus::CUSTOMER_FILLERS[w.rng().random_range(0..corpus::CUSTOMER_FILLERS.len())]
            .to_string()
    }
}

fn new_session(w: &mut World) -> Result<String, crate::WorldError> {
    if w.departments.is_empty() {
        return Err(crate::WorldError::Invalid("no departments".into()));
    }
    // Half of the new conversations land in the demo agent's teams (the first two).
    let nd = w.departments.len();
    let dept_idx = if w.rng().random_bool(0.5) {
        w.rng().random_range(0..nd.min(2))
    } else {
        w.rng().random_range(0..nd)
    };
    let dept = w.departments[dept_idx].id.clone();
    let busy: std::collections::HashSet<&str> = w
        .sessions
        .iter()
        .filter(|s| s.status.is_open())
        .map(|s| s.contact_id.as_str())
        .collect();
    let free: Vec<usize> = (0..w.contacts.len())
        .filter(|&i| {
            w.contacts[i].status == ContactStatus::Active
                && !busy.contains(w.contacts[i].id.as_str())
        })
        .collect();
    let contact = if free.is_empty() || w.rng().random_bool(0.3) {
        let first = corpus::FIRST_NAMES[w.rng().random_range(0..corpus::FIRST_NAMES.len())];
        let last = corpus::LAST_NAMES[w.rng().random_range(0..corpus::LAST_NAMES.len())];
        let (ddd, ..) = corpus::CITIES[w.rng().random_range(0..corpus::CITIES.len())];
        let phone = loop {
            let p = format!(
                "+55|{ddd}9{:08}",
                w.rng().random_range(10_000_000..100_000_000u32)
            );
            if w.contact_by_phone(&p).is_none() {
                break p;
            }
        };
        w.add_contact(&format!("{first} {last}"), Some(&phone))?
    } else {
        let k = w.rng().random_range(0..free.len());
        w.contacts[free[k]].id.clone()
    };
    let sid = w.try_add_session(&contact, &dept, SessionStatus::Pending)?;
    let opener = *[
        "Oi, boa tarde! Alguém pode me ajudar?",
        "Olá, gostaria de um orçamento",
        "Bom dia! Meu pedido ainda não chegou",
        "Oi, preciso da segunda via do boleto",
        "Vocês fazem instalação?",
    ]
    .get(w.rng().random_range(0..5))
    .unwrap_or(&"Olá!");
    w.try_add_message(&sid, Direction::ToHub, opener)?;
    Ok(sid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;

    #[test]
    fn ticks_add_inbound_messages_and_open_pending_sessions() {
        let cfg = SimConfig::small();
        let mut w = crate::seed(&cfg, "http://sim");
        let (m0, s0) = (w.message_count(), w.sessions.len());
        let before = w.to_json();
        for n in 1..=6 {
            step(&mut w, n, 3);
        }
        assert_eq!(w.sessions.len(), s0 + 2);
        assert_eq!(w.message_count(), m0 + 6 + 2);
        let new = &w.sessions[s0..];
        assert!(new.iter().all(|s| s.status == SessionStatus::Pending));
        assert!(new
            .iter()
            .all(|s| s.window_status == crate::WindowStatus::Active));
        assert!(new
            .iter()
            .all(|s| s.unread_count >= 1 && s.last_message_in.is_some()));
        let last = w.messages.last().unwrap();
        assert_eq!(last.direction, Direction::ToHub);
        assert!(last.created_at > w.base_time);
        assert_ne!(before, w.to_json());
    }
}
