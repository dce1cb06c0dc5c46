#!/usr/bin/env bash
# Second half of test-all.sh, run inside the D-Bus session. A throwaway HOME gives a fresh keyring
# (and keeps tests away from the user's real config and autostart dirs).
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
export REAL_HOME="${HOME:-}"
export HOME="$results/home"; mkdir -p "$HOME"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v gnome-keyring-daemon >/dev/null; then
  printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
fi

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"
vitest_rc=$?
echo "== playwright"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json
playwright_rc=$?

echo "== real agents (Claude Code, Codex CLI, opencode)"
# They install once from the npm registry (~25 s) into the user's cache, not the throwaway HOME,
# so later runs are offline. COPILOT_RELAY_SKIP_CLIENTS=1 leaves them out (says so in the summary).
clients_rc=0
if [ "${COPILOT_RELAY_SKIP_CLIENTS:-}" = 1 ]; then
  echo "skipped: COPILOT_RELAY_SKIP_CLIENTS=1"
else
  export COPILOT_RELAY_CLIENTS_CACHE="${COPILOT_RELAY_CLIENTS_CACHE:-${REAL_HOME:-$HOME}/.cache/copilot-relay/clients}"
  PLAYWRIGHT_JSON_OUTPUT_NAME="$results/clients.json" npx playwright test --config e2e/clients/playwright.config.ts --reporter=list,json
  clients_rc=$?
fi

node scripts/summarize-tests.mjs "$results/vitest.json" "$results/playwright.json" "$results/clients.json"
summary_rc=$?
[ $vitest_rc -eq 0 ] && [ $playwright_rc -eq 0 ] && [ $clients_rc -eq 0 ] && [ $summary_rc -eq 0 ]
