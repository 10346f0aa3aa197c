#!/usr/bin/env bash
# The whole test suite: starts Kafka, MariaDB and PostgreSQL (scripts/services.sh), builds, runs every test
# (unit and integration) and prints "N passed, M failed" from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh up | grep '^export ')" || { echo "services did not start" >&2; exit 1; }
npm run --silent build && npx tsc -p tsconfig.test.json || exit 1
rm -f .vitest-report.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json "$@"
status=$?
node scripts/test-summary.mjs .vitest-report.json || status=1
exit $status
