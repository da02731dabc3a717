#!/usr/bin/env bash
# Makes sure this machine can run the local stack: npm packages installed and current, Java 17 for
# DynamoDB Local, and with --browser the Debian chromium the browser tests use.
# Bash only (no node packages needed). Installs system packages itself only when run as root;
# otherwise it prints one line naming what to install and exits 1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    -h | --help)
      echo "usage: bash scripts/ensure-deps.sh [--browser]"
      exit 0
      ;;
    *)
      echo "ensure-deps: unknown argument '$arg' (usage: bash scripts/ensure-deps.sh [--browser])" >&2
      exit 2
      ;;
  esac
done

say() { echo "[ensure-deps] $*"; }

# --- npm packages ---------------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: it is newer than package-lock.json
# exactly when the install is current.
if [[ ! -d node_modules ]]; then
  reason="node_modules is missing"
elif [[ -f package-lock.json && ! -f node_modules/.package-lock.json ]]; then
  reason="node_modules was not installed by npm"
elif [[ -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ]]; then
  reason="package-lock.json is newer than node_modules"
else
  reason=""
fi
if [[ -n "$reason" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-deps: npm is missing: install Node.js 20 (https://nodejs.org) and run this again." >&2
    exit 1
  fi
  if [[ -f package-lock.json ]]; then
    say "$reason: running npm ci"
    npm ci --no-audit --no-fund
  else
    say "$reason: running npm install"
    npm install --no-audit --no-fund
  fi
fi

# --- system packages ------------------------------------------------------------------------------
apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    apt-get update
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# Installs the apt packages "$2..." when the check "$1" fails: itself as root, else says what to run.
ensure_system() {
  local check="$1" what="$2"
  shift 2
  if eval "$check" >/dev/null 2>&1; then
    return 0
  fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "$what is missing: installing $*"
    apt_install "$@"
    if ! eval "$check" >/dev/null 2>&1; then
      echo "ensure-deps: installed $* but $what is still not usable." >&2
      exit 1
    fi
  else
    echo "ensure-deps: $what is missing: install it with 'sudo apt-get install -y $*' (or your system's equivalent) and run this again." >&2
    exit 1
  fi
}

# DynamoDB Local runs on the JVM; it needs Java 17 or later.
java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  [[ -n "$major" && "$major" -ge 17 ]]
}
ensure_system java_ok "Java 17 (for DynamoDB Local)" openjdk-17-jre-headless

if [[ $want_browser -eq 1 ]]; then
  ensure_system "test -x /usr/bin/chromium" "Chromium (/usr/bin/chromium, for the browser tests)" chromium fonts-liberation
fi
