import { _electron } from '@playwright/test';
import type { ElectronApplication } from '@playwright/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from '../../test/fake-github/index.js';
import type { FakeUpstream } from '../../test/fake-github/index.js';

export type { FakeUpstream };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SKIP_MESSAGE = 'Electron binary not installed; run where it can be downloaded';

type Found = { ok: true; path: string } | { ok: false; reason: string };
interface BinaryModule {
  findElectronBinary(): Found;
  findDisplay(): { ok: boolean; reason?: string };
}

/** The Electron binary and a display, found without require('electron') (which would try to download). */
export async function electronAvailability(): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  // Loaded by path at run time: the helper is plain JS shared with `npm start`.
  const helper = (await import(`${ROOT}scripts/electron-binary.mjs`)) as BinaryModule;
  const binary = helper.findElectronBinary();
  if (!binary.ok) return { ok: false, message: `${SKIP_MESSAGE} (${binary.reason})` };
  const display = helper.findDisplay();
  if (!display.ok) return { ok: false, message: `Electron specs need a display: ${display.reason}` };
  return { ok: true, path: binary.path };
}

/** The fake GitHub/Copilot upstream (one loopback origin for github.com, api.github.com and CAPI). */
export async function startFake(): Promise<FakeUpstream> {
  // Fast device polling so sign-in completes in well under a second.
  return startFakeUpstream({ deviceInterval: 0, enforceSlowDown: false });
}

/** Launches the unpackaged build (dist/main/index.js) with a throwaway home and the fake upstream. */
export async function launchApp(executablePath: string, fake: FakeUpstream, extraArgs: string[] = []) {
  const home = await mkdtemp(join(tmpdir(), 'relay-electron-e2e-'));
  // The throwaway home has no keyring: opt in to the 0600 credential file for this run.
  await writeFile(join(home, 'config.json'), JSON.stringify({ insecureStorage: true }));
  const app: ElectronApplication = await _electron.launch({
    executablePath,
    args: [join(ROOT, 'dist/main/index.js'), ...extraArgs],
    env: {
      ...process.env,
      APP_E2E: '1',
      COPILOT_RELAY_HOME: home,
      XDG_CONFIG_HOME: join(home, 'xdg'),
      COPILOT_RELAY_GITHUB_URL: fake.url,
      COPILOT_RELAY_GITHUB_API_URL: fake.url,
    },
    timeout: 30_000,
  });
  return {
    app,
    home,
    async close() {
      await app.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Clicks a tray menu item by id in main (tray menus aren't reachable through the OS). */
export function clickTrayItem(app: ElectronApplication, id: string): Promise<void> {
  return app.evaluate((_electron, itemId) => {
    const e2e = (globalThis as unknown as { __e2e: { trayMenu(): { getMenuItemById(id: string): { click(): void } | null } | null } }).__e2e;
    const item = e2e.trayMenu()?.getMenuItemById(itemId);
    if (!item) throw new Error(`no tray item ${itemId}`);
    item.click();
  }, id);
}

export function mainState(app: ElectronApplication): Promise<{ phase: string; expiresAt: number | null; proxy: { url: string | null } }> {
  return app.evaluate(() => (globalThis as unknown as { __e2e: { state(): { phase: string; expiresAt: number | null; proxy: { url: string | null } } } }).__e2e.state());
}
