#!/usr/bin/env bash
# Property-based API tests with schemathesis (from PyPI, in a virtual environment) against the
# served OpenAPI document, on SQLite and on PostgreSQL: the server is started over a demo
# company with an admin's API token, and every operation is called with generated valid and
# invalid input. Fails on any 5xx response and on any response that violates the document.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-15}
PORT=${SCHEMATHESIS_PORT:-18282}

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$VENV" || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv "$VENV"
  }
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
fi
cargo build -q -p rapport
bin=target/debug/rapport
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for backend in sqlite postgres; do
  case $backend in
    sqlite) url="sqlite://$work/schemathesis.db" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS rapport_schemathesis WITH (FORCE)' -c 'CREATE DATABASE rapport_schemathesis' >/dev/null
      url="$PG_URL/rapport_schemathesis" ;;
  esac
  echo "== schemathesis on $backend"
  "$bin" --db "$url" demo --no-serve --customers 60 --seed 5 >/dev/null
  "$bin" --db "$url" score >/dev/null
  RAPPORT_PASSWORD="schemathesis password" "$bin" --db "$url" user add st@schemathesis.example --name Schemathesis --role admin >/dev/null
  token=$("$bin" --db "$url" user token create st@schemathesis.example --name schemathesis | grep '^rpt_')
  RAPPORT_LOG=warn "$bin" --db "$url" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$work/server-$backend.log" &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  status=0
  "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$EXAMPLES" --seed 42 --request-timeout 30 --no-color || status=$?
  kill -TERM "$server"; wait "$server" || true
  if [ "$status" -ne 0 ]; then
    echo "schemathesis found problems on $backend; server log:"; tail -n 50 "$work/server-$backend.log"
    exit "$status"
  fi
done
