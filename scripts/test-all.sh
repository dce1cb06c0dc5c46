#!/usr/bin/env bash
# The whole test suite: types, lint, build, unit/integration (vitest), e2e (Playwright), the real agents.
# Runs inside a private D-Bus session with a fresh, unlocked gnome-keyring so the keychain tests
# talk to a real Secret Service (they fail, not skip, if it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# The e2e and keychain tests need system packages; say which are missing up front, in one place.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v dbus-run-session >/dev/null || missing+=(dbus)
command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing system packages for the test suite: ${missing[*]}."
  echo "Install them with: sudo apt-get install -y ${missing[*]}   (bash .ci/run installs everything and runs this suite)"
  exit 1
fi

echo "== typecheck"; npm run --silent typecheck
echo "== lint"; npm run --silent lint
echo "== build"; npm run --silent build

export COPILOT_RELAY_REQUIRE_KEYCHAIN=1
exec dbus-run-session -- bash scripts/test-inner.sh
