import { describe, it, expect, vi, beforeAll } from 'vitest';
import { ACTIVITY_EVENT, IPC, STATUS_EVENT, VIEW_EVENT } from '../shared/ipc.js';
import type { RelayApi } from '../shared/ipc.js';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (..._args: unknown[]) => 'ok');
const listeners = new Map<string, (...a: unknown[]) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, fn: (...a: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}));

describe('preload bridge', () => {
  let api: RelayApi;
  beforeAll(async () => {
    await import('./index.js');
    api = exposed.get('relay') as RelayApi;
  });

  it('exposes only window.relay, with one function per contract channel plus the push subscriptions', () => {
    expect([...exposed.keys()]).toEqual(['relay']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(IPC), 'onStatus', 'onActivity', 'onShowView'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(JSON.stringify(Object.keys(api))).not.toContain('ipcRenderer');
  });

  it('invokes the contract channel for every method, forwarding arguments', async () => {
    for (const [method, channel] of Object.entries(IPC)) {
      invoke.mockClear();
      await (api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!();
      expect(invoke).toHaveBeenCalledWith(channel);
    }
    invoke.mockClear();
    await api.setSettings({ port: 5000 });
    expect(invoke).toHaveBeenCalledWith(IPC.setSettings, { port: 5000 });
  });

  it('strips the IPC event from status pushes and returns an unsubscribe function', () => {
    const seen: unknown[] = [];
    const off = api.onStatus((s) => seen.push(s));
    const handler = listeners.get(STATUS_EVENT)!;
    handler({ sender: { secret: 'ipcRenderer' } }, { phase: 'ready' });
    expect(seen).toEqual([{ phase: 'ready' }]);
    off();
    expect(listeners.has(STATUS_EVENT)).toBe(false);
    for (const [subscribe, channel, value] of [[api.onActivity, ACTIVITY_EVENT, { client: 'curl' }], [api.onShowView, VIEW_EVENT, 'activity']] as const) {
      const got: unknown[] = [];
      const stop = (subscribe as (fn: (v: unknown) => void) => () => void)((v) => got.push(v));
      listeners.get(channel)!({ sender: { secret: 'ipcRenderer' } }, value);
      expect(got).toEqual([value]);
      stop();
      expect(listeners.has(channel)).toBe(false);
    }
  });
});
