//! Applying pulled message pages to the store, against raw inserts of the same rows.
//!
//! Two cases, each stored two ways, reported as messages/s (criterion `Throughput::Elements`):
//! - `fresh`: the demo workspace's 40,000 messages into an empty store;
//! - `incremental`: into a store already holding those 40,000, the next 10,000 new messages
//!   after 2,000 re-read, unchanged overlap rows (12,000 elements).
//!
//! `sync` is the real sync path: [`decode_page`] of each page body, then one write transaction
//! per page running `sync::apply_items` with `store::message::upsert`. `raw` is the baseline:
//! the rows already extracted from the same JSON, written with reused prepared INSERTs into the
//! same schema (indexes, FTS, raw JSON), one transaction per 100 rows (in `incremental`, a
//! prepared SELECT first skips the rows already stored). Both write an on-disk store in a temp
//! dir opened with [`Store::open`] and end with a WAL checkpoint; opening (and, for
//! `incremental`, copying the pre-built 40k store) and closing are not timed.
//!
//! After criterion's report the bench prints, and writes to
//! `target/criterion/apply_pages/summary.txt`, the median rate of each way and the median
//! `sync / raw` ratio of runs made side by side (the requirement: `sync` ≥ 100,000 msgs/s and a
//! ratio ≥ 0.5). See `benches/README.md`.
//!
//! [`decode_page`]: atende_core::api::client::decode_page

#[path = "support/pages.rs"]
mod pages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atende_core::store::Store;
use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};

use pages::Row;

/// The demo workspace's size.
const BASE: usize = 40_000;
/// New messages of the incremental case.
const NEW: usize = 10_000;
/// Re-read, unchanged rows at the start of the incremental window.
const OVERLAP: usize = 2_000;
/// Sessions of the demo workspace.
const SESSIONS: usize = 1_500;
/// Criterion samples per benchmark (each sample is one full run of the case).
const SAMPLES: usize = 10;

/// Per-run rates (elements/s) of each case and way, for the summary. Every timed run of one
/// way is followed by a run of the other way on an identical store (not reported to criterion),
/// so the summary's ratio compares runs made side by side while the machine's load drifts.
static RATES: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

fn record(key: String, elements: usize, took: Duration) {
    RATES
        .lock()
        .unwrap()
        .entry(key)
        .or_default()
        .push(elements as f64 / took.as_secs_f64());
}

/// One case's inputs.
struct Case {
    name: &'static str,
    /// The pre-built store to copy before each run (`None`: start empty).
    base: Option<PathBuf>,
    pages: Vec<Vec<u8>>,
    rows: Vec<Row>,
}

/// The two ways of storing a case's messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Decode the page bodies and upsert through `sync::apply_items` (the sync path).
    Sync,
    /// Prepared INSERTs of the rows already extracted from the same JSON.
    Raw,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Sync => "sync",
            Way::Raw => "raw",
        }
    }
}

/// One timed run of `way` on `case`: a fresh copy of the case's store, then the pages or rows
/// and a final WAL checkpoint (so no write is left for the untimed close). Opening, copying and
/// closing are not timed.
fn run(case: &Case, way: Way) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("atende.db");
    if let Some(base) = &case.base {
        std::fs::copy(base, &path).expect("copy base store");
    }
    let mut store = Store::open(&path).expect("store opens");
    let t = Instant::now();
    match way {
        Way::Sync => {
            let applied = pages::apply_pages(&mut store, &case.pages);
            assert_eq!(applied.stored as usize, case.rows.len());
        }
        Way::Raw => {
            pages::insert_rows(&mut store, &case.rows, case.base.is_some());
        }
    }
    store
        .conn()
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .expect("checkpoint");
    let took = t.elapsed();
    drop((store, dir));
    took
}

fn bench_case(c: &mut Criterion, case: &Case) {
    let mut g = c.benchmark_group(format!("apply_pages/{}", case.name));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(case.rows.len() as u64));
    let n = case.rows.len();
    for (way, other) in [(Way::Sync, Way::Raw), (Way::Raw, Way::Sync)] {
        g.bench_function(BenchmarkId::from_parameter(way.name()), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let took = run(case, way);
                    let paired = run(case, other);
                    record(format!("{}/{}", case.name, way.name()), n, took);
                    record(format!("{}/{}", case.name, other.name()), n, paired);
                    total += took;
                }
                total
            })
        });
    }
    g.finish();
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (v[(n - 1) / 2] + v[n / 2]) / 2.0
}

/// Prints and saves the median rates and the median paired `sync / raw` ratio of this run.
fn summary(out_dir: &Path) {
    let rates = RATES.lock().unwrap();
    let mut text = String::from(
        "apply_pages: median msgs/s of this run (sync = decode + upsert, raw = prepared INSERTs)\n",
    );
    for case in ["fresh", "incremental"] {
        let (Some(sync), Some(raw)) = (
            rates.get(&format!("{case}/sync")),
            rates.get(&format!("{case}/raw")),
        ) else {
            continue;
        };
        // Entry i of both lists comes from the same iteration: one run each, back to back.
        let ratios: Vec<f64> = sync.iter().zip(raw).map(|(s, r)| s / r).collect();
        let (sync, raw, ratio) = (median(sync), median(raw), median(&ratios));
        let verdict = if sync >= 100_000.0 && ratio >= 0.5 {
            "meets"
        } else {
            "MISSES"
        };
        text.push_str(&format!(
            "{case:<12} sync {sync:>7.0}/s  raw {raw:>7.0}/s  sync/raw {ratio:.2} over {} pairs \
             ({verdict} sync >= 100000/s and sync/raw >= 0.5)\n",
            ratios.len()
        ));
    }
    print!("\n{text}");
    if std::fs::create_dir_all(out_dir).is_ok() {
        let _ = std::fs::write(out_dir.join("summary.txt"), &text);
    }
}

fn apply_pages(c: &mut Criterion) {
    let t = Instant::now();
    let msgs = pages::messages(BASE + NEW, SESSIONS);
    let fresh_pages = pages::pages(&msgs[..BASE]);
    let incr_pages = pages::pages(&msgs[BASE - OVERLAP..]);
    let fresh = Case {
        name: "fresh",
        base: None,
        rows: pages::rows(&fresh_pages),
        pages: fresh_pages,
    };
    // The 40k store every incremental run starts from, built once by the sync path.
    let base_dir = tempfile::tempdir().expect("temp dir");
    let base_path = base_dir.path().join("base.db");
    {
        let mut store = Store::open(&base_path).expect("base store");
        pages::apply_pages(&mut store, &fresh.pages);
        // Closing checkpoints the WAL, so copying the main file alone copies everything.
    }
    let incremental = Case {
        name: "incremental",
        base: Some(base_path),
        rows: pages::rows(&incr_pages),
        pages: incr_pages,
    };
    let bytes: usize = fresh.pages.iter().map(Vec::len).sum();
    eprintln!(
        "apply_pages: {} + {} messages, {} pages of JSON ({:.1} MB, {:.0} B/msg) ready in {:.1?}",
        fresh.rows.len(),
        incremental.rows.len(),
        fresh.pages.len() + incremental.pages.len(),
        bytes as f64 / 1e6,
        bytes as f64 / fresh.rows.len() as f64,
        t.elapsed()
    );
    bench_case(c, &fresh);
    bench_case(c, &incremental);
    drop(base_dir);
}

criterion_group!(benches, apply_pages);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion/apply_pages");
    summary(&out);
}
