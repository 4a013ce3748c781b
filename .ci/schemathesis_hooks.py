"""Schemathesis hooks for the sandbox fuzz run (.ci/fuzz-sandbox.sh).

AURPAY_FUZZ_AUTH=signature signs every request as Aurpay's signature scheme
says (spec/aurpay.yaml, the Authentication section): HMAC-SHA256 over
"{Algorithm} | {Date} | {METHOD} {path?query}[ | {Body-MD5}]", computed on
the exact bytes the transport will send (a requests PreparedRequest built
from the case), with the API-Key header removed so the signature is what
authenticates. AURPAY_FUZZ_AUTH=api-key leaves the API-Key header given on
the command line.

Every answer's envelope code is tallied into AURPAY_FUZZ_TALLY (JSON), so
the run can prove the requests were authenticated (not all refused with
code 401) and see what was refused.

Schemathesis runs its workers (--workers) as threads of one process, so
everything here that is shared between calls is guarded by a lock. That
includes `ast.parse`: CPython 3.11 keeps the AST constructor's recursion
depth in per-interpreter state, and two threads building ASTs at once (as
Hypothesis does when it describes a filter's lambda) make one of them fail
with "SystemError: AST constructor recursion depth mismatch"
(python/cpython#106905; seen in CI, and reproduced on 3.11.7 with four
threads parsing in a loop). Serialising `ast.parse` removes the race; the
parse is a small part of generation, so the workers keep their speed.
"""

from __future__ import annotations

import ast
import base64
import datetime
import hashlib
import hmac
import json
import os
import threading

import requests
import schemathesis

AUTH = os.environ.get("AURPAY_FUZZ_AUTH", "api-key")
TALLY = os.environ.get("AURPAY_FUZZ_TALLY")
_counts: dict[str, int] = {}
_counts_lock = threading.Lock()

_ast_lock = threading.Lock()
_unlocked_ast_parse = ast.parse


def _serialised_ast_parse(*args, **kwargs):
    with _ast_lock:
        return _unlocked_ast_parse(*args, **kwargs)


ast.parse = _serialised_ast_parse


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if AUTH != "signature":
        return
    token = os.environ["AURPAY_API_TOKEN"]
    secret = os.environ["AURPAY_API_SECRET"].encode()
    headers = dict(case.headers or {})
    for name in list(headers):
        if name.lower() in ("api-key", "api-token", "algorithm", "date", "body-md5", "signature"):
            del headers[name]
    case.headers = headers
    sent = case.as_transport_kwargs(base_url="http://sandbox")
    prepared = requests.Request(
        method=sent["method"],
        url=sent["url"],
        params=sent.get("params"),
        json=sent.get("json"),
        data=sent.get("data"),
        headers=sent.get("headers"),
    ).prepare()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    origin = f"HMAC-SHA256 | {date} | {prepared.method} {prepared.path_url}"
    body = prepared.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body:
        digest = hashlib.md5(body).hexdigest()
        origin += f" | {digest}"
        headers["Body-MD5"] = digest
    signature = base64.b64encode(hmac.new(secret, origin.encode(), hashlib.sha256).digest()).decode()
    headers.update({"API-Token": token, "Algorithm": "HMAC-SHA256", "Date": date, "Signature": signature})
    case.headers = headers


@schemathesis.hook
def after_call(ctx, case, response):
    if not TALLY:
        return
    try:
        key = str(json.loads(response.content).get("code"))
    except (ValueError, AttributeError):
        key = f"http {response.status_code} (not an envelope)"
    # Written whole and renamed into place under the lock, so a reader (the
    # check after the run) never sees two workers' writes interleaved.
    with _counts_lock:
        _counts[key] = _counts.get(key, 0) + 1
        partial = f"{TALLY}.partial"
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(_counts, f, sort_keys=True)
        os.replace(partial, TALLY)
