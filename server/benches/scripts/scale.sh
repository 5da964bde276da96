#!/usr/bin/env bash
# What grows with what, on disk: imports N realistic sites (the 572 Miami-Dade demo records,
# copied with moved coordinates, about one partner per two sites) into SQLite and into
# PostgreSQL with `assetmap import --commit`, and reports the time each import took and the size
# of each database, change feed included. (Start-up time and memory: cargo bench --bench startup.)
#
#   bash server/benches/scripts/scale.sh            # N=100000 by default; from the repository root
set -euo pipefail
cd "$(dirname "$0")/../../.."

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
for db in "$WORK/sites.db" "$PG_URL"; do
  start=$(date +%s.%N)
  "$BIN" import "$WORK/sites.geojson" --commit --database "$db" > "$WORK/import.txt"
  echo "$N sites into ${db%%:*}: import $(secs "$start") s"
  grep -E "partners:|sites:" "$WORK/import.txt" | sed 's/^/   /'
done
psql "$PG_URL" -Atc "select 'PostgreSQL size: ' || pg_size_pretty(pg_database_size(current_database())) \
  || '; changes table: ' || pg_size_pretty(pg_total_relation_size('changes')) || ' for ' || count(*) || ' entries' from changes"
echo "SQLite file: $(du -h "$WORK/sites.db" | cut -f1)"
