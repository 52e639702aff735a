//! Outbox tests: the optimistic view, server-wins + re-apply, failure handling, backoff, the
//! uncertain-attempt checks, and lane ordering / parallelism. Timing and fault cases run against
//! a tiny scripted HTTP server; API semantics against the simulator.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::api::budget::{Budget, RequestKind};
use crate::api::client::{Method, RetryPolicy, Token};
use crate::api::dto::{ContactDto, SessionDto};
use crate::api::HelenaClient;
use crate::store::{self, views, Store};
use crate::sync::{SyncOptions, Syncer};

// ----- fixtures ------------------------------------------------------------------------------

const SESSION_RAW: &str = r#"{"id":"s1","contactId":"c1","status":"PENDING","userId":null,"departmentId":"d1","windowStatus":"ACTIVE","updatedAt":"2026-11-20T10:00:00.000Z","lastInteractionDate":"2026-11-20T10:00:00.000Z","lastMessageText":"Oi, tudo bem?","contactDetails":{"name":"Maria"}}"#;
const CONTACT_RAW: &str = r#"{"id":"c1","name":"Maria","status":"ACTIVE","updatedAt":"2026-11-20T10:00:00.000Z","tagsId":["t1"],"customFieldValues":{"cidade":"Campinas"}}"#;

fn seeded() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.write(|tx| {
        store::meta::set(tx, store::meta::ME_USER_ID, "u1")?;
        apply::store_session(
            tx,
            &serde_json::from_str::<SessionDto>(SESSION_RAW).unwrap(),
            SESSION_RAW,
        )?;
        apply::store_contact(
            tx,
            &serde_json::from_str::<ContactDto>(CONTACT_RAW).unwrap(),
            CONTACT_RAW,
        )?;
        tx.execute(
            "INSERT INTO template (id, name, text, params, raw)
             VALUES ('tpl', 'boas_vindas', 'Olá, {{nome}}!', '[\"nome\"]', '{}')",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    s
}

/// Copies of session `s1` under other ids (more lanes).
fn add_sessions(s: &mut Store, ids: &[&str]) {
    s.write(|tx| {
        for id in ids {
            let raw = SESSION_RAW.replace("\"s1\"", &format!("\"{id}\""));
            apply::store_session(tx, &serde_json::from_str::<SessionDto>(&raw).unwrap(), &raw)?;
        }
        Ok(())
    })
    .unwrap();
}

fn session_row(s: &Store, id: &str) -> (String, Option<String>, Option<String>, i64) {
    s.conn()
        .query_row(
            "SELECT status, user_id, last_message_text, dirty FROM session WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn tags(s: &Store, contact: &str) -> Vec<String> {
    let mut st = s
        .conn()
        .prepare("SELECT tag_id FROM contact_tag WHERE contact_id = ?1 ORDER BY tag_id")
        .unwrap();
    st.query_map([contact], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn state(s: &Store, id: &str) -> String {
    store::outbox::get(s.conn(), id).unwrap().unwrap().state
}

fn quick_options() -> WorkerOptions {
    WorkerOptions {
        lanes: 4,
        base_backoff: Duration::from_millis(60),
        max_backoff: Duration::from_millis(200),
        check_delay: Some(Duration::from_millis(50)),
        ..WorkerOptions::default()
    }
}

fn client_for(base: &str, token: &str) -> HelenaClient {
    HelenaClient::with_budget(
        base,
        Token::new(token),
        Arc::new(Budget::unlimited()),
        RetryPolicy {
            max_attempts: 1,
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            timeout: Duration::from_secs(5),
        },
    )
    .unwrap()
}

type Changes = Arc<Mutex<Vec<String>>>;

fn worker(client: HelenaClient, store: Arc<Mutex<Store>>) -> (Worker, Changes) {
    let changes: Changes = Arc::default();
    let c = changes.clone();
    let w = Worker::new(client, store, move |e: &[&str]| {
        c.lock().unwrap().extend(e.iter().map(|s| s.to_string()))
    })
    .with_options(quick_options());
    (w, changes)
}

// ----- a scripted HTTP server ----------------------------------------------------------------

/// One request the scripted server saw.
#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    body: Value,
    start: Instant,
    end: Instant,
}

/// `(method, path, body, request number) -> (status, answer, delay before answering)`.
type Script = Arc<dyn Fn(&str, &str, &Value, usize) -> (u16, Value, Duration) + Send + Sync>;

struct Scripted {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn scripted(script: Script) -> Scripted {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let counter = Arc::new(AtomicUsize::new(0));
    let log = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve(sock, script.clone(), log.clone(), counter.clone()));
        }
    });
    Scripted { base, hits }
}

async fn serve(
    mut sock: tokio::net::TcpStream,
    script: Script,
    log: Arc<Mutex<Vec<Hit>>>,
    counter: Arc<AtomicUsize>,
) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match sock.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut first = head.lines().next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let target = first.next().unwrap_or("").to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < end + len {
            match sock.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        let body: Value = serde_json::from_slice(&buf[end..end + len]).unwrap_or(Value::Null);
        buf.drain(..end + len);
        let path = target.split('?').next().unwrap_or("").to_string();
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let start = Instant::now();
        let (status, answer, delay) = script(&method, &path, &body, n);
        tokio::time::sleep(delay).await;
        let text = answer.to_string();
        let resp = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if sock.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
        log.lock().unwrap().push(Hit {
            method,
            path,
            body,
            start,
            end: Instant::now(),
        });
    }
}

