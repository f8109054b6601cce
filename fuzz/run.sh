#!/usr/bin/env bash
# Builds and runs both fuzz targets for SECONDS each (default 60), one job at a time.
#
#   bash fuzz/run.sh            # 60 s per target
#   bash fuzz/run.sh 600        # 10 minutes per target
#   TARGETS=request bash fuzz/run.sh 120
#
# Needs cargo-fuzz (`RUSTC_BOOTSTRAP=1 cargo install cargo-fuzz`); runs on the stable toolchain.
# The loader's corpus is seeded from spec/webhooks.yaml and, when present, the public examples in
# ../shared/specs/oas-examples (copied into fuzz/corpus, which git ignores). Crashes land in
# fuzz/artifacts/<target>/; reproduce one with `cargo fuzz run <target> <file>` and shrink it
# with `cargo fuzz tmin <target> <file>`.
set -euo pipefail

seconds="${1:-60}"
targets="${TARGETS:-loader request}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: RUSTC_BOOTSTRAP=1 cargo install cargo-fuzz" >&2
    exit 2
fi

mkdir -p corpus/loader corpus/request
cp ../spec/webhooks.yaml corpus/loader/webhooks.yaml
examples="../../shared/specs/oas-examples"
if [ -d "$examples" ]; then
    for f in "$examples"/*.yaml "$examples"/*.json; do
        [ -f "$f" ] && cp "$f" corpus/loader/
    done
fi

cargo fuzz build
status=0
for target in $targets; do
    echo "== $target: ${seconds}s"
    # -timeout: an input that takes more than 20 s is reported as a hang.
    cargo fuzz run "$target" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 ||
        status=$?
done
exit "$status"
