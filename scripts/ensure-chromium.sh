#!/usr/bin/env bash
# Installs Debian's chromium for the web app's end-to-end tests when it is missing (idempotent,
# quiet). Needs root or passwordless sudo; prints where chromium is.
set -euo pipefail
find_chromium() { command -v chromium || command -v chromium-browser || true; }
if [ -z "$(find_chromium)" ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo -n"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
find_chromium
