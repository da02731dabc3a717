#!/usr/bin/env bash
# `npm test`: every tier in order (lint, typecheck, unit, DynamoDB Local, CDK, browser), then one summary
# line "N passed, N failed". Installs what it needs first. Exits non-zero if any step failed.
set -u
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser || exit 1

results=.test-results
rm -rf "$results" && mkdir -p "$results"
failed_steps=()

step() {
  local name=$1
  shift
  echo
  echo "==> $name"
  local t0=$SECONDS
  if "$@"; then
    echo "<== $name ok ($((SECONDS - t0)) s)"
  else
    echo "<== $name FAILED ($((SECONDS - t0)) s)"
    failed_steps+=("$name")
  fi
}

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
step lint npx biome check --error-on-warnings .
step typecheck npm run -s typecheck
step "unit, ddb and infra tests" npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"
step "web build" npm run -s build -w web
# Playwright resolves a relative report path from its config directory (e2e/), where the summary never
# looked: a failed browser test was counted as "0 failed". Absolute, it lands beside vitest.json.
step "browser tests" env PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/$results/playwright.json" npx playwright test -c e2e/playwright.config.ts --reporter=list,json

npx tsx scripts/test-summary.ts "$results" "${failed_steps[@]}"
[ ${#failed_steps[@]} -eq 0 ]
