#!/usr/bin/env bash
# The retention benchmark: CUSTOMERS customers and CONTRACTS contracts (with the reason
# catalogue and the products) imported into a fresh database, then RUNS runs of each report,
# whole process, at most 1 s each:
#   1. the top ten cancellation reasons from $FROM to $TO;
#   2. the same for one product ($PRODUCT);
#   3. the at-risk list.
# Prints the import times, every run's wall time and peak memory (GNU time's %e and %M), and
# the median. A report this build does not have is skipped with a line saying so.
#
#   benches/retention.sh                              # 1,000,000 customers, 2,000,000 contracts
#   CUSTOMERS=20000 CONTRACTS=40000 BACKENDS=sqlite RUNS=3 benches/retention.sh
#
# Needs GNU time (/usr/bin/time), jq (Debian package `jq`; installed when missing) and, for
# PostgreSQL, a server at $PG_URL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-1000000}
CONTRACTS=${CONTRACTS:-2000000}
SEED=${SEED:-1}
BACKENDS=${BACKENDS:-"sqlite postgres"}
RUNS=${RUNS:-5}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DIR=${DIR:-bench-data/retention-$CUSTOMERS-$CONTRACTS}
# The window of the reason reports and the product of the second one (the data is as of
# 2026-11-01; see crates/rapport-demo/src/bench_contracts.rs).
FROM=${FROM:-2026-01-01}
TO=${TO:-2026-10-31}
PRODUCT=${PRODUCT:-SKU-MOB-PLAN-M}
mkdir -p "$DIR/runs"
runs="$DIR/runs"

command -v jq >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq jq; }
cargo build -q --release -p rapport
cargo build -q --release -p rapport-demo --example bench_contracts
bin=target/release/rapport
if [ ! -f "$DIR/contracts.csv" ]; then
  start=$(date +%s.%N)
  target/release/examples/bench_contracts "$CUSTOMERS" "$CONTRACTS" "$SEED" "$DIR"
  echo "generated in $(echo "$(date +%s.%N) - $start" | bc -l | xargs printf '%.1f') s"
fi
for f in reasons products parties contracts; do
  printf '  %-14s %9d rows %6s\n' "$f.csv" "$(($(wc -l <"$DIR/$f.csv") - 1))" "$(du -h "$DIR/$f.csv" | cut -f1)"
done

# measure NAME CMD...: runs CMD with its stdout to $runs/NAME.out and stderr to $runs/NAME.err,
# records "seconds peak_MB" in $runs/NAME.time and prints it.
measure() {
  local name=$1
  shift
  if ! /usr/bin/time -f '%e %M' -o "$runs/$name.time" "$@" >"$runs/$name.out" 2>"$runs/$name.err"; then
    echo "$name failed:"; tail -n 20 "$runs/$name.out" "$runs/$name.err"; return 1
  fi
  local secs kb
  read -r secs kb < <(tail -n 1 "$runs/$name.time")
  echo "$secs $((kb / 1024))" >"$runs/$name.time"
  printf '  %-36s %8.2f s %6d MB\n' "$name" "$secs" "$((kb / 1024))"
}

# median JOB: the median wall time and the largest peak memory over $runs/JOB-*.time.
median() {
  local times n
  times=$(cat "$runs/$1"-[0-9]*.time)
  n=$(wc -l <<<"$times")
  printf '%s %s\n' "$(cut -d' ' -f1 <<<"$times" | sort -n | sed -n "$(((n + 1) / 2))p")" \
    "$(cut -d' ' -f2 <<<"$times" | sort -n | tail -n1)"
}

# has_report NAME: whether `rapport report` of this build has the subcommand NAME.
has_report() {
  "$bin" report --help | grep -qE "^ +$1( |$)"
}

# query JOB REPORT ARGS...: RUNS runs of `rapport report REPORT ARGS...`, then the median.
query() {
  local job=$1 report=$2
  shift 2
  if ! has_report "$report"; then
    echo "  $job: report $report not available in this build"
    return
  fi
  rm -f "$runs/$job"-[0-9]*.time
  for i in $(seq "$RUNS"); do
    measure "$job-$i" "$bin" --db "$url" report "$report" "$@"
  done
  local secs mb
  read -r secs mb <<<"$(median "$job")"
  printf '  %-36s %8.2f s %6d MB   median of %d\n' "$job" "$secs" "$mb" "$RUNS"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) db="$DIR/retention.db"; rm -f "$db" "$db-wal" "$db-shm" "$db-journal"; url="sqlite://$db" ;;
    postgres)
      PGOPTIONS='--client-min-messages=warning' psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS rapport_retention_bench WITH (FORCE)' \
        -c 'CREATE DATABASE rapport_retention_bench' >/dev/null
      url="$PG_URL/rapport_retention_bench" ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac
  echo "== $backend: importing (whole process)"
  for file in reasons products parties contracts; do
    kind=$file
    [ "$file" = reasons ] && kind=cancellation-reasons
    measure "$backend-import-$file" "$bin" --db "$url" import "$kind" "$DIR/$file.csv" --json
    read -r rows created invalid bulk secs < <(jq -r '[.rows, .created, .invalid_rows, .bulk, .seconds] | @tsv' "$runs/$backend-import-$file.out")
    printf '    %d rows, %d created, %d invalid, bulk: %s, %.1f s inside the import\n' "$rows" "$created" "$invalid" "$bulk" "$secs"
  done
  case $backend in
    sqlite) echo "  database: $(du -ch "$db"* | tail -n1 | cut -f1)" ;;
    postgres) echo "  database: $(psql "$url" -qtAc 'SELECT pg_size_pretty(pg_database_size(current_database()))')" ;;
  esac
  echo "== $backend: reports, $RUNS runs each (whole process)"
  query "$backend-top-reasons" top-cancellation-reasons --from "$FROM" --to "$TO" --json
  query "$backend-top-reasons-$PRODUCT" top-cancellation-reasons --from "$FROM" --to "$TO" --product "$PRODUCT" --json
  query "$backend-at-risk" at-risk --json
done
