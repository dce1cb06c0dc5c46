#!/usr/bin/env bash
# The whole test suite: types, lint, build, unit/integration (vitest), e2e (Playwright).
# Runs inside a private D-Bus session with a fresh, unlocked gnome-keyring so the keychain tests
# talk to a real Secret Service; without one they say so and skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"; npm run --silent typecheck
echo "== lint"; npm run --silent lint
echo "== build"; npm run --silent build

if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  export COPILOT_RELAY_REQUIRE_KEYCHAIN=1
  exec dbus-run-session -- bash scripts/test-inner.sh
fi
echo "No dbus-run-session/gnome-keyring-daemon here (apt-get install dbus gnome-keyring): keychain tests will skip."
exec bash scripts/test-inner.sh
