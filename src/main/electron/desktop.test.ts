import { describe, it, expect, vi } from 'vitest';
import type { RelayController } from '../core/controller.js';
import type { RelayStatus } from '../../shared/status.js';
import { silentLogger } from '../core/log/logger.js';
import { IPC, STATUS_EVENT } from '../../shared/ipc.js';
import { readyStatus, errorStatus } from '../../../e2e/support/status-fixtures.js';

const h = vi.hoisted(() => ({
  appHandlers: new Map<string, (...a: unknown[]) => void>(),
  ipcHandlers: new Map<string, unknown>(),
  powerHandlers: new Map<string, () => void>(),
  windows: [] as { sent: unknown[][]; shown: number }[],
  trays: [] as { menus: unknown[]; tooltips: string[] }[],
  dockHidden: 0,
}));

vi.mock('electron', () => ({
  app: {
    on: (name: string, fn: (...a: unknown[]) => void) => h.appHandlers.set(name, fn),
    dock: { hide: () => void (h.dockHidden += 1) },
    isPackaged: false,
    getLoginItemSettings: () => ({ openAtLogin: false }),
    setLoginItemSettings: () => undefined,
  },
  session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
  ipcMain: { handle: (c: string, fn: unknown) => h.ipcHandlers.set(c, fn), removeHandler: (c: string) => h.ipcHandlers.delete(c) },
  powerMonitor: { on: (n: string, fn: () => void) => h.powerHandlers.set(n, fn), removeListener: vi.fn() },
  clipboard: { writeText: vi.fn(async () => undefined) },
  shell: { openExternal: vi.fn(async () => undefined) },
  Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
  Tray: class {
    record = { menus: [] as unknown[], tooltips: [] as string[] };
    constructor() {
      h.trays.push(this.record);
    }
    setContextMenu(m: unknown) {
      this.record.menus.push(m);
    }
    setToolTip(t: string) {
      this.record.tooltips.push(t);
    }
    setImage() {}
    destroy() {}
  },
  BrowserWindow: class {
    record = { sent: [] as unknown[][], shown: 0 };
    webContents = { send: (...a: unknown[]) => this.record.sent.push(a), isLoading: () => false };
    constructor() {
      h.windows.push(this.record);
    }
    on() {
      return this;
    }
    loadFile = async () => undefined;
    isDestroyed = () => false;
    isMinimized = () => false;
    show = () => void (this.record.shown += 1);
    focus() {}
    hide() {}
  },
}));

const { startDesktop } = await import('./desktop.js');

function controllerWith(initial: RelayStatus) {
  let status = initial;
  const listeners = new Set<(s: RelayStatus) => void>();
  const controller = {
    status: () => status,
    onStatus: (fn: (s: RelayStatus) => void) => (listeners.add(fn), () => void listeners.delete(fn)),
    signIn: vi.fn(async () => undefined),
    cancelSignIn: vi.fn(),
    signOut: vi.fn(async () => undefined),
    refreshNow: vi.fn(async () => undefined),
    checkNow: vi.fn(),
    startProxy: vi.fn(async () => ({ url: 'http://127.0.0.1:4141/v1' })),
    stopProxy: vi.fn(async () => undefined),
    apiKey: () => null,
    close: vi.fn(async () => undefined),
  } satisfies RelayController;
  return { controller, emit: (s: RelayStatus) => ((status = s), listeners.forEach((fn) => fn(s))) };
}

describe('startDesktop (composition with electron mocked)', () => {
  it('hides the Dock icon, starts the proxy when signed in, wires IPC, power and status pushes, publishes __e2e', async () => {
    const { controller, emit } = controllerWith(readyStatus({ proxy: { url: null, running: false, apiKeyRequired: false } }));
    const values: Record<string, unknown> = { port: 4242, apiKeyEnabled: false, startAtLogin: false, enterprise: null };
    await startDesktop({
      controller,
      settings: { get: (k: string) => values[k], set: (k: string, v: unknown) => void (values[k] = v) } as never,
      logger: silentLogger,
      env: { APP_E2E: '1', HOME: '/nonexistent-home' },
      hidden: false,
      isQuitting: () => false,
      quit: async () => undefined,
    });
    expect(h.dockHidden).toBe(1);
    expect(controller.startProxy).toHaveBeenCalledWith({ port: 4242 });
    expect([...h.ipcHandlers.keys()].sort()).toEqual(Object.values(IPC).sort());
    expect(h.appHandlers.has('web-contents-created')).toBe(true);
    expect(h.windows[0]!.shown).toBe(1);

    h.powerHandlers.get('resume')!();
    expect(controller.checkNow).toHaveBeenCalled();

    const tray = h.trays[0]!;
    const menusBefore = tray.menus.length;
    const next = errorStatus('network', 'fetch failed');
    emit(next);
    expect(tray.menus.length).toBe(menusBefore + 1);
    expect(tray.tooltips.at(-1)).toBe("Can't reach GitHub — retrying");
    expect(h.windows[0]!.sent.at(-1)).toEqual([STATUS_EVENT, next]);

    const e2e = (globalThis as unknown as { __e2e: { state(): RelayStatus; webPreferences: object } }).__e2e;
    expect(e2e.state()).toBe(next);
    expect(e2e.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
  });
});
