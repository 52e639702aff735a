//! `atende-outbox-worker`: delivers one account's outbox and exits.
//!
//! It opens the account's database, runs the outbox [`Worker`] until nothing deliverable is
//! left (waiting out backoffs and uncertain-attempt delays), prints the [`DeliveryReport`] as
//! one JSON line on stdout, and exits. It exists for operations and for the exactly-once test,
//! which kills it at random points and starts it again.
//!
//! The API token is read from the environment variable named by `--token-env`, never from the
//! command line, where other users of the machine could read it.
//!
//! Exit status: 0 everything delivered; 3 actions refused by the server wait for the agent
//! (retry or discard in the app); 2 bad usage; 1 any other error.
//!
//! [`Worker`]: atende_core::outbox::Worker
//! [`DeliveryReport`]: atende_core::outbox::DeliveryReport

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atende_core::api::budget::{Budget, Priority};
use atende_core::api::client::{RetryPolicy, Token};
use atende_core::api::HelenaClient;
use atende_core::outbox::{DeliveryReport, Worker, WorkerOptions};
use atende_core::store::Store;

const USAGE: &str = "uso: atende-outbox-worker --db <arquivo> --api <url> --token-env <VARIÁVEL> \
                     [--timeout-ms <ms>] [--lanes <n>] [--backoff-ms <ms>]";

#[derive(Debug)]
struct Args {
    db: String,
    api: String,
    token_env: String,
    timeout: Duration,
    lanes: usize,
    backoff: Duration,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut db, mut api, mut token_env) = (None, None, None);
    let mut timeout = Duration::from_secs(30);
    let mut lanes = WorkerOptions::default().lanes;
    let mut backoff = WorkerOptions::default().base_backoff;
    let ms = |v: String, name: &str| -> Result<Duration, String> {
        v.parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("{name}: número de milissegundos inválido: {v}"))
    };
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag}: falta o valor"))?;
        match flag.as_str() {
            "--db" => db = Some(value),
            "--api" => api = Some(value),
            "--token-env" => token_env = Some(value),
            "--timeout-ms" => timeout = ms(value, &flag)?,
            "--backoff-ms" => backoff = ms(value, &flag)?,
            "--lanes" => {
                lanes = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--lanes: número inválido: {value}"))?
            }
            other => return Err(format!("opção desconhecida: {other}")),
        }
    }
    Ok(Args {
        db: db.ok_or("falta --db")?,
        api: api.ok_or("falta --api")?,
        token_env: token_env.ok_or("falta --token-env")?,
        timeout,
        lanes,
        backoff,
    })
}

async fn run(args: Args) -> atende_core::Result<DeliveryReport> {
    let token = std::env::var(&args.token_env).map_err(|_| {
        atende_core::Error::Config(format!(
            "a variável de ambiente {} não tem o token da API",
            args.token_env
        ))
    })?;
    let client = HelenaClient::with_budget(
        &args.api,
        Token::new(token),
        Arc::new(Budget::helena()),
        RetryPolicy {
            timeout: args.timeout,
            ..RetryPolicy::default()
        },
    )?
    .with_priority(Priority::Action);
    if !std::path::Path::new(&args.db).is_file() {
        return Err(atende_core::Error::Config(format!(
            "banco de dados não encontrado: {}",
            args.db
        )));
    }
    let store = Arc::new(Mutex::new(Store::open(&args.db)?));
    let options = WorkerOptions {
        lanes: args.lanes,
        base_backoff: args.backoff,
        ..WorkerOptions::default()
    };
    Worker::new(client, store, |_: &[&str]| {})
        .with_options(options)
        .drain()
        .await
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("erro: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string(&report).unwrap_or_else(|_| "{}".into())
            );
            if report.waiting_for_agent > 0 {
                eprintln!(
                    "{} ação(ões) recusada(s) pelo servidor aguardam o agente",
                    report.waiting_for_agent
                );
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("erro ({}): {e}", e.code());
            ExitCode::from(1)
        }
    }
}
