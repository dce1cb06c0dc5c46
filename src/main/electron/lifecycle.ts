import type { App } from 'electron';

/**
 * One instance only: a second launch would add a second tray icon and fight over port 4141.
 * Returns false when another instance owns the lock (this one must quit); otherwise a second
 * launch calls `onSecondInstance` (show the window).
 */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  return true;
}

/**
 * Tray-app lifecycle: closing the window never quits (the empty `window-all-closed` handler stops
 * Electron's default), `before-quit` sets the flag the window's close handler checks, and the
 * first quit waits for the core to stop the proxy gracefully before really exiting.
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

/** `--hidden` (registered with the login item) starts in the tray without showing the window. */
export function startsHidden(argv: readonly string[]): boolean {
  return argv.includes('--hidden');
}
