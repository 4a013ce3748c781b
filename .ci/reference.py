#!/usr/bin/env python3
"""The self-contained HTML API reference, built from spec/aurpay.yaml, and
its check in a real browser.

    python3 .ci/reference.py build  [--out target/reference/aurpay-api.html]
    python3 .ci/reference.py check  [--out ...] [--chromium /usr/bin/chromium]

`build` writes one HTML file: the spec (as JSON) and Redoc 2's standalone
bundle (node_modules/redoc, pinned in package.json) inline, with a Content
Security Policy that allows nothing from anywhere else, so the page opens
offline from disk. Redoc does not render operation-level extensions, so
each operation's description starts with its provenance
(`x-aurpay-provenance`) and retry safety (`x-aurpay-moves-money`), written
from those extensions at build time; the spec's Authentication section
comes first.

`check` opens it from disk in headless Chromium with a network log and
fails unless: the page made no request to any other host; every operation
of the spec is on the page with its provenance and retry safety; every
INFERRED operation says so; the Authentication section shows the string to
sign; the worked POST example, read back from the rendered page, signs to
the signature the page states (recomputed here from the page's own method,
path, body, Date and secret); every shared vector is on the page. It keeps
a screenshot beside the page and prints the page's numbers.

The worked example and the vector tables are written at build time from
spec/vectors/signing.json (the one source of the vectors), after the spec's
own Authentication section.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "aurpay.yaml"
VECTORS = ROOT / "spec" / "vectors" / "signing.json"
WORKED_HEADING = "Worked example: signing a POST"
VECTORS_HEADING = "Signing vectors"
# The worked example: the shared vector of a POST with a body.
WORKED_VECTOR = "post-with-body"
BUNDLE = ROOT / "node_modules" / "redoc" / "bundles" / "redoc.standalone.js"
SHOWN_EXTENSIONS = ["x-aurpay-provenance", "x-aurpay-moves-money", "x-aurpay-known-values"]
STRING_TO_SIGN = "{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}"
METHODS = ("get", "put", "post", "delete", "patch")

# Nothing may come from elsewhere: scripts and styles are inline, images and
# fonts data: URIs, Redoc's search worker a blob:, and no fetch at all.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "worker-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def load_spec() -> dict:
    with SPEC.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def load_vectors() -> dict:
    with VECTORS.open(encoding="utf-8") as f:
        return json.load(f)


def cell(value: object) -> str:
    """A Markdown table cell showing `value` exactly, as code."""
    if value is None:
        return "(none)"
    text = str(value)
    if text == "":
        return "(empty)"
    # Backticks cannot occur in the vectors; pipes would end the cell.
    assert "`" not in text, text
    return "`" + text.replace("|", "\\|") + "`"


def signing_sections(vectors: dict) -> str:
    """A POST worked through, then every shared vector, as Markdown."""
    worked = next(v for v in vectors["request_signing"] if v["name"] == WORKED_VECTOR)
    expected = worked["expected"]
    rows = [
        ("API secret", worked["api_secret"]),
        ("Algorithm", worked["algorithm"]),
        ("Date", worked["date"]),
        ("Method", worked["method"]),
        ("Path and query", worked["path_and_query"]),
        ("Body (exact bytes, UTF-8)", worked["body"]),
        ("Body-MD5 (lowercase hex MD5 of the body)", expected["body_md5"]),
        ("String to sign", expected["string_to_sign"]),
        ("Signature (Base64 of the HMAC of the string to sign, keyed with the API secret)", expected["signature"]),
    ]
    parts = [
        f"## {WORKED_HEADING}",
        "",
        "Everything a request with signature authentication needs, worked "
        "through for one POST (the shared vector "
        f"`{WORKED_VECTOR}`). Send the body bytes exactly as hashed, and "
        "the headers `API-Token`, `Algorithm`, `Date`, `Body-MD5` and "
        "`Signature` with the values below.",
        "",
        "| Step | Value |",
        "|---|---|",
        *[f"| {name} | {cell(value)} |" for name, value in rows],
        "",
        f"## {VECTORS_HEADING}",
        "",
        "The shared vectors every implementation reproduces "
        "(`spec/vectors/signing.json` in the SDK repository).",
        "",
        "Request signing:",
        "",
        "| Name | Algorithm | Secret | Date | Method and path | Body | Body-MD5 | Signature |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in vectors["request_signing"]:
        e = v["expected"]
        parts.append(
            f"| {v['name']} | {v['algorithm']} | {cell(v['api_secret'])} | {cell(v['date'])} | "
            f"{cell(v['method'] + ' ' + v['path_and_query'])} | {cell(v['body'])} | "
            f"{cell(e['body_md5'])} | {cell(e['signature'])} |"
        )
    parts += [
        "",
        "Callback verification:",
        "",
        "| Name | Secret | Now | URL | Date | Signature | Verifies |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in vectors["callback_verification"]:
        headers = v["request"]["headers"]
        verdict = v["expected"] if isinstance(v["expected"], str) else json.dumps(v["expected"], sort_keys=True)
        parts.append(
            f"| {v['name']} | {cell(v['callback_secret'])} | {cell(v['now'])} | {cell(v['request']['url'])} | "
            f"{cell(headers.get('Date'))} | {cell(headers.get('Signature'))} | {cell(verdict)} |"
        )
    return "\n".join(parts) + "\n"


def inline_script(code: str) -> str:
    # A literal "</script" would end the element early.
    return code.replace("</script", "<\\/script")


def provenance_note(op: dict) -> str:
    """What a reader must see first on every operation: where it comes from
    and whether it may be retried, from the spec's own extensions."""
    provenance = op["x-aurpay-provenance"]
    status = provenance["status"]
    lines = [
        f"> **Provenance: {status.upper()}**"
        + (" (INFERRED: not publicly documented, a best guess)" if status == "inferred" else " (documented by Aurpay)")
        + f". Source: {provenance.get('source', 'none')}."
    ]
    if provenance.get("basis"):
        lines.append(f"> Basis: {provenance['basis']}")
    if op.get("x-aurpay-moves-money"):
        lines.append(
            "> **Retry safety: moves money.** Never retry automatically: after a failure whose "
            "outcome is unknown, look the order up first."
        )
    else:
        lines.append("> **Retry safety: read-only.** Safe to retry.")
    return "\n>\n".join(lines) + "\n\n"


