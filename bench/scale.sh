#!/usr/bin/env bash
# What grows with what: imports N realistic sites (the 572 Miami-Dade demo records, copied with
# moved coordinates, about one partner per two sites) into SQLite and into PostgreSQL, then
# reports the import time, the start-up (load) time and the resident memory of `assetmap serve`
# holding them, against the same server over an empty database.
#
#   bash bench/scale.sh            # N=100000 by default; from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-100000}"
ADMIN_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_URL="${ADMIN_URL%/*}/assetmap_scale"
WORK=target/bench-scale
BIN=target/release/assetmap
cargo build --release --locked -p assetmap --bin assetmap >&2
rm -rf "$WORK"; mkdir -p "$WORK"

python3 - "$N" "$WORK/sites.geojson" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
demo = json.load(open("data/demo/miami-dade.geojson"))["features"]
features = []
for i in range(n):
    f = json.loads(json.dumps(demo[i % len(demo)]))
    copy = i // len(demo)
    p = f["properties"]
    p["source_id"] = f"{p['source_id']}:{copy}"
    p["partner_source_id"] = f"{p['partner_source_id']}:{copy}"
    p["partner_name"] = f"{p['partner_name']} ({copy})"
    lon, lat = f["geometry"]["coordinates"]
    f["geometry"]["coordinates"] = [round(lon - 4 + (copy % 40) * 0.2, 6), round(lat - 3 + (copy // 40) * 0.2, 6)]
    features.append(f)
json.dump({"type": "FeatureCollection", "features": features}, open(out, "w"))
PY

psql "$ADMIN_URL" -qc "drop database if exists assetmap_scale with (force)" -c "create database assetmap_scale"
trap 'psql "$ADMIN_URL" -qc "drop database if exists assetmap_scale with (force)" || true' EXIT

secs() { echo "$(date +%s.%N) - $1" | bc | xargs printf '%.1f'; }
rss_of() { # serves $1 until loaded, prints "load ms, RSS MiB"
  ASSETMAP_LOG_FORMAT=json "$BIN" serve --addr 127.0.0.1:18099 --database "$1" > "$WORK/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 1200); do curl -sf http://127.0.0.1:18099/healthz >/dev/null && break; sleep 0.1; done
  local ms rss
  ms=$(grep "directory loaded" "$WORK/serve.log" | grep -o '"ms":[0-9]*' | cut -d: -f2)
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "load ${ms} ms, RSS ${rss} MiB"
}

"$BIN" migrate --database "$WORK/empty.db" 2>/dev/null
echo "empty SQLite database: $(rss_of "$WORK/empty.db")"
for db in "$WORK/sites.db" "$PG_URL"; do
  start=$(date +%s.%N)
  "$BIN" import "$WORK/sites.geojson" --commit --database "$db" > "$WORK/import.txt"
  echo "$N sites into ${db%%:*}: import $(secs "$start") s; serve: $(rss_of "$db")"
  grep -E "partners:|sites:" "$WORK/import.txt" | sed 's/^/   /'
done
psql "$PG_URL" -Atc "select 'PostgreSQL size: ' || pg_size_pretty(pg_database_size(current_database())) \
  || '; changes table: ' || pg_size_pretty(pg_total_relation_size('changes')) || ' for ' || count(*) || ' entries' from changes"
echo "SQLite file: $(du -h "$WORK/sites.db" | cut -f1)"
