import { describe, it, expect, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { readyStatus, signedOutStatus, signingInStatus, errorStatus } from '../../../e2e/support/status-fixtures.js';

const trays: FakeTray[] = [];
class FakeTray {
  menu: { items: MenuItemConstructorOptions[] } | null = null;
  tooltip = '';
  images: string[] = [];
  constructor(image: string) {
    this.images.push(image);
    trays.push(this);
  }
  setContextMenu(menu: { items: MenuItemConstructorOptions[] }) {
    this.menu = menu;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setImage(image: string) {
    this.images.push(image);
  }
  destroy() {}
}

vi.mock('electron', () => ({
  Tray: FakeTray,
  Menu: { buildFromTemplate: (items: MenuItemConstructorOptions[]) => ({ items }) },
}));

const { createTray, trayClickHandlers } = await import('./tray.js');
const { trayIconPath } = await import('./icons.js');

function fakeActions() {
  return {
    signIn: vi.fn(async () => ({ ok: true })),
    copyUserCode: vi.fn(async () => ({ ok: true })),
    openVerificationUri: vi.fn(async () => ({ ok: true })),
    cancelSignIn: vi.fn(),
    copyUrl: vi.fn(async () => ({ ok: true })),
    copyApiKey: vi.fn(async () => ({ ok: true })),
    refreshNow: vi.fn(async () => ({ ok: true })),
    toggleAutostart: vi.fn(async () => true),
    showWindow: vi.fn(),
    showActivity: vi.fn(),
    openLog: vi.fn(async () => ({ ok: true })),
    signOut: vi.fn(async () => ({ ok: true })),
    quit: vi.fn(async () => undefined),
  };
}

function click(tray: FakeTray, id: string) {
  const item = tray.menu!.items.find((i) => i.id === id);
  expect(item, id).toBeDefined();
  (item!.click as () => void)();
}

describe('tray', () => {
  it('rebuilds the menu, tooltip and icon on every status change', () => {
    const actions = fakeActions();
    const t = createTray({ iconPath: (s) => trayIconPath(s, 'linux', '/icons'), actions, options: () => ({ startAtLogin: true, startAtLoginAvailable: true, hasApiKey: false }) });
    const tray = trays.at(-1)!;
    t.update(signedOutStatus());
    const first = tray.menu;
    expect(tray.tooltip).toBe('Copilot Relay — not signed in');
    expect(tray.menu!.items.find((i) => i.id === 'toggle-autostart')).toMatchObject({ type: 'checkbox', checked: true });
    t.update(readyStatus());
    expect(tray.menu).not.toBe(first);
    expect(tray.tooltip).toMatch(/^octocat · Copilot Pro · token valid/);
    t.update(errorStatus('network', 'down'));
    expect(tray.images).toEqual(['/icons/signed-out.png', '/icons/signed-out.png', '/icons/ready.png', '/icons/error.png']);
  });

  it('menu clicks call the right actions', async () => {
    const actions = fakeActions();
    const t = createTray({ iconPath: () => 'x.png', actions, options: () => ({ startAtLogin: false, startAtLoginAvailable: true, hasApiKey: true }) });
    const tray = trays.at(-1)!;
    t.update(signedOutStatus());
    click(tray, 'sign-in');
    expect(actions.signIn).toHaveBeenCalled();
    click(tray, 'toggle-autostart');
    expect(actions.toggleAutostart).toHaveBeenCalled();
    click(tray, 'show-window');
    expect(actions.showWindow).toHaveBeenCalled();
    click(tray, 'show-activity');
    expect(actions.showActivity).toHaveBeenCalled();
    click(tray, 'open-log');
    expect(actions.openLog).toHaveBeenCalled();

    t.update(signingInStatus());
    click(tray, 'copy-code');
    click(tray, 'open-verification');
    click(tray, 'cancel-sign-in');
    expect(actions.copyUserCode).toHaveBeenCalled();
    expect(actions.openVerificationUri).toHaveBeenCalled();
    expect(actions.cancelSignIn).toHaveBeenCalled();

    t.update(readyStatus());
    click(tray, 'copy-url');
    click(tray, 'copy-api-key');
    click(tray, 'refresh-now');
    click(tray, 'sign-out');
    click(tray, 'quit');
    expect(actions.copyUrl).toHaveBeenCalled();
    expect(actions.copyApiKey).toHaveBeenCalled();
    expect(actions.refreshNow).toHaveBeenCalledTimes(1);
    expect(actions.signOut).toHaveBeenCalled();
    expect(actions.quit).toHaveBeenCalled();

    t.update(errorStatus('network', 'down'));
    click(tray, 'fix-retry-now');
    expect(actions.refreshNow).toHaveBeenCalledTimes(2);
    t.update(errorStatus('token-revoked', 'revoked'));
    click(tray, 'fix-sign-in-again');
    expect(actions.signIn).toHaveBeenCalledTimes(2);
  });

  it('has a handler for every action id and none for the info lines', () => {
    const handlers = trayClickHandlers(fakeActions());
    expect(Object.keys(handlers)).toHaveLength(16);
    expect(handlers).not.toHaveProperty('status-line');
  });

  it('picks template icons on macOS and colour PNGs elsewhere', () => {
    expect(trayIconPath('ready', 'darwin', '/i')).toBe('/i/readyTemplate.png');
    expect(trayIconPath('error', 'win32', '/i')).toBe('/i/error.ico');
    expect(trayIconPath('error', 'linux', '/i')).toBe('/i/error.png');
  });
});