/// Requests in flight at once, at most (counted when each request started).
fn max_concurrency(hits: &[Hit]) -> usize {
    hits.iter()
        .map(|h| {
            hits.iter()
                .filter(|o| o.start <= h.start && h.start < o.end)
                .count()
        })
        .max()
        .unwrap()
}

/// A scripted server, a [`seeded`] store with `action` queued in session `s1`, and a worker
/// delivering to that server; returns the action's client id last.
async fn scripted_worker(
    script: Script,
    action: Action,
) -> (Scripted, Arc<Mutex<Store>>, Worker, String) {
    let srv = scripted(script).await;
    let store = Arc::new(Mutex::new(seeded()));
    let id = enqueue(&mut store.lock().unwrap(), action, Some("s1")).unwrap();
    let (w, _) = worker(client_for(&srv.base, "t"), store.clone());
    (srv, store, w, id)
}

/// The answer of an accepted send (`senderId` echoed).
fn send_answer(body: &Value, n: usize) -> Value {
    json!({
        "id": format!("srv-{n}"),
        "sessionId": "s",
        "senderId": body["senderId"],
        "status": "QUEUED",
        "createdAt": crate::time::format(chrono::Utc::now()),
    })
}

// ----- the simulator -------------------------------------------------------------------------

struct Sim {
    sim: atende_sim::SimHandle,
    store: Arc<Mutex<Store>>,
    client: HelenaClient,
}

async fn synced_sim() -> Sim {
    let sim = atende_sim::start(atende_sim::SimConfig::small())
        .await
        .unwrap();
    let mut s = Store::open_in_memory().unwrap();
    let me = sim.demo_agent().user_id;
    s.write(|tx| store::meta::set(tx, store::meta::ME_USER_ID, &me))
        .unwrap();
    let store = Arc::new(Mutex::new(s));
    let client = client_for(&sim.base_url(), sim.token());
    Syncer::new(client.clone(), store.clone(), SyncOptions::default())
        .sync_once()
        .await
        .unwrap();
    Sim { sim, store, client }
}

impl Sim {
    /// An open session with the given window state.
    fn session(&self, window: atende_sim::WindowStatus) -> String {
        self.sim
            .world()
            .sessions
            .iter()
            .find(|s| {
                s.window_status == window && s.status == atende_sim::SessionStatus::InProgress
            })
            .map(|s| s.id.clone())
            .expect("seeded session")
    }

    fn sent_with(&self, session: &str, sender: &str) -> usize {
        self.sim
            .world()
            .messages_of(session)
            .iter()
            .filter(|m| m.sender_id.as_deref() == Some(sender))
            .count()
    }

    fn enqueue(&self, action: Action, session: Option<&str>) -> String {
        enqueue(&mut self.store.lock().unwrap(), action, session).unwrap()
    }

    /// Posts `body` to the session's `message` or `note` endpoint directly: an earlier attempt
    /// that landed although its process died before recording the answer.
    async fn landed(&self, session: &str, segment: &str, body: Value, kind: RequestKind) {
        self.client
            .write(
                Method::POST,
                &format!("/chat/v1/session/{session}/{segment}"),
                &body,
                kind,
            )
            .await
            .unwrap();
    }
}

/// A synced simulator with `text` queued in an open session whose window is active; returns
/// the session and the client id.
async fn sim_with_text(text: &str) -> (Sim, String, String) {
    let f = synced_sim().await;
    let sid = f.session(atende_sim::WindowStatus::Active);
    let id = f.enqueue(Action::SendText { text: text.into() }, Some(&sid));
    (f, sid, id)
}

