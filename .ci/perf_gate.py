#!/usr/bin/env python3
"""The performance gate: instruction counts (callgrind) of the SDK against
the hand-written reqwest + serde baseline in tests/perf/benches/common/,
measured in the same run by tests/perf/benches/callgrind_calls.rs.

Per call = (Ir(N = low + delta) - Ir(N = low)) / delta, so start-up and
connection set-up cancel out; counts repeat to within a few instructions,
unlike wall-clock time on a shared machine. Fails (exit 1) when a call's
ratio SDK / baseline is above its limit (1.05, or lower: CALL_LIMITS), a
decode's above 1.10, or the SDK's cost
per listed order is not flat within 10 % from 10 to 1,000 orders.

    python3 .ci/perf_gate.py BINARY                     # the gate
    python3 .ci/perf_gate.py BINARY --write BENCHMARKS.md   # and the results

`.ci/perf-gate.sh` builds BINARY and runs this; see BENCHMARKS.md.
"""

import argparse
import concurrent.futures
import datetime
import os
import re
import subprocess
import sys

CALL_LIMIT = 1.05
DECODE_LIMIT = 1.10
FLAT_LIMIT = 0.10

# The target is CALL_LIMIT for every call (issue 21), and every call meets
# it since 66a4c58. A limit of CALL_LIMIT alone would let a call well under
# it grow unnoticed (an extra copy of the request per attempt costs about
# 2 %), so each call is held near what it measures: its ratio at the last
# change that lowered it plus about 1.2 %, never above CALL_LIMIT. Lower a
# limit when a change lowers the ratio; a change that has to raise one
# says why in its commit. (A call that missed the target would be held the
# same way above it, marked "held".)
#
# Counts repeat to within a few hundred instructions for one binary (the
# loopback server's scheduling: up to 0.5 % on 2026-12-03); a rebuild after
# an unrelated change has moved a ratio by 0.5 %, and once by 2 % (1.045
# and 1.066, two builds apart). A change that fails a limit by less than
# that should be measured twice before it is believed.
CALL_LIMITS = {
    # measured at 66a4c58 (2026-12-03)
    ("read", "apikey"): 1.015,  # 1.002-1.003
    ("read", "signature"): 1.010,  # 0.998
    ("create", "apikey"): 1.038,  # 1.026
    ("create", "signature"): 0.940,  # 0.927
}

# The target for the cost per listed order is FLAT_LIMIT; met since a
# read's large answer is bounded by a count rather than scanned
# (call/shape.rs: +7.8 % from 10-100 to 100-1,000 orders at 2026-12-01).
HELD_FLAT = None


CALLS = [("Get Orders Details (read)", "read"), ("Get Payment Info (money)", "create")]
AUTHS = [("API key", "apikey"), ("signature", "signature")]
DECODES = [
    ("Get Orders Details answer (1 order)", "decode_detail"),
    ("Get Orders answer (page of 100)", "decode"),
]
PAGE_SIZES = [10, 100, 1000]
CONCURRENCY = [1, 16, 256]

BEGIN = "<!-- perf-gate:begin (written by .ci/perf-gate.sh --write; do not edit by hand) -->"
END = "<!-- perf-gate:end -->"


