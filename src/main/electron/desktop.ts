import { app, clipboard, ipcMain, powerMonitor, session, shell } from 'electron';
import type { Menu , BrowserWindow} from 'electron';
import { fileURLToPath } from 'node:url';
import type { RelayController } from '../core/controller.js';
import type { Logger } from '../core/log/logger.js';
import { resolveEndpoints } from '../core/config/endpoints.js';
import { STATUS_EVENT } from '../../shared/ipc.js';
import type { RelayStatus } from '../../shared/status.js';
import { createActions } from './actions.js';
import type { SettingsAccess } from './actions.js';
import { trayIconPath } from './icons.js';
import { registerIpcHandlers } from './ipc.js';
import { createLoginItem } from './login-item.js';
import { wirePowerMonitor } from './power.js';
import { createTray } from './tray.js';
import { createStatusWindow, hardenApp, pageUrlFor, revealWindow, statusWindowOptions } from './window.js';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const PRELOAD = `${distDir}preload/index.cjs`;
const PAGE = `${distDir}renderer/index.html`;
const ICONS = `${distDir}icons/tray`;

export interface DesktopOptions {
  controller: RelayController;
  settings: SettingsAccess & { get(key: 'enterprise'): string | null };
  logger: Logger;
  env: NodeJS.ProcessEnv;
  hidden: boolean;
  isQuitting: () => boolean;
  /** Stops the core and quits (the tray's Quit). */
  quit: () => Promise<void>;
}

/** Wires tray, window, IPC and power events to the core. Call after `app.whenReady()`. */
export async function startDesktop(options: DesktopOptions) {
  const { controller, settings, logger, env } = options;
  hardenApp(app, session.defaultSession);
  // Agent app on macOS: no Dock icon (LSUIElement covers packaged builds).
  app.dock?.hide();

  let window: BrowserWindow | null = null;
  const getWindow = () => {
    if (!window || window.isDestroyed()) window = createStatusWindow({ preloadPath: PRELOAD, pageFile: PAGE, isQuitting: options.isQuitting });
    return window;
  };
  const loginItem = createLoginItem({ app, platform: process.platform, env, execPath: process.execPath });
  let latest: RelayStatus = controller.status();
  const actions = createActions({
    controller,
    clipboard,
    shell,
    githubUrl: () => resolveEndpoints({ enterprise: latest.enterprise ?? settings.get('enterprise'), env }).githubUrl,
    settings,
    loginItem,
    showWindow: () => revealWindow(getWindow()),
    hideWindow: () => window?.hide(),
    quit: options.quit,
    onChange: () => tray.update(latest),
    logger,
  });
  await actions.refreshStartAtLogin();

  const tray = createTray({
    iconPath: (state) => trayIconPath(state, process.platform, ICONS),
    actions,
    options: () => ({ startAtLogin: actions.startAtLogin(), startAtLoginAvailable: loginItem.available(), hasApiKey: latest.proxy.apiKeyRequired }),
  });
  tray.update(latest);

  controller.onStatus((status) => {
    latest = status;
    tray.update(status);
    if (window && !window.isDestroyed()) window.webContents.send(STATUS_EVENT, status);
  });
  // The status line says "token valid 24 min": keep the minutes honest between status changes.
  setInterval(() => tray.update(latest), 60_000).unref();
  registerIpcHandlers(ipcMain, { ...actions, getStatus: () => controller.status() }, () => pageUrlFor(PAGE));
  wirePowerMonitor(powerMonitor, controller);

  if (!options.hidden) revealWindow(getWindow());
  await actions.startProxyIfSignedIn();

  if (env.APP_E2E === '1') {
    // Tray menus aren't reachable through the OS in tests: publish them to main-process evaluate().
    (globalThis as { __e2e?: unknown }).__e2e = {
      trayMenu: (): Menu | null => tray.menu(),
      state: (): RelayStatus => controller.status(),
      window: () => window,
      webPreferences: statusWindowOptions(PRELOAD).webPreferences,
    };
  }
  return { actions, tray, showWindow: () => revealWindow(getWindow()) };
}
