#!/usr/bin/env bash
# Overhead of the generated code: the same in-memory Webhooks API served by the generated router
# and by a hand-written axum router doing the same checks and answers (bench/overhead/), each in
# its own process, loaded by wrk over loopback; then the generated client against hand-written
# reqwest calls, from a separate process, against one server. Every run is bounded in time and
# the script stops its own servers. It prints markdown tables for BENCHMARKS.md.
#
#   bash bench/overhead.sh                          # 9 rounds of 5 s per case
#   ROUNDS=15 DURATION=10s CLIENT_SECONDS=10 bash bench/overhead.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The server and the load run on separate cores (taskset), so neither steals the other's time
# and the server's cores are saturated: its throughput is then what the code costs, not how the
# scheduler shared two processes. PIN=0 turns this off.
cores=$(nproc)
PIN=${PIN:-$(( cores >= 2 ? 1 : 0 ))}
if (( PIN )); then
    server_cpus="0-$(( cores / 2 - 1 ))"
    load_cpus="$(( cores / 2 ))-$(( cores - 1 ))"
    pin_server=(taskset -c "$server_cpus")
    pin_load=(taskset -c "$load_cpus")
    load_threads=$(( cores - cores / 2 ))
    pinning="; server on CPUs $server_cpus, load on CPUs $load_cpus"
else
    pin_server=()
    pin_load=()
    load_threads=$cores
    pinning=""
fi
DURATION=${DURATION:-5s}           # wrk duration per case
CONNECTIONS=${CONNECTIONS:-32}     # wrk connections
THREADS=${THREADS:-$load_threads}  # wrk threads
ROUNDS=${ROUNDS:-9}                # rounds; the implementations alternate which goes first
CLIENT_SECONDS=${CLIENT_SECONDS:-5}
CLIENT_CONCURRENCY=${CLIENT_CONCURRENCY:-32}
SEED=${SEED:-1000}                 # webhooks each server starts with
PORT=${PORT:-18090}

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --quiet --release -p overhead-bench
server_bin=target/release/overhead-server
client_bin=target/release/overhead-client
token=overhead-bench-token
accept=application/vnd.bentley.itwin-platform.v1+json

work=$(mktemp -d)
declare -A server_pids
stop_servers() {
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    server_pids=()
}
cleanup() {
    stop_servers
    rm -rf "$work"
}
trap cleanup EXIT

# wrk scripts. Each counts answers by class, so an error cannot pass for throughput.
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
# GET /webhooks/{id} of a random seeded webhook (ids 1..SEED, as the server seeds them).
cat >"$work/get.lua" <<'LUA'
local seed = tonumber(os.getenv("SEED"))
request = function()
  local n = math.random(seed)
  return wrk.format("GET", "/webhooks/00000000-0000-0000-0000-" .. string.format("%012x", n))
end
LUA
cat "$work/count.lua" >>"$work/get.lua"
# POST /webhooks with a valid new webhook.
cat >"$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/webhooks"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"scope":"Account","callbackUrl":"https://receiver.example.com/hook",'
  .. '"eventTypes":["iModels.iModelCreated.v1"]}'
LUA
cat "$work/count.lua" >>"$work/create.lua"

# Each implementation listens on its own port, both on the server cores; only one is loaded
# at a time.
declare -A ports=([generated]=$PORT [handwritten]=$((PORT + 1)))
start_server() {
    local impl=$1
    "${pin_server[@]}" "$server_bin" --impl "$impl" --port "${ports[$impl]}" --seed "$SEED" \
        --max-seconds 900 >"$work/server-$impl.log" 2>&1 &
    server_pids[$impl]=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/${ports[$impl]}") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "overhead-server --impl $impl did not start:" >&2
    cat "$work/server-$impl.log" >&2
    exit 1
}

# Latency as wrk prints it (850.00us, 1.20ms, 1.01s) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
        printf "%.3f", n
    }'
}

# The median of the numbers given.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

ticks=$(getconf CLK_TCK)
# CPU time the server has used so far, in clock ticks.
server_cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/${server_pids[$1]}/stat"; }

