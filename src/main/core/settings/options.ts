// Electron-free on purpose: the same options open the file with electron-store (app) and conf (tests).
import type Conf from 'conf';
import { relayHome } from '../config/paths.js';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMA, SETTINGS_VERSION } from './schema.js';
import type { Settings } from './schema.js';

type MigrationStore = { has(key: string): boolean; get(key: string): unknown; set(key: string, value: unknown): void; delete(key: string): void };

/**
 * Hand-written migrations, keyed by the SETTINGS_VERSION that introduced them (conf runs the ones
 * between the stored version and SETTINGS_VERSION). Each must be idempotent: the app and the CLI
 * share the file.
 */
export const SETTINGS_MIGRATIONS: Record<string, (store: MigrationStore) => void> = {
  // Pre-1.0 builds stored the tenant as `enterpriseHost` and the key toggle as `apiKey`.
  '1.0.0': (store) => {
    if (store.has('enterpriseHost')) {
      const host = store.get('enterpriseHost');
      if (!store.has('enterprise') || store.get('enterprise') === null) store.set('enterprise', typeof host === 'string' && host ? host : null);
      store.delete('enterpriseHost');
    }
    if (store.has('apiKey')) {
      const on = store.get('apiKey');
      if (typeof on === 'boolean') store.set('apiKeyEnabled', on);
      store.delete('apiKey');
    }
  },
};

// conf's exported Options wants an index signature the Settings interface (rightly) lacks; take the
// type from the constructor instead, which accepts Conf<Settings>.
type SettingsOptions = NonNullable<ConstructorParameters<typeof Conf<Settings>>[0]>;

/** conf options for the shared settings file (`<relayHome>/config.json`). */
export function settingsConfOptions(env: NodeJS.ProcessEnv = process.env): SettingsOptions {
  return {
    cwd: relayHome(env),
    configName: 'config',
    projectVersion: SETTINGS_VERSION,
    schema: SETTINGS_SCHEMA,
    defaults: SETTINGS_DEFAULTS,
    migrations: SETTINGS_MIGRATIONS as unknown as NonNullable<SettingsOptions['migrations']>,
    clearInvalidConfig: false,
  };
}
