import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import type { LoginItemSettings, LoginItemSettingsOptions, Settings } from 'electron';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginItem } from './login-item.js';

/** Option names electron.d.ts documents per platform (`Settings`, `LoginItemSettingsOptions`). */
const DARWIN_KEYS = new Set(['openAtLogin', 'type', 'serviceName']);
const WIN32_KEYS = new Set(['openAtLogin', 'path', 'args', 'enabled', 'name']);

/**
 * `app` as Electron 45 documents it. macOS: one login item for the app; the Windows-only options
 * (`path`, `args`) do nothing there — recorded so a test can see we passed them. Windows: a Run-key
 * entry per (path, args), defaulting to process.execPath and []: the getter reads the entry that
 * matches what it is given.
 */
function documentedApp(platform: 'darwin' | 'win32', isPackaged = true) {
  const entries = new Map<string, boolean>();
  const ignored: string[] = [];
  const execPath = 'C:\\Default\\electron.exe';
  const key = (o: { path?: string; args?: string[] } = {}) => `${o.path ?? execPath}|${(o.args ?? []).join(' ')}`;
  const allowed = platform === 'darwin' ? DARWIN_KEYS : WIN32_KEYS;
  return {
    isPackaged,
    ignored,
    setLoginItemSettings: vi.fn((settings: Settings) => {
      for (const name of Object.keys(settings)) if (!allowed.has(name)) ignored.push(name);
      entries.set(platform === 'darwin' ? 'app' : key(settings), settings.openAtLogin ?? false);
    }),
    getLoginItemSettings: vi.fn((options?: LoginItemSettingsOptions): Partial<LoginItemSettings> => {
      for (const name of Object.keys(options ?? {})) if (!(platform === 'darwin' ? DARWIN_KEYS : WIN32_KEYS).has(name)) ignored.push(name);
      return { openAtLogin: entries.get(platform === 'darwin' ? 'app' : key(options)) ?? false };
    }),
  };
}

describe('login item on macOS and Windows (against the documented options)', () => {
  it('darwin: only openAtLogin (path/args are Windows-only; the agent app never opens its window at login)', async () => {
    const app = documentedApp('darwin');
    const item = createLoginItem({ app: app as never, platform: 'darwin', env: {}, execPath: '/Applications/Copilot Relay.app/x' });
    expect(item.available()).toBe(true);
    expect(await item.get()).toBe(false);
    expect(await item.set(true)).toBe(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true });
    expect(await item.get()).toBe(true);
    expect(await item.set(false)).toBe(false);
    expect(app.ignored).toEqual([]);
  });

  it('darwin unpackaged: unavailable, never touches the OS', async () => {
    const app = documentedApp('darwin', false);
    const item = createLoginItem({ app: app as never, platform: 'darwin', env: {}, execPath: '/x' });
    expect(item.available()).toBe(false);
    expect(await item.set(true)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('win32: registers the exe with --hidden and reads that same entry back', async () => {
    const app = documentedApp('win32');
    const item = createLoginItem({ app: app as never, platform: 'win32', env: {}, execPath: 'C:\\Relay\\Copilot Relay.exe' });
    expect(await item.set(true)).toBe(true);
    const expected = { path: 'C:\\Relay\\Copilot Relay.exe', args: ['--hidden'] };
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, ...expected });
    expect(app.getLoginItemSettings).toHaveBeenLastCalledWith(expected);
    // Asked without the same path and args, Windows reads another entry (why the getter gets them too).
    expect(app.getLoginItemSettings().openAtLogin).toBe(false);
    expect(await item.get()).toBe(true);
    expect(await item.set(false)).toBe(false);
    expect(app.ignored).toEqual([]);
  });
});

describe('login item on Linux (real .desktop file in a temporary HOME)', () => {
  let home: string;
  beforeEach(async () => void (home = await mkdtemp(join(tmpdir(), 'relay-login-'))));
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('writes ~/.config/autostart/copilot-relay.desktop and removes it', async () => {
    const app = documentedApp('win32');
    const item = createLoginItem({ app: app as never, platform: 'linux', env: { HOME: home }, execPath: '/opt/Copilot Relay/copilot-relay' });
    expect(await item.get()).toBe(false);
    expect(await item.set(true)).toBe(true);
    const text = await readFile(join(home, '.config/autostart/copilot-relay.desktop'), 'utf8');
    expect(text).toContain('Exec="/opt/Copilot Relay/copilot-relay" --hidden');
    expect(await item.get()).toBe(true);
    expect(await item.set(false)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('uses XDG_CONFIG_HOME and $APPIMAGE', async () => {
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), APPIMAGE: join(home, 'Apps/Copilot-Relay.AppImage') };
    const item = createLoginItem({ app: documentedApp('win32') as never, platform: 'linux', env, execPath: '/tmp/.mount_x/copilot-relay' });
    await item.set(true);
    const text = await readFile(join(home, 'cfg/autostart/copilot-relay.desktop'), 'utf8');
    expect(text).toContain(`Exec=${join(home, 'Apps/Copilot-Relay.AppImage')} --hidden`);
  });
});
