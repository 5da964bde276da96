#!/usr/bin/env bash
# Import throughput of the 2019 211 Miami HSDS data package (4,089 location rows, 14 tables;
# 1,868 sites kept through data/mappings/open211-miami-categories.csv), in rows per second:
# the release binary's `assetmap import DIR --mapping ... [--commit]` into a fresh SQLite file
# and a fresh PostgreSQL database, ROUNDS times each, alternating; prints each run and the medians.
# Dry run = reading, repairing, mapping and planning; commit = that plus the one transaction.
#
#   bash server/benches/scripts/import_hsds.sh       # from the repository root; ROUNDS=5 by default
set -euo pipefail
cd "$(dirname "$0")/../../.."

ROUNDS="${ROUNDS:-5}"
PKG="${PKG:-../shared/data/hsds/miami_open211_2019}"
MAP=data/mappings/open211-miami-categories.csv
ADMIN_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_URL="${ADMIN_URL%/*}/assetmap_bench_hsds"
WORK=target/bench-hsds
BIN=target/release/assetmap
cargo build --release --locked -p assetmap --bin assetmap >&2
rm -rf "$WORK"; mkdir -p "$WORK"
ROWS=$(( $(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))))" "$PKG/locations.csv") - 1 ))
trap 'psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench_hsds with (force)" >/dev/null 2>&1 || true' EXIT

# one timed import; prints seconds
run() { # store mode
    local url
    if [ "$1" = sqlite ]; then rm -f "$WORK"/b.db*; url="$WORK/b.db"; else
        psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench_hsds with (force)" -c "create database assetmap_bench_hsds" >/dev/null
        url="$PG_URL"; fi
    "$BIN" migrate --database "$url" 2>/dev/null   # migrations are not the import
    local flag=""; [ "$2" = commit ] && flag=--commit
    local t0; t0=$(date +%s.%N)
    "$BIN" import "$PKG" --mapping "$MAP" $flag --database "$url" >/dev/null
    echo "$(date +%s.%N) - $t0" | bc
}

declare -A all
for r in $(seq "$ROUNDS"); do
    for store in sqlite postgres; do
        for mode in dry commit; do
            s=$(run "$store" "$mode")
            all[$store.$mode]+="$s "
            printf 'round %d %-8s %-6s %6.3f s  %8.0f rows/s\n' "$r" "$store" "$mode" "$s" "$(echo "$ROWS / $s" | bc -l)"
        done
    done
done
echo "median of $ROUNDS ($ROWS rows):"
for k in sqlite.dry sqlite.commit postgres.dry postgres.commit; do
    m=$(echo "${all[$k]}" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    printf '  %-16s %6.3f s  %8.0f rows/s\n' "$k" "$m" "$(echo "$ROWS / $m" | bc -l)"
done