# Results per implementation (or client), operation and round.
declare -A rps p99 cpu errors
run_wrk() {
    local impl=$1 op=$2 round=$3
    local out="$work/$impl-$op-$round.txt"
    local before after
    before=$(server_cpu "$impl")
    SEED="$SEED" "${pin_load[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $token" -H "Accept: $accept" \
        -s "$work/$op.lua" "http://127.0.0.1:${ports[$impl]}" >"$out"
    after=$(server_cpu "$impl")
    local r l n e c
    r=$(awk '/Requests\/sec/ {print $2}' "$out")
    l=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    n=$(awk '/requests in/ {print $1}' "$out")
    e=$(awk '/^classes/ {split($3, a, "="); split($4, b, "="); print a[2] + b[2]}' "$out")
    c=$(awk -v t="$((after - before))" -v hz="$ticks" -v n="$n" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    rps[$impl,$op,$round]=$r
    p99[$impl,$op,$round]=$l
    cpu[$impl,$op,$round]=$c
    errors[$impl,$op]=$(( ${errors[$impl,$op]:-0} + e ))
    echo "round $round  $impl  $op: $r requests/s, p99 $l ms, server CPU $c us/request, $e non-2xx" >&2
}

echo "== routers: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds" >&2
# Each round starts both routers afresh (the create case grows their stores), warms them, and
# measures each case on one right after the other, so a pair shares the machine's state; which
# goes first alternates.
for round in $(seq 1 "$ROUNDS"); do
    if (( round % 2 )); then order="generated handwritten"; else order="handwritten generated"; fi
    for impl in $order; do
        start_server "$impl"
        SEED="$SEED" "${pin_load[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $token" \
            -s "$work/get.lua" "http://127.0.0.1:${ports[$impl]}" >/dev/null
    done
    for op in get create; do
        for impl in $order; do
            run_wrk "$impl" "$op" "$round"
        done
    done
    stop_servers
done

echo "== clients: $CLIENT_CONCURRENCY tasks, ${CLIENT_SECONDS}s, $ROUNDS rounds, against the generated router" >&2
start_server generated
for round in $(seq 1 "$ROUNDS"); do
    if (( round % 2 )); then order="generated handwritten"; else order="handwritten generated"; fi
    for client in $order; do
        for op in get create; do
            line=$("${pin_load[@]}" "$client_bin" --url "http://127.0.0.1:${ports[generated]}" --client "$client" --op "$op" \
                --seconds "$CLIENT_SECONDS" --concurrency "$CLIENT_CONCURRENCY" --seed "$SEED")
            echo "round $round  $line" >&2
            rps[client-$client,$op,$round]=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
            p99[client-$client,$op,$round]=$(sed -E 's/.* p99_ms=([0-9.]+).*/\1/' <<<"$line")
            cpu[client-$client,$op,$round]=$(sed -E 's/.* cpu_us_per_request=([0-9.]+).*/\1/' <<<"$line")
            f=$(sed -E 's/.* failures=([0-9]+).*/\1/' <<<"$line")
            errors[client-$client,$op]=$(( ${errors[client-$client,$op]:-0} + f ))
        done
    done
done
stop_servers

# The median over rounds of a measure (`rps`, `p99`, `cpu`) for one side and operation.
med() {
    local -n table=$1
    local values=()
    for round in $(seq 1 "$ROUNDS"); do values+=("${table[$2,$3,$round]}"); done
    median "${values[@]}"
}
# The median over rounds of a/b in per cent, a and b measured in the same round.
paired() {
    local -n table=$1
    local values=()
    for round in $(seq 1 "$ROUNDS"); do
        values+=("$(awk -v a="${table[$2,$4,$round]}" -v b="${table[$3,$4,$round]}" 'BEGIN { printf "%.1f", 100 * a / b }')")
    done
    median "${values[@]}"
}
# The lowest and highest per-round ratio a/b, in per cent.
spread() {
    local -n table=$1
    local values=()
    for round in $(seq 1 "$ROUNDS"); do
        values+=("$(awk -v a="${table[$2,$4,$round]}" -v b="${table[$3,$4,$round]}" 'BEGIN { printf "%.0f", 100 * a / b }')")
    done
    printf '%s\n' "${values[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s %%", lo, hi }'
}
thousands() { printf '%.0f' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

table() {
    local a=$1 b=$2 what=$3
    echo "| operation | $what | requests/s | p99 | CPU per request | requests/s, generated / hand-written | rounds' range | CPU, generated / hand-written | non-2xx or failed |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for op in get create; do
        local label
        if [[ $op == get ]]; then label='`GET /webhooks/{id}`'; else label='`POST /webhooks` (create)'; fi
        local ratio cpu_ratio
        ratio=$(paired rps "$a" "$b" "$op")
        cpu_ratio=$(paired cpu "$a" "$b" "$op")
        echo "| $label | generated | $(thousands "$(med rps "$a" "$op")") | $(med p99 "$a" "$op") ms | $(med cpu "$a" "$op") µs | **$ratio %** | $(spread rps "$a" "$b" "$op") | $cpu_ratio % | ${errors[$a,$op]:-0} |"
        echo "| | hand-written | $(thousands "$(med rps "$b" "$op")") | $(med p99 "$b" "$op") ms | $(med cpu "$b" "$op") µs | | | | ${errors[$b,$op]:-0} |"
    done
}

echo
echo "Routers (server process CPU per request): wrk -t$THREADS -c$CONNECTIONS -d$DURATION, medians of $ROUNDS alternating rounds (ratios per round, then their median), $(nproc) cores, release build$pinning"
echo
table generated handwritten router
echo
echo "Clients (client process CPU per request): $CLIENT_CONCURRENCY requests in flight for ${CLIENT_SECONDS} s, medians of $ROUNDS alternating rounds, against the generated router$pinning"
echo
table client-generated client-handwritten client
