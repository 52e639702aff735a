//! The local SQLite store: one file per account.
//!
//! Opening applies the pragmas from DESIGN.md (WAL, `synchronous=NORMAL`, foreign keys, busy
//! timeout; 8 KiB pages for a new file, a checkpoint every 64 MiB of WAL) and the embedded,
//! ordered migrations. `PRAGMA user_version` records the schema
//! version; a file from a newer Atende is refused with [`Error::SchemaTooNew`] instead of being
//! half-understood. Writers go through [`Store::write`], which uses `BEGIN IMMEDIATE` so a
//! writer never deadlocks on lock upgrade. Each table has its own module with its queries; no SQL
//! lives outside `store/`.

pub mod agent;
pub mod channel;
pub mod contact;
pub mod custom_field;
pub mod department;
pub mod message;
pub mod meta;
pub mod outbox;
pub mod quick_message;
pub mod session;
pub mod sync_cursor;
pub mod tag;
pub mod template;
pub mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{OpenFlags, OptionalExtension, TransactionBehavior};

pub use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// The ordered, embedded migrations. Index + 1 is the schema version each one produces.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_message_keys.sql"),
    include_str!("migrations/0004_session_rev.sql"),
];

/// The page size of a new database file.
pub const PAGE_SIZE: i64 = 8 * 1024;

/// How much WAL accumulates before a commit checkpoints it into the database file.
const WAL_CHECKPOINT_BYTES: i64 = 64 * 1024 * 1024;

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A connection to the account's database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Config(format!("pasta de dados {}: {e}", dir.display())))?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// An in-memory database, for unit tests.
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // 8 KiB pages for a new file (an existing one keeps its size): a pulled page of messages
        // is one commit, and a commit costs per database page it writes to the WAL; larger pages
        // mean fewer of them for the same rows, smaller ones fewer bytes per scattered index
        // page. 8 KiB measured best overall (benches/README.md).
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        // journal_mode returns a row, so it is queried rather than executed.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        // Checkpoint every ~64 MiB of WAL rather than every 1000 pages: a pulled page rewrites the
        // same index pages commit after commit, a checkpoint copies each page once however often
        // it changed, and every checkpoint syncs the WAL and the database file.
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_BYTES / page_size)?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -16000;",
        )?;
        let mut store = Store { conn, path };
        store.migrate()?;
        Ok(store)
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = i as i64 + 1;
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)
                .and_then(|_| tx.pragma_update(None, "user_version", version))
                .map_err(|source| Error::Migration { version, source })?;
            tx.commit()?;
            tracing::info!(version, "migrated local store");
        }
        Ok(())
    }

    /// The file path, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A read connection (queries only by convention; writes go through [`Store::write`]).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; commits when it returns `Ok`.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Counts rows of a table, for tests and diagnostics. `table` must be one of ours.
