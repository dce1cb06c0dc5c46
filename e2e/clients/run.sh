#!/usr/bin/env bash
# Runs the real-agents suite against the built relay (dist/ must exist: `npm run build`) and ends
# with one plain closing line. The agents install once into ~/.cache/copilot-relay/clients
# (COPILOT_RELAY_CLIENTS_CACHE) from the npm registry; later runs are offline.
set -uo pipefail
cd "$(dirname "$0")/../.."
report=$(mktemp)
PLAYWRIGHT_JSON_OUTPUT_NAME="$report" npx playwright test --config e2e/clients/playwright.config.ts --reporter=list,json "$@"
rc=$?
node -e '
  const fs = require("node:fs");
  const s = fs.existsSync(process.argv[1]) && fs.statSync(process.argv[1]).size > 0 ? (JSON.parse(fs.readFileSync(process.argv[1], "utf8")).stats ?? {}) : {};
  console.log("per agent and scenario: test-results/clients/summary.md, evidence: test-results/clients/<agent>/<scenario>.md");
  console.log(`clients: ${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${s.unexpected ?? 0} failed, ${s.skipped ?? 0} skipped`);
' "$report"
rm -f "$report"
exit $rc
