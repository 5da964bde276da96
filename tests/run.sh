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
  npm ci --prefix web --no-audit --no-fund
  npm ci --prefix tests/e2e --no-audit --no-fund
  npm test --prefix tests/e2e
fi
