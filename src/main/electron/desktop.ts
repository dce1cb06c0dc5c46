import { Notification, app, clipboard, dialog, ipcMain, powerMonitor, screen, session, shell } from 'electron';
import type { BrowserWindow, Menu } from 'electron';
import { fileURLToPath } from 'node:url';
import type { RelayBackend, ServiceClient } from '../core/service-host/client.js';
import type { StartupFailure } from '../core/service-host/contract.js';
import type { Logger } from '../core/log/logger.js';
import { resolveEndpoints } from '../core/config/endpoints.js';
import { ACTIVITY_EVENT, STATUS_EVENT, VIEW_EVENT } from '../../shared/ipc.js';
import type { RelayStatus } from '../../shared/status.js';
import { createActions } from './actions.js';
import { trayIconPath } from './icons.js';
import { registerIpcHandlers } from './ipc.js';
import { showWindowAtLaunch } from './lifecycle.js';
import { createLoginItem } from './login-item.js';
import { APP_USER_MODEL_ID, createNotifier } from './notifications.js';
import { wirePowerMonitor } from './power.js';
import { handleStartupFailure } from './startup-dialogs.js';
import { createTray } from './tray.js';
import { createUsageActions } from './usage-actions.js';
import type { UsageSource } from './usage-actions.js';
import type { UiStateStore } from './ui-state.js';
import { createStatusWindow, hardenApp, revealWindow, statusWindowOptions, usablePosition } from './window.js';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const PRELOAD = `${distDir}preload/index.cjs`;
const PAGE = `${distDir}renderer/index.html`;
const ICONS = `${distDir}icons/tray`;

export interface DesktopOptions {
  /** The relay service's client (its process may still be starting). */
  backend: RelayBackend & Pick<ServiceClient, 'resetSettings' | 'onBudgetWarning'>;
  uiState: UiStateStore;
  logger: Logger;
  logPath: string;
  env: NodeJS.ProcessEnv;
  argv: readonly string[];
  isQuitting: () => boolean;
  /** Stops the service and quits (the tray's Quit). */
  quit: () => Promise<void>;
  /** The usage ledger, limits and budget behind the Activity view (absent: the view says the ledger is unavailable). */
  usage?: UsageSource;
}

/**
 * Main's share of the app: tray, window, IPC, login item, power events, clipboard, dialogs and
 * its own UI state. Everything else it asks the relay service. Call after `app.whenReady()`.
 */
export async function startDesktop(options: DesktopOptions) {
  const { backend, logger, env, uiState } = options;
  hardenApp(app, session.defaultSession);
  // Agent app on macOS: no Dock icon (LSUIElement covers packaged builds).
  app.dock?.hide();
  // Windows shows toasts only for the AppUserModelID of the installer's Start-menu shortcut.
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  let window: BrowserWindow | null = null;
  const getWindow = () => {
    if (!window || window.isDestroyed()) {
      const workAreas = screen.getAllDisplays().map((display) => display.workArea);
      window = createStatusWindow({
        preloadPath: PRELOAD,
        pageFile: PAGE,
        isQuitting: options.isQuitting,
        position: usablePosition(uiState.get('windowPosition'), workAreas),
        onHide: (position) => uiState.set('windowPosition', position),
      });
    }
    return window;
  };
  const showWindow = () => revealWindow(getWindow());
  /** The Activity view: remembered as the last view (a page still loading opens on it), pushed to a loaded one. */
  const showActivity = () => {
    uiState.set('lastView', 'activity');
    const shown = getWindow();
    revealWindow(shown);
    if (!shown.webContents.isLoading()) shown.webContents.send(VIEW_EVENT, 'activity');
  };
  const loginItem = createLoginItem({ app, platform: process.platform, env, execPath: process.execPath });
  let latest: RelayStatus = backend.status();
  const actions = createActions({
    backend,
    clipboard,
    shell,
    githubUrl: () => resolveEndpoints({ enterprise: latest.enterprise, env }).githubUrl,
    loginItem,
    logPath: options.logPath,
    showWindow,
    showActivity,
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

  backend.onStatus((status) => {
    latest = status;
    tray.update(status);
    if (window && !window.isDestroyed()) window.webContents.send(STATUS_EVENT, status);
  });
  // The status line says "token valid 24 min": keep the minutes honest between status changes.
  setInterval(() => tray.update(latest), 60_000).unref();
  const usageActions = createUsageActions({ source: () => options.usage ?? null, clipboard, proxyUrl: () => latest.proxy.url, logger });
  options.usage?.onRecord((row) => {
    if (window && !window.isDestroyed() && window.isVisible()) window.webContents.send(ACTIVITY_EVENT, row);
  });
  registerIpcHandlers(
    ipcMain,
    { ...actions, ...usageActions, getStatus: () => backend.status(), getLastView: () => uiState.get('lastView'), setLastView: (view) => uiState.set('lastView', view) },
    () => window,
  );
  wirePowerMonitor(powerMonitor, backend);
  // The budget's 80 % warning (the service sends it once per period); a click opens the Activity view.
  const notifier = createNotifier({ Notification, onClick: showActivity, logger });
  backend.onBudgetWarning((notice) => notifier.show(notice));

  const firstRun = !uiState.get('firstRunDone');
  if (showWindowAtLaunch({ platform: process.platform, argv: options.argv, firstRun })) showWindow();
  if (firstRun) uiState.set('firstRunDone', true);

  if (env.APP_E2E === '1') {
    // Tray menus aren't reachable through the OS in tests: publish them to main-process evaluate().
    (globalThis as { __e2e?: unknown }).__e2e = {
      trayMenu: (): Menu | null => tray.menu(),
      state: (): RelayStatus => backend.status(),
      window: () => window,
      webPreferences: statusWindowOptions(PRELOAD).webPreferences,
    };
  }

  /** The service could not start: a dialog with the reason (and a reset for a damaged settings file). */
  const onStartupFailed = (failure: StartupFailure) =>
    handleStartupFailure(failure, { dialog, reset: () => backend.resetSettings(), openLog: () => void actions.openLog(), quit: () => void options.quit(), logger });

  return { actions, tray, showWindow, onStartupFailed };
}
