import { test, expect, chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { CHROMIUM_LAUNCH, SHOTS, shot, installBridge, serveRenderer } from '../support/renderer-harness.js';
import { ScriptedBackend } from '../support/scripted-backend.js';

// Debian's Chromium; browsers are never downloaded.

let browser: Browser;
let server: Awaited<ReturnType<typeof serveRenderer>>;

test.beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  server = await serveRenderer();
  await mkdir(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(controller: ScriptedBackend) {
  const context = await browser.newContext({ viewport: { width: 380, height: 520 }, colorScheme: 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url.replace('index.html', ''))) problems.push(`unexpected request ${r.url()}`);
  });
  const bridge = await installBridge(page, controller);
  await page.goto(server.url);
  return { page, bridge, problems };
}


test('walks signed out → code → ready → refresh → revoked', async () => {
  const controller = new ScriptedBackend();
  const { page, bridge, problems } = await openPage(controller);

  // Signed out: a single sign-in button.
  await expect(page.locator('#phase')).toHaveText('Not signed in');
  await expect(page.getByRole('button', { name: 'Sign in with GitHub' })).toBeVisible();
  await expect(page.locator('#panel-ready')).toBeHidden();
  await shot(page, 'signed-out');

  // Sign-in: the code, large, with Copy/Open/Cancel; main copied it and opened GitHub.
  await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
  await expect(page.locator('#user-code')).toHaveText('WDJB-MJHT');
  await expect(page.locator('#code-label')).toHaveText('Enter this code at github.com/login/device');
  await expect(page.getByRole('button', { name: 'Open GitHub' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect.poll(() => bridge.clipboard).toContain('WDJB-MJHT');
  await expect.poll(() => bridge.opened).toEqual(['https://github.com/login/device']);
  await page.getByRole('button', { name: 'Copy code' }).click();
  await expect(page.locator('#code-result')).toHaveText('Code copied.');
  await expect(page.locator('#verification-hint')).toHaveText('Waiting for you to authorize…');
  await shot(page, 'signing-in');

  // Approved: ready with expiry, SKU, API base, quota, proxy URL.
  controller.approve();
  await expect(page.locator('#phase')).toHaveText('Ready');
  await expect(page.locator('#account')).toHaveText('octocat');
  await expect(page.locator('#plan')).toHaveText('Copilot Pro');
  await expect(page.locator('#sku')).toHaveText('(monthly_subscriber)');
  await expect(page.locator('#api-base')).toHaveText('https://api.individual.githubcopilot.com');
  await expect(page.locator('#proxy-url')).toHaveText('http://127.0.0.1:4141/v1');
  await expect(page.locator('#quota')).toHaveText('212 / 300 requests left');
  await expect(page.locator('#countdown')).toHaveText(/^\(in 2[45] min \d\d s\)$/);
  const countdownBefore = await page.locator('#countdown').textContent();
  await expect.poll(() => page.locator('#countdown').textContent(), { timeout: 3000 }).not.toBe(countdownBefore);
  await shot(page, 'ready');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'ready-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Copy URL through the bridge.
  await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
  await expect.poll(() => bridge.clipboard).toContain('http://127.0.0.1:4141/v1');

  // Refresh now: disabled while running, then the new (later) expiry.
  const expiresBefore = await page.locator('#expires').textContent();
  const refresh = page.getByRole('button', { name: 'Refresh now' });
  await refresh.click();
  await expect(refresh).toBeDisabled();
  await expect(page.locator('#refresh-result')).toHaveText(/^New token, expires \d\d:\d\d/);
  await expect(refresh).toBeEnabled();
  await expect(page.locator('#countdown')).toHaveText(/^\(in (29|30) min/);
  await expect(page.locator('#expires')).not.toHaveText(expiresBefore ?? '');
  expect(controller.calls).toContain('refreshNow');
  await shot(page, 'refreshed');

  // The GitHub token is revoked upstream: the next refresh ends in the error state, in words.
  controller.revoke();
  await refresh.click();
  await expect(page.locator('#phase')).toHaveText('Needs attention');
  await expect(page.locator('#last-error')).toHaveText('GitHub no longer accepts the saved sign-in.');
  await expect(page.locator('#last-error-fix')).toHaveText('Sign in again.');
  await expect(page.locator('#refresh-result')).toHaveText('Refresh failed (see Last error).');
  await expect(page.getByRole('button', { name: 'Sign in again' })).toBeVisible();
  await shot(page, 'error');

  expect(problems).toEqual([]);
  await page.context().close();
});

test('settings: port validated and applied, start at login, keyboard and Esc', async () => {
  const controller = new ScriptedBackend();
  controller.approve();
  const { page, bridge, problems } = await openPage(controller);
  await expect(page.locator('#phase')).toHaveText('Ready');

  const port = page.getByLabel('Port');
  await expect(port).toHaveValue('4141');
  await port.fill('70000');
  await port.press('Enter');
  await expect(page.locator('#settings-message')).toHaveText('The port must be a whole number from 1 to 65535.');
  await expect(port).toHaveAttribute('aria-invalid', 'true');
  await port.fill('5123');
  await port.press('Enter');
  await expect(page.locator('#settings-message')).toHaveText('Proxy restarted on port 5123.');
  expect((await controller.getSettings()).port).toBe(5123);
  await expect(page.locator('#proxy-url')).toHaveText('http://127.0.0.1:5123/v1');

  // Keyboard only: focus the checkbox and toggle it with Space.
  await page.getByLabel('Start at login').focus();
  await page.keyboard.press('Space');
  await expect.poll(() => bridge.autostart()).toBe(true);
  await expect(page.getByLabel('Start at login')).toBeChecked();

  // Focus ring is visible on keyboard focus.
  await page.getByRole('button', { name: 'Refresh now' }).focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  const outline = await page.getByRole('button', { name: 'Refresh now' }).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');

  await page.keyboard.press('Escape');
  await expect.poll(() => bridge.hiddenCount()).toBe(1);

  // Cancel from the sign-in panel returns to signed out.
  await controller.signOut();
  await expect(page.locator('#phase')).toHaveText('Not signed in');
  await page.getByRole('button', { name: 'Sign in with GitHub' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#phase')).toHaveText('Not signed in');
  await expect(page.locator('#sign-in-error')).toHaveText('Sign-in cancelled.');

  expect(problems).toEqual([]);
  await page.context().close();
});
