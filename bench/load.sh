#!/usr/bin/env bash
# Load benchmark of the running service: `getWebhook` and `activateWebhook` on SQLite and on
# PostgreSQL, driven by wrk from a separate process over loopback. Then, close to the limit on one
# core: the service's `getWebhook` on SQLite (metrics and request ids on, as always) and a minimal
# axum server (service/examples/minimal_axum.rs: one route, a small JSON body), each pinned to the
# same core with wrk on another, and the service's requests/s as a fraction of the minimal one's.
# Each run is bounded (15 s by default) and the script stops its own servers. Paste the printed
# tables into BENCHMARKS.md.
#
#   bash bench/load.sh                       # SQLite, and PostgreSQL if one answers on 127.0.0.1:5432
#   DURATION=30s CONNECTIONS=64 bash bench/load.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WEBHOOKS=${WEBHOOKS:-500}
POSTGRES_URL=${WEBHOOKS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
cargo build --quiet --release -p webhooks-service --bin webhooks-service --example minimal_axum
bin=${CARGO_TARGET_DIR:-target}/release/webhooks-service
minimal=${CARGO_TARGET_DIR:-target}/release/examples/minimal_axum
# One core: the servers on the last, wrk on the first.
server_core=$(($(nproc) - 1))

work=$(mktemp -d)
server_pid=""
schema=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    if [[ -n "$schema" ]]; then
        psql "$POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

key="$work/dev.key"
token=$("$bin" token --client-id bench --scopes "webhooks:read webhooks:modify" --ttl 2h --dev-key "$key")
port=18080

# wrk scripts: each request picks a webhook at random; activate alternates with deactivate per
# webhook, so most requests change state (the rest are the spec's 422 for a repeated change).
cat >"$work/get.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
request = function()
  return wrk.format("GET", "/webhooks/" .. ids[math.random(#ids)])
end
LUA
# Every script also counts answers by class, so a 5xx under load cannot hide among the 422s.
cat >"$work/count.lua" <<'LUA'
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
c2, c4, c5 = 0, 0, 0
response = function(status)
  if status >= 500 then c5 = c5 + 1 elseif status >= 400 then c4 = c4 + 1 else c2 = c2 + 1 end
end
done = function()
  local t2, t4, t5 = 0, 0, 0
  for _, t in ipairs(threads) do t2 = t2 + t:get("c2"); t4 = t4 + t:get("c4"); t5 = t5 + t:get("c5") end
  io.write(string.format("classes 2xx=%d 4xx=%d 5xx=%d\n", t2, t4, t5))
end
LUA
cat "$work/count.lua" >>"$work/get.lua"
cat >"$work/activate.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local active = {}
request = function()
  local id = ids[math.random(#ids)]
  local verb = active[id] and "deactivate" or "activate"
  active[id] = not active[id]
  return wrk.format("POST", "/webhooks/" .. id .. "/" .. verb)
end
LUA
cat "$work/count.lua" >>"$work/activate.lua"

results=()
start_service() { # name database-url [command prefix...]
    local name=$1 url=$2
    shift 2
    "$@" "$bin" serve --listen "127.0.0.1:$port" --database-url "$url" --dev-key "$key" \
        --allow-insecure-callbacks --rate-limit-per-minute 1000000000 --rate-limit-burst 1000000000 \
        >"$work/$name.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/webhooks" && break
        sleep 0.1
    done
    local ids="$work/$name.ids"
    : >"$ids"
    for _ in $(seq 1 "$WEBHOOKS"); do
        curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -d '{"scope":"Account","callbackUrl":"https://receiver.example.com/hook","eventTypes":["iModels.iModelCreated.v1"]}' \
            "http://127.0.0.1:$port/webhooks" | sed -E 's/.*"id":"([^"]+)".*/\1/' >>"$ids"
        echo >>"$ids"
    done
    sed -i '/^$/d' "$ids"
}

bench_backend() {
    local name=$1 url=$2
    local ids="$work/$name.ids"
    start_service "$name" "$url"
    for op in get activate; do
        local out="$work/$name-$op.txt"
        IDS="$ids" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
            -H "Authorization: Bearer $token" -s "$work/$op.lua" "http://127.0.0.1:$port" >"$out"
        local rps p50 p99 non2xx
        rps=$(awk '/Requests\/sec/ {print $2}' "$out")
        p50=$(awk '$1 == "50%" {print $2}' "$out")
        p99=$(awk '$1 == "99%" {print $2}' "$out")
        local classes
        classes=$(awk '/^classes/ {print $3 " / " $4}' "$out" | sed 's/4xx=//; s/5xx=//')
        results+=("| $name | $op | $rps | $p50 | $p99 | $classes |")
    done
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

bench_backend sqlite "sqlite://$work/bench.db"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    # A schema of its own, dropped at exit: every run starts empty, and its rows (sealed with
    # this run's secrets key) are not left for the next run or anyone else in the database.
    schema="load_bench_$$"
    psql "$POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'
    [[ "$POSTGRES_URL" == *\?* ]] && separator='&'
    bench_backend postgres "${POSTGRES_URL}${separator}options=-c%20search_path%3D${schema}"
else
    echo "PostgreSQL does not answer on 127.0.0.1:5432: skipped" >&2
fi

# Close to the limit on one core: the same wrk on core 0 (one thread), each server alone on
# $server_core.
one_core=()
if (( server_core > 0 )); then
    start_service one-core "sqlite://$work/one-core.db" taskset -c "$server_core"
    IDS="$work/one-core.ids" taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $token" -s "$work/get.lua" "http://127.0.0.1:$port" >"$work/one-core-service.txt"
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    taskset -c "$server_core" "$minimal" "127.0.0.1:$port" >"$work/minimal.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/things/1" && break
        sleep 0.1
    done
    taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
        "http://127.0.0.1:$port/things/5885fb70-81c1-423b-b556-771b5ab4d55b" >"$work/one-core-minimal.txt"
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=""
    service_rps=$(awk '/Requests\/sec/ {print $2}' "$work/one-core-service.txt")
    minimal_rps=$(awk '/Requests\/sec/ {print $2}' "$work/one-core-minimal.txt")
    for f in service minimal; do
        one_core+=("| $f | $(awk '/Requests\/sec/ {print $2}' "$work/one-core-$f.txt") | $(awk '$1 == "50%" {print $2}' "$work/one-core-$f.txt") | $(awk '$1 == "99%" {print $2}' "$work/one-core-$f.txt") |")
    done
    ratio=$(awk -v s="$service_rps" -v m="$minimal_rps" 'BEGIN { printf "%.2f", s / m }')
else
    echo "one core: skipped (needs 2 cores: one for the server, one for wrk)" >&2
fi

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $WEBHOOKS webhooks, $(nproc) cores, release build"
echo
echo "| store | operation | requests/s | p50 | p99 | 4xx / 5xx answers |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
if (( ${#one_core[@]} > 0 )); then
    echo
    echo "One core (servers on core $server_core, wrk -t1 -c$CONNECTIONS -d$DURATION on core 0):"
    echo
    echo "| server | requests/s | p50 | p99 |"
    echo "| --- | ---: | ---: | ---: |"
    printf '%s\n' "${one_core[@]}"
    echo
    echo "service getWebhook (SQLite) / minimal axum: $ratio"
fi
