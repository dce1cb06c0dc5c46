import type { App } from 'electron';

/**
 * One instance only: a second launch would add a second tray icon and fight over port 4141.
 * Returns false when another instance owns the lock (this one must quit); otherwise a second
 * launch, and on macOS re-opening the app (`activate`: Dock/Finder/Spotlight), calls `show`.
 */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, show: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => show());
  app.on('activate', () => show());
  return true;
}

/**
 * Tray-app lifecycle: closing the window never quits (the empty `window-all-closed` handler stops
 * Electron's default), `before-quit` sets the flag the window's close handler checks, and the
 * first quit waits for the service to stop gracefully before really exiting.
 */
export function manageQuit(app: Pick<App, 'on' | 'quit'>, shutdown: () => Promise<void>) {
  let quitting = false;
  let shutDown = false;
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutDown) return;
    event.preventDefault();
    void shutdown()
      .catch(() => undefined)
      .finally(() => {
        shutDown = true;
        app.quit();
      });
  });
  return { isQuitting: () => quitting, quit: () => app.quit() };
}

/**
 * Whether the status window opens at launch. macOS: a menu-bar app (LSUIElement) lives in the
 * tray; it opens its window only the very first time, to say where it went (login items can't pass
 * --hidden there). Windows and Linux: unless started with --hidden (the login item's argument).
 */
export function showWindowAtLaunch(options: { platform: NodeJS.Platform; argv: readonly string[]; firstRun: boolean }): boolean {
  if (options.platform === 'darwin') return options.firstRun;
  return options.firstRun || !options.argv.includes('--hidden');
}
