#!/usr/bin/env bash
# Retention benchmark: one retention pass over ROWS old finished deliveries (each with its event
# and one attempt, seeded with bulk INSERTs) while events are published at RATE a second and
# claimed and recorded as the worker does; every publish's and claim's time is recorded. Prints
# the pass's time and batches and the max and p99 waits, before the pass (baseline) and during
# it, on SQLite and on PostgreSQL. The target: no publish or claim waits more than 100 ms. The
# work runs in service/examples/retention_bench.rs. Paste the printed table into BENCHMARKS.md.
#
#   bash bench/retention.sh                      # SQLite, and PostgreSQL if one answers
#   ROWS=100000 bash bench/retention.sh
#   BATCH=200 PAUSE=10ms bash bench/retention.sh # other batches than the service's defaults
#   BIN_DIR=/some/release bash bench/retention.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=${ROWS:-1000000}
RATE=${RATE:-200}
POSTGRES_URL=${WEBHOOKS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

if [[ -z "${BIN_DIR:-}" ]]; then
    cargo build --quiet --release -p webhooks-service --example retention_bench
    BIN_DIR=${CARGO_TARGET_DIR:-target}/release
fi
bench=$BIN_DIR/examples/retention_bench
tuning=()
[[ -n "${BATCH:-}" ]] && tuning+=(--batch "$BATCH")
[[ -n "${PAUSE:-}" ]] && tuning+=(--pause "$PAUSE")

work=$(mktemp -d)
schema=""
cleanup() {
    if [[ -n "$schema" ]]; then
        psql "$POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }

run() { # store-name database-url
    local out
    out=$(timeout 3600 "$bench" --database-url "$2" --rows "$ROWS" --rate "$RATE" "${tuning[@]}")
    echo "$out" >&2
    local base result
    base=$(grep '^BASELINE' <<<"$out")
    result=$(grep '^RESULT' <<<"$out")
    rows+=("| $1 | $ROWS | $(field batch "$result") / $(field pause_ms "$result") ms | $(field pass_s "$result") s | $(field batches "$result") | $(field mean_batch_ms "$result") / $(field longest_batch_ms "$result") ms | $(field publish_p99_ms "$base") / $(field publish_max_ms "$base") ms | $(field claim_p99_ms "$base") / $(field claim_max_ms "$base") ms | $(field publish_p99_ms "$result") / $(field publish_max_ms "$result") ms | $(field claim_p99_ms "$result") / $(field claim_max_ms "$result") ms |")
}

rows=()
run SQLite "sqlite://$work/retention.db"
if psql "$POSTGRES_URL" -qc 'SELECT 1' >/dev/null 2>&1; then
    schema="retention_bench_$$"
    psql "$POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'; [[ "$POSTGRES_URL" == *\?* ]] && separator='&'
    run PostgreSQL "${POSTGRES_URL}${separator}options=-c%20search_path%3D${schema}"
else
    echo "SKIPPED: PostgreSQL (nothing answers at $POSTGRES_URL)" >&2
fi

echo
echo "| store | old rows | batch / pause | pass | batches | batch mean / max | publish p99 / max, before | claim p99 / max, before | publish p99 / max, during | claim p99 / max, during |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
