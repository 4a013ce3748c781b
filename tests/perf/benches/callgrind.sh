#!/usr/bin/env bash
# Instructions per call (callgrind) for each benchmark variant:
# (Ir at N=LOW+DELTA - Ir at N=LOW) / DELTA, so start-up and connection
# set-up cancel out. Repeatable on a busy machine, unlike wall-clock time.
#
# Usage: bash tests/perf/benches/callgrind.sh [variant ...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo bench -q -p aurpay-perf --bench callgrind_calls --no-run
binary=$(ls -t target/release/deps/callgrind_calls-* | grep -v '\.d$' | head -1)
low=10
delta=${DELTA:-100}
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
    variants=(read_sdk_apikey read_reqwest_apikey read_sdk_signature read_reqwest_signature
              create_sdk_apikey create_reqwest_apikey create_sdk_signature create_reqwest_signature
              decode_sdk decode_plain signing)
fi
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for variant in "${variants[@]}"; do
    a=$(ir "$variant" "$low")
    b=$(ir "$variant" "$((low + delta))")
    printf '%-26s %10d instructions per call\n' "$variant" "$(( (b - a) / delta ))"
done
