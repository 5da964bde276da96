#!/usr/bin/env bash
# The README's test command: every test of the project, from a fresh clone.
#   bash tests/run.sh
# Rust tests (unit + API over real HTTP on a random port, real SQLite files), then the browser
# tests when their runner exists. Set TEST_POSTGRES_URL to run the PostgreSQL tests as well.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use: Debian's Chromium (never a browser a tool downloads) for the
# browser and print tests, poppler-utils to read printed sheets, Noto fonts so Arabic and
# Chinese sheets have their glyphs, gdal-bin (ogrinfo, ogr2ogr) to read /ogc as a GIS does.
# Installed here when we may (root with apt-get, as on a fresh
# machine or in CI); otherwise the script stops and says what to install.
need=()
for pkg in chromium poppler-utils fonts-noto-core fonts-noto-cjk gdal-bin; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Python with venv, for Schemathesis and polib (the API contract and PO checks install them into target/).
if ! python3 -m venv --help >/dev/null 2>&1; then
  need+=(python3 python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "error: the tests need these Debian packages: ${need[*]}" >&2
    echo "       run: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

echo "== format and lints (cargo fmt --check; clippy with every warning an error)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test (workspace)"
cargo test --workspace --locked

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests (Chromium via playwright-core)"
  npm ci --prefix web --no-audit --no-fund
  npm ci --prefix tests/e2e --no-audit --no-fund
  npm test --prefix tests/e2e
fi

echo "== PO files read and written by Python's polib (translators' tools)"
bash tests/po/run.sh

echo "== API contract (Schemathesis against the demo server)"
bash tests/contract/run.sh
