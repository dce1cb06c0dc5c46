import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginItem } from './login-item.js';

function fakeApp(isPackaged = true) {
  let openAtLogin = false;
  return {
    isPackaged,
    setLoginItemSettings: vi.fn((s: { openAtLogin?: boolean }) => void (openAtLogin = s.openAtLogin ?? false)),
    getLoginItemSettings: vi.fn(() => ({ openAtLogin })),
  };
}

describe('login item on macOS and Windows', () => {
  it('darwin: sets openAtLogin with --hidden and reads the OS state back', async () => {
    const app = fakeApp();
    const item = createLoginItem({ app: app as never, platform: 'darwin', env: {}, execPath: '/Applications/Copilot Relay.app/x' });
    expect(item.available()).toBe(true);
    expect(await item.get()).toBe(false);
    expect(await item.set(true)).toBe(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
    expect(app.getLoginItemSettings).toHaveBeenLastCalledWith({ args: ['--hidden'] });
  });

  it('darwin unpackaged: unavailable, never touches the OS', async () => {
    const app = fakeApp(false);
    const item = createLoginItem({ app: app as never, platform: 'darwin', env: {}, execPath: '/x' });
    expect(item.available()).toBe(false);
    expect(await item.set(true)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('win32: passes the same path and args to the getter as to the setter', async () => {
    const app = fakeApp();
    const item = createLoginItem({ app: app as never, platform: 'win32', env: {}, execPath: 'C:\\Relay\\Copilot Relay.exe' });
    expect(await item.set(true)).toBe(true);
    const expected = { path: 'C:\\Relay\\Copilot Relay.exe', args: ['--hidden'] };
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, ...expected });
    expect(app.getLoginItemSettings).toHaveBeenLastCalledWith(expected);
    expect(await item.set(false)).toBe(false);
  });
});

describe('login item on Linux (real .desktop file in a temporary HOME)', () => {
  let home: string;
  beforeEach(async () => void (home = await mkdtemp(join(tmpdir(), 'relay-login-'))));
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('writes ~/.config/autostart/copilot-relay.desktop and removes it', async () => {
    const app = fakeApp();
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
    const item = createLoginItem({ app: fakeApp() as never, platform: 'linux', env, execPath: '/tmp/.mount_x/copilot-relay' });
    await item.set(true);
    const text = await readFile(join(home, 'cfg/autostart/copilot-relay.desktop'), 'utf8');
    expect(text).toContain(`Exec=${join(home, 'Apps/Copilot-Relay.AppImage')} --hidden`);
  });
});
