//! `sync_cursor` table: one cursor per synced entity (e.g. `sessions.updated`, `contacts`,
//! `messages`, `messages:<session>`, `notes:<session>`). A cursor is the upper bound of the last
//! window whose pages were all stored, and it is written in the same transaction as that
//! window's last page. A per-session cursor also keeps the session's `server_rev` its pull
//! started from.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

/// The cursor of `entity`, if any window completed.
pub fn get(c: &Connection, entity: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT cursor FROM sync_cursor WHERE entity = ?1")?
            .query_row([entity], |r| r.get(0))
            .optional()?,
    )
}

/// Moves the cursor of `entity` to `cursor` (canonical UTC text).
pub fn set(c: &Connection, entity: &str, cursor: &str) -> Result<()> {
    set_with_rev(c, entity, cursor, None)
}

/// Moves the cursor of `entity` to `cursor` and records the session revision (`server_rev`)
/// the pull under it started from; `None` for cursors that are not per session.
pub fn set_with_rev(c: &Connection, entity: &str, cursor: &str, rev: Option<i64>) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO sync_cursor (entity, cursor, updated_at, rev) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(entity) DO UPDATE SET cursor = excluded.cursor,
           updated_at = excluded.updated_at, rev = excluded.rev",
    )?
    .execute(params![
        entity,
        cursor,
        crate::time::format(chrono::Utc::now()),
        rev
    ])?;
    Ok(())
}

/// Ids of the sessions whose per-session pull under the `{prefix}{id}` cursor (their messages,
/// their notes) is due at `now`:
/// - no cursor yet, or one written before schema 4;
/// - the session's row was rewritten by a server copy since that pull started (`server_rev`,
///   whatever field changed: a late message moves `unreadCount` and `lastMessageText` without
///   a newer time);
/// - the session's last visible change (`updated_at` / `last_interaction_at`) is within
///   `overlap_ms` before the cursor, and `now` is past that change plus the overlap: an item
///   stamped up to the overlap before it becomes visible (a late commit) has landed by then, and
///   the pull's window, which starts the same overlap before the cursor, reaches back to it. One
///   follow-up pull per change, once the overlap has passed, instead of one at every pass.
///
/// Derived from stored rows, so a pass that fails after storing a session, or a restart, leaves
/// the session due until its pull commits. `now` is canonical UTC text.
pub fn sessions_due(
    c: &Connection,
    prefix: &str,
    overlap_ms: i64,
    now: &str,
) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT s.id FROM session s LEFT JOIN sync_cursor k ON k.entity = ?1 || s.id
         WHERE k.cursor IS NULL
            OR k.rev IS NULL OR k.rev < s.server_rev
            OR (strftime('%Y-%m-%dT%H:%M:%fZ', k.cursor, printf('-%.3f seconds', ?2 / 1000.0))
                  <= max(coalesce(s.updated_at, ''), coalesce(s.last_interaction_at, ''))
                AND strftime('%Y-%m-%dT%H:%M:%fZ',
                             max(coalesce(s.updated_at, ''), coalesce(s.last_interaction_at, '')),
                             printf('+%.3f seconds', ?2 / 1000.0)) < ?3)",
    )?;
    let rows = st.query_map(params![prefix, overlap_ms, now], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::SessionDto;
    use crate::store::{session, Store};

    fn put(s: &mut Store, raw: &str) {
        let dto: SessionDto = serde_json::from_str(raw).unwrap();
        s.write(|tx| session::upsert(tx, &dto, raw)).unwrap();
    }

    #[test]
    fn a_session_is_due_after_a_rewrite_or_once_the_overlap_after_its_change_has_passed() {
        let mut s = Store::open_in_memory().unwrap();
        put(
            &mut s,
            r#"{"id":"s1","updatedAt":"2026-12-04T10:00:00.000Z","lastInteractionDate":"2026-12-04T10:00:00.000Z","unreadCount":1}"#,
        );
        let due = |s: &Store, now: &str| sessions_due(s.conn(), "messages:", 120_000, now).unwrap();
        let later = "2026-12-04T11:00:00.000Z";
        assert_eq!(due(&s, later), ["s1"], "no cursor yet");
        // Pulled at 10:05 from revision 1: the last change is older than the cursor minus the
        // overlap, nothing changed since.
        let rev = session::server_rev(s.conn(), "s1").unwrap();
        assert_eq!(rev, 1);
        s.write(|tx| set_with_rev(tx, "messages:s1", "2026-12-04T10:05:00.000Z", Some(rev)))
            .unwrap();
        assert!(due(&s, later).is_empty());
        // A late message lands: the row says 2 unread, with the same times. Due again.
        put(
            &mut s,
            r#"{"id":"s1","updatedAt":"2026-12-04T10:00:00.000Z","lastInteractionDate":"2026-12-04T10:00:00.000Z","unreadCount":2}"#,
        );
        assert_eq!(due(&s, later), ["s1"], "the row was rewritten");
        let rev = session::server_rev(s.conn(), "s1").unwrap();
        // Pulled at 10:01:30, within the overlap of the 10:00 change: something stamped before
        // 10:00 may still land until 10:02, so one more pull is due after that, not before.
        s.write(|tx| set_with_rev(tx, "messages:s1", "2026-12-04T10:01:30.000Z", Some(rev)))
            .unwrap();
        assert!(due(&s, "2026-12-04T10:01:40.000Z").is_empty());
        assert!(due(&s, "2026-12-04T10:02:00.000Z").is_empty());
        assert_eq!(due(&s, "2026-12-04T10:02:00.001Z"), ["s1"]);
        // That follow-up lands after 10:02: the change is out of its overlap, nothing is due.
        s.write(|tx| set_with_rev(tx, "messages:s1", "2026-12-04T10:02:00.001Z", Some(rev)))
            .unwrap();
        assert!(due(&s, later).is_empty());
        // A cursor written before schema 4 (no revision) is due once.
        s.write(|tx| set(tx, "messages:s1", "2026-12-04T10:05:00.000Z"))
            .unwrap();
        assert_eq!(due(&s, later), ["s1"]);
    }
}