// ----- tests ---------------------------------------------------------------------------------

#[test]
fn enqueue_writes_the_row_and_the_optimistic_view_together() {
    let mut s = seeded();
    let id = enqueue(
        &mut s,
        Action::SendText {
            text: "Seu pedido saiu".into(),
        },
        Some("s1"),
    )
    .unwrap();
    let e = store::outbox::get(s.conn(), &id).unwrap().unwrap();
    assert_eq!(
        (e.lane.as_str(), e.state.as_str(), e.action.as_str()),
        ("session:s1", "pending", "send_text")
    );
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    // The timeline shows the placeholder, by me, pending.
    let page = views::conversation_messages(s.conn(), "s1", None, 10).unwrap();
    let last = page.items.last().unwrap();
    assert_eq!(last.id, id);
    assert_eq!(last.status.as_deref(), Some("PENDING"));
    assert_eq!(last.direction.as_deref(), Some("out"));
    assert_eq!(last.text.as_deref(), Some("Seu pedido saiu"));
    let (status, _, preview, dirty) = session_row(&s, "s1");
    assert_eq!(
        (status.as_str(), preview.as_deref(), dirty),
        ("PENDING", Some("Seu pedido saiu"), 1)
    );

    // A template shows rendered; media by its caption; a note in the timeline only.
    let mut p = BTreeMap::new();
    p.insert("nome".to_string(), "Maria".to_string());
    enqueue(
        &mut s,
        Action::SendTemplate {
            template_id: "tpl".into(),
            parameters: p,
        },
        Some("s1"),
    )
    .unwrap();
    assert_eq!(session_row(&s, "s1").2.as_deref(), Some("Olá, Maria!"));
    let media = enqueue(
        &mut s,
        Action::SendMedia {
            file_url: "https://cdn.example.com/boleto.pdf".into(),
            caption: None,
        },
        Some("s1"),
    )
    .unwrap();
    let page = views::conversation_messages(s.conn(), "s1", None, 10).unwrap();
    let m = page.items.iter().find(|m| m.id == media).unwrap();
    assert_eq!(m.kind_of_content, "DOCUMENT");
    assert_eq!(m.file.as_ref().unwrap().name.as_deref(), Some("boleto.pdf"));
    enqueue(&mut s, Action::Note { text: "VIP".into() }, Some("s1")).unwrap();
    assert_eq!(session_row(&s, "s1").2.as_deref(), Some("📄 Documento"));

    // Session and contact actions change their rows.
    enqueue(
        &mut s,
        Action::Assume {
            user_id: "u1".into(),
        },
        Some("s1"),
    )
    .unwrap();
    let (status, user, _, _) = session_row(&s, "s1");
    assert_eq!(
        (status.as_str(), user.as_deref()),
        ("IN_PROGRESS", Some("u1"))
    );
    enqueue(
        &mut s,
        Action::Conclude {
            reactivate_on_new_message: false,
        },
        Some("s1"),
    )
    .unwrap();
    assert_eq!(session_row(&s, "s1").0, "COMPLETED");
    enqueue(&mut s, Action::Reopen, Some("s1")).unwrap();
    assert_eq!(session_row(&s, "s1").0, "IN_PROGRESS");
    enqueue(
        &mut s,
        Action::ContactTags {
            contact_id: "c1".into(),
            tag_ids: vec!["t2".into()],
            operation: TagOperation::InsertIfNotExists,
        },
        Some("s1"),
    )
    .unwrap();
    assert_eq!(tags(&s, "c1"), ["t1", "t2"]);
    let mut f = serde_json::Map::new();
    f.insert("cidade".into(), Value::Null);
    f.insert("cpf".into(), json!(123));
    enqueue(
        &mut s,
        Action::ContactFields {
            contact_id: "c1".into(),
            custom_fields: f,
        },
        None,
    )
    .unwrap();
    assert_eq!(
        store::contact::fields(s.conn(), "c1").unwrap(),
        vec![("cpf".to_string(), Some("123".to_string()))]
    );
    let st = enqueue(
        &mut s,
        Action::ContactStatus {
            contact_id: "c1".into(),
            status: ContactStatus::Blocked,
        },
        None,
    )
    .unwrap();
    assert_eq!(
        store::outbox::get(s.conn(), &st).unwrap().unwrap().lane,
        "contact:c1"
    );
    assert_eq!(store::outbox::pending_count(s.conn()).unwrap(), 10);

    // Refused input and unknown targets write nothing.
    let before = store::count(s.conn(), "outbox").unwrap();
    let e = enqueue(&mut s, Action::SendText { text: " ".into() }, Some("s1")).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let e = enqueue(&mut s, Action::Reopen, Some("nope")).unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e = enqueue(&mut s, Action::Reopen, None).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(store::count(s.conn(), "outbox").unwrap(), before);
}

