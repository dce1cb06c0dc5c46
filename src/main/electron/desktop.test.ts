import { EventEmitter } from 'node:events';
import { describe, it, expect, vi, beforeEach } from 'vitest';
import type { RelayStatus } from '../../shared/status.js';
import { createMemoryLogger } from '../core/log/logger.js';
import { IPC, STATUS_EVENT, VIEW_EVENT } from '../../shared/ipc.js';
import { noUsageStatus } from '../../shared/usage.js';
import { ServiceClient } from '../core/service-host/client.js';
import type { ServiceProcess } from '../core/service-host/client.js';
import type { RequestMessage } from '../core/service-host/contract.js';
import { readyStatus, errorStatus, signedOutStatus } from '../../../e2e/support/status-fixtures.js';

// Electron as electron.d.ts documents it, reduced to what main touches: a window's webContents
// with its mainFrame (WebFrameMain: processId, routingId), ipcMain.handle(channel, (event, ...args)),
// powerMonitor events, dialog.showMessageBox resolving { response }, screen.getAllDisplays()[].workArea.
const h = vi.hoisted(() => ({
  appHandlers: new Map<string, (...a: unknown[]) => void>(),
  ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  powerHandlers: new Map<string, () => void>(),
  windows: [] as { sent: unknown[][]; shown: number; webContents: { mainFrame: { processId: number; routingId: number } } }[],
  trays: [] as { menus: { items: { id?: string; click?: () => void }[] }[]; tooltips: string[] }[],
  dialogs: [] as { buttons?: string[]; message: string; detail?: string }[],
  dialogResponse: 0,
  opened: [] as string[],
  dockHidden: 0,
  notifications: [] as { options: { title?: string; body?: string }; shown: number; handlers: Map<string, (...a: unknown[]) => void> }[],
  trayImages: [] as string[],
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
  ipcMain: { handle: (c: string, fn: (event: unknown, ...args: unknown[]) => unknown) => h.ipcHandlers.set(c, fn), removeHandler: (c: string) => h.ipcHandlers.delete(c) },
  powerMonitor: { on: (n: string, fn: () => void) => h.powerHandlers.set(n, fn), removeListener: vi.fn() },
  clipboard: { writeText: vi.fn(async () => undefined) },
  shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async (path: string) => (h.opened.push(path), '')) },
  dialog: { showMessageBox: vi.fn(async (options: { buttons?: string[]; message: string; detail?: string }) => (h.dialogs.push(options), { response: h.dialogResponse, checkboxChecked: false })) },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
  // Main-process Notification: constructed, then shown by show(); isSupported() is static.
  Notification: class {
    static isSupported = () => true;
    record: (typeof h.notifications)[number];
    constructor(options: { title?: string; body?: string }) {
      this.record = { options, shown: 0, handlers: new Map() };
      h.notifications.push(this.record);
    }
    on(event: string, listener: (...a: unknown[]) => void) {
      this.record.handlers.set(event, listener);
      return this;
    }
    show() {
      this.record.shown += 1;
    }
  },
  Tray: class {
    record = { menus: [] as { items: { id?: string; click?: () => void }[] }[], tooltips: [] as string[] };
    constructor() {
      h.trays.push(this.record);
    }
    setContextMenu(m: { items: { id?: string; click?: () => void }[] }) {
      this.record.menus.push(m);
    }
    setToolTip(t: string) {
      this.record.tooltips.push(t);
    }
    setImage(path: string) {
      h.trayImages.push(path);
    }
    destroy() {}
  },
  BrowserWindow: class {
    record: (typeof h.windows)[number];
    webContents: { send: (...a: unknown[]) => void; isLoading: () => boolean; mainFrame: { processId: number; routingId: number } };
    once() {
      return this;
    }
    constructor() {
      const mainFrame = { processId: 3, routingId: 1 };
      this.record = { sent: [], shown: 0, webContents: { mainFrame } };
      this.webContents = { send: (...a: unknown[]) => void this.record.sent.push(a), isLoading: () => false, mainFrame };
      this.record.webContents = this.webContents;
      h.windows.push(this.record);
    }
    on() {
      return this;
    }
    loadFile = async () => undefined;
    isDestroyed = () => false;
    isMinimized = () => false;
    getPosition = () => [10, 10];
    show = () => void (this.record.shown += 1);
    focus() {}
    hide() {}
  },
}));

