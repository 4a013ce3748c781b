#!/usr/bin/env python3
"""Contract check: a Python client generated from the spec, run against the sandbox.

Usage (normally through .ci/python-client-check.sh):

    python .ci/python_client_check.py --spec spec/aurpay.yaml \
        --client-dir target/python-client \
        --base-url http://127.0.0.1:PORT --api-key KEY \
        --api-token TOKEN --api-secret SECRET

`--client-dir` is the `--output-path` given to `openapi-python-client
generate`: the directory that holds the generated package.

The sandbox must be seeded with the spec's examples (`aurpay sandbox
--examples`). First the small signer in `aurpay_signer.py` must reproduce
every case of the shared vectors (`spec/vectors/signing.json`), and the
exact reader in `aurpay_exact_json.py` every case of
`spec/vectors/exact-amounts.json`, with the spec's amount names. Every
operation in the spec is then called twice, in spec order, once with the
API key and once with signature authentication (the generated client sends
`API-Token`, the signer adds the rest), through the generated client's `sync_detailed`, with the spec's own
example values: each parameter's `example` and the request body's
`example`. Nothing here names an operation, so an operation added to the
spec is checked with no edit to this file. For each call the check asserts:

- the request went to the spec's method and path, with the `API-Key` header
  (or `API-Token` and a `Signature`, and the token in no other header) for
  secured operations and with no credential for `security: []` ones;
- the JSON body actually sent validates against the operation's requestBody
  schema;
- HTTP 200 with a JSON content type;
- the raw response body validates against the spec's 200 response schema
  (openapi-schema-validator's OAS30Validator, `$ref`s resolved through a
  `referencing` registry holding the whole spec);
- the generated client parsed it into the operation's envelope model (not
  the error `Envelope`), with `code == 0`, and the model writes back exactly
  the body it read (nothing dropped or altered);
- where the answer's `data` has a field named like a path parameter (such as
  `order_id`), it holds the value sent;
- every amount number of the raw body (parsed losslessly: a fraction or an
  exponent, or a whole number under an amount name) reached the client as a
  string with the same value.

Then the sandbox reports an unknown status and a 27-digit amount, then a
whole-number amount, for an example order, and every read-only operation is
called again (`reported`, `whole`).

It prints `ok   <operation_id> (<scheme>)` or `FAIL ...: <reason>` per
call, then `python-client: N passed, M failed`, and exits 1 on any
failure. An operation whose parameters or body have no example fails.
"""

from __future__ import annotations

import argparse
import importlib
from decimal import Decimal
import json
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from ruamel.yaml import YAML

import aurpay_exact_json  # beside this file: the exact-amounts reader
import aurpay_signer  # beside this file: the signer that passes the shared vectors

SPEC_URI = "urn:aurpay:spec"
VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "signing.json"
EXACT_VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "exact-amounts.json"
# What the sandbox is told to report: a status no client knows, and an
# amount with 27 significant digits (a double keeps about 16).
UNKNOWN_STATUS = "CONFIRMING"
LONG_AMOUNT = "0.123456789012345678901234567"
WHOLE_AMOUNT = "12"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class CheckFailure(Exception):
    """One operation's check failed; the message is the reason."""


# --------------------------------------------------------------------------
# The spec


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    pointer: str  # JSON pointer of the operation object in the spec
    op: dict[str, Any]
    secured: bool


