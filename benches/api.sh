#!/usr/bin/env bash
# The API benchmark: PARTIES parties and INTERACTIONS interactions imported into a fresh
# database, then, with the release server on loopback and wrk as the load generator (64
# connections, 2 threads, on the same 2 cores), RUNS times, each with a freshly started server
# warmed up for WARMUP first:
#   1. the party 360 (GET /api/v1/parties/{key}/360 of random parties): requests/s, p50, p99;
#   2. logging interactions (POST /api/v1/interactions): writes/s, errors, and whether every
#      answered write is in the database afterwards.
# Each line also gives the server's CPU time per request (from /proc), a figure that other
# work on the machine disturbs less than throughput. The medians over the runs come last.
#
#   benches/api.sh                                   # 1,000,000 parties, 10,000,000 interactions
#   PARTIES=10000 INTERACTIONS=100000 BACKENDS=sqlite DURATION=10s benches/api.sh
#   KEEP=1 benches/api.sh                            # reuse the databases of an earlier run
#
# Needs wrk (Debian package `wrk`; installed when missing) and, for PostgreSQL, a server at
# $PG_URL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

PARTIES=${PARTIES:-1000000}
INTERACTIONS=${INTERACTIONS:-10000000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
RUNS=${RUNS:-3}
CONNECTIONS=${CONNECTIONS:-64}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DIR=${DIR:-bench-data/api-$PARTIES-$INTERACTIONS}
PORT=${PORT:-18181}
KEEP=${KEEP:-0}
mkdir -p "$DIR"

for tool in wrk sqlite3; do
  command -v $tool >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq $tool; }
done
cargo build -q --release -p rapport
cargo build -q --release -p rapport-demo --example bench_touchpoints
bin=target/release/rapport
if [ ! -f "$DIR/parties.csv" ]; then
  target/release/examples/bench_touchpoints "$PARTIES" "$INTERACTIONS" 1 "$DIR"
fi
# The interactions are imported a million at a time: one import is one transaction, and under
# SQLite's write-ahead log a transaction's pages stay in the log until it commits.
if ! ls "$DIR"/interactions-part-*.csv >/dev/null 2>&1; then
  head -n1 "$DIR/interactions.csv" >"$DIR/header"
  tail -n +2 "$DIR/interactions.csv" | split -l 1000000 -d -a 3 - "$DIR/part-"
  for p in "$DIR"/part-*; do
    cat "$DIR/header" "$p" >"$DIR/interactions-$(basename "$p").csv" && rm "$p"
  done
  rm "$DIR/header"
fi

count() { # url -> interactions in the database
  case $1 in
    sqlite://*) sqlite3 "${1#sqlite://}" 'SELECT COUNT(*) FROM interactions' ;;
    *) psql "$1" -qtAc 'SELECT COUNT(*) FROM interactions' ;;
  esac
}

# phase NAME SCRIPT SERVER_PID: one measured wrk run; prints a line, appends it to $results.
phase() {
  local cpu0 cpu1 out req
  cpu0=$(awk '{print $14 + $15}' "/proc/$3/stat")
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$2" "http://127.0.0.1:$PORT")
  cpu1=$(awk '{print $14 + $15}' "/proc/$3/stat")
  req=$(grep -oE '^ +[0-9]+ requests in' <<<"$out" | grep -oE '[0-9]+')
  line=$(printf '%-5s rps %8s  p50 %8s  p99 %8s  cpu/req %5.0f us  non-2xx %s  errors %s' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '/^ +50%/ {print $2}' <<<"$out")" "$(awk '/^ +99%/ {print $2}' <<<"$out")" \
    "$(bc -l <<<"($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $req")" \
    "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)" \
    "$(grep -oE 'Socket errors:.*' <<<"$out" || echo none)")
  echo "  $line"
  echo "$line requests $req p99ms $(awk '/^ +99%/ {print $2}' <<<"$out" | awk '
    /us$/ {print $0 / 1000; next} /ms$/ {print $0 + 0; next} /s$/ {print $0 * 1000}')" >>"$results"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) db="$DIR/api.db"; url="sqlite://$db"
      fresh=$([ "$KEEP" = 1 ] && [ -f "$db" ] && echo 0 || echo 1)
      [ "$fresh" = 1 ] && rm -f "$db" "$db-wal" "$db-shm" "$db-journal" ;;
    postgres)
      url="$PG_URL/rapport_api_bench"
      fresh=$([ "$KEEP" = 1 ] && psql "$url" -qtAc 'SELECT 1' >/dev/null 2>&1 && echo 0 || echo 1)
      if [ "$fresh" = 1 ]; then
        psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS rapport_api_bench WITH (FORCE)' -c 'CREATE DATABASE rapport_api_bench' >/dev/null
      fi ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac
  if [ "$fresh" = 1 ]; then
    echo "== $backend: importing $PARTIES parties and $INTERACTIONS interactions"
    start=$(date +%s.%N)
    "$bin" --db "$url" import parties "$DIR/parties.csv" >/dev/null
    echo "  parties: $(echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.1f') s"
    start=$(date +%s.%N)
    for part in "$DIR"/interactions-part-*.csv; do
      "$bin" --db "$url" import interactions "$part" >/dev/null
    done
    echo "  interactions: $(echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.1f') s"
    RAPPORT_PASSWORD="benchmark password" "$bin" --db "$url" user add bench@bench.example --name Bench --role admin >/dev/null
  fi
  TOKEN=$("$bin" --db "$url" user token create bench@bench.example --name "bench $(date +%s)" | grep '^rpt_')
  export TOKEN PARTIES
  results=$(mktemp)
  for run in $(seq 1 "$RUNS"); do
    echo "== $backend: run $run of $RUNS ($CONNECTIONS connections, $DURATION per phase, after $WARMUP of warm-up)"
    RAPPORT_LOG=${RAPPORT_LOG:-info} "$bin" --db "$url" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$DIR/server-$backend.log" &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
    wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s benches/wrk-360.lua "http://127.0.0.1:$PORT" >/dev/null
    phase 360 benches/wrk-360.lua $server
    before=$(count "$url")
    phase write benches/wrk-log.lua $server
    kill -TERM $server; wait $server || true
    trap - EXIT
    after=$(count "$url")
    answered=$(tail -n1 "$results" | grep -oE 'requests [0-9]+' | grep -oE '[0-9]+')
    echo "  written: $((after - before)) interactions for $answered answered requests"
    [ "$((after - before))" -ge "$answered" ] || { echo "  WRITES MISSING"; exit 1; }
  done
  for p in 360 write; do
    printf '== %s %-5s median of %s runs: rps %s, p99 %s ms\n' "$backend" "$p" "$RUNS" \
      "$(grep "^$p " "$results" | awk '{print $3}' | sort -g | sed -n "$(((RUNS + 1) / 2))p")" \
      "$(grep "^$p " "$results" | awk '{print $NF}' | sort -g | sed -n "$(((RUNS + 1) / 2))p")"
  done
  rm -f "$results"
done