const { startDesktop } = await import('./desktop.js');

/** The service process speaking the contract: records requests; the test answers and emits. */
class ContractProcess implements ServiceProcess {
  readonly sent: RequestMessage[] = [];
  private readonly events = new EventEmitter();
  send(message: RequestMessage): void {
    this.sent.push(message);
    const answer = this.answers[message.method];
    if (answer !== undefined) queueMicrotask(() => this.say({ type: 'response', id: message.id, ok: true, result: answer }));
  }
  answers: Partial<Record<RequestMessage['method'], unknown>> = { getSettings: { port: 4141, apiKeyEnabled: false }, checkNow: null, refreshNow: null, resetSettings: { backup: '/home/x/config.json.bak' } };
  onMessage(listener: (raw: unknown) => void): void {
    this.events.on('message', listener);
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.events.once('exit', listener);
  }
  kill(): void {}
  say(message: unknown): void {
    this.events.emit('message', message);
  }
  methods(): string[] {
    return this.sent.map((m) => m.method);
  }
}

function uiState(initial: Record<string, unknown> = {}) {
  const values: Record<string, unknown> = { windowPosition: null, lastView: 'status', firstRunDone: false, ...initial };
  return { values, get: (k: string) => values[k], set: (k: string, v: unknown) => void (values[k] = v) } as never as { values: Record<string, unknown>; get: (k: string) => never; set: (k: string, v: unknown) => void };
}

async function boot(options: { argv?: string[]; ui?: ReturnType<typeof uiState> } = {}) {
  const proc = new ContractProcess();
  const backend = new ServiceClient({ spawn: () => proc, logger: createMemoryLogger() });
  const ui = options.ui ?? uiState();
  const desktop = await startDesktop({
    backend,
    uiState: ui as never,
    logger: createMemoryLogger(),
    logPath: '/logs/copilot-relay.log',
    env: { APP_E2E: '1', HOME: '/nonexistent-home' },
    argv: options.argv ?? ['electron', 'dist/main/index.js'],
    isQuitting: () => false,
    quit: async () => undefined,
  });
  const started = backend.start();
  proc.say({ type: 'event', event: 'ready', status: readyStatus() });
  await started;
  return { proc, backend, desktop, ui };
}

const tray = () => h.trays.at(-1)!;
const click = (id: string) => tray().menus.at(-1)!.items.find((i) => i.id === id)!.click!();

beforeEach(() => {
  h.windows.length = 0;
  h.dialogs.length = 0;
  h.ipcHandlers.clear();
});

