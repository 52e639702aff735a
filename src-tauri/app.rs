//! The running workspace behind the window, without any Tauri type: which account, its store,
//! its syncer, and (in demo mode) the in-process simulator.
//!
//! With no account configured Atende starts the Helena simulator on a loopback port, signs in
//! as its demo agent (a supervisor of two teams) and syncs it like any account. Kept free of
//! Tauri so app-level tests in `tests/` can boot it headless.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atende_core::api::budget::{Budget, RateLimits};
use atende_core::api::client::{RetryPolicy, Token};
use atende_core::api::HelenaClient;
use atende_core::engine::{Engine, PollOptions};
use atende_core::outbox::{self, Action, Worker};
use atende_core::store::{self, Connection, Store};
use atende_core::sync::{SyncOptions, Syncer};
use atende_core::{Error, Result};
use serde::Serialize;

/// A real Helena account. The token comes from the environment (never from a plain file).
#[derive(Clone)]
pub struct AccountConfig {
    pub name: String,
    pub base_url: String,
    pub token: Token,
    pub user_id: Option<String>,
}

/// What to open.
#[derive(Clone)]
pub enum Mode {
    /// The embedded demo workspace, of the given size.
    Demo(Box<atende_sim::SimConfig>),
    /// A configured account.
    Account(AccountConfig),
}

impl Mode {
    /// Reads the mode from the environment: `ATENDE_API_URL` + `ATENDE_API_TOKEN` (and
    /// optionally `ATENDE_USER_ID`, `ATENDE_ACCOUNT_NAME`) select an account; otherwise the demo
    /// workspace, `ATENDE_DEMO_SIZE=small` for a small one (end-to-end tests).
    pub fn from_env() -> Mode {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match (var("ATENDE_API_URL"), var("ATENDE_API_TOKEN")) {
            (Some(base_url), Some(token)) => Mode::Account(AccountConfig {
                name: var("ATENDE_ACCOUNT_NAME").unwrap_or_else(|| "Helena".into()),
                base_url,
                token: Token::new(token),
                user_id: var("ATENDE_USER_ID"),
            }),
            _ => {
                let mut cfg = if var("ATENDE_DEMO_SIZE").as_deref() == Some("small") {
                    atende_sim::SimConfig::small()
                } else {
                    atende_sim::SimConfig::default()
                };
                cfg.traffic = Some(atende_sim::TrafficConfig {
                    interval: Duration::from_secs(20),
                    new_session_every: 3,
                });
                Mode::Demo(Box::new(cfg))
            }
        }
    }
}

/// Facts about the open workspace (IPC `AppInfo`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub account: AccountInfo,
    pub me: Option<store::views::Me>,
}

/// The account part of [`AppInfo`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    pub name: String,
    pub base_url: String,
    pub demo: bool,
}

/// The open workspace.
pub struct App {
    account: AccountInfo,
    reader: Mutex<Store>,
    syncer: Arc<Syncer>,
    engine: Arc<Engine>,
    worker: Worker,
    db_path: PathBuf,
    sim: Option<atende_sim::SimHandle>,
}

/// Canned replies a new demo workspace starts with.
const DEMO_QUICK_MESSAGES: &[(&str, &str, &str)] = &[
    (
        "ola",
        "Saudação",
        "Olá! Aqui é da Loja Centro. Como posso ajudar?",
    ),
    (
        "pix",
        "Chave Pix",
        "Você pode pagar por Pix usando a chave CNPJ 12.345.678/0001-90.",
    ),
    (
        "prazo",
        "Prazo de entrega",
        "O prazo de entrega é de 3 a 5 dias úteis após a confirmação do pagamento.",
    ),
    (
        "obrigado",
        "Encerramento",
        "Obrigado pelo contato! Se precisar, é só chamar por aqui.",
    ),
];

/// The settings file the shell's store plugin keeps in the data dir (plain JSON, one key per
/// setting).
pub const SETTINGS_FILE: &str = "settings.json";

/// The account's rate limits: the `rateLimits` setting when present and valid (see
/// [`RateLimits`]), else Helena's documented limits. A bad setting is logged and ignored.
pub fn rate_limits(data_dir: &Path) -> RateLimits {
    let path = data_dir.join(SETTINGS_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return RateLimits::default();
    };
    let parsed = serde_json::from_str::<serde_json::Value>(&text).and_then(|v| {
        v.get("rateLimits")
            .cloned()
            .map(serde_json::from_value::<RateLimits>)
            .transpose()
    });
    match parsed {
        Ok(limits) => limits.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "invalid rateLimits setting; using the documented limits");
            RateLimits::default()
        }
    }
}

/// A background task.
pub type BoxFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

