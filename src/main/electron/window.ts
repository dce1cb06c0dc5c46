import { BrowserWindow } from 'electron';
import type { App, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { pathToFileURL } from 'node:url';

/** The status window's options. Security flags are explicit even where they are Electron's defaults. */
export function statusWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 380,
    height: 520,
    resizable: false,
    maximizable: false,
    fullscreenable: false,
    // Shown on ready-to-show, so it never flashes blank.
    show: false,
    title: 'Copilot Relay',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      // nodeIntegration: true would silently switch the sandbox off; keep all three explicit.
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      // webSecurity stays at its default (on); no remote content is ever loaded.
      spellcheck: false,
    },
  };
}

/** The exact URL the IPC choke point trusts. */
export function pageUrlFor(pageFile: string): string {
  return pathToFileURL(pageFile).href;
}

/**
 * Creates the (hidden) status window. Closing hides it unless the app is quitting, so the tray app
 * keeps running; quitting only happens from the tray menu.
 */
export function createStatusWindow(options: { preloadPath: string; pageFile: string; isQuitting: () => boolean }): BrowserWindow {
  const window = new BrowserWindow(statusWindowOptions(options.preloadPath));
  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });
  void window.loadFile(options.pageFile);
  return window;
}

/** Shows and focuses the window, once its first paint is ready. */
export function revealWindow(window: BrowserWindow): void {
  const show = () => {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  if (window.webContents.isLoading()) window.once('ready-to-show', show);
  else show();
}

/** Blocks navigation and new windows in every web contents, and denies every permission request. */
export function hardenApp(app: Pick<App, 'on'>, session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  app.on('web-contents-created', (_event: unknown, contents: WebContents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
