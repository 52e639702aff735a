//! App-level: the workspace the window opens, booted headless. With no account configured the
//! app starts the simulator in-process, signs in as its demo supervisor and syncs; the inbox
//! then reads real conversations from SQLite.

use std::sync::Arc;

use atende_core::store::views::{self, Tab};
use atende_lib::app::{App, Mode};

fn demo_mode() -> Mode {
    Mode::Demo(atende_sim::SimConfig::small())
}

#[tokio::test]
async fn demo_workspace_boots_syncs_and_fills_every_tab() {
    let dir = tempfile::tempdir().unwrap();
    let app = Arc::new(App::boot(dir.path(), demo_mode()).await.expect("boot"));
    let info = app.info().unwrap();
    assert!(info.account.demo);
    assert!(info.account.base_url.starts_with("http://127.0.0.1:"));

    app.syncer().sync_once().await.expect("demo sync");
    let info = app.info().unwrap();
    let me = info.me.expect("signed in as the demo agent");
    assert_eq!(me.teams.len(), 2, "a supervisor of two teams");
    assert!(!me.name.is_empty());

    let counts = app.read(|c| views::inbox_counts(c, &me.user_id)).unwrap();
    assert!(
        counts.mine > 0 && counts.waiting > 0 && counts.completed > 0,
        "{counts:?}"
    );
    assert!(counts.all >= counts.mine + counts.waiting + counts.completed);

    let page = app
        .read(|c| views::inbox_page(c, &me.user_id, Tab::Mine, 0, 50))
        .unwrap();
    assert_eq!(page.total, counts.mine);
    let first = &page.items[0];
    assert!(first.contact_name.is_some());
    let msgs = app
        .read(|c| views::conversation_messages(c, &first.id, None, 50))
        .unwrap();
    assert!(!msgs.items.is_empty());

    // Demo quick messages are there from the start.
    let quick = app
        .read(|c| atende_core::store::quick_message::find(c, ""))
        .unwrap();
    assert!(quick.len() >= 3);
}

#[tokio::test]
async fn a_database_from_a_newer_app_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // An account database written by a future Atende.
    let host_db = dir.path().join("account-127.0.0.1_9.db");
    {
        let conn = rusqlite::Connection::open(&host_db).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let mode = Mode::Account(atende_lib::app::AccountConfig {
        name: "Teste".into(),
        base_url: "http://127.0.0.1:9".into(),
        token: atende_core::api::client::Token::new("t"),
        user_id: None,
    });
    let err = match App::boot(dir.path(), mode).await {
        Ok(_) => panic!("a newer schema must be refused"),
        Err(e) => e,
    };
    assert_eq!(err.code(), "schema_too_new");
    let ipc = atende_lib::error::IpcError::from(err);
    assert!(ipc.message.contains("versão mais nova"), "{}", ipc.message);
}
