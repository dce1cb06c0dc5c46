import Store from 'electron-store';
import type { Options } from 'electron-store';
import { settingsConfOptions } from '../core/settings/options.js';
import type { Settings } from '../core/settings/schema.js';

/**
 * The app's settings: electron-store over the same file, schema, defaults and migrations as the
 * CLI's conf store (`<relayHome>/config.json`). projectVersion is the settings schema version, not
 * the app version, so both shells agree on which migrations have run.
 */
export function openDesktopSettings(env: NodeJS.ProcessEnv = process.env): Store<Settings> {
  const { configName, ...shared } = settingsConfOptions(env);
  // electron-store hides projectVersion from its type but honours it (`options.projectVersion ||= appVersion`).
  return new Store<Settings>({ ...shared, name: configName } as Options<Settings>);
}
