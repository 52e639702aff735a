#!/usr/bin/env bash
# Installs what Atende needs on a fresh Debian 12 / Ubuntu machine and is a no-op when it is all
# there: the system libraries of Tauri 2 (WebKitGTK 4.1), Xvfb and WebKitWebDriver for headless
# runs, and the UI's npm packages. Rust crates are fetched by cargo itself.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(pkg-config build-essential libssl-dev libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev
      libsoup-3.0-dev libayatana-appindicator3-dev librsvg2-dev
      xvfb xauth dbus-x11 at-spi2-core webkit2gtk-driver imagemagick fonts-noto-core
      fonts-noto-color-emoji)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js 20+ and npm are required" >&2; exit 1; }

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund)
fi
