#!/usr/bin/env bash
# Independent check of the service's signatures: real deliveries from the release service,
# verified by a receiver built on code nobody here wrote (the `standardwebhooks` package from
# PyPI for the Standard Webhooks headers, Python's hmac for `Signature`), across a secret
# rotation. Fails unless every delivery verified; prints the count.
#
#   bash .ci/deliveries.sh            # EVENTS=10 events per phase by default
#
# Everything listens on 127.0.0.1 and lives in a temporary directory; the service and the
# receiver are stopped and the directory removed on every exit. Needs python3 with venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

EVENTS=${EVENTS:-10}
target=${CARGO_TARGET_DIR:-$root/target}

# The library lives in its own virtualenv under target/, like the CI's other Python tools.
venv="$target/deliveries-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check standardwebhooks
fi
echo "standardwebhooks $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("standardwebhooks"))')"

cargo build --quiet --release -p webhooks-service --bin webhooks-service
bin="$target/release/webhooks-service"

work=$(mktemp -d)
server_pid=""
receiver_pid=""
cleanup() {
    local status=$?
    for pid in "$server_pid" "$receiver_pid"; do
        if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
        fi
    done
    if ((status != 0)); then
        [[ -s "$work/service.log" ]] && { echo "--- last lines of the service's log"; tail -n 20 "$work/service.log"; }
        [[ -s "$work/receiver.err" ]] && { echo "--- the receiver's errors"; tail -n 20 "$work/receiver.err"; }
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to $2 tenths of a second for command $1 to succeed.
wait_for() {
    for _ in $(seq 1 "$2"); do
        eval "$1" && return 0
        sleep 0.1
    done
    return 1
}

# The receiver.
echo '{}' >"$work/secrets.json"
"$venv/bin/python" .ci/deliveries_receiver.py "$work/secrets.json" "$work/deliveries.jsonl" \
    "$work/receiver.port" 2>"$work/receiver.err" &
receiver_pid=$!
wait_for '[[ -s "$work/receiver.port" ]]' 100 || { echo "the receiver did not start" >&2; exit 1; }
receiver="http://127.0.0.1:$(cat "$work/receiver.port")"
touch "$work/deliveries.jsonl"

# The service: http callbacks on loopback allowed for this local receiver only.
key="$work/dev.key"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --database-url "sqlite://$work/webhooks.db" \
    --dev-key "$key" --rate-limit-per-minute 0 --allow-insecure-callbacks \
    --allow-callback-cidr 127.0.0.1/32 --retry-schedule 1s,2s,4s >"$work/service.log" 2>&1 &
server_pid=$!
wait_for '(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null' 100 || { echo "the service did not start" >&2; exit 1; }
token=$("$bin" token --client-id ci-deliveries --ttl 1h --dev-key "$key" \
    --scopes "webhooks:read webhooks:modify webhooks:publish")

# api METHOD PATH [BODY]: the JSON answer; fails on a status other than 2xx.
api() {
    curl -sS --fail-with-body -X "$1" "$base$2" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' ${3:+-d "$3"}
}

# secrets NAME SECRET...: what the receiver expects hook NAME to be signed with, in order.
declare -A current=()
set_secrets() {
    local name=$1
    shift
    jq --arg name "$name" '.[$name] = $ARGS.positional' --args "$@" <"$work/secrets.json" \
        >"$work/secrets.json.tmp"
    mv "$work/secrets.json.tmp" "$work/secrets.json"
}

# Three webhooks, one per kind of secret the service can hold: generated (`whsec_`), a plain
# caller-given text, and a caller-given `whsec_`.
declare -A ids=()
create() { # name [secret]
    local body
    body=$(jq -cn --arg url "$receiver/hook/$1" --arg secret "${2:-}" \
        '{scope: "Account", callbackUrl: $url, eventTypes: ["ci.delivery.v1"]}
         + (if $secret == "" then {} else {secret: $secret} end)')
    local created
    created=$(api POST /webhooks "$body")
    ids[$1]=$(jq -r .id <<<"$created")
    current[$1]=$(jq -r .secret <<<"$created")
    set_secrets "$1" "${current[$1]}"
    api POST "/webhooks/${ids[$1]}/activate" >/dev/null
}
create generated
create plain "a plain secret given by the caller, 32+ chars"
create given-whsec "whsec_$(head -c 24 /dev/urandom | base64)"

published=0
publish() { # how many events; each goes to every webhook
    for n in $(seq 1 "$1"); do
        api POST /events "{\"eventType\":\"ci.delivery.v1\",\"content\":{\"n\":$n}}" >/dev/null
        published=$((published + 1))
    done
}

expected=0
# Waits until the receiver has logged $1 deliveries (up to 60 s).
await() {
    wait_for "(( \$(wc -l <\"$work/deliveries.jsonl\") >= $1 ))" 600 || {
        echo "only $(wc -l <"$work/deliveries.jsonl") of $1 deliveries arrived" >&2
        exit 1
    }
}

hooks=(generated plain given-whsec)
echo "phase 1: one secret each"
publish "$EVENTS"
expected=$((expected + EVENTS * ${#hooks[@]}))
await "$expected"

echo "phase 2: rotated (a generated and a given secret), both signing during the grace period"
rotated=$(api POST "/webhooks/${ids[generated]}/secret" '{}')
set_secrets generated "$(jq -r .secret <<<"$rotated")" "${current[generated]}"
current[generated]=$(jq -r .secret <<<"$rotated")
new_plain="another plain secret given by the caller, 32+"
api POST "/webhooks/${ids[plain]}/secret" \
    "$(jq -cn --arg s "$new_plain" '{secret: $s, gracePeriodSeconds: 600}')" >/dev/null
set_secrets plain "$new_plain" "${current[plain]}"
current[plain]=$new_plain
publish "$EVENTS"
expected=$((expected + EVENTS * ${#hooks[@]}))
await "$expected"

echo "phase 3: the generated hook's grace period ended early"
curl -sS --fail-with-body -X DELETE "$base/webhooks/${ids[generated]}/secret/previous" \
    -H "Authorization: Bearer $token" >/dev/null
set_secrets generated "${current[generated]}"
publish "$EVENTS"
expected=$((expected + EVENTS * ${#hooks[@]}))
await "$expected"

# A retry of a refused delivery would add lines; give one a moment to show up.
sleep 1
total=$(wc -l <"$work/deliveries.jsonl")
verified=$(jq -s 'map(select(.ok)) | length' "$work/deliveries.jsonl")
two=$(jq -s 'map(select(.ok and .entries == 2)) | length' "$work/deliveries.jsonl")
echo "published $published events; $verified of $total deliveries verified with standardwebhooks and hmac ($two carried two v1 signatures)"
# Two signatures: both rotated hooks in phase 2, the plain hook (still in its grace) in phase 3.
if ((verified != total || total != expected || two != EVENTS * 3)); then
    echo "FAILED: expected $expected deliveries, all verified, $((EVENTS * 3)) of them with two signatures" >&2
    jq -c 'select(.ok | not)' "$work/deliveries.jsonl" | head -n 10 >&2
    exit 1
fi
echo "ok"
