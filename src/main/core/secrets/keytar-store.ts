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
const DESKTOP_FIX = 'Start a keychain (Secret Service such as gnome-keyring), or opt in to a 0600 file with the "insecureStorage" setting in config.json.';

function unavailable(cause: unknown): RelayError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new RelayError('keychain-unavailable', `No system keychain available (${detail}).`, { fix: FIX, desktopFix: DESKTOP_FIX, cause });
}

/**
 * The OS keychain through keytar (service `copilot-relay`, account = GitHub host). keytar is
 * loaded lazily so a missing native module or libsecret only fails when credentials are touched,
 * and every failure to reach the Secret Service becomes 'keychain-unavailable' naming the fallback.
 */
export class KeytarSecretStore implements SecretStore {
  private api: KeytarApi | null = null;

  constructor(
    private readonly service = SECRET_SERVICE,
    private readonly load: () => KeytarApi = defaultLoad,
    /** A locked keychain can wait forever for an unlock prompt nobody sees (headless): give up. */
    private readonly timeoutMs = 20_000,
  ) {}

  private async call<T>(operation: (api: KeytarApi) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const api = this.keytar();
      return await Promise.race([
        operation(api),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`the keychain did not answer within ${Math.round(this.timeoutMs / 1000)} s; is it locked?`)), this.timeoutMs);
        }),
      ]);
    } catch (error) {
      throw error instanceof RelayError ? error : unavailable(error);
    } finally {
      clearTimeout(timer);
    }
  }

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

  get(account: string): Promise<string | null> {
    return this.call((api) => api.getPassword(this.service, account));
  }

  set(account: string, secret: string): Promise<void> {
    return this.call((api) => api.setPassword(this.service, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return this.call((api) => api.deletePassword(this.service, account));
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
