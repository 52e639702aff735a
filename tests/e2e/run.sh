#!/usr/bin/env bash
# Runs the end-to-end tests against the debug build of the app, under Xvfb and a private D-Bus
# session, through tauri-driver + WebKitWebDriver. Installs tauri-driver and the Python
# packages when missing. Screenshots land in tests/e2e/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] \
  || cargo install tauri-driver --locked --version '^2'
python3 -m pip install -q -r tests/e2e/requirements.txt
export PATH="$HOME/.cargo/bin:$PATH"
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  python3 -m pytest -q -p no:cacheprovider tests/e2e
