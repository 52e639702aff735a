//! `outbox` table: agent actions waiting to be delivered to the API.
//!
//! An action is appended in the same transaction as its optimistic local change, so it is
//! persisted before any attempt to send it. Its id is a UUIDv7 (time-ordered) client id that the
//! API receives as `senderId`, which lets a worker check whether an uncertain attempt landed.
//! Rows are delivered in order per session; the delivery worker belongs to the sync engine.

use rusqlite::{params, Connection};

use crate::error::Result;

/// One queued action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub session_id: Option<String>,
    pub action: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
}

/// Appends an action; returns its client id.
pub fn enqueue(
    c: &Connection,
    session_id: Option<&str>,
    action: &str,
    payload: &serde_json::Value,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    c.prepare_cached(
        "INSERT INTO outbox (id, session_id, action, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        session_id,
        action,
        payload.to_string(),
        crate::time::format(chrono::Utc::now())
    ])?;
    Ok(id)
}

/// Actions not yet delivered (pending, in flight or uncertain), oldest first.
pub fn undelivered(c: &Connection) -> Result<Vec<Entry>> {
    let mut st = c.prepare_cached(
        "SELECT id, session_id, action, payload, state, attempts FROM outbox
         WHERE state IN ('pending', 'sending', 'uncertain') ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Entry {
            id: r.get(0)?,
            session_id: r.get(1)?,
            action: r.get(2)?,
            payload: r.get(3)?,
            state: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many actions still wait for delivery (shown in the status bar).
pub fn pending_count(c: &Connection) -> Result<i64> {
    Ok(c.prepare_cached(
        "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending', 'uncertain', 'failed')",
    )?
    .query_row([], |r| r.get(0))?)
}

/// How many actions failed for good and wait for the agent to retry or discard them.
pub fn failed_count(c: &Connection) -> Result<i64> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM outbox WHERE state = 'failed'")?
            .query_row([], |r| r.get(0))?,
    )
}

/// Records the outcome of an attempt.
pub fn set_state(c: &Connection, id: &str, state: &str, error: Option<&str>) -> Result<()> {
    c.prepare_cached(
        "UPDATE outbox SET state = ?2, last_error = ?3,
           attempts = attempts + (CASE WHEN ?2 = 'sending' THEN 1 ELSE 0 END) WHERE id = ?1",
    )?
    .execute(params![id, state, error])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn actions_are_kept_in_creation_order_until_delivered() {
        let mut s = Store::open_in_memory().unwrap();
        let ids: Vec<String> = (0..3)
            .map(|i| {
                s.write(|tx| {
                    enqueue(
                        tx,
                        Some("s1"),
                        "send_text",
                        &serde_json::json!({ "text": format!("msg {i}") }),
                    )
                })
                .unwrap()
            })
            .collect();
        let queued = undelivered(s.conn()).unwrap();
        assert_eq!(queued.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
        s.write(|tx| set_state(tx, &ids[0], "sending", None))
            .unwrap();
        s.write(|tx| set_state(tx, &ids[0], "done", None)).unwrap();
        s.write(|tx| set_state(tx, &ids[1], "failed", Some("janela encerrada")))
            .unwrap();
        let queued = undelivered(s.conn()).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].id, ids[2]);
        assert_eq!(pending_count(s.conn()).unwrap(), 2);
        let attempts: i64 = s
            .conn()
            .query_row(
                "SELECT attempts FROM outbox WHERE id = ?1",
                [&ids[0]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(attempts, 1);
    }
}