class Spec:
    def __init__(self, path: Path) -> None:
        yaml = YAML(typ="safe", pure=True)
        with path.open(encoding="utf-8") as f:
            self.document: dict[str, Any] = yaml.load(f)
        # Round-trip through JSON: plain dicts/lists/str/int/float/bool/None only.
        self.document = json.loads(json.dumps(self.document))
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.operations: dict[str, Operation] = {}
        global_security = self.document.get("security", [])
        for path_name, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                op_id = op["operationId"]
                security = op.get("security", global_security)
                self.operations[op_id] = Operation(
                    operation_id=op_id,
                    method=method.upper(),
                    path=path_name,
                    pointer=f"/paths/{pointer_escape(path_name)}/{method}",
                    op=op,
                    secured=bool(security) and all(bool(req) for req in security),
                )

    def decimal_names(self) -> frozenset[str]:
        """The names of the properties whose schema is `x-aurpay-decimal`
        (directly or through allOf), read from the spec."""

        def is_decimal(node: Any) -> bool:
            schema = self.resolve(node)
            return isinstance(schema, dict) and (
                bool(schema.get("x-aurpay-decimal")) or any(is_decimal(b) for b in schema.get("allOf", []))
            )

        return frozenset(
            name
            for schema in self.document["components"]["schemas"].values()
            for name, prop in (self.resolve(schema).get("properties") or {}).items()
            if is_decimal(prop)
        )

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"unsupported $ref {ref!r}")
            node = self.document
            for token in ref[2:].split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def example_call(self, op: Operation) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
        """The spec's example request: parameters by name, body, body model name."""
        params: dict[str, Any] = {}
        for parameter in op.op.get("parameters", []):
            parameter = self.resolve(parameter)
            if parameter.get("in") not in ("path", "query"):
                continue
            example = parameter.get("example", parameter.get("schema", {}).get("example"))
            if example is None:
                if parameter.get("required"):
                    raise CheckFailure(f"parameter {parameter['name']!r} has no example")
                continue
            params[parameter["name"]] = example
        body = op.op.get("requestBody")
        if body is None:
            return params, None, None
        media = self.resolve(body)["content"]["application/json"]
        example = media.get("example")
        if example is None:
            examples = list(media.get("examples", {}).values())
            example = self.resolve(examples[0]).get("value") if examples else None
        if example is None:
            raise CheckFailure("the request body has no example")
        ref = media.get("schema", {}).get("$ref", "")
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise CheckFailure("the request body schema is not a $ref to a component schema")
        return params, example, ref[len(prefix):]

    def _validator(self, pointer: str) -> OAS30Validator:
        schema = {"$ref": f"{SPEC_URI}#{pointer}"}
        return OAS30Validator(schema, registry=self.registry, format_checker=oas30_format_checker)

    def response_schema_pointer(self, op: Operation) -> str:
        responses = op.op.get("responses", {})
        if "200" not in responses:
            raise CheckFailure("the spec declares no 200 response")
        response = responses["200"]
        base = f"{op.pointer}/responses/200"
        if "$ref" in response:
            base = response["$ref"][1:]
            response = self.resolve(response)
        if "application/json" not in response.get("content", {}):
            raise CheckFailure("the spec's 200 response has no application/json content")
        return f"{base}/content/application~1json/schema"

    def request_schema_pointer(self, op: Operation) -> str | None:
        body = op.op.get("requestBody")
        if body is None:
            return None
        base = f"{op.pointer}/requestBody"
        if "$ref" in body:
            base = body["$ref"][1:]
            body = self.resolve(body)
        if "application/json" not in body.get("content", {}):
            raise CheckFailure("the spec's requestBody has no application/json content")
        return f"{base}/content/application~1json/schema"

    def envelope_name(self, op: Operation) -> str:
        pointer = self.response_schema_pointer(op)
        node = self.document
        for token in pointer[1:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        ref = node.get("$ref", "")
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise CheckFailure("the 200 response schema is not a $ref to a component schema")
        return ref[len(prefix):]

    def validate(self, pointer: str, instance: Any, what: str) -> None:
        errors = sorted(
            self._validator(pointer).iter_errors(instance),
            key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        )
        if errors:
            shown = "; ".join(
                f"at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:3]
            )
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            raise CheckFailure(f"{what} does not match the spec: {shown}{more}")


# --------------------------------------------------------------------------
# The generated client


def pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_"))


def find_package(client_dir: Path) -> str:
    candidates = sorted(
        p.parent.name
        for p in client_dir.glob("*/client.py")
        if (p.parent / "__init__.py").is_file() and (p.parent / "api").is_dir()
    )
    if len(candidates) != 1:
        raise SystemExit(
            f"expected exactly one generated package (with client.py and api/) in {client_dir}, "
            f"found {candidates or 'none'}"
        )
    return candidates[0]


class GeneratedClient:
    def __init__(self, client_dir: Path) -> None:
        self.package = find_package(client_dir)
        sys.path.insert(0, str(client_dir.resolve()))
        self.client_module = importlib.import_module(f"{self.package}.client")
        self.models = importlib.import_module(f"{self.package}.models")
        api_dir = client_dir / self.package / "api"
        # operationId -> dotted module, wherever the generator put it (api/<tag>/<id>.py).
        self.endpoint_modules: dict[str, str] = {}
        for path in sorted(api_dir.glob("*/*.py")):
            if path.name != "__init__.py":
                self.endpoint_modules[path.stem] = f"{self.package}.api.{path.parent.name}.{path.stem}"

    def endpoint(self, operation_id: str) -> Any:
        module = self.endpoint_modules.get(operation_id)
        if module is None:
            raise CheckFailure(
                f"the generator produced no module for it (looked for api/*/{operation_id}.py)"
            )
        mod = importlib.import_module(module)
        if not hasattr(mod, "sync_detailed"):
            raise CheckFailure(f"{module} has no sync_detailed")
        return mod

    def model(self, name: str) -> type:
        cls = getattr(self.models, pascal_case(name), None)
        if cls is None:
            raise CheckFailure(f"the generator produced no model {pascal_case(name)} for {name}")
        return cls


# --------------------------------------------------------------------------
# The run


@dataclass
class Recorder:
    """httpx event hooks: keep what the generated client sends and gets."""

    requests: list[httpx.Request] = field(default_factory=list)
    responses: list[httpx.Response] = field(default_factory=list)

    def clear(self) -> None:
        self.requests.clear()
        self.responses.clear()

    def on_request(self, request: httpx.Request) -> None:
        request.read()
        self.requests.append(request)

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(response)


class Check:
    def __init__(self, args: argparse.Namespace) -> None:
        self.spec = Spec(Path(args.spec))
        self.gen = GeneratedClient(Path(args.client_dir))
        self.base_url = args.base_url.rstrip("/")
        self.api_key = args.api_key
        self.recorder = Recorder()
        hooks = {
            "event_hooks": {"request": [self.recorder.on_request], "response": [self.recorder.on_response]}
        }
        timeout = httpx.Timeout(args.timeout)
        client_module = self.gen.client_module
        # The configuration the README gives Python teams: decimal numbers
        # are handed to the client as strings (every digit kept).
        self.exact = aurpay_exact_json.ExactAmountsTransport()
        hooks = {**hooks, "transport": self.exact}
        self.authed = client_module.AuthenticatedClient(
            base_url=self.base_url,
            token=self.api_key,
            prefix="",
            auth_header_name="API-Key",
            timeout=timeout,
            httpx_args=hooks,
        )
        self.anonymous = client_module.Client(base_url=self.base_url, timeout=timeout, httpx_args=hooks)
        # Signature authentication: the generated client sends the token
        # (the spec's ApiSignature scheme); the small signer in
        # aurpay_signer.py, which passes the shared vectors, adds Algorithm,
        # Date, Body-MD5 and Signature over the exact bytes sent.
        self.api_token = args.api_token
        signer = aurpay_signer.httpx_signer("HMAC-SHA256", args.api_secret)
        self.signed = client_module.AuthenticatedClient(
            base_url=self.base_url,
            token=self.api_token,
            prefix="",
            auth_header_name="API-Token",
            timeout=timeout,
            httpx_args={
                "event_hooks": {
                    "request": [signer, self.recorder.on_request],
                    "response": [self.recorder.on_response],
                },
                "transport": self.exact,
            },
        )
        self.scheme = "api-key"
        self.results: list[tuple[str, str | None]] = []  # (name, failure reason or None)

    # -- helpers ----------------------------------------------------------

    def report(self, name: str, reason: str | None) -> None:
        if name in self.spec.operations:
            name = f"{name} ({self.scheme})"
        self.results.append((name, reason))
        if reason is None:
            print(f"ok   {name}", flush=True)
        else:
            print(f"FAIL {name}: {reason}", flush=True)

    def call(
        self,
        operation_id: str,
        *,
        kwargs: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        body_model: str | None = None,
        check: Callable[[Any, Any], None] | None = None,
    ) -> Any:
        """Calls one operation through the generated client and checks it.

        Returns the parsed envelope on success, None on failure.
        """
        try:
            parsed = self._call(operation_id, kwargs or {}, body, body_model, check)
        except CheckFailure as failure:
            self.report(operation_id, str(failure))
            return None
        except Exception as error:  # a crash in the generated code or the transport
            last = traceback.extract_tb(error.__traceback__)[-1]
            where = f" ({Path(last.filename).name}:{last.lineno})"
            self.report(operation_id, f"{type(error).__name__}: {error}{where}")
            return None
        self.report(operation_id, None)
        return parsed

    def _call(self, operation_id, kwargs, body, body_model, check) -> Any:
        op = self.spec.operations.get(operation_id)
        if op is None:
            raise CheckFailure("not in the spec")
        endpoint = self.gen.endpoint(operation_id)
        envelope_name = self.spec.envelope_name(op)
        envelope_cls = self.gen.model(envelope_name)
        request_pointer = self.spec.request_schema_pointer(op)
        if (request_pointer is None) != (body is None):
            raise CheckFailure("the check's request body does not match the spec's requestBody")

        call_kwargs = dict(kwargs)
        if body is not None:
            # Check what we mean to send, then have the generated model carry it.
            self.spec.validate(request_pointer, body, "request body")
            call_kwargs["body"] = self.gen.model(body_model).from_dict(body)
        if not op.secured:
            client = self.anonymous
        elif self.scheme == "signature":
            client = self.signed
        else:
            client = self.authed

        self.recorder.clear()
        try:
            response = endpoint.sync_detailed(client=client, **call_kwargs)
        except Exception as error:
            # The generated code parses eagerly; say first whether the body
            # itself breaks the spec, which is the more useful reason.
            if len(self.recorder.responses) != 1:
                raise
            wire = self.recorder.responses[0]
            self.check_raw(op, int(wire.status_code), wire.headers, self.exact.last_original)
            raise CheckFailure(
                "the generated client cannot parse a response that matches the spec: "
                f"{type(error).__name__}: {error}"
            ) from error

        # What went over the wire.
        if len(self.recorder.requests) != 1:
            raise CheckFailure(f"expected 1 HTTP request, the client sent {len(self.recorder.requests)}")
        request = self.recorder.requests[0]
        if request.method != op.method:
            raise CheckFailure(f"sent {request.method}, the spec says {op.method}")
        sent_path = request.url.path
        if not path_matches(op.path, sent_path):
            raise CheckFailure(f"sent to {sent_path}, the spec's path is {op.path}")
        key = request.headers.get("API-Key")
        token = request.headers.get("API-Token")
        if op.secured and self.scheme in ("api-key", "reported", "whole") and (key != self.api_key or token is not None):
            raise CheckFailure(f"API-Key header sent as {key!r}, expected the sandbox key alone")
        if op.secured and self.scheme == "signature":
            if token != self.api_token or key is not None:
                raise CheckFailure(f"API-Token sent as {token!r} (API-Key {key!r}), expected the token alone")
            if not request.headers.get("Signature"):
                raise CheckFailure("signature scheme: no Signature header")
            # The key must not be sprayed over the signature headers.
            for header in ("Algorithm", "Date", "Body-MD5", "Signature"):
                if request.headers.get(header) == self.api_token:
                    raise CheckFailure(f"the token was sent as {header}")
        if not op.secured and (key is not None or token is not None):
            raise CheckFailure("credentials sent on an operation with `security: []`")
        if body is not None:
            try:
                sent = json.loads(request.content)
            except ValueError as error:
                raise CheckFailure(f"request body sent is not JSON: {error}") from None
            self.spec.validate(request_pointer, sent, "request body sent")
            if sent != body:
                raise CheckFailure(f"generated model sent {sent!r}, expected {body!r}")

        # What came back: the bytes as sent are checked against the spec;
        # what the client read must hold every amount exactly.
        original = self.exact.last_original
        self.check_raw(op, int(response.status_code), response.headers, original)
        raw = json.loads(response.content)
        exact_amounts(
            json.loads(original, parse_float=Decimal, parse_int=WholeNumber),
            raw,
            "body",
            self.spec.decimal_names(),
        )
        snippet = response.content[:300].decode("utf-8", "replace")
        parsed = response.parsed
        if parsed is None:
            raise CheckFailure("the generated client's .parsed is None")
        if type(parsed) is not envelope_cls:
            raise CheckFailure(
                f".parsed is a {type(parsed).__name__}, expected the generated {envelope_cls.__name__}"
            )
        if parsed.code != 0:
            raise CheckFailure(f"envelope code {parsed.code}, expected 0: {snippet}")
        written = parsed.to_dict()
        if written != raw:
            raise CheckFailure(
                f"the generated model does not round-trip the body: read {raw!r}, wrote {written!r}"
            )
        if check is not None:
            check(parsed, raw)
        return parsed

    def check_raw(self, op: Operation, status: int, headers: Any, content: bytes) -> Any:
        """Checks the response as sent, independently of the generated client."""
        snippet = content[:300].decode("utf-8", "replace")
        if status != 200:
            raise CheckFailure(f"HTTP {status}, expected 200: {snippet}")
        content_type = headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise CheckFailure(f"Content-Type {content_type!r}, expected application/json")
        try:
            raw = json.loads(content)
        except ValueError as error:
            raise CheckFailure(f"response body is not JSON ({error}): {snippet}") from None
        self.spec.validate(self.spec.response_schema_pointer(op), raw, "response body")
        return raw

    # -- the plan ---------------------------------------------------------

    def run(self) -> int:
        vector_failures = aurpay_signer.check_vectors(str(VECTORS))
        for failure in vector_failures:
            self.report("signer-vectors", failure)
        if not vector_failures:
            print(f"ok   signer passes the shared vectors ({VECTORS})", flush=True)
        exact_failures = check_exact_vectors(self.spec.decimal_names())
        for failure in exact_failures:
            self.report("exact-vectors", failure)
        if not exact_failures:
            print(f"ok   exact reader passes the shared vectors ({EXACT_VECTORS}); its amount names are the spec's", flush=True)
        for scheme in ("api-key", "signature"):
            self.scheme = scheme
            self.run_operations()
        self.run_reported("reported", UNKNOWN_STATUS, LONG_AMOUNT)
        self.run_reported("whole", None, WHOLE_AMOUNT)
        ops = set(self.spec.operations)
        passed = sum(1 for name, reason in self.results if reason is None and name.split(" ")[0] in ops)
        failed = sum(1 for _, reason in self.results if reason is not None)
        print(f"python-client: {passed} passed, {failed} failed")
        return 1 if failed or passed < 2 * len(ops) else 0

    def run_reported(self, stage: str, status: str | None, amount: str) -> None:
        """What Aurpay may send tomorrow: the sandbox reports an unknown
        status and an amount longer than a double holds, or a whole-number
        amount (a JSON number either way) for an example order; every
        read-only operation is called again, must parse, and must hand over
        that amount exactly."""
        self.scheme = stage
        order_param = self.spec.resolve({"$ref": "#/components/parameters/OrderId"})
        order_id = order_param["example"]
        params = {"amount": amount, "form": "number"}
        if status is not None:
            params["status"] = status
        control = httpx.post(f"{self.base_url}/__sandbox/report/{order_id}", params=params, timeout=10)
        if control.json().get("code") != 0:
            self.report("sandbox-report", f"the sandbox refused the report control: {control.text}")
            return
        self.seen: list[bytes] = []
        original_check = self.check_raw

        def keep(op: Operation, status: int, headers: Any, content: bytes) -> Any:
            self.seen.append(content)
            return original_check(op, status, headers, content)

        self.check_raw = keep  # type: ignore[method-assign]
        try:
            reads = {k: v for k, v in self.spec.operations.items() if not v.op.get("x-aurpay-moves-money")}
            self.run_operations(reads)
        finally:
            self.check_raw = original_check  # type: ignore[method-assign]
        carried = [c for c in self.seen if f'"amount":{amount}'.encode() in c]
        unknown = [c for c in self.seen if f'"{UNKNOWN_STATUS}"'.encode() in c]
        if not carried or not unknown:
            self.report("sandbox-report", f"no answer carried the reported status and the amount {amount}")
        else:
            print(
                f"ok   {len(carried)} answers carried the amount {amount} as a JSON number, "
                f"read exactly; {len(unknown)} the unknown status {UNKNOWN_STATUS}",
                flush=True,
            )

    def run_operations(self, operations: dict[str, Operation] | None = None) -> None:
        for operation_id, op in (operations or self.spec.operations).items():
            try:
                params, body, body_model = self.spec.example_call(op)
            except CheckFailure as failure:
                self.report(operation_id, str(failure))
                continue
            path_params = {
                name: value for name, value in params.items() if "{" + name + "}" in op.path
            }

            def echoes_path_params(parsed: Any, raw: Any, path_params=path_params) -> None:
                data = raw.get("data")
                for name, value in path_params.items():
                    if isinstance(data, dict) and name in data and data[name] != value:
                        raise CheckFailure(f"data.{name} is {data[name]!r}, the request sent {value!r}")

            self.call(
                operation_id,
                kwargs=params,
                body=body,
                body_model=body_model,
                check=echoes_path_params,
            )


class WholeNumber(int):
    """A JSON integer as parsed, with its text (json.loads parse_int)."""

    text: str

    def __new__(cls, text: str) -> "WholeNumber":
        number = super().__new__(cls, int(text))
        number.text = text
        return number


def exact_amounts(exact: Any, read: Any, place: str, names: frozenset[str], member: str = "") -> None:
    """Every amount number of the answer (parsed losslessly: a decimal with
    a fraction or an exponent anywhere, or a whole number under one of the
    spec's amount names) reached the client as a string with the same
    value: nothing rounded through a float, no amount left a number."""
    if isinstance(exact, Decimal) or (isinstance(exact, WholeNumber) and member in names):
        if not isinstance(read, str) or Decimal(read) != Decimal(exact):
            raise CheckFailure(f"{place} is {exact}, the client read {read!r}")
    elif isinstance(exact, dict):
        for key, value in exact.items():
            exact_amounts(value, read.get(key) if isinstance(read, dict) else None, f"{place}.{key}", names, key)
    elif isinstance(exact, list):
        for index, value in enumerate(exact):
            item = read[index] if isinstance(read, list) and index < len(read) else None
            exact_amounts(value, item, f"{place}[{index}]", names)


def check_exact_vectors(spec_names: frozenset[str]) -> list[str]:
    """Every mismatch of the exact reader with spec/vectors/exact-amounts.json,
    and of its amount names with the vectors' and the spec's."""
    vectors = json.loads(EXACT_VECTORS.read_text(encoding="utf-8"))
    failures = []
    for case in vectors["cases"]:
        got = aurpay_exact_json.quote_decimals(case["input"].encode()).decode()
        if got != case["expected"]:
            failures.append(f"{case['name']}: got {got}, expected {case['expected']}")
    if len(vectors["cases"]) < 10:
        failures.append("too few exact-amounts vectors")
    names = set(vectors["decimal_names"])
    if aurpay_exact_json.DECIMAL_NAMES != names or spec_names != names:
        failures.append(
            f"amount names: reader {sorted(aurpay_exact_json.DECIMAL_NAMES)}, vectors {sorted(names)}, spec {sorted(spec_names)}"
        )
    return failures


def path_matches(template: str, path: str) -> bool:
    want = template.split("/")
    got = path.split("/")
    if len(want) != len(got):
        return False
    return all(w == g or (w.startswith("{") and w.endswith("}") and g) for w, g in zip(want, got))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True, help="the OpenAPI document (spec/aurpay.yaml)")
    parser.add_argument("--client-dir", required=True, help="openapi-python-client's --output-path")
    parser.add_argument("--base-url", required=True, help="the sandbox, e.g. http://127.0.0.1:8080")
    parser.add_argument("--api-key", required=True, help="the sandbox's API key")
    parser.add_argument("--api-token", required=True, help="the sandbox's API token (signature scheme)")
    parser.add_argument("--api-secret", required=True, help="the sandbox's API secret (signature scheme)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args()
    return Check(args).run()


if __name__ == "__main__":
    sys.exit(main())
