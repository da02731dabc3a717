#!/usr/bin/env bash
# `npm test`: every tier (lint, typecheck, unit, DynamoDB Local, CDK, browser), then one summary line
# "N passed, N failed". Installs what it needs first. Exits non-zero if any step failed.
set -u
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser || exit 1

results=.test-results
rm -rf "$results" && mkdir -p "$results/steps"
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

# Steps that run side by side (ADR 0055): each one's output goes to its own log, printed whole when it
# ends, so the CI log reads as if they had run one after another. Each records its own duration.
declare -A bg_pid bg_log
start_step() {
  local name=$1
  shift
  local log="$results/steps/${name// /-}.log"
  bg_log[$name]=$log
  (
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    echo "$(($(date +%s) - t0))" >"$log.seconds"
    exit $rc
  ) &
  bg_pid[$name]=$!
}
finish_step() {
  local name=$1 rc=0
  wait "${bg_pid[$name]}" || rc=$?
  echo
  echo "==> $name (ran alongside other steps)"
  cat "${bg_log[$name]}"
  local seconds
  seconds=$(cat "${bg_log[$name]}.seconds" 2>/dev/null || echo '?')
  if [ $rc -eq 0 ]; then
    echo "<== $name ok ($seconds s)"
  else
    echo "<== $name FAILED ($seconds s)"
    failed_steps+=("$name")
  fi
}

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# The static checks and the web build need nothing from each other, and each is a single-threaded
# process (tsc and vue-tsc are; biome is short): on CI's 2 cores they take about half the time side
# by side. The typecheck is `npm run typecheck`'s two halves (the workspaces and the web app).
t0=$SECONDS
start_step lint npx biome check --error-on-warnings .
start_step typecheck npx tsc --noEmit -p tsconfig.json
start_step "typecheck web" npm run -s typecheck -w web
start_step "web build" npm run -s build -w web
for name in lint typecheck "typecheck web" "web build"; do finish_step "$name"; done
echo "<== static checks and web build: $((SECONDS - t0)) s in all"
# The registry's first-load JS budget (issue 17) is a size, not a time: deterministic, so it gates the run
# like a test rather than waiting for someone to run the bench.
step "bundle budget" npx tsx scripts/bench.ts bundle
# The browser tier and vitest run side by side (ADR 0061): vitest runs one file at a time and the browser
# tier mostly waits (first scans, agent pushes, a notice on the scheduler's minute), so each leaves about a
# core idle; one after the other they were 520 s + 590 s of a 1,280 s CI run. They share nothing: the
# browser tier's local stack has its own DynamoDB Local and cognito-local on fixed ports below the
# ephemeral range, the vitest files take free ones.
# Playwright resolves a relative report path from its config directory (e2e/), where the summary never
# looked: a failed browser test was counted as "0 failed". Absolute, it lands beside the vitest reports.
start_step "browser tests" env PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/$results/playwright.json" npx playwright test -c e2e/playwright.config.ts --reporter=list,json
# Vitest waits for the dashboard's first scan (its "every widget non-zero" line), at most 300 s: that
# scan has a time budget, and it runs while the local stack starts and three other specs sign up.
t_wait=$SECONDS
until grep -q '\[dashboard\] every widget non-zero' "${bg_log[browser tests]}" 2>/dev/null ||
  ! kill -0 "${bg_pid[browser tests]}" 2>/dev/null || [ $((SECONDS - t_wait)) -ge 300 ]; do
  sleep 2
done
echo "<== vitest starts $((SECONDS - t_wait)) s after the browser tier"
# Vitest runs one file at a time per process (vitest.config.ts), so once the browser tier ends a core sits
# idle for the rest of the DynamoDB Local files (about 9 of CI's 17 minutes). The DynamoDB Local tier starts
# now, one file at a time as before; the pure unit and CDK tiers (about a third of vitest's time, no
# network, no shared ports) wait for the browser tier and then run beside it in a second process.
start_step "ddb tests" npx vitest run --project ddb --reporter=default --reporter=json --outputFile.json="$results/vitest-ddb.json"
finish_step "browser tests"
step "unit and infra tests" npx vitest run --project unit --project unit-isolated --project infra --reporter=default --reporter=json --outputFile.json="$results/vitest-unit.json"
finish_step "ddb tests"

npx tsx scripts/test-summary.ts "$results" "${failed_steps[@]}"
[ ${#failed_steps[@]} -eq 0 ]
