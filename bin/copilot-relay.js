#!/usr/bin/env node
// Thin launcher: the CLI itself is the bundled dist/cli/index.js (built by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('copilot-relay is not built: run `npm run build` (npm ci runs it through `prepare`).');
  process.exit(1);
}
const { runCli } = await import(entry.href);
await runCli();