#[test]
fn server_state_wins_and_pending_actions_are_reapplied_on_top() {
    let mut s = seeded();
    let conclude = enqueue(
        &mut s,
        Action::Conclude {
            reactivate_on_new_message: true,
        },
        Some("s1"),
    )
    .unwrap();
    // The same server copy again: not skipped (the row is dirty), the action stays on top.
    let dto: SessionDto = serde_json::from_str(SESSION_RAW).unwrap();
    assert!(s
        .write(|tx| apply::store_session(tx, &dto, SESSION_RAW))
        .unwrap());
    assert_eq!(session_row(&s, "s1").0, "COMPLETED");
    // A newer server copy: its fields win, the pending conclusion is re-applied over them.
    let newer = SESSION_RAW
        .replace(
            "2026-11-20T10:00:00.000Z\",\"lastInteractionDate",
            "2026-11-20T10:05:00.000Z\",\"lastInteractionDate",
        )
        .replace("Oi, tudo bem?", "Alguém aí?")
        .replace("\"userId\":null", "\"userId\":\"u7\"");
    let dto: SessionDto = serde_json::from_str(&newer).unwrap();
    s.write(|tx| apply::store_session(tx, &dto, &newer))
        .unwrap();
    let (status, user, preview, dirty) = session_row(&s, "s1");
    assert_eq!(status, "COMPLETED");
    assert_eq!(user.as_deref(), Some("u7"));
    assert_eq!(preview.as_deref(), Some("Alguém aí?"));
    assert_eq!(dirty, 1);
    // An older copy (a page fetched before) never replaces a newer one.
    let dto: SessionDto = serde_json::from_str(SESSION_RAW).unwrap();
    assert!(!s
        .write(|tx| apply::store_session(tx, &dto, SESSION_RAW))
        .unwrap());
    assert_eq!(session_row(&s, "s1").1.as_deref(), Some("u7"));
    // Once delivered, the server's copy stands alone and the row is clean.
    s.write(|tx| store::outbox::mark_done(tx, &conclude, None))
        .unwrap();
    let done = newer
        .replace(
            "2026-11-20T10:05:00.000Z\",\"lastInteractionDate",
            "2026-11-20T10:06:00.000Z\",\"lastInteractionDate",
        )
        .replace("PENDING", "COMPLETED");
    let dto: SessionDto = serde_json::from_str(&done).unwrap();
    s.write(|tx| apply::store_session(tx, &dto, &done)).unwrap();
    assert_eq!(session_row(&s, "s1").0, "COMPLETED");
    assert_eq!(session_row(&s, "s1").3, 0);

    // Contacts: the server's tags, plus the pending insert.
    enqueue(
        &mut s,
        Action::ContactTags {
            contact_id: "c1".into(),
            tag_ids: vec!["t2".into()],
            operation: TagOperation::InsertIfNotExists,
        },
        None,
    )
    .unwrap();
    let server = CONTACT_RAW
        .replace("[\"t1\"]", "[\"t1\",\"t3\"]")
        .replace("10:00:00", "10:01:00");
    let dto: ContactDto = serde_json::from_str(&server).unwrap();
    s.write(|tx| apply::store_contact(tx, &dto, &server))
        .unwrap();
    assert_eq!(tags(&s, "c1"), ["t1", "t2", "t3"]);

    // A server copy of a sent message replaces its placeholder.
    let sent = enqueue(&mut s, Action::SendText { text: "Oi".into() }, Some("s1")).unwrap();
    let raw = json!({"id": "m-server", "sessionId": "s1", "senderId": sent, "text": "Oi",
                     "direction": "FROM_HUB", "createdAt": "2026-11-20T10:07:00Z"})
    .to_string();
    let m: crate::api::dto::MessageDto = serde_json::from_str(&raw).unwrap();
    s.write(|tx| store::message::upsert(tx, &m, &raw, store::message::Kind::Message, None))
        .unwrap();
    let ids: Vec<String> = views::conversation_messages(s.conn(), "s1", None, 10)
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["m-server"]);
    assert_eq!(
        store::message::by_sender(s.conn(), &sent)
            .unwrap()
            .as_deref(),
        Some("m-server")
    );
}

