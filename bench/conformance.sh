#!/usr/bin/env bash
# External conformance: schemathesis tests the running service against spec/webhooks.yaml with
# every check it has (server errors, status codes, content types, response schemas and headers,
# ...), including stateful sequences that follow the spec's `links` (create, then get, update,
# activate, deactivate or delete the created webhook). The service runs from a release build on
# 127.0.0.1 with a fresh SQLite database and development key in a temporary folder, and is
# stopped when the script ends, however it ends. Exits non-zero on any failure.
#
#   bash bench/conformance.sh --quick   # CI: a few examples per operation (EXAMPLES, default 50)
#   bash bench/conformance.sh           # or --long: 1,000 examples per operation, and fuzzing and
#                                       # stateful testing repeat until MAX_TIME (600 s) is spent
#   SEED=7 EXAMPLES=200 bash bench/conformance.sh --quick
#   bash bench/conformance.sh --quick --include-operation-id createWebhook --continue-on-failure
#
# Arguments after the mode go to `schemathesis run` as they are; SPEC=FILE tests another spec.
#
# Same seed, same requests: generation is derandomized (which also means no example database).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

mode=long
case "${1:-}" in
    --quick) mode=quick && shift ;;
    --long) mode=long && shift ;;
    "" | --*) ;;
    *)
        echo "usage: bash bench/conformance.sh [--quick | --long] [schemathesis run options]" >&2
        exit 2
        ;;
esac
# --max-examples is a ceiling: Hypothesis may end an operation sooner (in one long run without a
# time budget, deleteWebhook stopped at 39 requests). The long run's budget makes fuzzing and
# stateful testing start again until it is spent, so every operation reaches its 1,000; the
# summary prints the requests each operation got.
time_budget=()
if [[ $mode == quick ]]; then
    EXAMPLES=${EXAMPLES:-50}
else
    EXAMPLES=${EXAMPLES:-1000}
    time_budget=(--max-time "${MAX_TIME:-600}")
fi
SEED=${SEED:-20240611}
SPEC=$(realpath "${SPEC:-spec/webhooks.yaml}")
WORKERS=${WORKERS:-1}

# schemathesis lives in its own virtualenv under target/, like the CI's spec validator.
venv="$root/target/conformance-venv"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check schemathesis
fi
st_version=$("$venv/bin/schemathesis" --version | awk '{print $NF}')

cargo build --quiet --release -p webhooks-service
bin="${CARGO_TARGET_DIR:-$root/target}/release/webhooks-service"

work=$(mktemp -d)
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; then
        wait "$server_pid" 2>/dev/null || true
    fi
    if ((status != 0)) && [[ -s "$work/service.log" ]]; then
        echo "--- last lines of the service's log"
        tail -n 20 "$work/service.log"
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

key="$work/dev.key"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# No rate limit (0), so that a 429 never stands in for the answer under test. No delivery worker
# (concurrency 0): the generated webhooks' callback URLs are arbitrary hosts, and nothing here
# may send traffic beyond loopback; publishEvent still stores its deliveries.
"$bin" serve --listen "127.0.0.1:$port" --database-url "sqlite://$work/webhooks.db" \
    --dev-key "$key" --rate-limit-per-minute 0 --delivery-concurrency 0 \
    >"$work/service.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the service did not start" >&2; exit 1; }
    sleep 0.1
done

# Every scope the spec uses, and org-admin: the generated iTwin ids are arbitrary, so no
# `grant` on one iTwin could cover them.
token=$("$bin" token --client-id conformance --org-admin --ttl 24h --dev-key "$key" \
    --scopes "webhooks:read webhooks:modify webhooks:publish")

# positive_data_acceptance (ST202) wants every schema-valid request accepted: 2xx, or 401, 403,
# 404, 409, 429. The spec states every rule the service enforces but one, which depends on state
# and comes from the seeds themselves: activating a webhook that is already active is the seeds'
# 422 with the detail InvalidChange (target IsActive, "... cannot be activated because it is
# already active."), whether by the activate operation or by a PATCH with `active: true`. No
# schema can say that a webhook is active, and the seeds' answer must stay to the letter, so
# that one refusal stays. The check runs as `positive_data_acceptance_but_already_active`, which
# lets exactly that 422 through and hands everything else to schemathesis' own check.
#
# Issue 15 adds three refusals of the same kind, each demanded by the issue and none expressible
# in a schema, and each let through only with its own detail: a `$continuationToken` this server
# did not issue for that caller and list (the issue: "tampered tokens get a 422"; any string is
# schema-valid, only the server's HMAC tells), an `Idempotency-Key` reused by the same publisher
# with another body (`IdempotencyKeyReused`: the state of earlier requests decides), and a
# recovery whose `until` is not after its `since` (a relation between two fields).
cat >"$work/conformance_hooks.py" <<'PY'
import os

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# The operations that activate, and the seeds' message for an active webhook (its id aside).
ACTIVATING = {"POST /webhooks/{id}/activate", "PATCH /webhooks/{id}"}
ALREADY_ACTIVE = "' cannot be activated because it is already active."