describe('main over the service contract (electron mocked)', () => {
  it('first run: hides the Dock icon, shows the window, wires IPC; status events reach tray and window', async () => {
    const { proc, ui } = await boot();
    expect(h.dockHidden).toBeGreaterThan(0);
    expect([...h.ipcHandlers.keys()].sort()).toEqual(Object.values(IPC).sort());
    expect(h.appHandlers.has('web-contents-created')).toBe(true);
    expect(h.windows[0]!.shown).toBe(1);
    expect(ui.values.firstRunDone).toBe(true);
    const next: RelayStatus = errorStatus('network', 'fetch failed');
    proc.say({ type: 'event', event: 'status', status: next });
    expect(tray().tooltips.at(-1)).toBe("Can't reach GitHub — retrying");
    expect(h.windows[0]!.sent.at(-1)).toEqual([STATUS_EVENT, { ...next, service: { state: 'running', restarts: 0, lastExit: null } }]);
    // A status out of contract changes nothing.
    proc.say({ type: 'event', event: 'status', status: { ...signedOutStatus(), phase: 'pwned' } });
    expect(tray().tooltips.at(-1)).toBe("Can't reach GitHub — retrying");
    const e2e = (globalThis as unknown as { __e2e: { state(): RelayStatus; webPreferences: object } }).__e2e;
    expect(e2e.state().phase).toBe('error');
    expect(e2e.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
  });

  it('tray clicks, power events and window IPC become requests of the contract', async () => {
    const { proc } = await boot();
    click('refresh-now');
    h.powerHandlers.get('resume')!();
    h.powerHandlers.get('unlock-screen')!();
    await vi.waitFor(() => expect(proc.methods()).toEqual(['refreshNow', 'checkNow', 'checkNow']));
    const window = h.windows[0]!;
    const ours = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
    await expect(h.ipcHandlers.get(IPC.getSettings)!(ours)).resolves.toEqual({ port: 4141, apiKeyEnabled: false, startAtLogin: false, startAtLoginAvailable: true });
    expect(proc.methods().at(-1)).toBe('getSettings');
    expect(() => h.ipcHandlers.get(IPC.refreshNow)!({ sender: {}, senderFrame: window.webContents.mainFrame })).toThrow(/untrusted/);
    click('open-log');
    expect(h.opened).toContain('/logs/copilot-relay.log');
    // The window's last view is main's own UI state: no request to the service.
    const before = proc.sent.length;
    await h.ipcHandlers.get(IPC.setLastView)!(ours, 'activity');
    expect(await h.ipcHandlers.get(IPC.getLastView)!(ours)).toBe('activity');
    expect(proc.sent).toHaveLength(before);
  });

  it('not the first run and started --hidden: the window stays hidden', async () => {
    await boot({ argv: ['electron', 'dist/main/index.js', '--hidden'], ui: uiState({ firstRunDone: true }) });
    expect(h.windows).toHaveLength(0);
  });

  it('a settings file the service cannot use: a dialog offers the reset (with a backup), which asks the service', async () => {
    const { proc, desktop } = await boot();
    h.dialogResponse = 0;
    await desktop.onStartupFailed({ kind: 'config', message: 'The settings file /home/x/config.json is not valid JSON.', fix: null, desktopFix: null, settingsFile: '/home/x/config.json' });
    expect(h.dialogs.at(-1)).toMatchObject({ message: "Copilot Relay can't use its settings file", buttons: ['Reset to defaults', 'Quit'] });
    expect(h.dialogs.at(-1)!.detail).toContain('/home/x/config.json');
    expect(proc.methods().at(-1)).toBe('resetSettings');
    await desktop.onStartupFailed({ kind: 'config', message: 'Could not read the extra CA certificates file /etc/corp-ca.pem.', fix: null, desktopFix: null, settingsFile: null });
    expect(h.dialogs.at(-1)).toMatchObject({ message: "Copilot Relay can't start", detail: 'Could not read the extra CA certificates file /etc/corp-ca.pem.', buttons: ['Open log', 'Quit'] });
    expect(h.opened.at(-1)).toBe('/logs/copilot-relay.log');
  });

  it("the tray's Activity… and the budget notification's click show the window on the Activity view", async () => {
    const { proc, ui } = await boot();
    const window = h.windows[0]!;
    click('show-activity');
    expect(ui.values.lastView).toBe('activity');
    expect(window.sent.at(-1)).toEqual([VIEW_EVENT, 'activity']);
    expect(window.shown).toBe(2);
    ui.values.lastView = 'status';

    const notice = { title: 'Copilot Relay: 80 % of your budget used', body: '40 of 50 AI credits used today. At 50 the relay stops sending requests until 00:00.' };
    proc.say({ type: 'event', event: 'budget-warning', notice });
    expect(h.notifications).toHaveLength(1);
    expect(h.notifications[0]).toMatchObject({ options: notice, shown: 1 });
    h.notifications[0]!.handlers.get('click')!({});
    expect(ui.values.lastView).toBe('activity');
    expect(window.shown).toBe(3);
    // Out of contract: no notification.
    proc.say({ type: 'event', event: 'budget-warning', notice: { title: 42 } });
    expect(h.notifications).toHaveLength(1);
  });

  it('a reached Copilot limit turns the tray to its rate-limited icon, naming the limit and the reset', async () => {
    const { proc } = await boot();
    const resetsAt = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const limit = { name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt, reached: true };
    proc.say({ type: 'event', event: 'status', status: readyStatus({ expiresAt: Date.now() + 20 * 60_000, usage: { ...noUsageStatus(), rateLimits: [limit], rateLimited: { ...limit, line: 'Weekly limit reached — resets 17:00' } } }) });
    expect(tray().tooltips.at(-1)).toMatch(/^Weekly limit reached — resets (\w{3} )?\d\d:\d\d$/);
    expect(h.trayImages.at(-1)).toMatch(/rate-limited\.png$/);
    expect(tray().menus.at(-1)!.items.map((i) => i.id)).toContain('show-activity');
    proc.say({ type: 'event', event: 'status', status: readyStatus({ expiresAt: Date.now() + 20 * 60_000 }) });
    expect(h.trayImages.at(-1)).toMatch(/ready\.png$/);
  });
});