#[tokio::test]
async fn refused_action_fails_visibly_rolls_back_and_can_be_retried_or_discarded() {
    let f = synced_sim().await;
    let closed = f.session(atende_sim::WindowStatus::Expired);
    let before = session_row(&f.store.lock().unwrap(), &closed);
    let text = f.enqueue(
        Action::SendText {
            text: "Ainda está aí?".into(),
        },
        Some(&closed),
    );
    let me = f.sim.demo_agent().user_id;
    let assume = f.enqueue(
        Action::Assume {
            user_id: me.clone(),
        },
        Some(&closed),
    );
    let (w, _) = worker(f.client.clone(), f.store.clone());
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.failed, r.waiting_for_agent), (0, 1, 1));
    assert_eq!(r.remaining, 1, "the assume waits behind the failed send");
    assert_eq!(r.next_due_at, None);
    {
        let s = f.store.lock().unwrap();
        assert_eq!(state(&s, &text), "failed");
        assert_eq!(state(&s, &assume), "pending");
        let listed = failed(s.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, text);
        let err = listed[0].error.as_deref().unwrap();
        assert!(
            err.contains("recusada pelo servidor") && err.contains("24 horas"),
            "{err}"
        );
        // The message stays in its conversation, marked refused; the preview is rolled back.
        let page = views::conversation_messages(s.conn(), &closed, None, 5).unwrap();
        let m = page.items.iter().find(|m| m.id == text).unwrap();
        assert_eq!(m.status.as_deref(), Some("REJECTED"));
        let now = session_row(&s, &closed);
        assert_eq!(now.2, before.2, "preview back to the server's");
        assert_eq!(
            now.1.as_deref(),
            Some(me.as_str()),
            "pending assume still shown"
        );
    }
    // Retry: back in the lane, refused again.
    retry(&mut f.store.lock().unwrap(), &text).unwrap();
    assert_eq!(state(&f.store.lock().unwrap(), &text), "pending");
    let r = w.run_until_idle().await.unwrap();
    assert_eq!(r.failed, 1);
    assert!(retry(&mut f.store.lock().unwrap(), &assume).is_err());
    // Discard: the placeholder goes, the lane moves on.
    discard(&mut f.store.lock().unwrap(), &text).unwrap();
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.remaining, r.waiting_for_agent), (1, 0, 0));
    let s = f.store.lock().unwrap();
    assert!(views::conversation_messages(s.conn(), &closed, None, 50)
        .unwrap()
        .items
        .iter()
        .all(|m| m.id != text));
    assert_eq!(f.sent_with(&closed, &text), 0);
    assert_eq!(
        f.sim.world().session(&closed).unwrap().user_id.as_deref(),
        Some(me.as_str())
    );
    assert_eq!(
        session_row(&s, &closed).3,
        0,
        "clean after the server's answer"
    );
}

#[tokio::test]
async fn transient_failures_back_off_then_deliver() {
    // 429 (not applied) twice, then 503 (uncertain), then accepted.
    let script: Script = Arc::new(|_m: &str, _p: &str, body: &Value, n: usize| match n {
        0 | 1 => (
            429,
            json!({"key": "ERROR_TOO_MANY_REQUESTS", "text": "Limite"}),
            Duration::ZERO,
        ),
        2 => (503, json!({"text": "Indisponível"}), Duration::ZERO),
        _ => (200, send_answer(body, n), Duration::ZERO),
    });
    let (srv, store, w, id) = scripted_worker(
        script,
        Action::Assume {
            user_id: "u1".into(),
        },
    )
    .await;
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.deferred), (0, 1));
    let e = store::outbox::get(store.lock().unwrap().conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(e.state, "pending");
    assert!(
        e.last_error.as_deref().unwrap().contains("limite"),
        "{:?}",
        e.last_error
    );
    let due = crate::time::parse(e.next_attempt_at.as_deref().unwrap()).unwrap();
    assert!(due > chrono::Utc::now());
    assert_eq!(r.next_due_at.as_deref(), e.next_attempt_at.as_deref());
    // Nothing is due before the backoff.
    assert_eq!(w.run_until_idle().await.unwrap().deferred, 0);
    assert_eq!(srv.hits.lock().unwrap().len(), 1);
    let started = Instant::now();
    let total = w.drain().await.unwrap();
    assert_eq!((total.delivered, total.remaining, total.resent), (1, 0, 1));
    assert_eq!(total.deferred, 2);
    assert_eq!(srv.hits.lock().unwrap().len(), 4);
    // Backoff grows: 2nd wait is on base * 2 (with jitter ≥ 50%).
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_eq!(state(&store.lock().unwrap(), &id), "done");
}

