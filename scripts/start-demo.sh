#!/usr/bin/env bash
# Installs what is missing, builds the UI and the app, and starts Atende on the demo workspace
# (an in-process Helena simulator with realistic PT-BR data). Without a display it runs under
# Xvfb and saves a screenshot to docs/screenshot-latest.png after a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
cargo build -p atende
unset ATENDE_API_URL ATENDE_API_TOKEN
if [ -n "${DISPLAY:-}" ]; then
  exec dbus-run-session -- ./target/debug/atende
fi
echo "==> no DISPLAY: running under Xvfb; screenshot in docs/screenshot-latest.png"
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  ./target/debug/atende & app=$!
  sleep "${ATENDE_SHOT_AFTER:-25}"
  import -window root docs/screenshot-latest.png && echo "screenshot saved"
  wait $app'
