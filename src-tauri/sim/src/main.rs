//! `atende-sim` binary: runs the Helena API simulator on its own, for demos, manual testing
//! with curl, and pointing a development build of the app at it.
//!
//! `cargo run -p atende-sim -- --sessions 1500` prints the base URL, token and demo agent,
//! logs every request (set `RUST_LOG=atende_sim=debug` for more), and stops on Ctrl+C.
//! `--faults '{"error_5xx":0.1,"seed":7}'` starts with faults on (the JSON of
//! [`atende_sim::Faults`]); change them later with `PUT /__sim/faults`.

use std::time::{Duration, Instant};

use atende_sim::{Faults, RateLimits, SeedSize, SimConfig, TrafficConfig};
use clap::Parser;

/// Local simulator of the Helena CRM public REST API.
#[derive(Debug, Parser)]
#[command(name = "atende-sim", version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Seed of the generated data (same seed => same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Accepted Bearer token.
    #[arg(long, default_value = "demo-token")]
    token: String,
    #[arg(long, default_value_t = SeedSize::default().sessions)]
    sessions: usize,
    #[arg(long, default_value_t = SeedSize::default().contacts)]
    contacts: usize,
    #[arg(long, default_value_t = SeedSize::default().messages)]
    messages: usize,
    #[arg(long, default_value_t = SeedSize::default().agents)]
    agents: usize,
    #[arg(long, default_value_t = SeedSize::default().departments)]
    departments: usize,
    /// Background traffic: one inbound message every N ms (0 = off).
    #[arg(long, default_value_t = 0)]
    traffic_ms: u64,
    /// With traffic on, every Nth tick also opens a new PENDING session.
    #[arg(long, default_value_t = 6)]
    new_session_every: u32,
    /// Disable the rate limits.
    #[arg(long)]
    no_rate_limit: bool,
    /// Faults to inject from the start, as JSON, e.g. '{"error_5xx":0.1,"seed":7}'.
    #[arg(long, value_name = "JSON", value_parser = parse_faults)]
    faults: Option<Faults>,
}

fn parse_faults(json: &str) -> Result<Faults, String> {
    Faults::from_json(json).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("atende_sim=info")),
        )
        .init();
    let args = Args::parse();
    let config = SimConfig {
        seed: args.seed,
        size: SeedSize {
            departments: args.departments,
            agents: args.agents,
            contacts: args.contacts,
            sessions: args.sessions,
            messages: args.messages,
        },
        token: args.token,
        port: args.port,
        limits: RateLimits {
            enabled: !args.no_rate_limit,
            ..RateLimits::default()
        },
        traffic: (args.traffic_ms > 0).then(|| TrafficConfig {
            interval: Duration::from_millis(args.traffic_ms),
            new_session_every: args.new_session_every,
        }),
        faults: args.faults.unwrap_or_default(),
        ..SimConfig::default()
    };
    let started = Instant::now();
    let sim = atende_sim::start(config).await?;
    let demo = sim.demo_agent();
    let (sessions, messages, contacts) = {
        let w = sim.world();
        (w.sessions.len(), w.message_count(), w.contacts.len())
    };
    println!("atende-sim listening on {}", sim.base_url());
    println!("  token:      {}", sim.token());
    println!(
        "  demo agent: {} (id {}, userId {})",
        demo.name, demo.id, demo.user_id
    );
    println!("  teams:      {}", demo.department_ids.join(", "));
    println!(
        "  data:       {sessions} sessions, {messages} messages, {contacts} contacts (ready in {} ms)",
        started.elapsed().as_millis()
    );
    let faults = sim.faults();
    if faults != Faults::default() {
        println!(
            "  faults:     {}",
            serde_json::to_string(&faults).unwrap_or_default()
        );
    }
    println!(
        "  try:        curl -H 'Authorization: Bearer {}' '{}/chat/v2/session?PageSize=5&IncludeDetails=ContactDetails'",
        sim.token(),
        sim.base_url()
    );
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    sim.shutdown().await;
    Ok(())
}
