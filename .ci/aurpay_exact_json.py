"""Exact amounts for a Python client generated from spec/aurpay.yaml.

Aurpay writes some amounts as JSON numbers (`0.00155419`), and Python's
`json` (which the generated client's httpx uses) reads those as floats:
`20.123456789012345678` becomes `20.123456789012348` before any generated
code sees it. The spec's "Exact amounts" section gives the rule every
language's reader follows: before parsing, turn each JSON number token that
has a fraction or an exponent into a string with the same characters (only
amounts have one in this API). `ExactAmountsTransport` does that for an
httpx client:

    client = AuthenticatedClient(..., httpx_args={"transport": ExactAmountsTransport()})

Amounts then arrive as strings holding every digit; `decimal.Decimal(s)`
reads them exactly.
"""

from __future__ import annotations

import httpx

_NUMBER_START = set(b"-0123456789")
_NUMBER_CHARS = set(b"+-0123456789.eE")


def quote_decimals(data: bytes) -> bytes:
    """The JSON text with every number that has a fraction or an exponent
    turned into a string of the same characters; everything else (strings,
    integers, structure) unchanged. Not a validator: invalid JSON stays
    invalid."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == 0x22:  # a string: copied through, escapes included
            j = i + 1
            while j < n and data[j] != 0x22:
                j += 2 if data[j] == 0x5C else 1
            out += data[i : j + 1]
            i = j + 1
        elif byte in _NUMBER_START:
            j = i + 1
            while j < n and data[j] in _NUMBER_CHARS:
                j += 1
            token = data[i:j]
            if any(c in token for c in b".eE"):
                out += b'"' + token + b'"'
            else:
                out += token
            i = j
        else:
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
