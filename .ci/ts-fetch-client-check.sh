#!/usr/bin/env bash
# Contract check from TypeScript with openapi-generator's typescript-fetch
# client: generated from spec/aurpay.yaml (openapi-generator pinned in
# .ci/requirements-php.txt, run with the system Java), compiled with tsc
# (package.json) under `strict` together with the check
# (.ci/ts-fetch-client/check.ts) and the exact reader and signer of
# .ci/ts-client/, and run with Node against a running sandbox.
#
#   bash .ci/ts-fetch-client-check.sh <base-url> <api-key> <api-token> <api-secret>
#
# Generator configuration (the one a TypeScript team should use):
#   -g typescript-fetch --type-mappings=AnyType=string
#   --language-specific-primitives=AnyType
#   --additional-properties=importFileExtension=.js,supportsES6=true
# AnyType=string: amounts have no `type`; read through exactFetch they
# arrive as strings. AnyType as a primitive: without it every model that
# has an amount imports `./AnyType`, a file the generator never writes
# (22 x TS2307). importFileExtension=.js: Node's ES modules need it.
# The generated runtime.ts does not compile with noUncheckedIndexedAccess
# (3 errors in 7.26), so this project compiles with `strict` alone; our
# own files compile with both in .ci/ts-client-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ]; then
    echo "usage: bash .ci/ts-fetch-client-check.sh <base-url> <api-key> <api-token> <api-secret>" >&2
    exit 2
fi
started=$SECONDS
command -v java > /dev/null || { echo "ts-fetch-client: java missing (apt-get install default-jre-headless)" >&2; exit 1; }
venv=target/php-venv
out=target/ts-fetch-client
log=target/ts-fetch-client-generate.log
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-php.txt
rm -rf "$out"
mkdir -p "$out"
"$venv/bin/openapi-generator-cli" generate -i spec/aurpay.yaml -g typescript-fetch -o "$out/client" \
    --type-mappings=AnyType=string \
    --language-specific-primitives=AnyType \
    --additional-properties=importFileExtension=.js,supportsES6=true > "$log" 2>&1
# Tool limitations (see .ci/generators-check.sh): "Failed to get the schema
# name: null" (Create BLN Order's two named response examples), and the
# callbacks' `Date` header renamed ModelDate in the name table (no model is
# named Date).
problems=$(grep -E 'WARN|ERROR' "$log" \
    | grep -vF 'Failed to get the schema name: null' \
    | grep -vF 'Date (model name matches existing language type) cannot be used as a model name. Renamed to ModelDate' || true)
if [ -n "$problems" ]; then
    echo "ts-fetch-client: generator warnings:" >&2
    printf '%s\n' "$problems" >&2
    exit 1
fi
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
    spec/aurpay.yaml "$out/spec.json"
cp .ci/ts-client/exact.ts .ci/ts-client/exact-check.ts .ci/ts-client/signer.ts \
    .ci/ts-fetch-client/check.ts .ci/ts-fetch-client/tsconfig.json "$out/"
printf '{"type": "module"}\n' > "$out/package.json"
ln -s ../../node_modules "$out/node_modules"
(cd "$out" && ./node_modules/.bin/tsc -p tsconfig.json)
echo "ts-fetch-client: generated and compiled with tsc $(./node_modules/.bin/tsc --version | cut -d' ' -f2) ($((SECONDS - started)) s)"
node "$out/out/check.js" "$out/spec.json" spec/vectors/signing.json spec/vectors/exact-amounts.json "$@"
