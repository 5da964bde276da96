#!/usr/bin/env bash
# The PO files as translators' tools read them: Python's `polib` (the gettext PO library
# Weblate and many scripts use) reads every language's download from the demo server, and a
# review written back *with polib's own writer* is taken by the server and reaches the sheet.
#   bash tests/po/run.sh
# Needs python3 (with venv); installs polib (pinned) into target/po-venv.
set -euo pipefail
cd "$(dirname "$0")/../.."

POLIB_VERSION=1.2.0
venv=target/po-venv
if ! "$venv/bin/python" -c "import polib, sys; sys.exit(polib.__version__ != '$POLIB_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "polib==$POLIB_VERSION"
fi

cargo build --locked -p assetmap
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
target_dir=${CARGO_TARGET_DIR:-target}
"$target_dir/debug/assetmap" serve --demo --addr "127.0.0.1:$port" --database "$work/po.db" \
  --admin-token "$token" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done

ASSETMAP_URL="http://127.0.0.1:$port" ASSETMAP_TOKEN="$token" "$venv/bin/python" tests/po/check.py
