import { describe, it, expect, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { IPC } from '../../shared/ipc.js';
import { isTrustedSender, registerIpcHandlers } from './ipc.js';
import type { IpcHandlers } from './ipc.js';
import { readyStatus } from '../../../e2e/support/status-fixtures.js';

const PAGE = 'file:///opt/Copilot%20Relay/resources/app.asar/dist/renderer/index.html';

function setup() {
  const registered = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => void registered.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void registered.delete(channel)),
  };
  const handlers = {
    getStatus: vi.fn(() => readyStatus()),
    signIn: vi.fn(async () => ({ ok: true })),
    cancelSignIn: vi.fn(),
    signOut: vi.fn(async () => ({ ok: true })),
    refreshNow: vi.fn(async () => ({ ok: true })),
    copyUrl: vi.fn(() => ({ ok: true })),
    copyApiKey: vi.fn(() => ({ ok: true })),
    copyUserCode: vi.fn(() => ({ ok: true })),
    openVerificationUri: vi.fn(async () => ({ ok: true })),
    getSettings: vi.fn(async () => ({ port: 4141, apiKeyEnabled: false, startAtLogin: false, startAtLoginAvailable: true })),
    setSettings: vi.fn(async () => ({ port: 5000, apiKeyEnabled: false, startAtLogin: false, startAtLoginAvailable: true })),
    hideWindow: vi.fn(),
  } satisfies IpcHandlers;
  const dispose = registerIpcHandlers(ipcMain as never, handlers, () => PAGE);
  const call = (channel: string, url: string | undefined, ...args: unknown[]) =>
    Promise.resolve().then(() => registered.get(channel)!({ senderFrame: url === undefined ? null : { url } }, ...args));
  return { registered, handlers, call, dispose };
}

describe('IPC choke point', () => {
  it('registers every contract channel and removes them on dispose', () => {
    const { registered, dispose } = setup();
    expect([...registered.keys()].sort()).toEqual(Object.values(IPC).sort());
    dispose();
    expect(registered.size).toBe(0);
  });

  it('accepts our own page (fragment ignored) and rejects foreign or missing frames', async () => {
    const { call, handlers } = setup();
    await expect(call(IPC.getStatus, PAGE)).resolves.toMatchObject({ phase: 'ready' });
    await expect(call(IPC.getStatus, `${PAGE}#settings`)).resolves.toMatchObject({ phase: 'ready' });
    for (const url of [
      'https://evil.test/index.html',
      'file:///tmp/index.html',
      `${PAGE}.evil.html`,
      'file:///opt/Copilot%20Relay/resources/app.asar/dist/renderer/index.html/../../../x.html',
      'about:blank',
      'garbage',
      undefined,
    ]) {
      await expect(call(IPC.refreshNow, url), String(url)).rejects.toThrow(/untrusted/);
    }
    expect(handlers.refreshNow).not.toHaveBeenCalled();
    expect(isTrustedSender({ senderFrame: null } as unknown as IpcMainInvokeEvent, PAGE)).toBe(false);
  });

  it('validates arguments: no extras, port integer 1-65535, booleans, known keys only', async () => {
    const { call, handlers } = setup();
    await expect(call(IPC.refreshNow, PAGE, 'extra')).rejects.toThrow(/unexpected/);
    for (const bad of [{ port: 0 }, { port: 65536 }, { port: 41.5 }, { port: '4141' }, { apiKeyEnabled: 'yes' }, { host: '0.0.0.0' }, null, [1]]) {
      await expect(call(IPC.setSettings, PAGE, bad), JSON.stringify(bad)).rejects.toThrow();
    }
    expect(handlers.setSettings).not.toHaveBeenCalled();
    await call(IPC.setSettings, PAGE, { port: 5000, startAtLogin: true });
    expect(handlers.setSettings).toHaveBeenCalledWith({ port: 5000, startAtLogin: true });

    await expect(call(IPC.signIn, PAGE, 'https://evil.test')).rejects.toThrow(/host/);
    await call(IPC.signIn, PAGE, 'Octo.GHE.com');
    expect(handlers.signIn).toHaveBeenLastCalledWith('octo.ghe.com');
    await call(IPC.signIn, PAGE);
    expect(handlers.signIn).toHaveBeenLastCalledWith();
  });
});
