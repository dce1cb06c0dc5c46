// Prints one closing line for the whole suite (vitest, Playwright, the real agents): "tests: N passed, N failed, N skipped".
// Exits non-zero if a report is missing or nothing ran at all.
import { existsSync, readFileSync } from 'node:fs';

const [vitestFile, playwrightFile, clientsFile] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0, missing = [];

if (vitestFile && existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests ?? 0;
  failed += v.numFailedTests ?? 0;
  // A file that fails to load counts no tests; count it as a failure so it can't hide.
  if (!v.numFailedTests && v.numFailedTestSuites) failed += v.numFailedTestSuites;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} else missing.push('vitest');

function addPlaywright(file, name) {
  if (!file || !existsSync(file)) return void missing.push(name);
  const s = JSON.parse(readFileSync(file, 'utf8')).stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
}
addPlaywright(playwrightFile, 'playwright');
// The real-agents report is absent only when COPILOT_RELAY_SKIP_CLIENTS=1 left them out on purpose.
if (process.env.COPILOT_RELAY_SKIP_CLIENTS === '1') console.log('real agents: skipped (COPILOT_RELAY_SKIP_CLIENTS=1)');
else addPlaywright(clientsFile, 'real agents');

if (missing.length) console.log(`missing test reports: ${missing.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(missing.length || failed || passed === 0 ? 1 : 0);
