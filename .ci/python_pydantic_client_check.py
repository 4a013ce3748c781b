#!/usr/bin/env python3
"""Contract check: openapi-generator's python client (pydantic, urllib3)
generated from the spec, compiled, imported and run against the sandbox.

Usage (normally through .ci/python-pydantic-client-check.sh):

    python .ci/python_pydantic_client_check.py --spec spec/aurpay.yaml \\
        --client-dir target/python-pydantic-client --package aurpay_client \\
        --base-url http://127.0.0.1:PORT --api-key KEY \\
        --api-token TOKEN --api-secret SECRET

The generated package is byte-compiled and every module imported (a module
that does not import fails the check). The client is configured as the
README tells a Python team: `exact_urllib3` (aurpay_exact_json.py) on its
`ApiClient`, and for signatures `Configuration(api_key={"ApiSignature":
token})` with `urllib3_signer` (aurpay_signer.py). First the signer and the
reader pass the shared vectors. Then every operation is called, found on
the generated API class of its tag by operationId (`<id>_with_http_info`),
with the spec's example parameters and body (`<Model>(**example)`), with the
API key and with signatures; for each: the method and path sent, the
credentials as the scheme says, HTTP 200, the raw body valid against the
spec's response schema, the generated envelope with `code == 0`, and every
amount number of the raw body read as a string with the same value. Then
the sandbox reports an unknown status and a 27-digit amount, then a
whole-number amount, and every read-only operation is called again. It
prints `python-pydantic-client: N passed, M failed`.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import json
import pkgutil
import sys
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

import aurpay_exact_json
import aurpay_signer
from python_client_check import (
    LONG_AMOUNT,
    UNKNOWN_STATUS,
    VECTORS,
    WHOLE_AMOUNT,
    CheckFailure,
    Operation,
    Spec,
    WholeNumber,
    check_exact_vectors,
    exact_amounts,
    path_matches,
)


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", " ").replace("_", " ").split())


def snake_case(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


class Recorder:
    """The last request as urllib3 sent it (below the signer)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.method = ""
        self.url = ""
        self.headers: dict[str, str] = {}
        self.body: Any = None

    def request(self, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        self.method, self.url, self.body = method, url, body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        return self.inner.request(method, url, body=body, headers=headers, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Check:
    def __init__(self, args: argparse.Namespace) -> None:
        self.spec = Spec(Path(args.spec))
        self.base_url = args.base_url.rstrip("/")
        self.api_key, self.api_token, self.api_secret = args.api_key, args.api_token, args.api_secret
        self.results: list[tuple[str, str | None]] = []
        sys.path.insert(0, str(Path(args.client_dir).resolve()))
        self.package_name = args.package
        self.package = importlib.import_module(args.package)
        self.scheme = "api-key"

    def report(self, name: str, reason: str | None) -> None:
        self.results.append((name, reason))
        print(f"ok   {name}" if reason is None else f"FAIL {name}: {reason}", flush=True)

    def client(self, op: Operation) -> tuple[Any, Recorder]:
        """A fresh ApiClient configured for the scheme, and what it sends."""
        pkg = self.package
        api_key = {}
        if op.secured:
            api_key = {"ApiSignature": self.api_token} if self.scheme == "signature" else {"ApiKey": self.api_key}
        configuration = pkg.Configuration(host=self.base_url, api_key=api_key)
        api_client = pkg.ApiClient(configuration)
        aurpay_exact_json.exact_urllib3(api_client)
        recorder = Recorder(api_client.rest_client.pool_manager)
        api_client.rest_client.pool_manager = recorder
        if op.secured and self.scheme == "signature":
            aurpay_signer.urllib3_signer(api_client, "HMAC-SHA256", self.api_secret)
        return api_client, recorder

    def call(self, op: Operation, seen: list[bytes] | None = None) -> None:
        name = f"{op.operation_id} ({self.scheme})"
        try:
            self._call(op, seen)
        except CheckFailure as failure:
            self.report(name, str(failure))
        except Exception as error:  # a crash in the generated code
            last = traceback.extract_tb(error.__traceback__)[-1]
            self.report(name, f"{type(error).__name__}: {error} ({Path(last.filename).name}:{last.lineno})")
        else:
            self.report(name, None)

    def _call(self, op: Operation, seen: list[bytes] | None) -> None:
        params, body, body_model = self.spec.example_call(op)
        api_client, sent = self.client(op)
        tag = op.op["tags"][0]
        api_class = getattr(self.package, f"{pascal_case(tag)}Api", None)
        if api_class is None:
            raise CheckFailure(f"no {pascal_case(tag)}Api in the generated package")
        method = getattr(api_class(api_client), f"{op.operation_id}_with_http_info", None)
        if method is None:
            raise CheckFailure(f"no {op.operation_id}_with_http_info on {pascal_case(tag)}Api")
        kwargs = dict(params)
        if body is not None:
            # Keyword construction, as the README says: `from_dict` marks
            # every property set, and this generator sends an unset Amount
            # (untyped, so nullable to it) as `"amount": null`, which the
            # spec does not allow.
            model = getattr(self.package, body_model)
            kwargs[snake_case(body_model)] = model(**body)
        answer = method(**kwargs, _request_timeout=10)

        # What went over the wire.
        if sent.method != op.method or not path_matches(op.path, urlsplit(sent.url).path):
            raise CheckFailure(f"sent {sent.method} {sent.url}, the spec says {op.method} {op.path}")
        key, token = sent.headers.get("api-key"), sent.headers.get("api-token")
        if not op.secured and (key or token):
            raise CheckFailure("credentials sent on an operation with `security: []`")
        if op.secured and self.scheme == "signature":
            if token != self.api_token or key is not None or not sent.headers.get("signature"):
                raise CheckFailure(f"signature scheme sent API-Token {token!r}, API-Key {key!r}")
        elif op.secured and (key != self.api_key or token is not None):
            raise CheckFailure(f"API-Key sent as {key!r}, API-Token {token!r}")
        if body is not None:
            self.spec.validate(self.spec.request_schema_pointer(op), json.loads(sent.body), "request body sent")

        # What came back: the bytes against the spec, the model exactly.
        original = aurpay_exact_json.exact_urllib3.last_original
        if answer.status_code != 200:
            raise CheckFailure(f"HTTP {answer.status_code}: {original[:200]!r}")
        self.spec.validate(self.spec.response_schema_pointer(op), json.loads(original), "response body")
        envelope = getattr(self.package, self.spec.envelope_name(op))
        if type(answer.data) is not envelope:
            raise CheckFailure(f"read a {type(answer.data).__name__}, expected {envelope.__name__}")
        if answer.data.code != 0:
            raise CheckFailure(f"envelope code {answer.data.code}: {original[:200]!r}")
        exact_amounts(
            json.loads(original, parse_float=Decimal, parse_int=WholeNumber),
            answer.data.to_dict(),
            "body",
            self.spec.decimal_names(),
        )
        if seen is not None:
            seen.append(original)

    def run(self) -> int:
        # Compiled and importable, every module.
        root = Path(self.package.__file__).parent
        if not compileall.compile_dir(str(root), quiet=1, force=True):
            self.report("compile", f"{root} does not byte-compile")
        modules = 0
        for info in pkgutil.walk_packages([str(root)], prefix=f"{self.package_name}."):
            try:
                importlib.import_module(info.name)
                modules += 1
            except Exception as error:
                self.report("import", f"{info.name}: {type(error).__name__}: {error}")
        print(f"ok   {modules} generated modules compiled and imported", flush=True)

        vector_failures = aurpay_signer.check_vectors(str(VECTORS))
        vector_failures += check_exact_vectors(self.spec.decimal_names())
        for failure in vector_failures:
            self.report("vectors", failure)
        if not vector_failures:
            print("ok   signer and exact reader pass the shared vectors; the reader's amount names are the spec's", flush=True)
        for scheme in ("api-key", "signature"):
            self.scheme = scheme
            for op in self.spec.operations.values():
                self.call(op)
        reads = [op for op in self.spec.operations.values() if not op.op.get("x-aurpay-moves-money")]
        order_id = self.spec.resolve({"$ref": "#/components/parameters/OrderId"})["example"]
        for stage, status, amount in (("reported", UNKNOWN_STATUS, LONG_AMOUNT), ("whole", None, WHOLE_AMOUNT)):
            self.scheme = stage
            params = {"amount": amount, "form": "number"} | ({"status": status} if status else {})
            control = httpx.post(f"{self.base_url}/__sandbox/report/{order_id}", params=params, timeout=10)
            if control.json().get("code") != 0:
                self.report("sandbox-report", control.text)
                continue
            seen: list[bytes] = []
            for op in reads:
                self.call(op, seen)
            carried = sum(1 for body in seen if f'"amount":{amount}'.encode() in body)
            self.report(
                f"{carried} answers carried the amount {amount} as a JSON number, read exactly",
                None if carried else "no answer carried it",
            )
        ops = set(self.spec.operations)
        passed = sum(1 for name, reason in self.results if reason is None and name.split(" ")[0] in ops)
        failed = sum(1 for _, reason in self.results if reason is not None)
        print(f"python-pydantic-client: {passed} passed, {failed} failed")
        return 1 if failed or passed < 2 * len(ops) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--client-dir", required=True, help="openapi-generator's output directory")
    parser.add_argument("--package", required=True, help="the generated package (packageName)")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-token", required=True)
    parser.add_argument("--api-secret", required=True)
    return Check(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