#[tokio::test]
async fn uncertain_send_found_on_server_is_not_sent_again() {
    let (f, sid, id) = sim_with_text("Chegou?").await;
    // The previous process sent it, the server applied it, and the process died before
    // recording the answer: the row is left `sending`.
    f.landed(
        &sid,
        "message",
        json!({"text": "Chegou?", "senderId": id}),
        RequestKind::Send,
    )
    .await;
    left_sending(&f.store, &id);
    let (w, changes) = worker(f.client.clone(), f.store.clone());
    let r = w.run_until_idle().await.unwrap();
    assert_eq!(
        (r.uncertain_checks, r.found_on_server, r.resent, r.delivered),
        (1, 1, 0, 1)
    );
    assert_eq!(f.sent_with(&sid, &id), 1);
    let s = f.store.lock().unwrap();
    let e = store::outbox::get(s.conn(), &id).unwrap().unwrap();
    assert_eq!(e.state, "done");
    // The placeholder became the server's copy.
    let server_id = e.server_id.unwrap();
    let page = views::conversation_messages(s.conn(), &sid, None, 3).unwrap();
    assert!(page.items.iter().any(|m| m.id == server_id));
    assert!(page.items.iter().all(|m| m.id != id));
    assert!(changes.lock().unwrap().contains(&"message".to_string()));
}

#[tokio::test]
async fn uncertain_send_not_on_server_is_sent_once() {
    let (f, sid, id) = sim_with_text("Olá!").await;
    // Died after committing `sending`, before the request left.
    left_sending(&f.store, &id);
    let (w, _) = worker(f.client.clone(), f.store.clone());
    // Within the check delay nothing happens: the request might still be in flight.
    f.store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "UPDATE outbox SET attempted_at = ?2 WHERE id = ?1",
            [&id, &crate::time::format(chrono::Utc::now())],
        )
        .unwrap();
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.uncertain_checks, r.delivered), (0, 0));
    assert!(r.next_due_at.is_some());
    let r = w.drain().await.unwrap();
    assert_eq!(
        (r.uncertain_checks, r.found_on_server, r.resent, r.delivered),
        (1, 0, 1, 1)
    );
    assert_eq!(f.sent_with(&sid, &id), 1);

    // A note left uncertain whose request had landed is matched by text, not posted twice.
    let note = f.enqueue(
        Action::Note {
            text: "Cliente pediu 2ª via".into(),
        },
        Some(&sid),
    );
    f.landed(
        &sid,
        "note",
        json!({"text": "Cliente pediu 2ª via"}),
        RequestKind::General,
    )
    .await;
    left_sending(&f.store, &note);
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.found_on_server, r.resent), (1, 0));
    let notes = f
        .sim
        .world()
        .notes_of(&sid)
        .iter()
        .filter(|n| n.text.as_deref() == Some("Cliente pediu 2ª via"))
        .count();
    assert_eq!(notes, 1);
    // A second, identical note is not mistaken for the first one.
    let again = f.enqueue(
        Action::Note {
            text: "Cliente pediu 2ª via".into(),
        },
        Some(&sid),
    );
    left_sending(&f.store, &again);
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.found_on_server, r.resent, r.delivered), (0, 1, 1));
}

/// Marks a row as left `sending` by a dead process, attempted long enough ago to be checked.
fn left_sending(store: &Arc<Mutex<Store>>, id: &str) {
    let at = crate::time::format(chrono::Utc::now() - chrono::Duration::seconds(5));
    store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "UPDATE outbox SET state = 'sending', attempts = 1, attempted_at = ?2 WHERE id = ?1",
            [id, &at],
        )
        .unwrap();
}

