//! Bugs the convergence property (`tests/convergence.rs`) found in the sync engine, each
//! pinned down by a focused test against the simulator over loopback HTTP. A "start of the
//! app" is a new store connection and syncer on the same SQLite file.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atende_core::api::budget::Budget;
use atende_core::api::client::{RetryPolicy, Token};
use atende_core::api::HelenaClient;
use atende_core::store::{self, Store};
use atende_core::sync::{SyncOptions, Syncer};
use atende_sim::model::Session;
use atende_sim::{SimConfig, SimHandle};
use serde_json::Value;

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("serialises")
}

/// A store file signed in as the demo agent, and syncers on it (one per "app start").
struct Fixture {
    sim: SimHandle,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(cfg: SimConfig) -> Fixture {
        let sim = atende_sim::start(cfg).await.expect("simulator starts");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("account.db");
        let mut s = Store::open(&path).unwrap();
        let me = sim.demo_agent().user_id;
        s.write(|tx| store::meta::set(tx, store::meta::ME_USER_ID, &me))
            .unwrap();
        Fixture {
            sim,
            path,
            _dir: dir,
        }
    }

    /// A fresh connection and syncer, as after a start of the app.
    fn start_app(&self) -> Syncer {
        let client = HelenaClient::with_budget(
            &self.sim.base_url(),
            Token::new(self.sim.token()),
            Arc::new(Budget::unlimited()),
            RetryPolicy {
                max_attempts: 2,
                base_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(20),
                timeout: Duration::from_secs(5),
            },
        )
        .unwrap();
        let store = Arc::new(Mutex::new(Store::open(&self.path).unwrap()));
        Syncer::new(
            client,
            store,
            SyncOptions {
                reference_every: Duration::ZERO,
                ..SyncOptions::default()
            },
        )
    }

    fn raw(&self, sql: &str, id: &str) -> Option<Value> {
        let s = Store::open(&self.path).unwrap();
        s.conn()
            .query_row(sql, [id], |r| r.get::<_, String>(0))
            .ok()
            .map(|raw| serde_json::from_str(&raw).unwrap())
    }
}

/// The sessions list sends `classification` (how a conversation ended: won, lost, amount)
/// only when asked for `ClassificationDetails`; the engine did not ask, so no local session
/// ever had it.
#[tokio::test]
async fn sessions_keep_their_classification() {
    let f = Fixture::new(SimConfig::small()).await;
    f.start_app().sync_once().await.expect("sync");
    let dump = f.sim.world_dump();
    let classified: Vec<&Session> = dump
        .sessions
        .iter()
        .filter(|s| s.classification.is_some())
        .collect();
    assert!(!classified.is_empty(), "the seed classifies some sessions");
    for s in classified {
        let raw = f
            .raw("SELECT raw FROM session WHERE id = ?1", &s.id)
            .expect("session stored");
        assert_eq!(
            raw["classification"],
            to_value(&s.classification),
            "{}",
            s.id
        );
    }
}
