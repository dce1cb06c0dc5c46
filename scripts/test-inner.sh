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

node scripts/summarize-tests.mjs "$results/vitest.json" "$results/playwright.json"
summary_rc=$?
[ $vitest_rc -eq 0 ] && [ $playwright_rc -eq 0 ] && [ $summary_rc -eq 0 ]
