import { describe, it, expect, vi } from 'vitest';
import { IPC } from '../../shared/ipc.js';
import { isTrustedSender, registerIpcHandlers } from './ipc.js';
import type { IpcHandlers } from './ipc.js';
import { readyStatus } from '../../../e2e/support/status-fixtures.js';
import { emptyActivity } from '../../../e2e/support/activity-fixtures.js';

/** A window as electron.d.ts describes it: its webContents, whose mainFrame is a WebFrameMain (processId, routingId). */
function fakeWindow() {
  const mainFrame = { processId: 4, routingId: 1, url: 'file:///opt/Copilot%20Relay%20%5Bbeta%5D/~user/dist/renderer/index.html' };
  const webContents = { mainFrame };
  let destroyed = false;
  return { webContents, isDestroyed: () => destroyed, destroy: () => void (destroyed = true) };
}

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
    getLastView: vi.fn(() => 'status' as const),
    setLastView: vi.fn(),
    getActivity: vi.fn(async () => emptyActivity()),
    copyEnvLine: vi.fn(async () => ({ ok: true })),
    setBudget: vi.fn(async () => ({ ok: true })),
  } satisfies IpcHandlers;
  const window = fakeWindow();
  let current: ReturnType<typeof fakeWindow> | null = window;
  const dispose = registerIpcHandlers(ipcMain as never, handlers, () => current as never);
  const ours = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const call = (channel: string, event: unknown, ...args: unknown[]) => Promise.resolve().then(() => registered.get(channel)!(event, ...args));
  return { registered, handlers, call, dispose, window, ours, closeWindow: () => void (current = null) };
}

describe('IPC choke point', () => {
  it('registers every contract channel and removes them on dispose', () => {
    const { registered, dispose } = setup();
    expect([...registered.keys()].sort()).toEqual(Object.values(IPC).sort());
    dispose();
    expect(registered.size).toBe(0);
  });

  it('accepts the window\'s own main frame by identity, whatever its URL looks like, and nothing else', async () => {
    const { call, handlers, window, ours, closeWindow } = setup();
    await expect(call(IPC.getStatus, ours)).resolves.toMatchObject({ phase: 'ready' });
    // The same frame reached through another WebFrameMain wrapper: same process and routing id.
    await expect(call(IPC.getStatus, { sender: window.webContents, senderFrame: { processId: 4, routingId: 1 } })).resolves.toMatchObject({ phase: 'ready' });
    const foreign = fakeWindow();
    for (const [name, event] of [
      ['another window', { sender: foreign.webContents, senderFrame: foreign.webContents.mainFrame }],
      ['a subframe of ours', { sender: window.webContents, senderFrame: { processId: 4, routingId: 7, url: window.webContents.mainFrame.url } }],
      ['a frame of ours in another process', { sender: window.webContents, senderFrame: { processId: 9, routingId: 1 } }],
      ['no frame (navigated or destroyed)', { sender: window.webContents, senderFrame: null }],
      ['a foreign sender showing our URL', { sender: { mainFrame: window.webContents.mainFrame }, senderFrame: window.webContents.mainFrame }],
    ] as const) {
      await expect(call(IPC.refreshNow, event), name).rejects.toThrow(/untrusted/);
    }
    window.destroy();
    await expect(call(IPC.refreshNow, ours)).rejects.toThrow(/untrusted/);
    closeWindow();
    await expect(call(IPC.refreshNow, ours)).rejects.toThrow(/untrusted/);
    expect(handlers.refreshNow).not.toHaveBeenCalled();
    expect(isTrustedSender(ours as never, null)).toBe(false);
  });

  it('validates arguments: no extras, port integer 1-65535, booleans, known keys only', async () => {
    const { call, handlers, ours } = setup();
    const PAGE = ours;
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

    for (const bad of [[], ['settings'], ['status', 'x'], [1]]) await expect(call(IPC.setLastView, PAGE, ...bad), JSON.stringify(bad)).rejects.toThrow(/view/);
    await call(IPC.setLastView, PAGE, 'activity');
    expect(handlers.setLastView).toHaveBeenCalledWith('activity');
  });

  it('validates the Activity view\'s arguments: a known range and env line, a well-formed budget', async () => {
    const { call, handlers, ours } = setup();
    const PAGE = ours;
    for (const bad of [[], ['year'], ['today', 'extra'], [{}]]) await expect(call(IPC.getActivity, PAGE, ...bad), JSON.stringify(bad)).rejects.toThrow(/range/);
    await call(IPC.getActivity, PAGE, 'week');
    expect(handlers.getActivity).toHaveBeenCalledWith('week');
    await expect(call(IPC.copyEnvLine, PAGE, 'OPENAI_BASE_URL=https://evil.test')).rejects.toThrow(/kind/);
    await call(IPC.copyEnvLine, PAGE, 'anthropic');
    expect(handlers.copyEnvLine).toHaveBeenCalledWith('anthropic');
    for (const bad of [null, [], { limitCredits: 0, period: 'day' }, { limitCredits: -5, period: 'day' }, { limitCredits: '50', period: 'day' }, { limitCredits: 50, period: 'week' }, { limitCredits: 50, period: 'day', extra: 1 }, { limitCredits: Infinity, period: 'month' }]) {
      await expect(call(IPC.setBudget, PAGE, bad), JSON.stringify(bad)).rejects.toThrow();
    }
    expect(handlers.setBudget).not.toHaveBeenCalled();
    await call(IPC.setBudget, PAGE, { limitCredits: 50, period: 'day' });
    await call(IPC.setBudget, PAGE, { limitCredits: null, period: 'month' });
    expect(handlers.setBudget.mock.calls).toEqual([[{ limitCredits: 50, period: 'day' }], [{ limitCredits: null, period: 'month' }]]);
  });
});
