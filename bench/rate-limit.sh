#!/usr/bin/env bash
# Fleet rate-limit benchmark: two `serve` instances on one database, one caller's requests
# alternating between them, once with `--redis-url` (the limit shared by the fleet) and once
# without (each instance limits on its own). Prints accepted requests against what the
# documented limit allows over the run (burst + rate × time); with Redis the ratio must be
# within 5 % of 1. Uses PostgreSQL when one answers, else a SQLite file (the limit does not
# depend on the store). Each run is bounded and stops its own processes.
#
#   bash bench/rate-limit.sh
#   SECONDS_PER_RUN=10 PER_MINUTE=6000 BURST=100 bash bench/rate-limit.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REDIS_URL=${WEBHOOKS_TEST_REDIS_URL:-redis://127.0.0.1:6379}
POSTGRES_URL=${WEBHOOKS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
PER_MINUTE=${PER_MINUTE:-3000}
BURST=${BURST:-50}
INSTANCES=${INSTANCES:-2}

redis_host=${REDIS_URL#redis://}
redis_host=${redis_host%%/*}
if ! (exec 3<>"/dev/tcp/${redis_host%:*}/${redis_host##*:}") 2>/dev/null; then
    echo "SKIPPED: nothing answers at $REDIS_URL (start Redis to measure the shared limit)" >&2
    exit 0
fi

cargo build --quiet --release -p webhooks-service --bin webhooks-service --example rate_limit_bench
bin_dir=${CARGO_TARGET_DIR:-target}/release

work=$(mktemp -d)
schema=""
cleanup() {
    if [[ -n "$schema" ]]; then
        psql "$POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if psql "$POSTGRES_URL" -qc 'SELECT 1' >/dev/null 2>&1; then
    schema="rate_limit_bench_$$"
    psql "$POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'; [[ "$POSTGRES_URL" == *\?* ]] && separator='&'
    database_url="${POSTGRES_URL}${separator}options=-c%20search_path%3D${schema}"
    store=PostgreSQL
else
    database_url="sqlite://$work/rate-limit.db"
    store=SQLite
fi

out=$(timeout 300 "$bin_dir/examples/rate_limit_bench" --bin "$bin_dir/webhooks-service" \
    --database-url "$database_url" --redis-url "$REDIS_URL" --instances "$INSTANCES" \
    --per-minute "$PER_MINUTE" --burst "$BURST" --seconds "$SECONDS_PER_RUN")
echo "$out"

field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$2"; }
echo
echo "$INSTANCES instances on $store, limit $PER_MINUTE a minute with bursts of $BURST, $SECONDS_PER_RUN s per run:"
echo
echo "| limiter | accepted | refused | allowed (burst + rate × time) | accepted / allowed | p50 | p99 |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
status=0
while read -r line; do
    mode=$(field mode "$line")
    ratio=$(field ratio "$line")
    echo "| $mode | $(field accepted "$line") | $(field refused "$line") | $(field allowed "$line") | $ratio | $(field p50_ms "$line") ms | $(field p99_ms "$line") ms |"
    if [[ "$mode" == redis ]] && ! awk -v r="$ratio" 'BEGIN { exit !(r >= 0.95 && r <= 1.05) }'; then
        echo "FAILED: with Redis the fleet accepted $ratio of what the limit allows (more than 5 % off)" >&2
        status=1
    fi
done < <(grep '^RESULT' <<<"$out")
exit "$status"
