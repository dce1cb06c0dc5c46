import { BrowserWindow } from 'electron';
import type { App, BrowserWindowConstructorOptions, Rectangle, Session, WebContents } from 'electron';

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

export interface WindowPosition {
  x: number;
  y: number;
}

/** A remembered position, when it still lies on a display (a monitor may have gone since). */
export function usablePosition(position: WindowPosition | null, workAreas: Rectangle[], size = { width: 380, height: 520 }): WindowPosition | null {
  if (!position) return null;
  const fits = workAreas.some((area) => position.x >= area.x && position.y >= area.y && position.x + size.width <= area.x + area.width && position.y + size.height <= area.y + area.height);
  return fits ? position : null;
}

/**
 * Creates the (hidden) status window, where it was last (if that is still on screen). Closing
 * hides it unless the app is quitting, so the tray app keeps running; quitting only happens from
 * the tray menu. Its position is reported on every hide (main keeps it in its UI state).
 */
export function createStatusWindow(options: {
  preloadPath: string;
  pageFile: string;
  isQuitting: () => boolean;
  position?: WindowPosition | null;
  onHide?: (position: WindowPosition) => void;
}): BrowserWindow {
  const window = new BrowserWindow({ ...statusWindowOptions(options.preloadPath), ...(options.position ?? {}) });
  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });
  window.on('hide', () => {
    const [x, y] = window.getPosition();
    if (x !== undefined && y !== undefined) options.onHide?.({ x, y });
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
