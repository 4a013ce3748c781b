"""Aurpay's signature authentication and callback verification in Python,
as the Authentication section of spec/aurpay.yaml states them: the small
signer a Python team adds to a generated client (an httpx request hook).
It must reproduce every case of spec/vectors/signing.json
(`python3 .ci/aurpay_signer.py spec/vectors/signing.json`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from datetime import datetime, timezone
from typing import Any, Callable

HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA3_256": hashlib.sha3_256}


def body_md5(body: bytes | None) -> str | None:
    """Lowercase hex MD5 of the body; None when there is none (or it is empty)."""
    return hashlib.md5(body).hexdigest() if body else None


def string_to_sign(algorithm: str, date: str, method: str, path_and_query: str, md5: str | None) -> str:
    text = f"{algorithm} | {date} | {method.upper()} {path_and_query}"
    return text if md5 is None else f"{text} | {md5}"


def signature(algorithm: str, secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), HASHES[algorithm]).digest()
    return base64.b64encode(digest).decode()


def date_now() -> str:
    """Whole seconds, as the docs show it (the text is signed as sent)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_request(
    algorithm: str, secret: str, date: str, method: str, path_and_query: str, body: bytes | None
) -> dict[str, str]:
    """The four headers signature authentication adds (besides API-Token)."""
    md5 = body_md5(body)
    headers = {
        "Algorithm": algorithm,
        "Date": date,
        "Signature": signature(algorithm, secret, string_to_sign(algorithm, date, method, path_and_query, md5)),
    }
    if md5 is not None:
        headers["Body-MD5"] = md5
    return headers


def httpx_signer(algorithm: str, secret: str) -> Callable[[Any], None]:
    """An httpx request hook: signs the exact bytes and path the client sends."""

    def hook(request: Any) -> None:
        request.read()
        path_and_query = request.url.raw_path.decode("ascii")
        body = request.content or None
        request.headers.update(
            sign_request(algorithm, secret, date_now(), request.method, path_and_query, body)
        )

    return hook


def _parse_date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_callback(
    token: str,
    secret: str,
    now: datetime,
    freshness_seconds: int,
    url: str,
    headers: dict[str, str],
) -> tuple[bool, str | None]:
    """(valid, reason): reason is wrong_token, bad_signature, bad_date, stale,
    future or missing. `freshness_seconds` is the caller's policy: Aurpay
    states no window (this SDK uses 300 s)."""
    got = {k.lower(): v for k, v in headers.items()}
    if not all(h in got for h in ("callback-token", "date", "signature")):
        return False, "missing"
    if not hmac.compare_digest(got["callback-token"].encode(), token.encode()):
        return False, "wrong_token"
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{got['date']} | {url}".encode(), hashlib.sha256).digest()
    )
    if not hmac.compare_digest(got["signature"].encode(), expected):
        return False, "bad_signature"
    try:
        signed_at = _parse_date(got["date"])
    except ValueError:
        return False, "bad_date"
    age = (now - signed_at).total_seconds()
    if age > freshness_seconds:
        return False, "stale"
    if -age > freshness_seconds:
        return False, "future"
    return True, None


def check_vectors(path: str) -> list[str]:
    """Every mismatch with the shared vectors, as text (empty when all pass)."""
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    failures = []
    for case in vectors["request_signing"]:
        body = case["body"].encode("utf-8") if case["body"] is not None else None
        md5 = body_md5(body)
        text = string_to_sign(case["algorithm"], case["date"], case["method"], case["path_and_query"], md5)
        got = {
            "body_md5": md5,
            "string_to_sign": text,
            "signature": signature(case["algorithm"], case["api_secret"], text),
        }
        if got != case["expected"]:
            failures.append(f"{case['name']}: got {got}, expected {case['expected']}")
    for case in vectors["callback_verification"]:
        request = case["request"]
        valid, reason = verify_callback(
            case["callback_token"],
            case["callback_secret"],
            _parse_date(case["now"]),
            case["freshness_seconds"],
            request["url"],
            request["headers"],
        )
        expected = case["expected"]
        if valid != expected["valid"] or (not valid and reason != expected.get("reason")):
            failures.append(f"{case['name']}: got {(valid, reason)}, expected {expected}")
    return failures


if __name__ == "__main__":
    problems = check_vectors(sys.argv[1] if len(sys.argv) > 1 else "spec/vectors/signing.json")
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"signer vectors: {'ok' if not problems else f'{len(problems)} failed'}")
    sys.exit(1 if problems else 0)
