import type { App } from 'electron';
import { autostartExec, defaultConfigHome, isAutostartEnabled, setAutostart } from '../core/autostart/desktop-entry.js';

/** Start at login, read back from the OS every time (the checkbox shows the real state). */
export interface LoginItem {
  /** False where the OS can't honour it (unpackaged dev run on macOS). */
  available(): boolean;
  get(): Promise<boolean>;
  set(enabled: boolean): Promise<boolean>;
}

/** Passed on Windows (registry Run key) and Linux (XDG Exec line): start in the tray, window hidden. */
export const LOGIN_ARGS = ['--hidden'];

/**
 * One branch per OS, each with only the options Electron 45 documents for it (electron.d.ts,
 * `Settings` / `LoginItemSettingsOptions`):
 * - macOS: `openAtLogin` only. `path` and `args` are Windows-only, and `openAsHidden` is gone (44);
 *   the app is a menu-bar agent (LSUIElement) that never opens its window at launch except on the
 *   first run, so nothing needs passing. Unpackaged builds can't register (unsigned bundle).
 * - Windows: `openAtLogin`, `path` and `args` — and the getter must get the same `path` and `args`
 *   or it reads another entry.
 * - Linux: Electron does nothing there; our own XDG autostart file (`Exec=… --hidden`).
 */
export function createLoginItem(deps: {
  app: Pick<App, 'isPackaged' | 'getLoginItemSettings' | 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  execPath: string;
}): LoginItem {
  const { app, platform, env, execPath } = deps;
  if (platform === 'linux') {
    const configHome = defaultConfigHome(env);
    const entry = { exec: autostartExec(env, execPath), args: LOGIN_ARGS };
    return {
      available: () => true,
      get: () => isAutostartEnabled(configHome),
      set: (enabled) => setAutostart(configHome, enabled, entry),
    };
  }
  if (platform === 'win32') {
    const query = { path: execPath, args: LOGIN_ARGS };
    return {
      available: () => true,
      get: async () => app.getLoginItemSettings(query).openAtLogin,
      set: async (enabled) => {
        app.setLoginItemSettings({ openAtLogin: enabled, ...query });
        return app.getLoginItemSettings(query).openAtLogin;
      },
    };
  }
  if (platform === 'darwin') {
    return {
      available: () => app.isPackaged,
      get: async () => (app.isPackaged ? app.getLoginItemSettings().openAtLogin : false),
      set: async (enabled) => {
        if (!app.isPackaged) return false;
        app.setLoginItemSettings({ openAtLogin: enabled });
        return app.getLoginItemSettings().openAtLogin;
      },
    };
  }
  return { available: () => false, get: async () => false, set: async () => false };
}