def _already_active(response, case):
    """Whether the answer is the seeds' 422 for activating an active webhook, and only that."""
    if response.status_code != 422 or case.operation.label not in ACTIVATING:
        return False
    if case.operation.label == "PATCH /webhooks/{id}" and not (
        isinstance(case.body, dict) and case.body.get("active") is True
    ):
        return False
    try:
        details = response.json()["error"]["details"]
    except Exception:
        return False
    return (
        isinstance(details, list)
        and len(details) == 1
        and details[0].get("code") == "InvalidChange"
        and details[0].get("target") == "IsActive"
        and str(details[0].get("message", "")).endswith(ALREADY_ACTIVE)
    )


# Issue 15's refusals: operation -> (detail code, detail target) it may answer alone.
STATEFUL_422 = {
    "GET /webhooks": ("InvalidContinuationToken", "$continuationToken"),
    "GET /webhooks/{id}/deliveries": ("InvalidContinuationToken", "$continuationToken"),
    "POST /events": ("IdempotencyKeyReused", "Idempotency-Key"),
    "POST /webhooks/{id}/recover": ("InvalidRequestBody", "until"),
}


def _issue15_refusal(response, case):
    """The detail code of one of issue 15's refusals when the answer is exactly that, else None."""
    expected = STATEFUL_422.get(case.operation.label)
    if response.status_code != 422 or expected is None:
        return None
    try:
        details = response.json()["error"]["details"]
    except Exception:
        return None
    if not (isinstance(details, list) and len(details) == 1):
        return None
    if (details[0].get("code"), details[0].get("target")) != expected:
        return None
    return expected[0]


@schemathesis.check
def positive_data_acceptance_but_already_active(ctx, response, case):
    let_through = "InvalidChange" if _already_active(response, case) else _issue15_refusal(response, case)
    if let_through:
        # Counted, so that the summary says how many answers were let through.
        with open(os.environ["CONFORMANCE_LET_THROUGH"], "a") as log:
            log.write(f"{case.operation.label}\t{let_through}\n")
        return None
    return positive_data_acceptance(ctx, response, case)
PY

echo "==> schemathesis $st_version, $mode: $EXAMPLES examples per operation, seed $SEED, against $base"
started=$SECONDS
status=0
(
    # From the temporary folder: no schemathesis.toml of anyone's is picked up, and nothing is
    # written into the work tree.
    cd "$work"
    export PYTHONPATH="$work" SCHEMATHESIS_HOOKS=conformance_hooks
    export CONFORMANCE_LET_THROUGH="$work/let-through.tsv"
    exec "$venv/bin/schemathesis" --no-color run "$SPEC" \
        --url "$base" \
        --header "Authorization: Bearer $token" \
        --checks all --exclude-checks positive_data_acceptance \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$EXAMPLES" "${time_budget[@]}" \
        --seed "$SEED" \
        --generation-deterministic \
        --workers "$WORKERS" \
        --request-timeout 10 \
        --suppress-health-check too_slow \
        --report json,har --report-json-path "$work/report.json" --report-har-path "$work/run.har" \
        "$@"
) || status=$?

# One line with the numbers, from the run's JSON report.
if [[ -s "$work/report.json" ]]; then
    "$venv/bin/python" - "$work/report.json" "$mode" "$EXAMPLES" "$SEED" "$((SECONDS - started))" \
        "$work/run.har" "$SPEC" "$work/let-through.tsv" <<'PY'
import collections, json, re, sys
from urllib.parse import urlsplit

import yaml

report = json.load(open(sys.argv[1]))
mode, examples, seed, seconds, har, spec, let_through = sys.argv[2:]
# Requests sent per operation (all phases, stateful steps included), from the HTTP archive.
try:
    paths = yaml.safe_load(open(spec))["paths"]
    routes = [
        (method.upper(), re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), op["operationId"])
        for path, item in paths.items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    sent = collections.Counter()
    for entry in json.load(open(har))["log"]["entries"]:
        request = entry["request"]
        path = urlsplit(request["url"]).path
        name = next((n for m, r, n in routes if m == request["method"] and r.match(path)), "other")
        sent[name] += 1
    print("requests per operation: " + ", ".join(f"{n} {c}" for n, c in sorted(sent.items())))
except Exception as e:
    print(f"requests per operation: unavailable ({e})")
try:
    passed = collections.Counter(line.rstrip("\n") for line in open(let_through))
except FileNotFoundError:
    passed = collections.Counter()
print(
    "422s let through by positive_data_acceptance_but_already_active: "
    + (", ".join(f"{key.replace(chr(9), ' ')} {n}" for key, n in sorted(passed.items())) or "none")
)
ops = report.get("operations") or {}
cases = report["test_cases"]
failures = sum(group["count"] for group in report["failures"])
errors = sum(group["count"] for group in report["errors"])
print(
    f"conformance ({mode}): schemathesis {report['schemathesis_version']}, seed {seed}, "
    f"{examples} examples per operation, {ops.get('tested', '?')}/{ops.get('total', '?')} operations, "
    f"{cases['generated']} test cases, {cases['with_failures']} with failures, "
    f"{len(report['failures'])} distinct failures ({failures} in all), {errors} errors, {seconds} s"
)
PY
else
    echo "conformance ($mode): schemathesis wrote no report (exit $status)"
fi
exit "$status"
