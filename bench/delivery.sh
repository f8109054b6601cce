#!/usr/bin/env bash
# Delivery benchmark: deliveries per second to a local receiver (a backlog drained by one
# `serve`), and publish-to-delivery p50/p99 (a steady stream of publishes), on SQLite and on
# PostgreSQL. The receiver runs inside service/examples/delivery_bench.rs and verifies every
# signature. Each run is bounded and stops its own processes. Paste the printed table into
# BENCHMARKS.md.
#
#   bash bench/delivery.sh                      # SQLite, and PostgreSQL if one answers
#   EVENTS=20000 RATE=500 bash bench/delivery.sh
#   BIN_DIR=/some/release bash bench/delivery.sh   # no build: run binaries built elsewhere
#                                                  # (e.g. another commit, to compare the two)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

EVENTS=${EVENTS:-10000}
LATENCY_EVENTS=${LATENCY_EVENTS:-2000}
RATE=${RATE:-200}
CONCURRENCY=${CONCURRENCY:-32}
POSTGRES_URL=${WEBHOOKS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

if [[ -z "${BIN_DIR:-}" ]]; then
    cargo build --quiet --release -p webhooks-service --bin webhooks-service --example delivery_bench
    BIN_DIR=${CARGO_TARGET_DIR:-target}/release
fi
bin=$BIN_DIR/webhooks-service
bench=$BIN_DIR/examples/delivery_bench

work=$(mktemp -d)
schema=""
cleanup() {
    if [[ -n "$schema" ]]; then
        psql "$POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

run() { # store-name database-url
    local out
    out=$(timeout 900 "$bench" --bin "$bin" --database-url "$2" --events "$EVENTS" \
        --latency-events "$LATENCY_EVENTS" --rate "$RATE" --concurrency "$CONCURRENCY" 2>"$work/$1.log")
    echo "$out" >&2
    local line
    line=$(grep '^RESULT' <<<"$out")
    local tput p50 p99
    tput=$(sed -E 's/.*throughput=([0-9.]+).*/\1/' <<<"$line")
    p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
    rows+=("| $1 | $EVENTS | $tput | $RATE/s × $LATENCY_EVENTS | $p50 ms | $p99 ms |")
}

rows=()
run SQLite "sqlite://$work/delivery.db"
if psql "$POSTGRES_URL" -qc 'SELECT 1' >/dev/null 2>&1; then
    schema="delivery_bench_$$"
    psql "$POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'; [[ "$POSTGRES_URL" == *\?* ]] && separator='&'
    run PostgreSQL "${POSTGRES_URL}${separator}options=-c%20search_path%3D${schema}"
else
    echo "SKIPPED: PostgreSQL (nothing answers at $POSTGRES_URL)" >&2
fi

echo
echo "| store | backlog | deliveries/s | publish stream | p50 | p99 |"
echo "| --- | ---: | ---: | --- | ---: | ---: |"
printf '%s\n' "${rows[@]}"
