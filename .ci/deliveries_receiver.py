"""A webhook receiver for .ci/deliveries.sh, written against code nobody on this team wrote: the
`standardwebhooks` package checks the Standard Webhooks headers, Python's hmac the legacy
`Signature` header.

It listens on 127.0.0.1 (port 0: the OS picks one, written to PORT_FILE), takes what each hook
must be signed with from SECRETS_FILE (JSON: hook name -> list of secrets, the current one first
and, during a rotation's grace period, the previous one second) and appends one JSON line per
delivery to LOG_FILE. A delivery passes when:

- `webhook-signature` has exactly one `v1` entry per listed secret, in that order, and each
  entry verifies with its own secret (the library sees one entry at a time, so an entry that
  only the other secret could verify is caught);
- `Signature` is the HMAC-SHA256 of the body under the current secret;
- `webhook-id` is the body's `messageId`.

It answers 204 to a delivery that passes and 401 to one that does not (the service then retries
it, which the CI script's count makes visible).

Secrets: a `whsec_` secret is passed to the library as it is (it base64-decodes the rest); any
other secret as its UTF-8 bytes, which the library uses as the key unchanged. That is the
service's rule, so this also checks that the two agree.
"""

import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRETS_FILE, LOG_FILE, PORT_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
log_lock = threading.Lock()


def library_key(secret):
    return secret if secret.startswith("whsec_") else secret.encode("utf-8")


def check(name, headers, body):
    """The reasons the delivery fails (empty when it passes)."""
    with open(SECRETS_FILE, encoding="utf-8") as f:
        secrets = json.load(f).get(name)
    if not secrets:
        return [f"no secrets for hook {name!r}"]
    problems = []
    entries = (headers.get("webhook-signature") or "").split(" ")
    if len(entries) != len(secrets):
        problems.append(f"{len(entries)} webhook-signature entries, expected {len(secrets)}")
    for index, (entry, secret) in enumerate(zip(entries, secrets)):
        one = {
            "webhook-id": headers.get("webhook-id") or "",
            "webhook-timestamp": headers.get("webhook-timestamp") or "",
            "webhook-signature": entry,
        }
        try:
            Webhook(library_key(secret)).verify(body, one, json_parse=False)
        except WebhookVerificationError as e:
            problems.append(f"entry {index} does not verify with secret {index}: {e}")
    expected = "sha256=" + hmac.new(secrets[0].encode("utf-8"), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(headers.get("signature") or "", expected):
        problems.append("Signature does not verify with the current secret")
    try:
        message_id = json.loads(body).get("messageId")
    except ValueError:
        message_id = None
    if headers.get("webhook-id") != message_id:
        problems.append(f"webhook-id {headers.get('webhook-id')!r} is not messageId {message_id!r}")
    return problems


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        problems = check(name, headers, body)
        record = {
            "hook": name,
            "id": headers.get("webhook-id"),
            "entries": len((headers.get("webhook-signature") or "").split(" ")),
            "ok": not problems,
            "problems": problems,
        }
        with log_lock, open(LOG_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(204 if not problems else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
