#!/usr/bin/env bash
# Nearest queries per second through HTTP: one `assetmap serve` instance (per-core runtimes, the
# default), the same on the shared work-stealing runtime (`--http-threads 0`, as before the
# per-core runtimes), two instances on one PostgreSQL database, and the reference the target is
# stated against — PostGIS answering the same queries over two connections (pgbench) — measured
# in the same run, alternating, ROUNDS times each; prints every run and the medians.
#
#   bash server/benches/scripts/http_nearest.sh            # from the repository root
#
# Needs: a release build (built here), wrk (Debian: apt-get install wrk), a PostgreSQL server at
# $BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres; the database
# assetmap_bench is created, and dropped at the end), and the benchmark inputs
# (python3 ../shared/bench/gen_data.py --out target/bench-data): 50,000 sites, 10,000 query
# points weighted by population. Each query asks for the 5 nearest sites of its category.
# The PostGIS reference needs the postgis extension in that server (Debian:
# apt-get install postgresql-15-postgis-3) and pgbench; without it, it is skipped and says so.
set -euo pipefail
cd "$(dirname "$0")/../../.."

ROUNDS="${ROUNDS:-3}"
SECONDS_EACH="${SECONDS_EACH:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
ADMIN_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_URL="${ADMIN_URL%/*}/assetmap_bench"
DATA=target/bench-data
WORK=target/bench-http
BIN=target/release/assetmap

command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
[ -f "$DATA/partners.csv" ] || { echo "run: python3 ../shared/bench/gen_data.py --out $DATA" >&2; exit 1; }
cargo build --release --locked -p assetmap --bin assetmap >&2
mkdir -p "$WORK"

# The 50,000 benchmark sites as an import file: one partner per 100 sites.
awk -F, 'NR == 1 { print "source_id,partner_name,name,lon,lat,categories"; next }
         { printf "bench-%s,Bench partner %d,Site %s,%s,%s,%s\n", $1, $1 % 500, $1, $3, $4, $2 }' \
    "$DATA/partners.csv" > "$WORK/sites.csv"

psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench with (force)" -c "create database assetmap_bench"
start=$(date +%s.%N)
"$BIN" import "$WORK/sites.csv" --commit --database "$DB_URL" --instance bench-import > "$WORK/import.txt"
echo "import of 50,000 sites into PostgreSQL: $(echo "$(date +%s.%N) - $start" | bc) s" >&2

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench with (force)" || true
  cleanup_postgis
}
trap cleanup EXIT

# The reference: PostGIS (geography, one GiST index per category) answering each query point's
# 5 nearest of its category, one statement per query, over two connections. This is the
# fastest form found here: a category literal in each statement lets the planner use that
# category's partial index (one composite btree_gist index, or the category as a parameter,
# was about half as fast). pgbench runs one script per category, weighted by its queries.
PGIS_URL="${ADMIN_URL%/*}/assetmap_bench_postgis"
postgis=no
pgis_scripts=()
if command -v pgbench >/dev/null \
    && [ "$(psql "$ADMIN_URL" -Atc "select count(*) from pg_available_extensions where name = 'postgis'")" = 1 ]; then
  postgis=yes
  psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench_postgis with (force)" -c "create database assetmap_bench_postgis"
  psql "$PGIS_URL" -q -v ON_ERROR_STOP=1 <<SQL >&2
create extension postgis;
create table partners (id int primary key, category text not null, lon float8, lat float8, geog geography(Point, 4326));
create table queries (id int primary key, category text not null, lon float8, lat float8, geog geography(Point, 4326));
\\copy partners (id, category, lon, lat) from '$DATA/partners.csv' csv header
\\copy queries (id, category, lon, lat) from '$DATA/queries.csv' csv header
update partners set geog = st_setsrid(st_makepoint(lon, lat), 4326)::geography;
update queries set geog = st_setsrid(st_makepoint(lon, lat), 4326)::geography;
SQL
  for c in $(psql "$PGIS_URL" -Atc "select distinct category from partners order by 1"); do
    psql "$PGIS_URL" -q -v ON_ERROR_STOP=1 \
      -c "create index on partners using gist (geog) where category = '$c'" \
      -c "create table q_$c as select row_number() over (order by id) - 1 as n, geog from queries where category = '$c'" \
      -c "create unique index on q_$c (n)"
    n=$(psql "$PGIS_URL" -Atc "select count(*) from q_$c")
    cat > "$WORK/postgis-$c.sql" <<SQL
\\set n random(0, $((n - 1)))
select p.id, st_distance(p.geog, q.geog, false) as distance_m
  from q_$c q,
       lateral (select id, geog from partners p where p.category = '$c' order by p.geog <-> q.geog limit 5) p
 where q.n = :n;
SQL
    pgis_scripts+=(-f "$WORK/postgis-$c.sql@$n")
  done
  psql "$PGIS_URL" -qc "vacuum analyze"
else
  echo "PostGIS reference skipped: no postgis extension in $ADMIN_URL, or no pgbench" >&2
