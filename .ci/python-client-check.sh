#!/usr/bin/env bash
# Contract check from the Python side: generates a Python client from
# spec/aurpay.yaml with openapi-python-client and calls every operation of it
# against a running sandbox (.ci/python_client_check.py).
#
#   bash .ci/python-client-check.sh <base-url> <api-key> <api-token> <api-secret>
#
# Any generator warning (a skipped endpoint or schema, "Unable to parse ...")
# fails the check. Tools are pinned in .ci/requirements-client.txt and
# installed into target/pyclient-venv (reused when present).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 4 ]; then
    echo "usage: bash .ci/python-client-check.sh <base-url> <api-key> <api-token> <api-secret>" >&2
    exit 2
fi
base_url=$1
api_key=$2
api_token=$3
api_secret=$4
started=$SECONDS

# PYCLIENT_SPEC: try a modified copy of the spec (e.g. a proposed change).
spec=${PYCLIENT_SPEC:-spec/aurpay.yaml}
venv=target/pyclient-venv
out=target/python-client
gen_log=target/python-client-generate.log
python=${PYTHON:-python3}

mkdir -p target
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "python-client: $python is $("$python" --version 2>&1); openapi-python-client needs >= 3.11" >&2
        exit 1
    fi
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-client.txt
echo "python-client: tools installed ($((SECONDS - started)) s)"

set +e
"$venv/bin/openapi-python-client" generate \
    --path "$spec" \
    --output-path "$out" \
    --overwrite \
    --config .ci/openapi-python-client.yaml \
    --fail-on-warning > "$gen_log" 2>&1
gen_status=$?
set -e
# The generator prints "Generating <dir>" and, when something went wrong,
# a header ("Warning(s) encountered ..." / "Error(s) encountered ...") and one
# block per problem ("WARNING parsing GET /x ... Endpoint will not be
# generated.", "Unable to process schema ...", "Skipping ..."). Any of them
# fails the check: a client with a piece missing is not the spec's client.
sed 's/^/  generator: /' "$gen_log"
problems=$(grep -E 'Warning\(s\)|Error\(s\)|WARNING|ERROR|Unable to|Skipping|not be generated|will be omitted|removal of|Unsupported|not supported|Failed to|Traceback' "$gen_log" || true)
if [ "$gen_status" -ne 0 ] || [ -n "$problems" ]; then
    echo "FAIL generate: openapi-python-client exited $gen_status and reported:"
    if [ -n "$problems" ]; then
        printf '%s\n' "$problems" | sed 's/^/  /'
    fi
    echo "python-client: generation failed; full log in $gen_log"
    exit 1
fi
echo "python-client: client generated in $out ($((SECONDS - started)) s)"

status=0
"$venv/bin/python" .ci/python_client_check.py \
    --spec "$spec" \
    --client-dir "$out" \
    --base-url "$base_url" \
    --api-key "$api_key" \
    --api-token "$api_token" \
    --api-secret "$api_secret" || status=$?
echo "python-client: check took $((SECONDS - started)) s"
exit "$status"
