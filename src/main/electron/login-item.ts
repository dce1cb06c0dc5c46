import type { App } from 'electron';
import { autostartExec, defaultConfigHome, isAutostartEnabled, setAutostart } from '../core/autostart/desktop-entry.js';

/** Start at login, read back from the OS every time (the checkbox shows the real state). */
export interface LoginItem {
  /** False where the OS can't honour it (unpackaged dev run on macOS). */
  available(): boolean;
  get(): Promise<boolean>;
  set(enabled: boolean): Promise<boolean>;
}

/** `openAsHidden` is gone since Electron 44: we pass --hidden and honour it at startup. */
export const LOGIN_ARGS = ['--hidden'];

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
  // Windows reads the state per (path, args): ask with exactly what we registered.
  const query = platform === 'win32' ? { path: execPath, args: LOGIN_ARGS } : { args: LOGIN_ARGS };
  const available = () => (platform === 'darwin' ? app.isPackaged : platform === 'win32');
  return {
    available,
    get: async () => (available() ? app.getLoginItemSettings(query).openAtLogin : false),
    set: async (enabled) => {
      if (!available()) return false;
      app.setLoginItemSettings({ openAtLogin: enabled, ...query });
      return app.getLoginItemSettings(query).openAtLogin;
    },
  };
}
