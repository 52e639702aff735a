#!/usr/bin/env bash
# Runs every check and test of Atende: formatting, UI type-check + unit tests + build, clippy
# with -D warnings over the whole workspace, and the Rust tests (core, simulator and app-level
# tests, these last against a headless app core and the simulator over loopback HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
bash scripts/setup.sh

step() { echo; echo "==> $*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "UI: type-check, unit tests, build"
(cd ui && npm run typecheck && npm test && npm run build)

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (core and simulator: no display, no Tauri)"
cargo test -p atende-core -p atende-sim

step "cargo test (app)"
cargo test -p atende

step "end-to-end: the real window on the demo workspace (Xvfb + WebDriver)"
cargo build -p atende
bash tests/e2e/run.sh