#[tokio::test]
async fn lanes_are_ordered_inside_and_parallel_across() {
    const DELAY: Duration = Duration::from_millis(150);
    let script: Script =
        Arc::new(|_m: &str, _p: &str, body: &Value, n: usize| (200, send_answer(body, n), DELAY));
    let srv = scripted(script).await;
    let mut s = seeded();
    add_sessions(&mut s, &["s2", "s3"]);
    let mut queued: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..3 {
        for sid in ["s1", "s2", "s3"] {
            let id = enqueue(
                &mut s,
                Action::SendText {
                    text: format!("{sid} #{i}"),
                },
                Some(sid),
            )
            .unwrap();
            queued
                .entry(format!("/chat/v1/session/{sid}/message"))
                .or_default()
                .push(id);
        }
    }
    let store = Arc::new(Mutex::new(s));
    let (w, _) = worker(client_for(&srv.base, "t"), store.clone());
    let started = Instant::now();
    let r = w.run_until_idle().await.unwrap();
    let took = started.elapsed();
    assert_eq!((r.delivered, r.remaining), (9, 0));
    let hits = srv.hits.lock().unwrap().clone();
    assert!(hits.iter().all(|h| h.method == "POST"));
    for (path, ids) in &queued {
        let lane: Vec<&Hit> = hits.iter().filter(|h| &h.path == path).collect();
        let sent: Vec<&str> = lane
            .iter()
            .map(|h| h.body["senderId"].as_str().unwrap())
            .collect();
        assert_eq!(
            sent,
            ids.iter().map(String::as_str).collect::<Vec<_>>(),
            "order in {path}"
        );
        for pair in lane.windows(2) {
            assert!(
                pair[1].start >= pair[0].end,
                "one request at a time in a lane"
            );
        }
    }
    // Three lanes at once: about 3 × DELAY, not 9 ×.
    let concurrency = max_concurrency(&hits);
    assert_eq!(concurrency, 3, "the three lanes run at once");
    assert!(took < DELAY * 6, "took {took:?}");
    // Placeholders were re-keyed to the server ids.
    let s = store.lock().unwrap();
    let n: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM message WHERE id LIKE 'srv-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 9);
}

#[tokio::test]
async fn a_refused_resend_of_a_session_action_already_applied_counts_as_done() {
    // The first attempt landed but its answer was lost; the server refuses the repeat.
    let script: Script = Arc::new(|m: &str, p: &str, _b: &Value, _n: usize| match (m, p) {
        ("PUT", _) => (
            400,
            json!({"key": "ERROR_SESSION_COMPLETED", "text": "Atendimento já concluído."}),
            Duration::ZERO,
        ),
        ("GET", "/chat/v2/session/s1") => (
            200,
            json!({"id": "s1", "status": "COMPLETED", "updatedAt": "2026-11-20T11:00:00Z"}),
            Duration::ZERO,
        ),
        _ => (404, json!({"text": "?"}), Duration::ZERO),
    });
    let (_srv, store, w, id) = scripted_worker(
        script,
        Action::Conclude {
            reactivate_on_new_message: false,
        },
    )
    .await;
    left_sending(&store, &id);
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.failed, r.resent), (1, 0, 1));
    {
        let s = store.lock().unwrap();
        assert_eq!(state(&s, &id), "done");
        assert_eq!(session_row(&s, "s1").0, "COMPLETED");
    }

    // Not reached: a refused resend stays refused.
    let reopen = enqueue(&mut store.lock().unwrap(), Action::Reopen, Some("s1")).unwrap();
    left_sending(&store, &reopen);
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.failed), (0, 1));
    assert_eq!(
        session_row(&store.lock().unwrap(), "s1").0,
        "COMPLETED",
        "rolled back"
    );
}