def build(out: Path) -> None:
    spec = load_spec()
    for _, _, op in operations(spec):
        op["description"] = provenance_note(op) + op.get("description", "")
    spec["info"]["description"] = spec["info"]["description"].rstrip() + "\n\n" + signing_sections(load_vectors())
    if not BUNDLE.exists():
        sys.exit(f"reference: {BUNDLE} missing (run `npm ci`)")
    options = {
        "showExtensions": SHOWN_EXTENSIONS,
        "hideDownloadButton": True,
        "expandResponses": "200",
        "jsonSampleExpandLevel": 2,
        "hideHostname": False,
        "disableSearch": False,
        "theme": {"typography": {"fontFamily": "system-ui, sans-serif", "headings": {"fontFamily": "system-ui, sans-serif"}}},
    }
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(spec["info"]["title"])} reference (aurpay-api)</title>
<style>body {{ margin: 0; }}
/* Header names in the first column of a table stay whole (Redoc breaks code anywhere). */
#redoc table td:first-child code {{ white-space: nowrap; word-break: keep-all; overflow-wrap: normal; }}</style>
</head>
<body>
<div id="redoc"></div>
<script>{inline_script(BUNDLE.read_text(encoding="utf-8"))}</script>
<script>
Redoc.init({inline_script(json.dumps(spec, ensure_ascii=False))}, {json.dumps(options)}, document.getElementById("redoc"));
</script>
</body>
</html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    print(f"reference: built {out} ({out.stat().st_size // 1024} KiB, one file)")


