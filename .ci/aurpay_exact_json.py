"""Exact amounts for a Python client generated from spec/aurpay.yaml.

Aurpay writes some amounts as JSON numbers (`0.00155419`, and whole ones
such as `10`), and Python's `json` (which the generated client's httpx
uses) reads those as floats or ints: `20.123456789012345678` becomes
`20.123456789012348` before any generated code sees it. The spec's "Exact
amounts" section gives the rule every language's reader follows: before
parsing, turn into a string with the same characters (1) each JSON number
token that has a fraction or an exponent, and (2) each number token that is
the value of an object member named in `DECIMAL_NAMES` (the properties the
spec marks `x-aurpay-decimal`), whole numbers included. `ExactAmountsTransport`
does that for an httpx client:

    client = AuthenticatedClient(..., httpx_args={"transport": ExactAmountsTransport()})

Amounts then arrive as strings holding every digit; `decimal.Decimal(s)`
reads them exactly.
"""

from __future__ import annotations

import httpx

# The member names whose number values are amounts (the spec's
# `x-aurpay-decimal` properties; the checks compare this with the spec).
DECIMAL_NAMES = frozenset({"amount", "balance", "fee", "obtained", "refund_amount", "vs_price"})
_NAMES = frozenset(name.encode() for name in DECIMAL_NAMES)
_NUMBER_START = set(b"-0123456789")
_NUMBER_CHARS = set(b"+-0123456789.eE")
_WHITESPACE = set(b" \t\r\n")


def quote_decimals(data: bytes) -> bytes:
    """The JSON text with every amount number turned into a string of the
    same characters (the spec's rule, above); everything else (strings,
    other integers, structure) unchanged. Not a validator: invalid JSON
    stays invalid."""
    out = bytearray()
    i, n = 0, len(data)
    last_string: bytes | None = None  # the last string token, a member name if ':' follows
    member: bytes | None = None  # the name whose value comes next
    while i < n:
        byte = data[i]
        if byte == 0x22:  # a string: copied through, escapes included
            j = i + 1
            while j < n and data[j] != 0x22:
                j += 2 if data[j] == 0x5C else 1
            out += data[i : j + 1]
            last_string, member = data[i + 1 : j], None
            i = j + 1
        elif byte in _NUMBER_START:
            j = i + 1
            while j < n and data[j] in _NUMBER_CHARS:
                j += 1
            token = data[i:j]
            if any(c in token for c in b".eE") or member in _NAMES:
                out += b'"' + token + b'"'
            else:
                out += token
            last_string = member = None
            i = j
        else:
            if byte == 0x3A:  # ':' after a member name
                member = last_string
            elif byte not in _WHITESPACE:
                member = None
            if byte not in _WHITESPACE:
                last_string = None
            out.append(byte)
            i += 1
    return bytes(out)


class ExactAmountsTransport(httpx.BaseTransport):
    """An httpx transport that hands JSON answers on with their decimal
    numbers quoted (see `quote_decimals`)."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        # The last answer's body as it came, for checks that compare.
        self.last_original: bytes = b""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/json":
            content = quote_decimals(content)
        # The content is decoded now and has a new length.
        headers = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding")
        ]
        self.last_original = content if media != "application/json" else response.content
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()
