#!/usr/bin/env bash
# Property-based fuzzing of the sandbox, driven by spec/aurpay.yaml
# (Schemathesis, pinned in .ci/requirements-fuzz.txt), once with each auth
# scheme (API key, then HMAC-SHA256 signatures computed by
# .ci/schemathesis_hooks.py).
#
#   bash .ci/fuzz-sandbox.sh            # builds and starts its own sandbox
#
# Fails on any server error, dropped connection, response that violates the
# spec, or a run in which the requests were not authenticated. Two checks
# are excluded, because Aurpay refuses with HTTP 200 and a non-zero envelope
# `code` (documented in the spec), not with an HTTP 4xx:
# `ignored_auth` (a request without credentials gets HTTP 200, code 401) and
# `negative_data_rejection` (a schema-violating request gets HTTP 200, code
# 400). Bounded: a fixed seed, FUZZ_EXAMPLES examples per operation (default
# 40), and --max-time per run.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/fuzz-venv
mkdir -p target
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-fuzz.txt

cargo build -p aurpay-api --features cli --bin aurpay --locked
log=target/fuzz-sandbox-server.log
source .ci/sandbox-lib.sh
start_sandbox "$log"
server=$SANDBOX_PID
trap 'kill "$server" 2>/dev/null || true' EXIT
read -r _ url _ key < "$log"

# The sandbox's default signature credentials (SandboxConfig::default()).
export AURPAY_API_TOKEN=SANDBOXAPITOKEN000001
export AURPAY_API_SECRET=sandbox-api-secret
export PYTHONPATH="$PWD/.ci"
export SCHEMATHESIS_HOOKS=schemathesis_hooks

# The workers are threads; the hooks serialise ast.parse against CPython's
# AST race (see .ci/ast_race_check.py). Prove it on this Python first.
"$venv/bin/python" .ci/ast_race_check.py

status=0
for scheme in api-key signature; do
    tally="target/fuzz-tally-$scheme.json"
    rm -f "$tally"
    headers=()
    if [ "$scheme" = api-key ]; then headers=(-H "API-Key: $key"); fi
    echo "fuzz: $scheme"
    if ! AURPAY_FUZZ_AUTH=$scheme AURPAY_FUZZ_TALLY=$tally \
        "$venv/bin/schemathesis" run spec/aurpay.yaml --url "$url" "${headers[@]}" \
            --seed 20261122 --max-examples "${FUZZ_EXAMPLES:-40}" --max-time 75 \
            --workers 2 --request-timeout 10 \
            --exclude-checks ignored_auth,negative_data_rejection \
            > "target/fuzz-$scheme.log" 2>&1; then
        status=1
    fi
    grep -E 'generated|No issues|failures|errors|❌|✅ +[0-9]' "target/fuzz-$scheme.log" | sed 's/^/  /' || true
    # Authenticated: some answers succeeded and none said "unauthorized".
    python3 - "$tally" "$scheme" <<'PY' || status=1
import json, sys
counts = json.load(open(sys.argv[1]))
print(f"  envelope codes ({sys.argv[2]}): {counts}")
if counts.get("401", 0) or not counts.get("0", 0):
    sys.exit(f"  fuzz {sys.argv[2]}: requests were not authenticated")
PY
done
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED (see target/fuzz-*.log)" >&2
    tail -n 60 target/fuzz-api-key.log target/fuzz-signature.log >&2
fi
exit "$status"
