#!/usr/bin/env bash
# Contract check from PHP: generates a PHP client from spec/aurpay.yaml with
# openapi-generator (pinned in .ci/requirements-php.txt; Java, PHP and Guzzle
# from Debian's packages, which .ci/run installs) and runs
# .ci/php-client/check.php against a running sandbox.
#
#   bash .ci/php-client-check.sh <base-url> <api-key> <api-token> <api-secret>
#
# Generator configuration (the one a PHP team should use):
#   -g php --generate-alias-as-model
#   --additional-properties=invokerPackage=Aurpay\Client,srcBasePath=lib
# with the exact-amounts reader and the signer of .ci/php-client/aurpay.php
# as Guzzle middleware. Any generator warning fails the check, except the
# ones listed in ALLOWED below, each a tool limitation said why.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ]; then
    echo "usage: bash .ci/php-client-check.sh <base-url> <api-key> <api-token> <api-secret>" >&2
    exit 2
fi
started=$SECONDS
for tool in java php; do
    command -v "$tool" > /dev/null || { echo "php-client: $tool missing (apt-get install default-jre-headless php-cli)" >&2; exit 1; }
done
venv=target/php-venv
out=target/php-client
log=target/php-client-generate.log
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements-php.txt
rm -rf "$out"
"$venv/bin/openapi-generator-cli" generate -i spec/aurpay.yaml -g php -o "$out" \
    --generate-alias-as-model \
    --additional-properties='invokerPackage=Aurpay\Client,srcBasePath=lib' > "$log" 2>&1
# openapi-generator 7.26 logs "Failed to get the schema name: null" once,
# for Create BLN Order's response with two named `examples` (Aurpay's two
# documented forms of `amount`) beside its callbacks; it names no spec
# element and `validate` reports nothing. Kept: the two examples are facts.
ALLOWED='Failed to get the schema name: null'
problems=$(grep -E 'WARN|ERROR' "$log" | grep -vF "$ALLOWED" || true)
if [ -n "$problems" ]; then
    echo "php-client: generator warnings:" >&2
    printf '%s\n' "$problems" >&2
    exit 1
fi
"$venv/bin/openapi-generator-cli" validate -i spec/aurpay.yaml > target/openapi-generator-validate.log 2>&1 \
    || { cat target/openapi-generator-validate.log >&2; exit 1; }
grep -q 'No validation issues detected' target/openapi-generator-validate.log \
    || { echo "php-client: openapi-generator validate reported:" >&2; cat target/openapi-generator-validate.log >&2; exit 1; }
echo "php-client: generated and validated ($((SECONDS - started)) s)"
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
    spec/aurpay.yaml target/php-spec.json
php .ci/php-client/check.php "$out/lib" target/php-spec.json spec/vectors/signing.json spec/vectors/exact-amounts.json "$@"
