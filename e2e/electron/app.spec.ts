import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickTrayItem, electronAvailability, launchApp, mainState, startFake } from '../support/electron-app.js';
import type { FakeUpstream } from '../support/electron-app.js';

// The whole app through Playwright's _electron. Runs where the Electron binary exists (connected CI);
// skips cleanly here, where it can't be downloaded.
let executablePath = '';
let fake: FakeUpstream;

test.beforeAll(async () => {
  const found = await electronAvailability();
  test.skip(!found.ok, found.ok ? '' : found.message);
  if (found.ok) executablePath = found.path;
  fake = await startFake();
});
test.afterAll(async () => {
  await fake?.close();
});

async function signIn(app: Awaited<ReturnType<typeof launchApp>>['app']) {
  await clickTrayItem(app, 'sign-in');
  await expect.poll(async () => (await mainState(app)).phase, { timeout: 20_000 }).toBe('ready');
}

test('the status window opens sandboxed, isolated, without Node, with the strict CSP', async () => {
  const { app, close } = await launchApp(executablePath, fake);
  try {
    const page = await app.firstWindow();
    await expect(page.locator('#phase')).toHaveText('Not signed in');
    // Electron 45 has no getter for a window's web preferences: main publishes what it created the window with.
    const prefs = await app.evaluate(() => (globalThis as unknown as { __e2e: { webPreferences: unknown } }).__e2e.webPreferences);
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    // And the page itself sees no Node: no require, no process, only the bridge.
    expect(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { relay: object }).relay))).toContain('refreshNow');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'))).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:",
    );
    // Navigation away is blocked.
    await page.evaluate(() => void ((globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/'));
    await expect(page).toHaveURL(/index\.html$/);
  } finally {
    await close();
  }
});

test('tray: sign in, then Copy URL puts the proxy URL in the clipboard', async () => {
  const { app, close } = await launchApp(executablePath, fake, ['--hidden']);
  try {
    await signIn(app);
    const { proxy } = await mainState(app);
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await clickTrayItem(app, 'copy-url');
    await expect.poll(() => app.evaluate(({ clipboard }) => clipboard.readText())).toBe(proxy.url);
  } finally {
    await close();
  }
});

test('refresh round trip: Refresh now in the window gives a new expiry from main', async () => {
  const { app, close } = await launchApp(executablePath, fake);
  try {
    const page = await app.firstWindow();
    await signIn(app);
    const before = (await mainState(app)).expiresAt;
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect(page.locator('#refresh-result')).toHaveText(/^New token, expires/);
    await expect.poll(async () => (await mainState(app)).expiresAt).not.toBe(before);
  } finally {
    await close();
  }
});

test('Start at login toggles the real OS state', async () => {
  const { app, home, close } = await launchApp(executablePath, fake, ['--hidden']);
  try {
    await clickTrayItem(app, 'toggle-autostart');
    if (process.platform === 'linux') {
      const file = join(home, 'xdg', 'autostart', 'copilot-relay.desktop');
      await expect.poll(() => existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/^Exec=.* --hidden$/m);
      await clickTrayItem(app, 'toggle-autostart');
      await expect.poll(() => existsSync(file)).toBe(false);
    } else {
      const packaged = await app.evaluate(({ app: a }) => a.isPackaged);
      // Windows reads the entry registered with the same path and args; macOS has one login item for the app.
      const read = () => app.evaluate(({ app: a }) => a.getLoginItemSettings(process.platform === 'win32' ? { path: process.execPath, args: ['--hidden'] } : undefined).openAtLogin);
      if (process.platform === 'win32' || packaged) {
        await expect.poll(read).toBe(true);
        await clickTrayItem(app, 'toggle-autostart');
        await expect.poll(read).toBe(false);
      }
    }
  } finally {
    await close();
  }
});
