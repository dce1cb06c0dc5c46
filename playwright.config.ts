import { defineConfig } from '@playwright/test';

// Three projects: the renderer page in Debian's Chromium, the headless CLI end to end, and the whole
// Electron app (skips where the Electron binary isn't installed). Browsers are never downloaded.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  workers: 2,
  reporter: 'list',
  projects: [
    { name: 'renderer', testMatch: /renderer\/.*\.spec\.ts$/ },
    { name: 'headless', testMatch: /cli\/.*\.spec\.ts$/ },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts$/ },
  ],
});