#[tokio::test]
async fn at_most_the_configured_lanes_run_at_once_and_run_wakes_on_notice() {
    const DELAY: Duration = Duration::from_millis(80);
    let script: Script =
        Arc::new(|_m: &str, _p: &str, body: &Value, n: usize| (200, send_answer(body, n), DELAY));
    let srv = scripted(script).await;
    let mut s = seeded();
    let lanes = ["s1", "s2", "s3", "s4"];
    add_sessions(&mut s, &lanes[1..]);
    for sid in lanes {
        enqueue(&mut s, Action::SendText { text: "Oi".into() }, Some(sid)).unwrap();
    }
    let store = Arc::new(Mutex::new(s));
    let (w, changes) = worker(client_for(&srv.base, "t"), store.clone());
    let w = w.with_options(WorkerOptions {
        lanes: 2,
        ..quick_options()
    });
    assert_eq!(w.run_until_idle().await.unwrap().delivered, 4);
    let hits = srv.hits.lock().unwrap().clone();
    let concurrency = max_concurrency(&hits);
    assert_eq!(concurrency, 2);
    assert!(changes.lock().unwrap().contains(&"session".to_string()));

    // The long-running loop sleeps until woken, then delivers what was queued.
    let wake = Arc::new(tokio::sync::Notify::new());
    let looping = tokio::spawn({
        let w = w.clone();
        let wake = wake.clone();
        async move { w.run(wake).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let id = enqueue(
        &mut store.lock().unwrap(),
        Action::Note {
            text: "Retornar amanhã".into(),
        },
        Some("s2"),
    )
    .unwrap();
    wake.notify_one();
    let deadline = Instant::now() + Duration::from_secs(5);
    while state(&store.lock().unwrap(), &id) != "done" {
        assert!(Instant::now() < deadline, "not delivered after the wake");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    looping.abort();
    assert_eq!(
        srv.hits.lock().unwrap().last().unwrap().path,
        "/chat/v1/session/s2/note"
    );
}

#[tokio::test]
async fn every_session_and_contact_action_is_accepted_by_the_simulator() {
    let f = synced_sim().await;
    let sid = f.session(atende_sim::WindowStatus::Active);
    let (contact, dept, other_user, tag, field, template) = {
        let w = f.sim.world();
        let s = w.session(&sid).unwrap();
        let dept = w
            .departments
            .iter()
            .find(|d| Some(&d.id) != s.department_id.as_ref())
            .unwrap()
            .id
            .clone();
        let me = f.sim.demo_agent().user_id;
        let other = w
            .agents
            .iter()
            .find(|a| a.user_id != me)
            .unwrap()
            .user_id
            .clone();
        let c = w.contact(&s.contact_id).unwrap();
        let tag = w
            .tags
            .iter()
            .find(|t| !c.tags_id.contains(&t.id))
            .unwrap()
            .id
            .clone();
        let field = w
            .custom_fields
            .iter()
            .find(|cf| cf.entity_type == "CONTACT" && cf.field_type == "TEXT")
            .map(|cf| cf.key.clone())
            .unwrap_or_else(|| w.custom_fields[0].key.clone());
        let tpl = w.templates.iter().find(|t| t.status == "APPROVED").unwrap();
        let params: BTreeMap<String, String> = tpl
            .params
            .iter()
            .map(|p| (p.name.clone(), "Maria".to_string()))
            .collect();
        (
            c.id.clone(),
            dept,
            other,
            tag,
            field,
            (tpl.id.clone(), params),
        )
    };
    let me = f.sim.demo_agent().user_id;
    let actions = [
        Action::Assume {
            user_id: me.clone(),
        },
        Action::SendMedia {
            file_url: format!("{}/files/x/foto.jpg", f.sim.base_url()),
            caption: Some("Segue a foto".into()),
        },
        Action::SendTemplate {
            template_id: template.0.clone(),
            parameters: template.1.clone(),
        },
        Action::Transfer {
            department_id: Some(dept.clone()),
            user_id: Some(other_user.clone()),
        },
        Action::Conclude {
            reactivate_on_new_message: true,
        },
        Action::Reopen,
        Action::ContactTags {
            contact_id: contact.clone(),
            tag_ids: vec![tag.clone()],
            operation: TagOperation::InsertIfNotExists,
        },
        Action::ContactFields {
            contact_id: contact.clone(),
            custom_fields: [(field.clone(), json!("valor novo"))].into_iter().collect(),
        },
        Action::ContactStatus {
            contact_id: contact.clone(),
            status: ContactStatus::Archived,
        },
    ];
    for a in actions {
        f.enqueue(a, Some(&sid));
    }
    let (w, _) = worker(f.client.clone(), f.store.clone());
    let r = w.run_until_idle().await.unwrap();
    assert_eq!((r.delivered, r.failed, r.remaining), (9, 0, 0), "{r:?}");
    {
        let world = f.sim.world();
        let s = world.session(&sid).unwrap();
        assert_eq!(s.status, atende_sim::SessionStatus::InProgress);
        assert_eq!(s.user_id.as_deref(), Some(other_user.as_str()));
        assert_eq!(s.department_id.as_deref(), Some(dept.as_str()));
        let c = world.contact(&contact).unwrap();
        assert!(c.tags_id.contains(&tag));
        assert_eq!(
            c.custom_field_values.get(&field).map(String::as_str),
            Some("valor novo")
        );
        assert_eq!(format!("{:?}", c.status), "Archived");
        assert_eq!(
            world
                .messages_of(&sid)
                .iter()
                .filter(|m| m.sender_id.is_some())
                .count(),
            2
        );
    }
    // Local rows are the server's answers, clean.
    let s = f.store.lock().unwrap();
    let (status, user, _, dirty) = session_row(&s, &sid);
    assert_eq!(
        (status.as_str(), user.as_deref(), dirty),
        ("IN_PROGRESS", Some(other_user.as_str()), 0)
    );
    let (cstatus, cdirty): (String, i64) = s
        .conn()
        .query_row(
            "SELECT status, dirty FROM contact WHERE id = ?1",
            [&contact],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((cstatus.as_str(), cdirty), ("ARCHIVED", 0));
    assert!(tags(&s, &contact).contains(&tag));
}
