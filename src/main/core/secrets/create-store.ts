import type { Logger } from '../log/logger.js';
import { FileSecretStore } from './file-store.js';
import { KeytarSecretStore } from './keytar-store.js';
import type { SecretStore } from './secret-store.js';

/** Picks the credential store: the OS keychain by default, the 0600 file only when opted in. */
export function createSecretStore(options: { insecureStorage: boolean; home: string; logger: Logger }): SecretStore {
  return options.insecureStorage ? new FileSecretStore(options.home, options.logger) : new KeytarSecretStore();
}
