#!/usr/bin/env bash
# Import throughput of our own CSV: N generated sites (the 572 Miami-Dade demo records, copied
# with their coordinates moved by up to ±0.05°, about one partner per two sites, every column a
# spreadsheet would fill) imported with `assetmap import --commit` into a fresh SQLite file and
# a fresh PostgreSQL database, RUNS times each; prints every run and the median rows/s.
# The whole pipeline is timed: reading, decoding, parsing, the service-area check, planning
# against the (empty) directory and the one transaction.
#
#   bash server/benches/scripts/import_csv.sh         # N=100000 RUNS=3; from the repository root
set -euo pipefail
cd "$(dirname "$0")/../../.."

N="${N:-100000}"
RUNS="${RUNS:-3}"
ADMIN_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_URL="${ADMIN_URL%/*}/assetmap_import_bench"
WORK=target/bench-import
BIN=target/release/assetmap
cargo build --release --locked -p assetmap --bin assetmap >&2
rm -rf "$WORK"; mkdir -p "$WORK"

python3 - "$N" "$WORK/sites.csv" <<'PY'
import csv, json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
demo = json.load(open("data/demo/miami-dade.geojson"))["features"]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
cols = ["source_id", "partner_source_id", "partner_name", "partner_website", "name", "description",
        "street", "city", "state", "postal_code", "lon", "lat", "categories", "languages", "phone",
        "phone_languages", "timezone"] + [f"hours_{d}" for d in days] + [
        "services", "cost", "eligibility", "walk_in", "no_id_required", "last_verified_at", "description_es"]
with open(out, "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(cols)
    for i in range(n):
        f = demo[i % len(demo)]
        p = f["properties"]
        copy = i // len(demo)
        lon, lat = f["geometry"]["coordinates"]
        hours = {d: "" for d in days}
        for s in ((p.get("hours") or {}).get("weekly") or []):
            hours[s["day"]] = (hours[s["day"]] + ", " if hours[s["day"]] else "") + f"{s['opens']}-{s['closes']}"
        phone = (p.get("phones") or [{}])[0]
        row = {
            "source_id": f"bench-{i}", "partner_source_id": f"bench-partner-{i // 2}",
            "partner_name": f"{p.get('partner_name', 'Partner')} ({copy}-{i // 2})",
            "partner_website": "https://example.org", "name": f"{p['name']} #{i}",
            "description": (p.get("description") or "")[:400], "street": p.get("street") or "",
            "city": p.get("city") or "", "state": p.get("state") or "FL", "postal_code": p.get("postal_code") or "",
            "lon": round(lon + random.uniform(-0.05, 0.05), 6), "lat": round(lat + random.uniform(-0.05, 0.05), 6),
            "categories": ";".join(p["categories"]), "languages": ";".join(p.get("languages") or []),
            "phone": phone.get("number", ""), "phone_languages": ";".join(phone.get("languages") or []),
            "timezone": "America/New_York", "services": ";".join(s["name"] for s in (p.get("services") or [])[:5]),
            "cost": p.get("cost") or "", "eligibility": (p.get("eligibility") or "")[:200],
            "walk_in": "yes" if p.get("walk_in") else "", "no_id_required": "yes" if p.get("no_id_required") else "",
            "last_verified_at": "2026-10-01", "description_es": "Servicio de ayuda (borrador)",
        }
        row.update({f"hours_{d}": v for d, v in hours.items()})
        w.writerow([row[c] for c in cols])
PY
echo "$(wc -l < "$WORK/sites.csv") lines, $(du -h "$WORK/sites.csv" | cut -f1)" >&2

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() { # $1: label, $2: database URL maker
  local label=$1 rates=()
  for r in $(seq "$RUNS"); do
    local db; db=$($2 "$r")
    local start end
    start=$(date +%s.%N)
    "$BIN" import "$WORK/sites.csv" --commit --database "$db" > "$WORK/import-$label-$r.txt"
    end=$(date +%s.%N)
    grep -q "sites:    $N new" "$WORK/import-$label-$r.txt" || { cat "$WORK/import-$label-$r.txt" >&2; exit 1; }
    local rate; rate=$(echo "$N / ($end - $start)" | bc -l)
    printf '%s run %d: %.1f s, %.0f rows/s\n' "$label" "$r" "$(echo "$end - $start" | bc -l)" "$rate"
    rates+=("$rate")
  done
  printf '%s median: %.0f rows/s\n' "$label" "$(printf '%s\n' "${rates[@]}" | median)"
}
sqlite_db() { rm -f "$WORK/bench.db"*; echo "sqlite://$WORK/bench.db"; }
pg_db() {
  psql "$ADMIN_URL" -qc "drop database if exists assetmap_import_bench with (force)" -c "create database assetmap_import_bench" >&2
  echo "$PG_URL"
}
trap 'psql "$ADMIN_URL" -qc "drop database if exists assetmap_import_bench with (force)" >/dev/null 2>&1 || true' EXIT
run sqlite sqlite_db
run postgres pg_db
