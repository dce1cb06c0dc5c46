import Conf from 'conf';
import { relayHome } from '../config/paths.js';
import { RelayError } from '../errors.js';
import type { Settings } from './schema.js';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMA, SETTINGS_VERSION } from './schema.js';

export interface SettingsStore {
  get<K extends keyof Settings>(key: K): Settings[K];
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  all(): Settings;
  readonly path: string;
}

/** Migrations by version, run by conf in semver order; the same map the Electron shell passes to electron-store. */
export const SETTINGS_MIGRATIONS: Record<string, (store: { set(key: string, value: unknown): void; has(key: string): boolean }) => void> = {
  '1.0.0': (store) => {
    // First schema: nothing to convert, only make sure every key exists.
    for (const [key, value] of Object.entries(SETTINGS_DEFAULTS)) if (!store.has(key)) store.set(key, value);
  },
};

function configError(error: unknown, where: string): RelayError {
  const message = error instanceof Error ? error.message : String(error);
  return new RelayError('config', `The settings file is invalid (${message}).`, { fix: `Fix or delete ${where}.`, cause: error });
}

/** The CLI's settings (conf): same file, schema and migrations as the tray app (`config.json` under COPILOT_RELAY_HOME). */
export function openSettings(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SettingsStore {
  const cwd = options.cwd ?? relayHome(options.env);
  let conf: Conf<Settings>;
  try {
    conf = new Conf<Settings>({
      cwd,
      configName: 'config',
      projectName: 'copilot-relay',
      projectSuffix: '',
      projectVersion: SETTINGS_VERSION,
      schema: SETTINGS_SCHEMA,
      defaults: SETTINGS_DEFAULTS,
      migrations: SETTINGS_MIGRATIONS as never,
      clearInvalidConfig: false,
    });
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
    all: () => ({ ...SETTINGS_DEFAULTS, ...conf.store }),
  };
}
