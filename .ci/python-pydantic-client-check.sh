#!/usr/bin/env bash
# Contract check from Python with openapi-generator's python client
# (pydantic models, urllib3): generated from spec/aurpay.yaml
# (openapi-generator pinned in .ci/requirements-php.txt, run with the
# system Java), byte-compiled and imported, and run against a running
# sandbox by .ci/python_pydantic_client_check.py (the venv of
# .ci/requirements-client.txt holds what the generated client imports).
#
#   bash .ci/python-pydantic-client-check.sh <base-url> <api-key> <api-token> <api-secret>
#
# Generator configuration (the one a Python team should use):
#   -g python --additional-properties=packageName=aurpay_client
# with `exact_urllib3(api_client)` (.ci/aurpay_exact_json.py) and, for
# signatures, `urllib3_signer(api_client, ...)` (.ci/aurpay_signer.py).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ]; then
    echo "usage: bash .ci/python-pydantic-client-check.sh <base-url> <api-key> <api-token> <api-secret>" >&2
    exit 2
fi
started=$SECONDS
command -v java > /dev/null || { echo "python-pydantic-client: java missing (apt-get install default-jre-headless)" >&2; exit 1; }
generator_venv=target/php-venv
venv=target/pyclient-venv
out=target/python-pydantic-client
log=target/python-pydantic-client-generate.log
[ -x "$generator_venv/bin/python" ] || python3 -m venv "$generator_venv"
"$generator_venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-php.txt
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-client.txt
rm -rf "$out"
"$generator_venv/bin/openapi-generator-cli" generate -i spec/aurpay.yaml -g python -o "$out" \
    --additional-properties=packageName=aurpay_client > "$log" 2>&1
# Tool limitations of openapi-generator 7.26's python generator, none a
# spec defect: "Failed to get the schema name: null" (Create BLN Order's
# two named response examples, see .ci/generators-check.sh); the
# callbacks' `Date` header renamed ModelDate in the name table (no model
# is named Date); "Codegen property is null (e.g. map/dict of undefined
# type). Default to typing.Any", logged for the untyped Amount; "Failed to
# lookup model in createImportMapOfSet", logged for each property whose
# schema is the untyped Amount (no model to import: it is typing.Any).
problems=$(grep -E 'WARN|ERROR' "$log" \
    | grep -vF 'Failed to get the schema name: null' \
    | grep -vF 'Date (reserved word) cannot be used as model name. Renamed to ModelDate' \
    | grep -vF 'Codegen property is null (e.g. map/dict of undefined type). Default to typing.Any' \
    | grep -vF 'Failed to lookup model in createImportMapOfSet' || true)
if [ -n "$problems" ]; then
    echo "python-pydantic-client: generator warnings:" >&2
    printf '%s\n' "$problems" >&2
    exit 1
fi
echo "python-pydantic-client: generated ($((SECONDS - started)) s)"
PYTHONPATH=.ci "$venv/bin/python" .ci/python_pydantic_client_check.py \
    --spec spec/aurpay.yaml --client-dir "$out" --package aurpay_client \
    --base-url "$1" --api-key "$2" --api-token "$3" --api-secret "$4"
