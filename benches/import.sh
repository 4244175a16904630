#!/usr/bin/env bash
# The import benchmark: ROWS order lines over CUSTOMERS customers into an empty database
# (the bulk path), then MORE lines (new orders of the same customers) into that database (the
# incremental path), on SQLite and PostgreSQL. Prints rows/s and peak memory (max RSS) per run.
#
#   benches/import.sh                      # 10,000,000 + 1,000,000 rows, both backends
#   ROWS=1000000 CUSTOMERS=100000 MORE=100000 BACKENDS=sqlite benches/import.sh
#
# Needs GNU time (/usr/bin/time) and, for PostgreSQL, a server at $PG_URL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-10000000}
CUSTOMERS=${CUSTOMERS:-1000000}
MORE=${MORE:-1000000}
SEED=${SEED:-1}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DIR=${DIR:-bench-data}
mkdir -p "$DIR"

cargo build -q --release -p rapport
cargo build -q --release -p rapport-demo --example bench_orders
gen=target/release/examples/bench_orders
bin=target/release/rapport

base="$DIR/orders-$ROWS-$CUSTOMERS.csv"
more="$DIR/orders-more-$MORE-$CUSTOMERS.csv"
[ -f "$base" ] || "$gen" "$ROWS" "$CUSTOMERS" "$SEED" "$base"
# New orders for the same customers: another seed, order ids moved to their own range.
[ -f "$more" ] || "$gen" "$MORE" "$CUSTOMERS" "$((SEED + 1))" /dev/stdout | sed 's/^BO/BM/' > "$more"
echo "files: $base ($(du -h "$base" | cut -f1)), $more ($(du -h "$more" | cut -f1))"

run() { # label url file
  local out
  out=$( { /usr/bin/time -f 'peak_kb=%M' "$bin" --db "$2" import orders "$3" --json; } 2>&1 )
  local rows secs bulk peak
  rows=$(grep -o '"rows": [0-9]*' <<<"$out" | head -n1 | grep -o '[0-9]*$')
  secs=$(grep -o '"seconds": [0-9.]*' <<<"$out" | grep -o '[0-9.]*$')
  bulk=$(grep -o '"bulk": [a-z]*' <<<"$out" | grep -o '[a-z]*$')
  peak=$(grep -o 'peak_kb=[0-9]*' <<<"$out" | grep -o '[0-9]*$')
  if [ -z "$rows" ] || [ -z "$secs" ]; then echo "$out"; return 1; fi
  printf '%-10s %-28s %10s rows %8.1f s %9.0f rows/s  peak %4d MB  bulk=%s\n' \
    "$4" "$1" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)" "$((peak / 1024))" "$bulk"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite)
      db="$DIR/bench.db"; rm -f "$db" "$db-wal" "$db-shm"; url="sqlite://$db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS rapport_bench WITH (FORCE)' -c 'CREATE DATABASE rapport_bench' >/dev/null
      url="$PG_URL/rapport_bench" ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac
  run "$ROWS into an empty db" "$url" "$base" "$backend"
  run "$MORE more" "$url" "$more" "$backend"
done