fi
cleanup_postgis() {
  [ "$postgis" = yes ] && psql "$ADMIN_URL" -qc "drop database if exists assetmap_bench_postgis with (force)" || true
}
# 18091: one instance on every core. 18093: the same on the shared work-stealing runtime.
# 18092 and 18094: two instances, each given a core of its own (taskset), as instances sharing
# a host should be (two instances that each pin a runtime to every core fight over them).
cpus=$(nproc)
for port in 18091 18092 18093 18094; do
  threads=(); pin=()
  [ "$port" = 18093 ] && threads=(--http-threads 0)
  if [ "$cpus" -ge 2 ] && command -v taskset >/dev/null; then
    [ "$port" = 18092 ] && pin=(taskset -c "0-$(( cpus / 2 - 1 ))")
    [ "$port" = 18094 ] && pin=(taskset -c "$(( cpus / 2 ))-$(( cpus - 1 ))")
  fi
  RUST_LOG=assetmap=info "${pin[@]}" "$BIN" serve --addr "127.0.0.1:$port" --database "$DB_URL" --instance "bench-$port" \
      "${threads[@]}" > "$WORK/serve-$port.log" 2>&1 &
  pids+=($!)
done
for port in 18091 18092 18093 18094; do
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/healthz" >&2; echo >&2
done

rate() { awk '/^Requests\/sec:/ { print $2 }'; }
one=(); shared=(); two=(); floor=(); pgis=()
for r in $(seq 1 "$ROUNDS"); do
  # Warm-up, then one instance: 2 wrk threads, $CONNECTIONS connections.
  wrk -t2 -c"$CONNECTIONS" -d2s -s server/benches/scripts/nearest.lua http://127.0.0.1:18091 -- "$DATA/queries.csv" >/dev/null
  x=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -s server/benches/scripts/nearest.lua http://127.0.0.1:18091 -- "$DATA/queries.csv" \
      | tee "$WORK/one-$r.txt" | rate)
  one+=("$x")
  # The same on the shared work-stealing runtime (--http-threads 0).
  wrk -t2 -c"$CONNECTIONS" -d2s -s server/benches/scripts/nearest.lua http://127.0.0.1:18093 -- "$DATA/queries.csv" >/dev/null
  w=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -s server/benches/scripts/nearest.lua http://127.0.0.1:18093 -- "$DATA/queries.csv" \
      | tee "$WORK/shared-$r.txt" | rate)
  shared+=("$w")
  # Reference: the HTTP stack alone (router, request log, a small constant JSON answer).
  z=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" http://127.0.0.1:18091/api/v1/categories | rate)
  floor+=("$z")
  # Two instances: the same load generator budget split between them (1 thread, half the
  # connections each), as a load balancer would spread it.
  wrk -t1 -c$((CONNECTIONS / 2)) -d"${SECONDS_EACH}s" -s server/benches/scripts/nearest.lua http://127.0.0.1:18092 -- "$DATA/queries.csv" \
      > "$WORK/two-a-$r.txt" &
  wa=$!
  wrk -t1 -c$((CONNECTIONS / 2)) -d"${SECONDS_EACH}s" -s server/benches/scripts/nearest.lua http://127.0.0.1:18094 -- "$DATA/queries.csv" \
      > "$WORK/two-b-$r.txt"
  wait "$wa"
  y=$(echo "$(rate < "$WORK/two-a-$r.txt") + $(rate < "$WORK/two-b-$r.txt")" | bc)
  two+=("$y")
  # The reference: PostGIS over two connections, prepared statements, for as long.
  p=n/a
  if [ "$postgis" = yes ]; then
    p=$(pgbench -n -M prepared -c2 -j2 -T"$SECONDS_EACH" "${pgis_scripts[@]}" "$PGIS_URL" 2>/dev/null \
        | awk '/^tps/ { print $3 }')
    pgis+=("$p")
  fi
  echo "round $r: one instance $x queries/s; one instance, shared runtime $w queries/s; two instances $y queries/s; GET /api/v1/categories $z/s; PostGIS, two connections, $p queries/s" >&2
  grep -h "Non-2xx" "$WORK"/one-"$r".txt "$WORK"/shared-"$r".txt "$WORK"/two-?-"$r".txt >&2 || true
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median of $ROUNDS rounds, ${SECONDS_EACH} s each, $CONNECTIONS connections, k=5, 50,000 sites:"
echo "  one instance:  $(median "${one[@]}") queries/s"
echo "  one instance, shared work-stealing runtime (--http-threads 0): $(median "${shared[@]}") queries/s"
echo "  two instances: $(median "${two[@]}") queries/s"
echo "  reference, GET /api/v1/categories on one instance: $(median "${floor[@]}") requests/s"
if [ "$postgis" = yes ]; then
  echo "  reference, PostGIS over two connections (pgbench, prepared): $(median "${pgis[@]}") queries/s"
fi
grep -h "Latency " "$WORK"/one-*.txt | sed 's/^/  one instance latency: /'
