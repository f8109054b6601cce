#!/usr/bin/env bash
# `cargo xtask mock` over every document in ../shared/specs/oas-examples (or the folder given):
# each document the generator accepts must start, print its operations, and answer every GET
# operation with a status the operation declares (path parameters filled with `1`, any bearer
# token); an operation that declares only 1xx statuses is counted apart, since no server can
# give a 1xx as its final answer. Prints one line per document and the counts; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# ../shared beside the main checkout (worktrees share its .git).
dir=${1:-$(realpath "$(git rev-parse --git-common-dir)/../../shared/specs/oas-examples")}
cargo build --quiet -p xtask
bin="${CARGO_TARGET_DIR:-$(pwd)/target}/debug/xtask"
python3 - "$bin" "$dir" <<'PY'
import glob, os, re, subprocess, sys, time, urllib.request, urllib.error

bin, folder = sys.argv[1], sys.argv[2]
docs = sorted(p for p in glob.glob(os.path.join(folder, "*")) if re.search(r"\.(ya?ml|json)$", p))
counts = {"documents": len(docs), "refused": 0, "started": 0, "gets": 0, "answered": 0, "failed": 0}
starts = []
for doc in docs:
    t0 = time.monotonic()
    proc = subprocess.Popen([bin, "mock", "--spec", doc, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    head = proc.stdout.readline()
    m = re.search(r"on (http://\S+): (\d+) operations, ready in (\d+) ms", head)
    name = os.path.basename(doc)
    if not m:
        proc.wait(timeout=30)
        why = (proc.stderr.read().strip().splitlines() or ["?"])[0]
        counts["refused"] += 1
        print(f"{name}: not served (the generator refuses it: {why[:110]})")
        continue
    counts["started"] += 1
    starts.append(int(m.group(3)))
    base = m.group(1)
    ops = []
    for line in proc.stdout:
        if not line.strip():
            break
        lm = re.match(r"\s+(\w+)\s+(\S+) \((.*?)\): (.*)", line)
        if lm:
            ops.append(lm.groups())
    bad = []
    gets = 0
    for method, path, op_id, statuses in ops:
        if method != "GET":
            continue
        gets += 1
        url = base + re.sub(r"\{[^}]*\}", "1", path.split("?")[0].split("#")[0])
        declared = [s.strip() for s in statuses.split(",")]
        if all(re.fullmatch(r"1\d\d", s) for s in declared):
            # HTTP/1.1 has no final 1xx answer: nothing can answer such an operation as declared.
            counts["informational only"] = counts.get("informational only", 0) + 1
            gets -= 1
            continue
        req = urllib.request.Request(url, headers={"Authorization": "Bearer t"})
        try:
            status = urllib.request.urlopen(req, timeout=10).status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception as e:
            bad.append(f"{op_id}: {e}")
            continue
        ok = str(status) in declared or f"{str(status)[0]}XX" in declared or "default" in declared
        if not ok:
            bad.append(f"{op_id}: {status} not in {statuses}")
    proc.terminate()
    proc.wait(timeout=10)
    counts["gets"] += gets
    counts["answered"] += gets - len(bad)
    counts["failed"] += len(bad)
    print(f"{name}: {len(ops)} operations, {gets} GET, {gets - len(bad)} answered with a declared status"
          + (f"; FAILED: {bad}" if bad else ""))
starts.sort()
median = starts[len(starts) // 2] if starts else 0
print("mock over examples: " + ", ".join(f"{k} {v}" for k, v in counts.items())
      + f"; start-up median {median} ms, max {max(starts, default=0)} ms")
sys.exit(1 if counts["failed"] else 0)
PY
