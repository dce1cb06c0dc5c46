import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Copilot Relay';

/**
 * The data dir: settings, logs and the opt-in credential file. `COPILOT_RELAY_HOME` wins; otherwise
 * the same folder Electron uses for userData, so the tray app and the CLI share one config.
 */
export function relayHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.COPILOT_RELAY_HOME) return env.COPILOT_RELAY_HOME;
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}
