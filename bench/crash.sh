#!/usr/bin/env bash
# Crash test of delivery at full size: 10,000 events, `webhooks-service` killed with SIGKILL
# while delivering and started again; every event must reach the receiver at least once and
# every delivery row must end delivered. On PostgreSQL (when one answers) the same with two
# processes sharing the queue, one killed and restarted. `cargo test` runs the same test with
# 2,000 events on a debug build; this runs it in release with EVENTS (default 10000).
#
#   bash bench/crash.sh
#   EVENTS=50000 bash bench/crash.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export WEBHOOKS_CRASH_EVENTS=${EVENTS:-10000}
time cargo test --release -p webhooks-service --test crash -- --nocapture --test-threads 1
