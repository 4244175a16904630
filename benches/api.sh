#!/usr/bin/env bash
# The API benchmark: PARTIES parties and INTERACTIONS interactions imported into a fresh
# database, then, with the release server on loopback and wrk as the load generator (64
# connections, 2 threads, on the same 2 cores):
#   1. the party 360 (GET /api/v1/parties/{key}/360 of random parties): requests/s, p50, p99;
#   2. logging interactions (POST /api/v1/interactions): writes/s, errors, and whether every
#      answered write is in the database afterwards.
#
#   benches/api.sh                                   # 1,000,000 parties, 10,000,000 interactions
#   PARTIES=10000 INTERACTIONS=100000 BACKENDS=sqlite DURATION=10s benches/api.sh
#
# Needs wrk (Debian package `wrk`; installed when missing) and, for PostgreSQL, a server at
# $PG_URL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

PARTIES=${PARTIES:-1000000}
INTERACTIONS=${INTERACTIONS:-10000000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DIR=${DIR:-bench-data/api-$PARTIES-$INTERACTIONS}
PORT=${PORT:-18181}
mkdir -p "$DIR"

for tool in wrk sqlite3; do
  command -v $tool >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq $tool; }
done
cargo build -q --release -p rapport
cargo build -q --release -p rapport-demo --example bench_touchpoints
bin=target/release/rapport
[ -f "$DIR/interactions.csv" ] || target/release/examples/bench_touchpoints "$PARTIES" "$INTERACTIONS" 1 "$DIR"

count() { # url -> interactions in the database
  case $1 in
    sqlite://*) sqlite3 "${1#sqlite://}" 'SELECT COUNT(*) FROM interactions' ;;
    *) psql "$1" -qtAc 'SELECT COUNT(*) FROM interactions' ;;
  esac
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) db="$DIR/api.db"; rm -f "$db" "$db-wal" "$db-shm" "$db-journal"; url="sqlite://$db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS rapport_api_bench WITH (FORCE)' -c 'CREATE DATABASE rapport_api_bench' >/dev/null
      url="$PG_URL/rapport_api_bench" ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac
  echo "== $backend: importing $PARTIES parties and $INTERACTIONS interactions"
  for kind in parties interactions; do
    start=$(date +%s.%N)
    "$bin" --db "$url" import "$kind" "$DIR/$kind.csv" >/dev/null
    echo "  $kind: $(echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.1f') s"
  done
  RAPPORT_PASSWORD="benchmark password" "$bin" --db "$url" user add bench@bench.example --name Bench --role admin >/dev/null
  TOKEN=$("$bin" --db "$url" user token create bench@bench.example --name bench | grep '^rpt_')
  export TOKEN PARTIES
  RAPPORT_LOG=${RAPPORT_LOG:-info} "$bin" --db "$url" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$DIR/server-$backend.log" &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  echo "== $backend: party 360, $CONNECTIONS connections, $DURATION"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/wrk-360.lua "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|Non-2xx|Socket errors|^ +50%|^ +99%|requests in'
  before=$(count "$url")
  echo "== $backend: logging interactions, $CONNECTIONS connections, $DURATION"
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/wrk-log.lua "http://127.0.0.1:$PORT")
  grep -E 'Requests/sec|Non-2xx|Socket errors|^ +50%|^ +99%|requests in' <<<"$out"
  kill -TERM $server; wait $server || true
  trap - EXIT
  after=$(count "$url")
  answered=$(grep -oE '^ +[0-9]+ requests in' <<<"$out" | grep -oE '[0-9]+')
  echo "  written: $((after - before)) interactions for $answered answered requests"
done
