#!/usr/bin/env bash
# The analytics benchmark (issue 4): `rapport clv` against the Python package `lifetimes`, side
# by side in one run, and `rapport score` over an imported order database. Each job runs RUNS
# times; the script prints every run's wall time and peak memory (GNU time's %e and %M), the
# medians, and both tools' parameters side by side.
#
#   benches/clv.sh               # cdnow, then log, then score
#   benches/clv.sh cdnow         # the CDNOW sample (2,357 customers, 39-week calibration)
#   benches/clv.sh log           # a generated log: CUSTOMERS customers, ~9.8 per customer
#   benches/clv.sh score         # the log of SCORE_CUSTOMERS customers as orders, into SQLite
#   CUSTOMERS=10000 SCORE_CUSTOMERS=10000 RUNS=1 benches/clv.sh   # a quick variant
#   BIN=path/to/rapport benches/clv.sh log                         # another build of rapport
#
# RUNS (3) is the number of runs per job; PARETO_RUNS (1) of lifetimes' Pareto/NBD fit, which
# SKIP_PARETO_LIFETIMES=1 leaves out. Python, lifetimes and the versions it works with are
# installed into $DIR/venv on first use (PyPI). Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-1000000}
SEED=${SEED:-1}
ROWS=${ROWS:-10000000}
SCORE_CUSTOMERS=${SCORE_CUSTOMERS:-1000000}
RUNS=${RUNS:-3}
PARETO_RUNS=${PARETO_RUNS:-1}
SKIP_PARETO_LIFETIMES=${SKIP_PARETO_LIFETIMES:-0}
DIR=${DIR:-bench-data}
CDNOW=${CDNOW:-../shared/data/cdnow/CDNOW_sample.txt}
# lifetimes discounts CLV at 1 % a month over 12 months; the same per week for rapport.
WEEKLY_DISCOUNT=0.0023
MODES=${*:-cdnow log score}

mkdir -p "$DIR/clv-runs"
runs="$DIR/clv-runs"
venv="$DIR/venv"
py="$venv/bin/python"
if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
  # lifetimes 0.11.3 (2020) needs pandas < 2; these are the newest of each that work together
  # on Python 3.11.
  "$venv/bin/pip" install -q lifetimes==0.11.3 pandas==1.5.3 numpy==1.23.5 scipy==1.10.1 \
    autograd==1.5 dill==0.3.6 python-dateutil==2.9.0.post0 pytz==2024.1
fi
"$py" -c 'import lifetimes, pandas, numpy, scipy; print("lifetimes", lifetimes.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__, "scipy", scipy.__version__)'

# BIN: a rapport binary built elsewhere (else the release build of this checkout).
if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  cargo build -q --release -p rapport
  bin=target/release/rapport
fi

# measure NAME CMD...: runs CMD with its stdout to $runs/NAME.out, stderr to $runs/NAME.err,
# prints and records "seconds peak_MB" in $runs/NAME.time.
measure() {
  local name=$1
  shift
  if ! /usr/bin/time -f '%e %M' -o "$runs/$name.time" "$@" >"$runs/$name.out" 2>"$runs/$name.err"; then
    echo "$name failed:"; tail -n 20 "$runs/$name.err"; return 1
  fi
  read -r secs kb <"$runs/$name.time"
  echo "$secs $((kb / 1024))" >"$runs/$name.time"
  printf '  %-34s %8.2f s %6d MB\n' "$name" "$secs" "$((kb / 1024))"
}

# median JOB: the median wall time and the largest peak memory over $runs/JOB-*.time.
median() {
  local times n
  times=$(cat "$runs/$1"-[0-9]*.time)
  n=$(wc -l <<<"$times")
  printf '%s %s\n' "$(cut -d' ' -f1 <<<"$times" | sort -n | sed -n "$(((n + 1) / 2))p")" \
    "$(cut -d' ' -f2 <<<"$times" | sort -n | tail -n1)"
}

# report TITLE RAPPORT_JOB LIFETIMES_JOB: medians side by side and lifetimes/rapport ratios.
report() {
  local r l
  r=$(median "$2")
  l=$(median "$3")
  read -r rs rm <<<"$r"
  read -r ls lm <<<"$l"
  printf '%-44s rapport %8.2f s %6d MB | lifetimes %8.2f s %6d MB | %6.1fx faster, %5.1fx less memory\n' \
    "$1" "$rs" "$rm" "$ls" "$lm" "$(bc -l <<<"$ls / $rs")" "$(bc -l <<<"$lm / $rm")"
}

