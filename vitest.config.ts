import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Keep the fake upstream and every proxy we start on loopback, and never let a test
    // reach the real GitHub by accident.
    env: {
      COPILOT_RELAY_GITHUB_URL: 'http://127.0.0.1:9',
      COPILOT_RELAY_GITHUB_API_URL: 'http://127.0.0.1:9',
    },
  },
});