def chromium(binary: str, profile: str, *args: str) -> subprocess.CompletedProcess:
    flags = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *args,
    ]
    return subprocess.run(flags, capture_output=True, text=True, timeout=120)


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for (the browser's own background requests
    carry no origin and are left out), other than file:, data: and blob:."""
    events, _ = json.JSONDecoder().raw_decode(netlog.read_text(encoding="utf-8"))
    names = {v: k for k, v in events["constants"]["logEventTypes"].items()}
    urls = []
    for event in events["events"]:
        params = event.get("params", {})
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        if params.get("initiator") == "not an origin":
            continue
        url = params.get("url")
        # The job's end event carries no URL (only its result).
        if url is not None and not url.startswith(("file:", "data:", "blob:")):
            urls.append(url)
    return urls


def visible_text(fragment: str) -> str:
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", text)


def section_rows(page: str, heading: str) -> dict[str, str]:
    """The two-column table under `heading` on the rendered page: the
    visible text of each row's first cell mapped to its second."""
    match = re.search(r"<h[1-6][^>]*>(?:(?!</h).)*%s(?:(?!</h).)*</h[1-6]>" % re.escape(heading), page, flags=re.S)
    if not match:
        return {}
    table = re.search(r"<table\b.*?</table>", page[match.end():], flags=re.S)
    if not table:
        return {}
    rows = {}
    for row in re.findall(r"<tr\b.*?</tr>", table.group(0), flags=re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, flags=re.S)]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def check_worked_example(page: str) -> list[str]:
    """Signs the page's own POST example, from what the page shows, with
    the standard library, and compares with the signature it states."""
    import base64
    import hashlib
    import hmac

    rows = section_rows(page, WORKED_HEADING)
    def row(prefix: str) -> str | None:
        return next((v for k, v in rows.items() if k.startswith(prefix)), None)
    wanted = ["API secret", "Algorithm", "Date", "Method", "Path and query", "Body", "Body-MD5", "String to sign", "Signature"]
    missing = [name for name in wanted if row(name) is None]
    if missing:
        return [f"worked example: {', '.join(missing)} not shown"]
    algorithm = row("Algorithm")
    hashes = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA3_256": hashlib.sha3_256}
    if algorithm not in hashes:
        return [f"worked example: unknown algorithm {algorithm!r}"]
    body = row("Body").encode("utf-8")
    md5 = hashlib.md5(body).hexdigest()
    to_sign = f"{algorithm} | {row('Date')} | {row('Method')} {row('Path and query')} | {md5}"
    signature = base64.b64encode(hmac.new(row("API secret").encode(), to_sign.encode(), hashes[algorithm]).digest()).decode()
    failures = []
    for name, computed in (("Body-MD5", md5), ("String to sign", to_sign), ("Signature", signature)):
        if row(name) != computed:
            failures.append(f"worked example: the page states {name} {row(name)!r}, signing its own values gives {computed!r}")
    if not failures:
        print(f"reference: the worked POST example signs to the page's signature {signature}")
    return failures


def check(out: Path, binary: str) -> int:
    spec = load_spec()
    failures: list[str] = []
    screenshot = out.with_name("screenshot.png")
    with tempfile.TemporaryDirectory() as tmp:
        netlog = Path(tmp) / "netlog.json"
        dom = chromium(
            binary, f"{tmp}/profile", f"--log-net-log={netlog}", "--dump-dom", out.resolve().as_uri()
        )
        if dom.returncode != 0 or "<html" not in dom.stdout:
            print(f"FAIL chromium exited {dom.returncode}: {dom.stderr[-500:]}")
            return 1
        outside = page_requests(netlog)
        shot = chromium(
            binary, f"{tmp}/profile2", "--window-size=1400,1800", f"--screenshot={screenshot}", out.resolve().as_uri()
        )
        if shot.returncode != 0 or not screenshot.exists():
            failures.append(f"no screenshot: {shot.stderr[-300:]}")
    for url in outside:
        failures.append(f"the page requested {url}")

    page = dom.stdout
    text = visible_text(page)
    if STRING_TO_SIGN not in text:
        failures.append("the Authentication section's string to sign is not on the page")
    if "Authentication" not in text:
        failures.append("no Authentication section")
    failures += check_worked_example(page)
    vectors = load_vectors()
    for v in vectors["request_signing"]:
        if v["expected"]["signature"] not in text:
            failures.append(f"signing vector {v['name']}: its signature is not on the page")
    for v in vectors["callback_verification"]:
        if v["name"] not in text:
            failures.append(f"callback vector {v['name']}: not on the page")
    inferred_ops = 0
    for method, path, op in operations(spec):
        op_id = op["operationId"]
        # Redoc 2 renders each operation in an element with the id
        # "operation/<operationId>"; its text runs to the next operation.
        match = re.search(r'\sid="operation/%s"' % re.escape(op_id), page)
        if not match:
            failures.append(f"{op_id}: not on the page")
            continue
        following = re.search(r'\sid="operation/[^"]+"', page[match.end():])
        section = visible_text(page[match.start(): match.end() + (following.start() if following else 200_000)])
        provenance = op["x-aurpay-provenance"]
        retry = "Retry safety: moves money" if op.get("x-aurpay-moves-money") else "Retry safety: read-only"
        for needle in (op["summary"], f"Provenance: {provenance['status'].upper()}", retry):
            if needle not in section:
                failures.append(f"{op_id}: {needle!r} not shown")
        if provenance["status"] == "inferred":
            inferred_ops += 1
            if "INFERRED" not in section and "inferred" not in section:
                failures.append(f"{op_id}: not marked INFERRED")
    size = out.stat().st_size
    print(
        f"reference: {len(operations(spec))} operations ({inferred_ops} inferred) on one page of "
        f"{size // 1024} KiB, {len(outside)} outside requests; screenshot {screenshot}"
    )
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"reference: {'ok' if not failures else f'{len(failures)} problems'}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("--out", default=str(ROOT / "target" / "reference" / "aurpay-api.html"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    if args.command == "build":
        build(out)
        return 0
    return check(out, args.chromium)


if __name__ == "__main__":
    sys.exit(main())
