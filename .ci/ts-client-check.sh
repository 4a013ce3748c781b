#!/usr/bin/env bash
# Contract check from TypeScript: types generated from spec/aurpay.yaml by
# openapi-typescript (with the amount type mapping of
# .ci/ts-client/generate.mjs), compiled with tsc against the check
# (.ci/ts-client/*.ts), run with Node through openapi-fetch against a
# running sandbox. Tools are pinned in package.json (npm ci).
#
#   bash .ci/ts-client-check.sh <base-url> <api-key> <api-token> <api-secret>
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ]; then
    echo "usage: bash .ci/ts-client-check.sh <base-url> <api-key> <api-token> <api-secret>" >&2
    exit 2
fi
started=$SECONDS
out=target/ts-client
rm -rf "$out"
mkdir -p "$out"
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
    spec/aurpay.yaml "$out/spec.json"
node .ci/ts-client/generate.mjs spec/aurpay.yaml "$out/schema.d.ts"
cp .ci/ts-client/*.ts .ci/ts-client/tsconfig.json "$out/"
printf '{"type": "module"}\n' > "$out/package.json"
# node_modules of the project, for the compiler and at run time.
ln -s ../../node_modules "$out/node_modules"
# strict and noUncheckedIndexedAccess (tsconfig.json): the settings a
# careful TypeScript team compiles with.
(cd "$out" && ./node_modules/.bin/tsc -p tsconfig.json)
echo "ts-client: compiled ($((SECONDS - started)) s)"
node "$out/out/check.js" "$out/spec.json" spec/vectors/signing.json spec/vectors/exact-amounts.json "$@"
