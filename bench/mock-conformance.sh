#!/usr/bin/env bash
# schemathesis against the generated mock (webhooks-server's `mock` feature, served by the
# `webhooks-mock` binary of contract-tests) on spec/webhooks.yaml: every check, every phase.
#
#   bash bench/mock-conformance.sh [--quick] [schemathesis run options]
#
# One check is left out, and only here: `use_after_free` (a resource read again after its
# DELETE must be gone). The mock keeps no state by design (as Prism's mock does not): every
# GET answers the spec's example, so a deleted webhook still reads (with it, the stateful phase
# reports exactly that one failure, ST301). Every response-conformance
# check (status, content type, headers, body schema) and every request-validation check runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

EXAMPLES=${EXAMPLES:-1000}
if [[ "${1:-}" == --quick ]]; then
    EXAMPLES=${EXAMPLES_QUICK:-50}
    shift
fi
SEED=${SEED:-20240611}
SPEC=$(realpath "${SPEC:-spec/webhooks.yaml}")

venv="$root/target/conformance-venv"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check schemathesis
fi

cargo build --quiet --release -p contract-tests --bin webhooks-mock
bin="${CARGO_TARGET_DIR:-$root/target}/release/webhooks-mock"

work=$(mktemp -d)
mock_pid=""
cleanup() {
    local status=$?
    if [[ -n "$mock_pid" ]] && kill "$mock_pid" 2>/dev/null; then
        wait "$mock_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --listen "127.0.0.1:$port" 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
cat "$work/mock.log"

status=0
(
    cd "$work"
    exec "$venv/bin/schemathesis" --no-color run "$SPEC" \
        --url "http://127.0.0.1:$port" \
        --header "Authorization: Bearer mock" \
        --checks all --exclude-checks use_after_free \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" --generation-deterministic \
        --request-timeout 10 --suppress-health-check too_slow \
        --report json --report-json-path "$work/report.json" \
        "$@"
) >"$work/run.log" 2>&1 || status=$?
tail -n 40 "$work/run.log"
if [[ -s "$work/report.json" ]]; then
    "$venv/bin/python" - "$work/report.json" "$EXAMPLES" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["test_cases"]
print(f"mock conformance: {sys.argv[2]} examples per operation, {c['generated']} test cases, "
      f"{c['with_failures']} with failures, {sum(g['count'] for g in r['failures'])} failures, "
      f"{sum(g['count'] for g in r['errors'])} errors")
PY
fi
exit "$status"
