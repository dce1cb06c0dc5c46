import Conf from 'conf';
import { relayHome } from '../config/paths.js';
import { RelayError } from '../errors.js';
import type { Settings } from './schema.js';
import { SETTINGS_DEFAULTS } from './schema.js';
// The one definition of the file's options and migrations, shared with the tray app (Electron-free).
import { settingsConfOptions } from './options.js';

export interface SettingsStore {
  get<K extends keyof Settings>(key: K): Settings[K];
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  all(): Settings;
  readonly path: string;
}

function configError(error: unknown, where: string): RelayError {
  const message = error instanceof Error ? error.message : String(error);
  return new RelayError('config', `The settings file is invalid (${message}).`, { fix: `Fix or delete ${where}.`, cause: error });
}

/** The CLI's settings (conf): same file, schema and migrations as the tray app (`config.json` under COPILOT_RELAY_HOME). */
export function openSettings(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SettingsStore {
  const cwd = options.cwd ?? relayHome(options.env);
  let conf: Conf<Settings>;
  try {
    conf = new Conf<Settings>({ ...settingsConfOptions(options.env), cwd, projectName: 'copilot-relay', projectSuffix: '', clearInvalidConfig: false });
  } catch (error) {
    throw configError(error, `${cwd}/config.json`);
  }
  return {
    path: conf.path,
    get: (key) => conf.get(key),
    set: (key, value) => {
      try {
        conf.set(key, value);
      } catch (error) {
        throw new RelayError('config', `Invalid value for setting ${String(key)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
    all: () => {
      const out = { ...SETTINGS_DEFAULTS };
      for (const key of Object.keys(SETTINGS_DEFAULTS) as (keyof Settings)[]) (out as Record<string, unknown>)[key] = conf.get(key);
      return out;
    },
  };
}
