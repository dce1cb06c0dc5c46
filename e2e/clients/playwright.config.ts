import { defineConfig } from '@playwright/test';

// The real coding agents (Claude Code, Codex CLI, opencode) against the BUILT relay and the fake
// upstream: `npm run test:clients`. Kept out of the main config (and so out of `npm run test:e2e`);
// `npm test` runs it last (scripts/test-inner.sh). global-setup installs the pinned agents into a cache.
export default defineConfig({
  testDir: '.',
  testMatch: /\.spec\.ts$/,
  outputDir: '../../test-results/clients/playwright',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  timeout: 150_000,
  workers: 2,
  reporter: 'list',
});