def ir(binary, variant, n):
    """Instructions of one whole run of `variant` repeated `n` times."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, variant, str(n)],
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        sys.exit(f"callgrind run of {variant} x{n} failed:\n{run.stdout}\n{run.stderr[-3000:]}")
    return int(found.group(1))


class Runner:
    """Schedules the callgrind runs (PERF_GATE_JOBS at once, default 2)."""

    def __init__(self, binary):
        self.binary = binary
        jobs = int(os.environ.get("PERF_GATE_JOBS", "2"))
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))

    def per_call(self, variant, low=10, delta=100, calls_per_run=1):
        """A future of the instructions of one call of `variant`."""
        a = self.pool.submit(ir, self.binary, variant, low)
        b = self.pool.submit(ir, self.binary, variant, low + delta)
        return Pending(lambda: (b.result() - a.result()) / (delta * calls_per_run))


class Pending:
    def __init__(self, get):
        self.get = get


def fmt(n):
    return f"{round(n):,}"


def measure(binary, calls_only=False):
    runner = Runner(binary)
    calls = {
        (call, auth, who): runner.per_call(f"{call}_{who}_{auth}")
        for _, call in CALLS
        for _, auth in AUTHS
        for who in ("sdk", "reqwest")
    }
    if calls_only:
        return {k: v.get() for k, v in calls.items()}, None, None, None
    decodes = {
        (variant, who): runner.per_call(f"{variant}_{who}", delta=50 if variant == "decode" else 200)
        for _, variant in DECODES
        for who in ("sdk", "plain")
    }
    # Fewer calls of the large pages: each is millions of instructions.
    list_runs = {10: (10, 100), 100: (5, 20), 1000: (2, 4)}
    lists = {
        (size, who): runner.per_call(f"list{size}_{who}_apikey", *list_runs[size])
        for size in PAGE_SIZES
        for who in ("sdk", "reqwest")
    }
    # n calls at once per batch; (batches first, batches added).
    batches = {1: (10, 100), 16: (2, 10), 256: (1, 2)}
    concurrent_calls = {
        (n, who): runner.per_call(f"conc{n}_read_{who}_apikey", *batches[n], calls_per_run=n)
        for n in CONCURRENCY
        for who in ("sdk", "reqwest")
    }
    get = lambda d: {k: v.get() for k, v in d.items()}
    return get(calls), get(decodes), get(lists), get(concurrent_calls)


def report(calls, decodes, lists, concurrent_calls):
    """The results as Markdown, and the list of limits broken."""
    failures = []
    missed = []
    out = []
    out.append("| call | auth | SDK | hand-written | ratio | limit |")
    out.append("|---|---|---|---|---|---|")
    for name, call in CALLS:
        for auth_name, auth in AUTHS:
            sdk, base = calls[(call, auth, "sdk")], calls[(call, auth, "reqwest")]
            ratio = sdk / base
            limit = CALL_LIMITS.get((call, auth), CALL_LIMIT)
            ok = ratio <= limit
            if not ok:
                failures.append(f"{name}, {auth_name}: {ratio:.3f} > {limit}")
            if ratio > CALL_LIMIT:
                missed.append(f"{name}, {auth_name}: {ratio:.3f} (target {CALL_LIMIT})")
            held = ""
            if limit > CALL_LIMIT:
                held = f" (held; target {CALL_LIMIT})"
            elif limit < CALL_LIMIT:
                held = f" (as measured; target {CALL_LIMIT})"
            out.append(f"| {name} | {auth_name} | {fmt(sdk)} | {fmt(base)} | {ratio:.3f} | "
                       f"{limit:g}{held} {'ok' if ok else '**FAILED**'} |")
    if decodes is None:
        return "\n".join(out), failures
    out.append("")
    out.append("Decoding an answer (the SDK's types: exact `Amount`, open enums, `Timestamp`; "
               "against plain serde structs with `String` fields):")
    out.append("")
    out.append("| answer | SDK | plain serde | ratio | limit |")
    out.append("|---|---|---|---|---|")
    for name, variant in DECODES:
        sdk, base = decodes[(variant, "sdk")], decodes[(variant, "plain")]
        ratio = sdk / base
        ok = ratio <= DECODE_LIMIT
        if not ok:
            failures.append(f"decode {name}: {ratio:.3f} > {DECODE_LIMIT}")
        out.append(f"| {name} | {fmt(sdk)} | {fmt(base)} | {ratio:.3f} | "
                   f"{DECODE_LIMIT:.2f} {'ok' if ok else '**FAILED**'} |")
    out.append("")
    out.append("### Scale: page size (Get Orders, API key)")
    out.append("")
    out.append("Per order = the call's extra instructions over the previous page size, "
               "per extra order.")
    out.append("")
    out.append("| orders on the page | SDK per call | hand-written per call | ratio "
               "| SDK per order | hand-written per order |")
    out.append("|---|---|---|---|---|---|")
    marginal = {}
    previous = None
    for size in PAGE_SIZES:
        sdk, base = lists[(size, "sdk")], lists[(size, "reqwest")]
        per = ("", "")
        if previous is not None:
            grown = size - previous
            marginal[size] = (sdk - lists[(previous, "sdk")]) / grown
            per = (fmt(marginal[size]), fmt((base - lists[(previous, "reqwest")]) / grown))
        out.append(f"| {size:,} | {fmt(sdk)} | {fmt(base)} | {sdk / base:.3f} | {per[0]} | {per[1]} |")
        previous = size
    sizes = sorted(marginal)
    flat = marginal[sizes[-1]] / marginal[sizes[0]] - 1
    limit = HELD_FLAT if HELD_FLAT is not None else FLAT_LIMIT
    ok = abs(flat) <= limit
    if not ok:
        failures.append(f"SDK cost per order grows {flat:+.1%} from {PAGE_SIZES[0]} to {PAGE_SIZES[-1]} orders")
    if abs(flat) > FLAT_LIMIT:
        missed.append(f"cost per listed order {flat:+.1%} (target ±{FLAT_LIMIT:.0%})")
    held = f" (held; target ±{FLAT_LIMIT:.0%})" if limit != FLAT_LIMIT else ""
    out.append("")
    out.append(f"SDK cost per order, {PAGE_SIZES[1]:,} to {PAGE_SIZES[2]:,} against "
               f"{PAGE_SIZES[0]:,} to {PAGE_SIZES[1]:,}: {flat:+.1%} (limit ±{limit:.0%}{held}: "
               f"{'ok' if ok else '**FAILED**'}).")
    out.append("")
    out.append("### Scale: concurrency (Get Orders Details, API key, one client)")
    out.append("")
    out.append("n calls started at once and awaited together, on one current-thread runtime; "
               "instructions per call. Reported, not gated.")
    out.append("")
    out.append("| calls at once | SDK per call | hand-written per call | ratio |")
    out.append("|---|---|---|---|")
    for n in CONCURRENCY:
        sdk, base = concurrent_calls[(n, "sdk")], concurrent_calls[(n, "reqwest")]
        out.append(f"| {n} | {fmt(sdk)} | {fmt(base)} | {sdk / base:.3f} |")
    if missed:
        out.append("")
        out.append("Targets not met yet (held at their limits): " + "; ".join(missed) + ".")
    return "\n".join(out), failures


def provenance():
    def run(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    commit = run("git", "rev-parse", "--short", "HEAD")
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", ".", ":!BENCHMARKS.md"]).returncode
    if dirty:
        commit += " (with uncommitted changes)"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"Measured {date} at commit `{commit}`; {run('rustc', '--version')}, "
            f"{run('valgrind', '--version')}, release profile.")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--write", metavar="BENCHMARKS_MD")
    parser.add_argument("--calls-only", action="store_true",
                        help="only the four calls (a quick check; not what CI runs)")
    args = parser.parse_args()
    if args.calls_only and args.write:
        sys.exit("--write needs the whole measurement")
    tables, failures = report(*measure(args.binary, args.calls_only))
    text = f"{provenance()}\n\n{tables}"
    print(text)
    if args.write:
        with open(args.write) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            sys.exit(f"{args.write} has no {BEGIN!r} ... {END!r} section")
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(args.write, "w") as f:
            f.write(f"{head}{BEGIN}\n{text}\n{END}{tail}")
        print(f"\nwritten: {args.write}")
    if failures:
        print("\nperf gate FAILED:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        sys.exit(1)
    print("\nperf gate: ok")


if __name__ == "__main__":
    main()
