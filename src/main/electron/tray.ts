import { Menu, Tray } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { RelayStatus } from '../../shared/status.js';
import { buildTrayTemplate, statusLine, trayIconState } from '../core/tray-menu/tray-template.js';
import type { TrayActionId, TrayItem, TrayOptions } from '../core/tray-menu/tray-template.js';
import type { AppActions } from './actions.js';

type TrayActions = Pick<
  AppActions,
  'signIn' | 'copyUserCode' | 'openVerificationUri' | 'cancelSignIn' | 'copyUrl' | 'copyApiKey' | 'refreshNow' | 'toggleAutostart' | 'showWindow' | 'showActivity' | 'openLog' | 'signOut' | 'quit'
>;

/** What each menu id does. Results land in the status (errors) or the clipboard. */
export function trayClickHandlers(actions: TrayActions): Record<TrayActionId, () => unknown> {
  return {
    'sign-in': () => actions.signIn(),
    'fix-sign-in-again': () => actions.signIn(),
    'copy-code': () => actions.copyUserCode(),
    'open-verification': () => actions.openVerificationUri(),
    'cancel-sign-in': () => actions.cancelSignIn(),
    'copy-url': () => actions.copyUrl(),
    'copy-api-key': () => actions.copyApiKey(),
    'refresh-now': () => actions.refreshNow(),
    'fix-retry-now': () => actions.refreshNow(),
    'toggle-autostart': () => actions.toggleAutostart(),
    'show-window': () => actions.showWindow(),
    'fix-show-window': () => actions.showWindow(),
    'show-activity': () => actions.showActivity(),
    'open-log': () => actions.openLog(),
    'sign-out': () => actions.signOut(),
    quit: () => actions.quit(),
  };
}

/** Plain descriptors → Electron menu template, with click handlers attached by id. */
export function toMenuTemplate(items: TrayItem[], handlers: Record<TrayActionId, () => unknown>): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' };
    const handler = (handlers as Record<string, (() => unknown) | undefined>)[item.id];
    return {
      id: item.id,
      type: item.type,
      label: item.label,
      enabled: item.enabled,
      ...(item.type === 'checkbox' ? { checked: item.checked } : {}),
      ...(handler ? { click: () => void Promise.resolve(handler()).catch(() => undefined) } : {}),
    };
  });
}

/**
 * The tray icon. Kept by the caller for the app's lifetime (a collected Tray vanishes). Linux
 * ignores in-place MenuItem changes, so `update` always installs a freshly built menu.
 */
export function createTray(deps: {
  iconPath: (state: ReturnType<typeof trayIconState>) => string;
  actions: TrayActions;
  options: () => Omit<TrayOptions, 'now'>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const handlers = trayClickHandlers(deps.actions);
  let iconState: string | null = null;
  const tray = new Tray(deps.iconPath('signed-out'));
  let menu: Menu | null = null;

  function update(status: RelayStatus): void {
    const template = buildTrayTemplate(status, { ...deps.options(), now: now() });
    menu = Menu.buildFromTemplate(toMenuTemplate(template, handlers));
    tray.setContextMenu(menu);
    tray.setToolTip(statusLine(status, now()));
    const next = trayIconState(status, now());
    if (next !== iconState) {
      iconState = next;
      tray.setImage(deps.iconPath(next));
    }
  }

  return { tray, update, menu: () => menu, destroy: () => tray.destroy() };
}
