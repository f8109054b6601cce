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
#   INSTANCES=2 bash bench/delivery.sh          # PostgreSQL only: the stream is published on a
#                                               # `serve` with no worker and delivered by another
#   INSTANCES=2 LISTEN=false bash bench/delivery.sh   # the same with LISTEN/NOTIFY off (poll only)
#   MAX_IN_FLIGHT=64 bash bench/delivery.sh    # --max-in-flight-per-webhook for the instances
#                                               # (every event goes to one webhook, so the
#                                               # default 4 bounds the backlog's drain)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

INSTANCES=${INSTANCES:-1}
if [[ "$INSTANCES" == 2 ]]; then
    # Across instances only the stream is measured (the backlog is drained the same way).
    EVENTS=${EVENTS:-0}
    LATENCY_EVENTS=${LATENCY_EVENTS:-5000}
    RATE=${RATE:-500}
else
    EVENTS=${EVENTS:-10000}
    LATENCY_EVENTS=${LATENCY_EVENTS:-2000}
    RATE=${RATE:-200}
fi
# --delivery-listen for the instances; unset passes none (binaries from before it take none).
LISTEN=${LISTEN:-}
CONCURRENCY=${CONCURRENCY:-32}
# Passed through the environment, which binaries from before the option ignore.
if [[ -n "${MAX_IN_FLIGHT:-}" ]]; then
    export WEBHOOKS_MAX_IN_FLIGHT_PER_WEBHOOK=$MAX_IN_FLIGHT
fi
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
    local listen=()
    [[ -n "$LISTEN" ]] && listen=(--listen "$LISTEN")
    out=$(timeout 900 "$bench" --bin "$bin" --database-url "$2" --events "$EVENTS" \
        --latency-events "$LATENCY_EVENTS" --rate "$RATE" --concurrency "$CONCURRENCY" \
        --instances "$INSTANCES" "${listen[@]}" 2>"$work/$1.log")
    echo "$out" >&2
    local line
    line=$(grep '^RESULT' <<<"$out")
    local tput p50 p99 achieved
    tput=$(sed -E 's/.*throughput=([0-9.-]+).*/\1/' <<<"$line")
    p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
    achieved=$(sed -E 's/.*achieved_rate=([0-9.]+).*/\1/' <<<"$line")
    if [[ "$INSTANCES" == 2 ]]; then
        rows+=("| $1 | 2 | ${LISTEN:-default} | $RATE/s × $LATENCY_EVENTS (achieved $achieved/s) | $p50 ms | $p99 ms |")
    else
        rows+=("| $1 | $EVENTS | $tput | $RATE/s × $LATENCY_EVENTS | $p50 ms | $p99 ms |")
    fi
}

rows=()
if [[ "$INSTANCES" == 2 ]]; then
    echo "SKIPPED: SQLite (instances share a database server only on PostgreSQL)" >&2
else
    run SQLite "sqlite://$work/delivery.db"
fi
if psql "$POSTGRES_URL" -qc 'SELECT 1' >/dev/null 2>&1; then
    schema="delivery_bench_$$"
    psql "$POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'; [[ "$POSTGRES_URL" == *\?* ]] && separator='&'
    run PostgreSQL "${POSTGRES_URL}${separator}options=-c%20search_path%3D${schema}"
else
    echo "SKIPPED: PostgreSQL (nothing answers at $POSTGRES_URL)" >&2
fi

echo
if [[ "$INSTANCES" == 2 ]]; then
    echo "| store | instances | --delivery-listen | publish stream (on the instance without a worker) | p50 | p99 |"
    echo "| --- | ---: | --- | --- | ---: | ---: |"
else
    echo "| store | backlog | deliveries/s | publish stream | p50 | p99 |"
    echo "| --- | ---: | ---: | --- | ---: | ---: |"
fi
printf '%s\n' "${rows[@]}"
