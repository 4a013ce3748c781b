"""Proves that .ci/schemathesis_hooks.py removes CPython's AST race.

CPython 3.11 fails `ast.parse` with "SystemError: AST constructor recursion
depth mismatch" when threads build ASTs at once (python/cpython#106905); it
failed a CI fuzz run that way. This parses in four threads, with finalizers
and garbage cycles to make the interpreter switch threads mid-parse, first
with the plain `ast.parse` (to report whether this Python has the race) and
then with the hooks' serialised one, which must never fail. Bounded: a fixed
number of parses per thread.

    python3 .ci/ast_race_check.py
"""

from __future__ import annotations

import ast
import os
import sys
import threading

SOURCE = "f = (lambda a: [a + 1 for _ in range(3) if a > 2 and (a or b)])\n" * 50
THREADS = 4
PARSES = 1000


class _Finalised:
    def __del__(self):
        for _ in range(50):
            pass


def _hammer(parse) -> list[str]:
    errors: list[str] = []

    def work():
        for _ in range(PARSES):
            garbage = [_Finalised() for _ in range(5)]
            cycle = [garbage, None]
            cycle[1] = cycle
            try:
                parse(SOURCE)
            except SystemError as error:
                errors.append(str(error))
                return

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


plain = _hammer(ast.parse)
print(f"ast race check: plain ast.parse on Python {sys.version.split()[0]}: "
      f"{len(plain)} of {THREADS} threads failed" + (f" ({plain[0]})" if plain else ""))

os.environ.setdefault("AURPAY_FUZZ_AUTH", "api-key")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schemathesis_hooks  # noqa: E402,F401  (patches ast.parse on import)

assert ast.parse is not schemathesis_hooks._unlocked_ast_parse, "the hooks did not patch ast.parse"
serialised = _hammer(ast.parse)
if serialised:
    sys.exit(f"ast race check: FAILED, the hooks' ast.parse still failed: {serialised[0]}")
print(f"ast race check: the hooks' ast.parse: 0 of {THREADS} threads failed ({THREADS * PARSES} parses)")
