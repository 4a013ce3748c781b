# Sourced by .ci/run and .ci/fuzz-sandbox.sh: starts the standalone sandbox
# (`target/debug/aurpay sandbox --examples`, already built with
# `cargo build -p aurpay-api --features cli --bin aurpay`) and waits
# until it has printed its address and credentials.
#
#   start_sandbox LOG   # sets SANDBOX_PID; LOG gets the server's output
#
# Fails with the server's output if it exits or has not printed both lines
# within 30 s (bounded: 300 waits of 0.1 s).
start_sandbox() {
    local log=$1
    : > "$log"
    "${CARGO_TARGET_DIR:-target}"/debug/aurpay sandbox --examples > "$log" 2>&1 &
    SANDBOX_PID=$!
    local _
    for _ in $(seq 1 300); do
        if grep -q '^sandbox ' "$log" && grep -q '^signature ' "$log"; then
            return 0
        fi
        if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
            echo "sandbox: exited before it was ready; its output:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "sandbox: not ready after 30 s; its output:" >&2
    cat "$log" >&2
    kill "$SANDBOX_PID" 2>/dev/null || true
    return 1
}
