import { test, expect, chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { ServiceClient } from '../../src/main/core/service-host/client.js';
import { forkService } from '../../src/main/core/service-host/fork.js';
import { startFakeUpstream } from '../../test/fake-github/index.js';
import { CHROMIUM_LAUNCH, SHOTS, installBridge, serveRenderer } from '../support/renderer-harness.js';

// The built page driven through its bridge by the REAL service process (dist/main/service.js,
// forked as the desktop app's utility process is: device flow, token exchange, refresh) against
// the fake upstream — the whole desktop data path except Electron itself.
const SERVICE_ENTRY = fileURLToPath(new URL('../../dist/main/service.js', import.meta.url));

let browser: Browser;
test.beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  await mkdir(SHOTS, { recursive: true });
});
test.afterAll(async () => browser?.close());

test('real core + fake upstream: signed out → code → ready → Refresh now → revoked', async () => {
  const fake = await startFakeUpstream({ deviceInterval: 0, enforceSlowDown: false, deviceOutcome: 'manual' });
  const home = await mkdtemp(join(tmpdir(), 'relay-renderer-real-'));
  const server = await serveRenderer();
  // The opt-in credential file (a throwaway home has no keyring); any free port (tests run in parallel).
  await writeFile(join(home, 'config.json'), JSON.stringify({ insecureStorage: true, port: 0 }));
  const { COPILOT_RELAY_GITHUB_TOKEN: _t, COPILOT_RELAY_API_KEY: _k, ...parentEnv } = process.env;
  const env = { ...parentEnv, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
  const controller = new ServiceClient({ spawn: () => forkService(SERVICE_ENTRY, { env }), logger: silentLogger });
  await controller.start();
  const context = await browser.newContext({ viewport: { width: 380, height: 520 } });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    const bridge = await installBridge(page, controller);
    await page.goto(server.url);

    await expect(page.locator('#phase')).toHaveText('Not signed in');
    await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
    await expect.poll(() => fake.lastDeviceCode()?.userCode ?? null).not.toBeNull();
    const userCode = fake.lastDeviceCode()!.userCode;
    await expect(page.locator('#user-code')).toHaveText(userCode);
    await expect.poll(() => bridge.clipboard).toContain(userCode);
    await page.screenshot({ path: `${SHOTS}/real-signing-in.png` });

    fake.approveDevice(userCode);
    await expect(page.locator('#phase')).toHaveText('Ready', { timeout: 15_000 });
    await expect(page.locator('#account')).toHaveText('octocat');
    await expect(page.locator('#sku')).toHaveText(/^\(.+\)$/);
    await expect(page.locator('#api-base')).toHaveText(/^https?:\/\//);
    await expect(page.locator('#countdown')).toHaveText(/^\(in /);
    await page.screenshot({ path: `${SHOTS}/real-ready.png` });

    // Upstream expiries have second precision: let a second pass so the new one differs.
    const before = controller.status().expiresAt;
    await page.waitForTimeout(1100);
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect(page.locator('#refresh-result')).toHaveText(/^New token, expires/);
    expect(controller.status().expiresAt).not.toBe(before);

    fake.revokeGithubToken(fake.defaultToken);
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect(page.locator('#error-block')).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('#last-error')).not.toBeEmpty();
    // Revocation signs out: the page offers sign-in again (once).
    await expect(page.getByRole('button', { name: /^Sign in/ })).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/real-error.png` });
    const text = await page.locator('body').innerText();
    for (const token of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(text).not.toContain(token);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await controller.stop();
    await server.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
});
