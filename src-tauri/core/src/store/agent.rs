//! `agent` and `agent_department` tables: the account's users and their team memberships,
//! refreshed in full from `GET /core/v1/agent`. Sessions refer to agents by `userId`.

use rusqlite::{params, Connection, OptionalExtension};

use crate::api::dto::AgentDto;
use crate::error::Result;

/// An agent as the UI needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub user_id: Option<String>,
    pub name: String,
}

/// Inserts or updates one agent and replaces its team memberships.
pub fn upsert(c: &Connection, a: &AgentDto, raw: &str) -> Result<bool> {
    let changed = c.prepare_cached(
        "INSERT INTO agent (id, user_id, name, short_name, email, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name,
           short_name = excluded.short_name, email = excluded.email, raw = excluded.raw
         WHERE agent.raw IS NOT excluded.raw",
    )?
    .execute(params![
        a.id,
        a.user_id,
        a.name.as_deref().unwrap_or(""),
        a.short_name,
        a.email,
        raw
    ])?
        > 0;
    if !changed {
        // Same raw JSON: its tags, fields and memberships are the same too.
        return Ok(false);
    }
    c.prepare_cached("DELETE FROM agent_department WHERE agent_id = ?1")?
        .execute([&a.id])?;
    let mut ins = c.prepare_cached(
        "INSERT OR REPLACE INTO agent_department (agent_id, department_id, is_supervisor) VALUES (?1, ?2, ?3)",
    )?;
    for d in a.departments.iter().flatten() {
        ins.execute(params![
            a.id,
            d.department_id,
            d.is_supervisor.unwrap_or(false)
        ])?;
    }
    Ok(true)
}

/// The agent whose user id is `user_id`.
pub fn by_user_id(c: &Connection, user_id: &str) -> Result<Option<Agent>> {
    Ok(
        c.prepare_cached("SELECT id, user_id, name FROM agent WHERE user_id = ?1")?
            .query_row([user_id], |r| {
                Ok(Agent {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                })
            })
            .optional()?,
    )
}

/// Names of the teams the user belongs to, sorted.
pub fn team_names(c: &Connection, user_id: &str) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT d.name FROM agent a
           JOIN agent_department ad ON ad.agent_id = a.id
           JOIN department d ON d.id = ad.department_id
         WHERE a.user_id = ?1 ORDER BY d.name",
    )?;
    let rows = st.query_map([user_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