impl App {
    /// Opens the workspace in `data_dir`: starts the simulator in demo mode, opens (and
    /// migrates) the store, and prepares the syncer. Does not sync yet.
    pub async fn boot(data_dir: &Path, mode: Mode) -> Result<App> {
        let limits = rate_limits(data_dir);
        let client_for = |base_url: &str, token: Token| {
            HelenaClient::with_budget(
                base_url,
                token,
                Arc::new(Budget::from_limits(&limits, atende_core::clock::system())),
                RetryPolicy::default(),
            )
        };
        let (account, client, user_id, sim, db_path) = match mode {
            Mode::Demo(cfg) => {
                let sim = atende_sim::start(*cfg)
                    .await
                    .map_err(|e| Error::Config(format!("simulador de demonstração: {e}")))?;
                let base_url = sim.base_url();
                let client = client_for(&base_url, Token::new(sim.token()))?;
                // The simulator's world is new at every start, so the demo store is too.
                let db_path = data_dir.join("demo.db");
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
                    if p.exists() {
                        std::fs::remove_file(&p).map_err(|e| {
                            Error::Config(format!("não foi possível limpar {}: {e}", p.display()))
                        })?;
                    }
                }
                let account = AccountInfo {
                    name: "Loja Centro (demonstração)".into(),
                    base_url,
                    demo: true,
                };
                let me = sim.demo_agent().user_id;
                (account, client, Some(me), Some(sim), db_path)
            }
            Mode::Account(cfg) => {
                let client = client_for(&cfg.base_url, cfg.token.clone())?;
                let db_path = data_dir.join(format!("account-{}.db", db_key(&cfg.base_url)));
                let account = AccountInfo {
                    name: cfg.name,
                    base_url: cfg.base_url,
                    demo: false,
                };
                (account, client, cfg.user_id, None, db_path)
            }
        };
        let mut writer = Store::open(&db_path)?;
        writer.write(|tx| {
            if let Some(me) = &user_id {
                store::meta::set(tx, store::meta::ME_USER_ID, me)?;
            }
            if account.demo && store::quick_message::is_empty(tx)? {
                for (shortcut, title, text) in DEMO_QUICK_MESSAGES {
                    store::quick_message::save(tx, shortcut, title, text)?;
                }
            }
            Ok(())
        })?;
        let reader = Store::open(&db_path)?;
        let syncer = Arc::new(Syncer::new(
            client,
            Arc::new(Mutex::new(writer)),
            SyncOptions::default(),
        ));
        let engine = Engine::new(syncer.clone(), PollOptions::default());
        let worker = {
            let engine = Arc::downgrade(&engine);
            Worker::new(
                syncer.client().clone(),
                syncer.store().clone(),
                move |entities: &[&str]| {
                    if let Some(engine) = engine.upgrade() {
                        engine.outbox_changed(entities);
                    }
                },
            )
        };
        tracing::info!(demo = account.demo, db = %db_path.display(), "workspace open");
        Ok(App {
            account,
            reader: Mutex::new(reader),
            syncer,
            engine,
            worker,
            db_path,
            sim,
        })
    }

    /// The syncer (status and change notices).
    pub fn syncer(&self) -> &Arc<Syncer> {
        &self.syncer
    }

    /// The in-process simulator, in demo mode.
    pub fn demo_sim(&self) -> Option<&atende_sim::SimHandle> {
        self.sim.as_ref()
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Runs a read query on the reader connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let guard = self
            .reader
            .lock()
            .map_err(|_| Error::Config("conexão de leitura indisponível".into()))?;
        f(guard.conn())
    }

    /// The signed-in user's id, required by the inbox.
    pub fn me(&self) -> Result<String> {
        self.read(|c| store::meta::get(c, store::meta::ME_USER_ID))?
            .ok_or_else(|| Error::Config("nenhum agente selecionado para esta conta".into()))
    }

    /// Facts for the window's chrome.
    pub fn info(&self) -> Result<AppInfo> {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            account: self.account.clone(),
            me: self.read(store::views::me)?,
        })
    }

    /// The sync engine (schedule, focus, status).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The background work to spawn once: the sync engine and the outbox worker.
    pub fn background(&self) -> Vec<BoxFuture> {
        let (worker, wake) = (self.worker.clone(), self.engine.outbox_wake().clone());
        vec![
            Box::pin(self.engine.clone().run()),
            Box::pin(async move { worker.run(wake).await }),
        ]
    }

    /// Queues an agent action with its optimistic change (one transaction), tells the UI and
    /// wakes the outbox worker. Returns the action's client id.
    pub fn act(&self, action: Action, session_id: Option<&str>) -> Result<String> {
        let id = self.write(|store| outbox::enqueue(store, action.clone(), session_id))?;
        self.queued(action.entities());
        Ok(id)
    }

    /// Puts a failed action back in the queue, or drops it and undoes its local change.
    pub fn resolve_failed(&self, id: &str, retry: bool) -> Result<()> {
        let entities = self.write(|store| {
            if retry {
                outbox::retry(store, id)
            } else {
                outbox::discard(store, id)
            }
        })?;
        self.queued(entities);
        Ok(())
    }

    /// Runs `f` on the writer connection (shared with the sync engine and the outbox worker).
    fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut store = self
            .syncer
            .store()
            .lock()
            .map_err(|_| Error::Config("banco local indisponível".into()))?;
        f(&mut store)
    }

    /// The agent queued or re-queued an action: tell the UI, then wake the worker.
    fn queued(&self, entities: &[&str]) {
        self.engine.outbox_changed(entities);
        self.engine.outbox_wake().notify_one();
    }

    /// Asks the sync engine to run a pass now.
    pub fn wake_sync(&self) {
        self.engine.wake();
    }

    /// Pulls an opened conversation's notes in the background, and makes it the first thing
    /// every later pass refreshes.
    pub fn conversation_opened(self: &Arc<Self>, session_id: String) {
        self.syncer.set_open(Some(session_id.clone()));
        let syncer = self.syncer.clone();
        tokio::spawn(async move {
            if let Err(e) = syncer.pull_session(&session_id).await {
                tracing::debug!(error = %e, "could not refresh the opened conversation");
            }
        });
    }
}

/// A file-name-safe key for an account's database: the host and port of its base URL.
fn db_key(base_url: &str) -> String {
    let parsed = url::Url::parse(base_url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or("conta");
    let key = match parsed.as_ref().and_then(|u| u.port()) {
        Some(port) => format!("{host}_{port}"),
        None => host.to_string(),
    };
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