pub fn count(conn: &Connection, table: &str) -> Result<i64> {
    const TABLES: &[&str] = &[
        "agent",
        "agent_department",
        "department",
        "channel",
        "tag",
        "custom_field",
        "template",
        "contact",
        "contact_tag",
        "contact_field",
        "session",
        "message",
        "outbox",
        "sync_cursor",
        "quick_message",
    ];
    if !TABLES.contains(&table) {
        return Err(Error::InvalidInput(format!("tabela desconhecida: {table}")));
    }
    Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_file_is_migrated_to_latest_with_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.db")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let page: i64 = store
            .conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, PAGE_SIZE);
        let checkpoint: i64 = store
            .conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(checkpoint * PAGE_SIZE, WAL_CHECKPOINT_BYTES);
        // Reopening an up-to-date file is a no-op.
        drop(store);
        let store = Store::open(dir.path().join("a.db")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        match err {
            Error::SchemaTooNew { found, supported } => {
                assert_eq!(found, SCHEMA_VERSION + 1);
                assert_eq!(supported, SCHEMA_VERSION);
            }
            other => panic!("unexpected {other:?}"),
        }
        // The file was left untouched.
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_version_1_file_migrates_to_schema_2_and_keeps_its_messages() {
        use crate::api::dto::MessageDto;
        use message::Kind;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        // A schema-1 file as the previous build left it (4 KiB pages, FTS kept by triggers).
        let v1 = [
            (
                "m1",
                "s1",
                "2026-11-20T10:00:00.000Z",
                Some("Olá, quero trocar o pedido"),
            ),
            (
                "m2",
                "s2",
                "2026-11-20T10:00:01.500Z",
                Some("Pagamento confirmado"),
            ),
            ("m3", "s1", "2026-11-20T10:05:00.250Z", None),
            ("m4", "s1", "2026-11-20T10:06:00.000Z", Some("Obrigado!")),
        ];
        let raw_of = |id: &str, sid: &str, at: &str, text: Option<&str>| {
            serde_json::json!({"id": id, "sessionId": sid, "type": "TEXT", "direction": "TO_HUB",
                "text": text, "createdAt": at, "updatedAt": at, "status": "READ"})
            .to_string()
        };
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            for (i, (id, sid, at, text)) in v1.iter().enumerate() {
                conn.execute(
                    "INSERT INTO message (seq, id, session_id, kind, direction, type, status, text,
                                          created_at, updated_at, raw)
                     VALUES (?1, ?2, ?3, 'message', 'in', 'TEXT', 'READ', ?4, ?5, ?5, ?6)",
                    rusqlite::params![
                        10 * (i as i64 + 1),
                        id,
                        sid,
                        text,
                        at,
                        raw_of(id, sid, at, *text)
                    ],
                )
                .unwrap();
            }
        }

        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(count(store.conn(), "message").unwrap(), 4);
        // Rows keep their seq, columns and raw JSON; created_ms is created_at, exactly.
        for (i, (id, sid, at, text)) in v1.iter().enumerate() {
            let (seq, session, got_text, created, ms, raw): (
                i64,
                String,
                Option<String>,
                String,
                i64,
                String,
            ) = store
                .conn()
                .query_row(
                    "SELECT seq, session_id, text, created_at, created_ms, raw
                       FROM message WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .unwrap();
            assert_eq!(seq, 10 * (i as i64 + 1));
            assert_eq!((session.as_str(), got_text.as_deref()), (*sid, *text));
            assert_eq!(created, *at);
            assert_eq!(ms, crate::time::parse(at).unwrap().timestamp_millis());
            assert_eq!(raw, raw_of(id, sid, at, *text));
        }
        // The FTS index was rebuilt (accent-insensitive as before) and new rows join it.
        assert_eq!(message::search(store.conn(), "pedido", 10).unwrap(), [10]);
        assert_eq!(message::search(store.conn(), "ola", 10).unwrap(), [10]);
        assert_eq!(message::search(store.conn(), "obrigado", 10).unwrap(), [40]);
        // Re-applying a migrated message's server copy changes nothing; a new one is stored.
        let (id, sid, at, text) = v1[1];
        let same = raw_of(id, sid, at, text);
        let dto: MessageDto = serde_json::from_str(&same).unwrap();
        assert!(!store
            .write(|tx| message::upsert(tx, &dto, &same, Kind::Message, None))
            .unwrap());
        let new = raw_of(
            "m5",
            "s1",
            "2026-11-20T10:07:00.000Z",
            Some("Pedido trocado"),
        );
        let dto: MessageDto = serde_json::from_str(&new).unwrap();
        assert!(store
            .write(|tx| message::upsert(tx, &dto, &new, Kind::Message, None))
            .unwrap());
        assert_eq!(
            message::search(store.conn(), "pedido", 10).unwrap(),
            [41, 10]
        );
        // The conversation view reads the migrated rows and the new one in time order.
        let page = views::conversation_messages(store.conn(), "s1", None, 10).unwrap();
        let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m3", "m4", "m5"]);
        let older = views::conversation_messages(store.conn(), "s1", Some(40), 10).unwrap();
        let ids: Vec<&str> = older.items.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m3"]);
    }

    #[test]
    fn count_rejects_unknown_tables() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(count(store.conn(), "message").unwrap(), 0);
        assert!(count(store.conn(), "sqlite_master; DROP").is_err());
    }
}

/// Rebuilds a `session` or `contact` row from its own stored server copy (marked dirty first so
/// `upsert` rewrites it); a copy that no longer parses only gets `reapply`. The outbox passes
/// the functions that put its undelivered actions back on top (`outbox::apply`).
pub(crate) fn rebuild_from_raw<T: serde::de::DeserializeOwned>(
    c: &Connection,
    table: &str,
    id: &str,
    upsert: fn(&Connection, &T, &str) -> Result<bool>,
    reapply: fn(&Connection, &str) -> Result<usize>,
) -> Result<()> {
    let raw: Option<String> = c
        .prepare_cached(&format!(
            "UPDATE {table} SET dirty = 1 WHERE id = ?1 RETURNING raw"
        ))?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(raw) = raw else { return Ok(()) };
    match serde_json::from_str::<T>(&raw) {
        Ok(dto) => {
            upsert(c, &dto, &raw)?;
        }
        Err(e) => {
            tracing::warn!(table, error = %e, "stored server copy does not parse; re-applying only");
            reapply(c, id)?;
        }
    }
    Ok(())
}

/// Deletes the rows of a fully refreshed reference table whose ids are not in `keep` (the
/// server's fresh list): reference data has no tombstones, absence is deletion (helena.md §8).
/// Returns how many rows went.
pub fn delete_missing(c: &Connection, table: RefTable, keep: &[String]) -> Result<usize> {
    let ids = serde_json::to_string(keep).expect("ids serialise");
    Ok(c.execute(
        &format!(
            "DELETE FROM {} WHERE id NOT IN (SELECT value FROM json_each(?1))",
            table.name()
        ),
        [ids],
    )?)
}

/// The reference tables that are refreshed in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTable {
    Agent,
    Department,
    Tag,
    Channel,
    Template,
    CustomField,
}

impl RefTable {
    /// The SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            RefTable::Agent => "agent",
            RefTable::Department => "department",
            RefTable::Tag => "tag",
            RefTable::Channel => "channel",
            RefTable::Template => "template",
            RefTable::CustomField => "custom_field",
        }
    }
}
