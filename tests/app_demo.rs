//! App-level: the workspace the window opens, booted headless. With no account configured the
//! app starts the simulator in-process, signs in as its demo supervisor and syncs; the inbox
//! then reads real conversations from SQLite.

use std::sync::Arc;

use atende_core::store::views::{self, Tab};
use atende_lib::app::{App, Mode};

fn demo_mode() -> Mode {
    Mode::Demo(Box::new(atende_sim::SimConfig::small()))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_message_shows_at_once_and_reaches_the_server_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = Arc::new(App::boot(dir.path(), demo_mode()).await.expect("boot"));
    app.syncer().sync_once().await.expect("demo sync");
    let me = app.me().unwrap();
    let session = app
        .read(|c| views::inbox_page(c, &me, Tab::Mine, 0, 1))
        .unwrap()
        .items
        .remove(0);
    let mut status = app.engine().status();

    // Queued: in the timeline at once, marked as waiting, and counted in the status.
    let id = app
        .act(
            atende_core::outbox::Action::SendText {
                text: "Seu pedido saiu para entrega <b>hoje</b>".into(),
            },
            Some(&session.id),
        )
        .unwrap();
    let last = |app: &App| {
        app.read(|c| views::conversation_messages(c, &session.id, None, 1))
            .unwrap()
            .items
            .remove(0)
    };
    let queued = last(&app);
    assert_eq!(queued.id, id);
    assert_eq!(
        queued.outbox.as_ref().map(|o| o.state.as_str()),
        Some("pending")
    );
    assert_eq!(status.borrow_and_update().pending, 1);

    // Delivered in the background: once on the server, and the timeline shows its copy.
    for task in app.background() {
        tokio::spawn(task);
    }
    let sim = app.demo_sim().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let delivered = status.borrow().pending == 0 && last(&app).outbox.is_none();
        if delivered {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered in time"
        );
        let _ = tokio::time::timeout(std::time::Duration::from_millis(200), status.changed()).await;
    }
    let copies: Vec<_> = sim
        .world_dump()
        .messages
        .into_iter()
        .filter(|m| m.sender_id.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(copies.len(), 1, "exactly one copy on the server");
    let shown = last(&app);
    assert_eq!(
        shown.id, copies[0].id,
        "the placeholder became the server's message"
    );
    assert_eq!(
        shown.text.as_deref(),
        Some("Seu pedido saiu para entrega <b>hoje</b>")
    );
    let detail = app
        .read(|c| views::conversation_detail(c, &session.id))
        .unwrap();
    assert_eq!(
        detail.summary.last_message_text.as_deref(),
        Some("Seu pedido saiu para entrega <b>hoje</b>")
    );
}

/// The account's rate limits come from the `rateLimits` setting when it is valid, else the
/// documented ones; a broken settings file is not fatal.
#[test]
fn rate_limits_are_a_setting_with_the_documented_defaults() {
    use atende_core::api::budget::{RateLimits, WindowSetting};
    use atende_lib::app::{rate_limits, SETTINGS_FILE};
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(rate_limits(dir.path()), RateLimits::default(), "no file");
    let file = dir.path().join(SETTINGS_FILE);
    std::fs::write(
        &file,
        r#"{"theme":"dark","rateLimits":{"general":[{"max":1000,"perSecs":120}]}}"#,
    )
    .unwrap();
    let limits = rate_limits(dir.path());
    assert_eq!(
        limits.general,
        [WindowSetting {
            max: 1000,
            per_secs: 120
        }]
    );
    assert_eq!(
        limits.sends,
        RateLimits::default().sends,
        "the rest keeps its default"
    );
    std::fs::write(&file, r#"{"rateLimits":{"general":"lots"}}"#).unwrap();
    assert_eq!(rate_limits(dir.path()), RateLimits::default(), "invalid");
    std::fs::write(&file, "{not json").unwrap();
    assert_eq!(
        rate_limits(dir.path()),
        RateLimits::default(),
        "broken file"
    );
}
