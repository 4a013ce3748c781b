#!/usr/bin/env bash
# The performance gate: builds the callgrind benchmark (release) and checks
# the SDK against the hand-written reqwest + serde baseline by instruction
# counts (.ci/perf_gate.py: each call at most 1.05x, each decode at most
# 1.10x, cost per listed order flat within 10 % from 10 to 1,000 orders).
# No wall-clock threshold: instruction counts repeat, times here do not.
#
# Usage: bash .ci/perf-gate.sh           # the gate (what .ci/run runs)
#        bash .ci/perf-gate.sh --write   # and rewrite BENCHMARKS.md's results
#        bash .ci/perf-gate.sh --calls-only   # only the four calls (quick)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "perf gate: valgrind is not installed" >&2; exit 1; }
mkdir -p target
cargo_target="${CARGO_TARGET_DIR:-target}"
cargo bench -q -p aurpay-perf --bench callgrind_calls --no-run --locked 2> target/perf-gate-build.log \
    || { tail -n 30 target/perf-gate-build.log >&2; exit 1; }
binary=$(ls -t "$cargo_target"/release/deps/callgrind_calls-* | grep -v '\.d$' | head -1)
case "${1:-}" in
    --write) exec python3 .ci/perf_gate.py "$binary" --write BENCHMARKS.md ;;
    --calls-only) exec python3 .ci/perf_gate.py "$binary" --calls-only ;;
    "") exec python3 .ci/perf_gate.py "$binary" ;;
    *) echo "usage: bash .ci/perf-gate.sh [--write | --calls-only]" >&2; exit 2 ;;
esac
