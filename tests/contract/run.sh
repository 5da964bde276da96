#!/usr/bin/env bash
# The API contract, checked by a real client: Schemathesis reads /api/openapi.json from the demo
# server (the README's run command, on a fresh SQLite file, debug build) and sends what the
# document allows and what it forbids, with every check. Any failure fails the run.
#   bash tests/contract/run.sh
# Needs python3 (with venv); installs Schemathesis (pinned) into target/contract-venv.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
target_dir=${CARGO_TARGET_DIR:-target}
venv=$target_dir/contract-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked -p assetmap
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
"$target_dir/debug/assetmap" serve --demo --addr "127.0.0.1:$port" --database "$work/contract.db" \
  >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done

"$venv/bin/schemathesis" --config-file tests/contract/schemathesis.toml --no-color run \
  "http://127.0.0.1:$port/api/openapi.json" --checks all --workers 2