# The seconds lifetimes spent in one stage, median over the runs of JOB.
stage_median() {
  local values n
  values=$(for f in "$runs/$1"-[0-9]*.out; do "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"][sys.argv[2]])' "$f" "$2"; done | sort -n)
  n=$(wc -l <<<"$values")
  sed -n "$(((n + 1) / 2))p" <<<"$values"
}

cdnow() {
  echo "== CDNOW sample: $CDNOW, calibration to 1997-09-30, weeks"
  rm -f "$runs"/cdnow-*
  local ropts=(--transactions "$CDNOW" --calibration-end 1997-09-30 --time-unit week --discount "$WEEKLY_DISCOUNT")
  local lopts=("$CDNOW" --whitespace --id-col c1 --date-col c3 --amount-col c5 --date-format %Y%m%d --calibration-end 1997-09-30)
  for i in $(seq "$RUNS"); do
    measure "cdnow-rapport-bgnbd-$i" "$bin" clv "${ropts[@]}" --model bg-nbd --out "$runs/cdnow-rapport.csv"
    measure "cdnow-lifetimes-bgnbd-$i" "$py" benches/clv_lifetimes.py bg-nbd "${lopts[@]::1}" "$runs/cdnow-lifetimes.csv" "${lopts[@]:1}"
    measure "cdnow-rapport-pareto-$i" "$bin" clv "${ropts[@]}" --model pareto-nbd
    measure "cdnow-lifetimes-pareto-$i" "$py" benches/clv_lifetimes.py pareto-nbd "${lopts[@]}"
  done
  report "CDNOW BG/NBD + Gamma-Gamma, whole process" cdnow-rapport-bgnbd cdnow-lifetimes-bgnbd
  report "CDNOW Pareto/NBD, whole process" cdnow-rapport-pareto cdnow-lifetimes-pareto
  echo "  lifetimes inside the process (median): BG/NBD fit $(stage_median cdnow-lifetimes-bgnbd bg_nbd_fit) s," \
    "Gamma-Gamma fit $(stage_median cdnow-lifetimes-bgnbd gamma_gamma_fit) s, Pareto/NBD fit $(stage_median cdnow-lifetimes-pareto pareto_nbd_fit) s"
  echo "BG/NBD and Gamma-Gamma:"
  "$py" benches/clv_lifetimes.py compare "$runs/cdnow-lifetimes-bgnbd-1.out" "$runs/cdnow-rapport-bgnbd-1.out"
  echo "Pareto/NBD:"
  "$py" benches/clv_lifetimes.py compare "$runs/cdnow-lifetimes-pareto-1.out" "$runs/cdnow-rapport-pareto-1.out"
  "$py" benches/clv_lifetimes.py compare-customers "$runs/cdnow-lifetimes.csv" "$runs/cdnow-rapport.csv"
}

