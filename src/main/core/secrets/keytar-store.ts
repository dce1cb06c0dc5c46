import { createRequire } from 'node:module';
import { RelayError } from '../errors.js';
import { SECRET_SERVICE } from './secret-store.js';
import type { SecretStore } from './secret-store.js';

interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

const FIX = 'Start a keychain (Secret Service such as gnome-keyring), or opt in to a 0600 file with `--insecure-storage`.';

function unavailable(cause: unknown): RelayError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new RelayError('keychain-unavailable', `No system keychain available (${detail}).`, { fix: FIX, cause });
}

/**
 * The OS keychain through keytar (service `copilot-relay`, account = GitHub host). keytar is
 * loaded lazily so a missing native module or libsecret only fails when credentials are touched,
 * and every failure to reach the Secret Service becomes 'keychain-unavailable' naming the fallback.
 */
export class KeytarSecretStore implements SecretStore {
  private api: KeytarApi | null = null;

  constructor(private readonly service = SECRET_SERVICE, private readonly load: () => KeytarApi = defaultLoad) {}

  private keytar(): KeytarApi {
    if (!this.api) {
      try {
        this.api = this.load();
      } catch (error) {
        throw unavailable(error);
      }
    }
    return this.api;
  }

  async get(account: string): Promise<string | null> {
    try {
      return await this.keytar().getPassword(this.service, account);
    } catch (error) {
      throw error instanceof RelayError ? error : unavailable(error);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    try {
      await this.keytar().setPassword(this.service, account, secret);
    } catch (error) {
      throw error instanceof RelayError ? error : unavailable(error);
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await this.keytar().deletePassword(this.service, account);
    } catch (error) {
      throw error instanceof RelayError ? error : unavailable(error);
    }
  }

  describe(): string {
    return 'the system keychain';
  }
}

function defaultLoad(): KeytarApi {
  // createRequire: keytar is CommonJS with a native addon, kept external by the bundler.
  const require = createRequire(import.meta.url);
  return require('keytar') as KeytarApi;
}
