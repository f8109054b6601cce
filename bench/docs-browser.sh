#!/usr/bin/env bash
# The served API reference in a real browser: starts the service (release build, fresh SQLite in
# a temporary folder, loopback only), loads GET /docs in headless Chromium and checks that the
# page the browser rendered shows every operation of spec/webhooks.yaml (one section per
# operationId) and every named schema. Chromium comes from Debian's `chromium` package, installed
# when missing. The page loads nothing from elsewhere (its content security policy is
# `default-src 'none'`), so this needs no network. Exits non-zero on any miss.
#
#   bash bench/docs-browser.sh                 # SCREENSHOT=docs.png also saves what it rendered
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
    if [[ $(id -u) == 0 ]]; then
        apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get install -y -qq chromium >/dev/null
    fi
    browser=$(command -v chromium)
fi

cargo build --quiet --release -p webhooks-service
bin="${CARGO_TARGET_DIR:-$root/target}/release/webhooks-service"

work=$(mktemp -d)
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; then
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --database-url "sqlite://$work/webhooks.db" \
    --dev-key "$work/dev.key" --delivery-concurrency 0 >"$work/service.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the service did not start" >&2; exit 1; }
    sleep 0.1
done

flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile")
"$browser" "${flags[@]}" --dump-dom "http://127.0.0.1:$port/docs" >"$work/dom.html" 2>"$work/browser.log"
if [[ -n "${SCREENSHOT:-}" ]]; then
    "$browser" "${flags[@]}" --window-size=1280,2000 --screenshot="$(realpath -m "$SCREENSHOT")" \
        "http://127.0.0.1:$port/docs" 2>>"$work/browser.log"
fi

python3 - "$work/dom.html" "http://127.0.0.1:$port/openapi.json" <<'PY'
import json, re, sys, urllib.request
dom = open(sys.argv[1], encoding="utf-8").read()
spec = json.load(urllib.request.urlopen(sys.argv[2]))
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ops = [op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in methods]
schemas = list(spec.get("components", {}).get("schemas", {}))
rendered_ops = set(re.findall(r'<section class="operation" id="op-[^"]*" data-operation-id="([^"]+)"', dom))
rendered_schemas = set(re.findall(r'<section class="schema" id="schema-([^"]+)"', dom))
missing = [o for o in ops if o not in rendered_ops] + [s for s in schemas if s not in rendered_schemas]
if "<title>" not in dom or missing:
    print(f"/docs as the browser rendered it lacks: {missing or 'its title'}", file=sys.stderr)
    sys.exit(1)
print(f"/docs in headless Chromium: {len(ops)} of {len(ops)} operations and "
      f"{len(schemas)} of {len(schemas)} schemas shown")
PY