log() {
  cargo build -q --release -p rapport-analytics --example clv_log
  local file="$DIR/clv-log-$CUSTOMERS-$SEED.csv"
  [ -f "$file" ] || target/release/examples/clv_log "$CUSTOMERS" "$SEED" "$file"
  echo "== generated log: $file ($(du -h "$file" | cut -f1), $(($(wc -l <"$file") - 1)) transactions), weeks"
  rm -f "$runs"/log-*
  local ropts=(--transactions "$file" --time-unit week --discount "$WEEKLY_DISCOUNT")
  for i in $(seq "$RUNS"); do
    measure "log-rapport-bgnbd-$i" "$bin" clv "${ropts[@]}" --model bg-nbd --out "$runs/log-rapport.csv"
    measure "log-lifetimes-bgnbd-$i" "$py" benches/clv_lifetimes.py bg-nbd "$file" "$runs/log-lifetimes.csv"
  done
  for i in $(seq "$RUNS"); do
    measure "log-rapport-pareto-$i" "$bin" clv "${ropts[@]}" --model pareto-nbd
  done
  if [ "$SKIP_PARETO_LIFETIMES" != 1 ]; then
    for i in $(seq "$PARETO_RUNS"); do
      measure "log-lifetimes-pareto-$i" "$py" benches/clv_lifetimes.py pareto-nbd "$file"
    done
  fi
  report "log: CSV to BG/NBD + Gamma-Gamma + CLV file" log-rapport-bgnbd log-lifetimes-bgnbd
  echo "  lifetimes stages (median s): read $(stage_median log-lifetimes-bgnbd read), summary $(stage_median log-lifetimes-bgnbd summary)," \
    "BG/NBD fit $(stage_median log-lifetimes-bgnbd bg_nbd_fit), Gamma-Gamma fit $(stage_median log-lifetimes-bgnbd gamma_gamma_fit)," \
    "P(alive) $(stage_median log-lifetimes-bgnbd p_alive), CLV $(stage_median log-lifetimes-bgnbd clv), write $(stage_median log-lifetimes-bgnbd write)"
  echo "BG/NBD and Gamma-Gamma:"
  "$py" benches/clv_lifetimes.py compare "$runs/log-lifetimes-bgnbd-1.out" "$runs/log-rapport-bgnbd-1.out"
  "$py" benches/clv_lifetimes.py compare-customers "$runs/log-lifetimes.csv" "$runs/log-rapport.csv"
  read -r ps pm <<<"$(median log-rapport-pareto)"
  echo "rapport Pareto/NBD, whole command (read, summary, fit, CLV): median $ps s, peak $pm MB"
  if [ "$SKIP_PARETO_LIFETIMES" != 1 ]; then
    local fit
    fit=$(stage_median log-lifetimes-pareto pareto_nbd_fit)
    read -r _ lm <<<"$(median log-lifetimes-pareto)"
    printf 'lifetimes Pareto/NBD fit alone: median %s s (process peak %s MB): %.1fx the whole rapport command\n' \
      "$fit" "$lm" "$(bc -l <<<"$fit / $ps")"
    echo "Pareto/NBD:"
    "$py" benches/clv_lifetimes.py compare "$runs/log-lifetimes-pareto-1.out" "$runs/log-rapport-pareto-1.out"
  fi
}

score() {
  # The orders: the generated log of the `log` mode, one order of one line per purchase (1M
  # customers, ~9.8M orders). bench_orders' file (ORDERS=bench) draws orders uniformly at
  # random over customers and six years: no customer drops out, so the BG/NBD has no maximum
  # inside the parameter space and `rapport score` refuses to fit it.
  local file db="$DIR/score.db"
  if [ "${ORDERS:-log}" = bench ]; then
    cargo build -q --release -p rapport-demo --example bench_orders
    file="$DIR/orders-$ROWS-$SCORE_CUSTOMERS.csv"
    [ -f "$file" ] || target/release/examples/bench_orders "$ROWS" "$SCORE_CUSTOMERS" "$SEED" "$file"
  else
    cargo build -q --release -p rapport-analytics --example clv_log
    local log="$DIR/clv-log-$SCORE_CUSTOMERS-$SEED.csv"
    [ -f "$log" ] || target/release/examples/clv_log "$SCORE_CUSTOMERS" "$SEED" "$log"
    file="$DIR/clv-orders-$SCORE_CUSTOMERS-$SEED.csv"
    [ -f "$file" ] || awk -F, 'NR == 1 { print "order_id,line,customer_id,ordered_at,sku,quantity,amount,currency,channel"; next }
      { printf "CO%09d,1,%s,%sT12:00:00Z,SKU-INS-CAR,1,%s,EUR,web\n", NR - 1, $1, $2, $3 }' "$log" >"$file"
  fi
  rm -f "$db" "$db-wal" "$db-shm" "$runs"/score-*
  echo "== rapport score: $file ($(du -h "$file" | cut -f1)) imported into a fresh $db"
  measure score-import "$bin" --db "sqlite://$db" import orders "$file" --json
  grep -o '"\(rows\|orders\|customers\|seconds\)": [0-9.]*' "$runs/score-import.out" | tr '\n' ' '
  echo
  local as_of
  as_of=$(tail -n 1 "$file" | cut -d, -f4 | cut -c1-10)
  for i in $(seq "$RUNS"); do
    measure "score-$i" "$bin" --db "sqlite://$db" score --as-of "$as_of"
  done
  read -r ss sm <<<"$(median score)"
  echo "rapport score as of $as_of: median $ss s, peak $sm MB"
  head -n 5 "$runs/score-1.out"
}

for mode in $MODES; do
  case $mode in
    cdnow | log | score) "$mode" ;;
    *) echo "unknown mode $mode (cdnow, log, score)"; exit 2 ;;
  esac
done
