"""Compare Prism's mock with ours on spec/webhooks.yaml: every operation x every declared
status, asked with `Prefer: code=N` (and once with no Prefer), a valid request (the spec's
request example, a bearer token). Prints one row per case and a summary.

    python3 bench/prism-compare.py PRISM_URL OUR_URL
"""
import json, re, sys, urllib.error, urllib.request

import yaml

prism, ours = sys.argv[1], sys.argv[2]
spec = yaml.safe_load(open("spec/webhooks.yaml"))


def send(base, method, path, body, prefer):
    headers = {"Authorization": "Bearer t", "Accept": "application/json"}
    if prefer:
        headers["Prefer"] = prefer
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        r = urllib.request.urlopen(req, timeout=10)
        status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


rows, same_status, same_body, total = [], 0, 0, 0
for path, item in spec["paths"].items():
    for method, op in item.items():
        if not isinstance(op, dict) or "operationId" not in op:
            continue
        body = None
        content = (op.get("requestBody") or {}).get("content", {})
        if "application/json" in content:
            body = content["application/json"].get("example", {})
        url = re.sub(r"\{[^}]+\}", "5885fb70-81c1-423b-b556-771b5ab4d55b", path)
        for code in [None] + [c for c in op["responses"]]:
            prefer = f"code={code}" if code else ""
            a = send(prism, method.upper(), url, body, prefer)
            b = send(ours, method.upper(), url, body, prefer)
            total += 1
            same_status += a[0] == b[0]
            same_body += a[1] == b[1]
            rows.append((op["operationId"], code or "(none)", a[0], b[0], a[1] == b[1],
                         json.dumps(a[1])[:90] if a[1] != b[1] else ""))
for r in rows:
    print("\t".join(str(x) for x in r))
print(f"cases {total}, same status {same_status}, same body {same_body}")
