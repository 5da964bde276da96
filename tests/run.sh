#!/usr/bin/env bash
# The README's test command: every test of the project, from a fresh clone.
#   bash tests/run.sh
# Rust tests (unit + API over real HTTP on a random port, real SQLite files), then the browser
# tests when their runner exists. Set TEST_POSTGRES_URL to run the PostgreSQL tests as well.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (workspace)"
cargo test --workspace --locked

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests (Chromium via playwright-core)"
  # Debian's chromium, never a browser a tool downloads. Installed here when we may (root with
  # apt-get, as on a fresh machine or in CI); otherwise the tests stop and say how to get it.
  chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$chromium_bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    else
      echo "error: the browser tests need Chromium at $chromium_bin: run 'sudo apt-get install chromium'" >&2
      echo "       (or set CHROMIUM to a Chromium executable)" >&2
      exit 1
    fi
  fi
  npm ci --prefix web --no-audit --no-fund
  npm ci --prefix tests/e2e --no-audit --no-fund
  npm test --prefix tests/e2e
fi
