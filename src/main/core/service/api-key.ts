import { randomBytes } from 'node:crypto';
import { RelayError } from '../errors.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { API_KEY_ACCOUNT } from '../secrets/secret-store.js';

export interface ApiKeySources {
  /** `--api-key` or COPILOT_RELAY_API_KEY: used as given, never stored. */
  explicit: string | null;
  /** The `apiKeyEnabled` setting: the key kept in the credential store. */
  enabled: boolean;
  store: SecretStore;
  /**
   * The desktop app creates the stored key the first time the setting is turned on (the window's
   * "Copy API key" shows it). The CLI never invents a key nobody was told about: it refuses.
   */
  createIfMissing: boolean;
}

export function newApiKey(): string {
  return `cr-${randomBytes(24).toString('base64url')}`;
}

/** The key every proxy request must carry, or null when none is required. */
export async function resolveApiKey(sources: ApiKeySources): Promise<string | null> {
  if (sources.explicit) return sources.explicit;
  if (!sources.enabled) return null;
  const stored = await sources.store.get(API_KEY_ACCOUNT);
  if (stored) return stored;
  if (!sources.createIfMissing) {
    throw new RelayError('config', 'The API key setting is on but no key is stored yet.', { fix: 'Set COPILOT_RELAY_API_KEY, or turn the key on once in the tray app.' });
  }
  const key = newApiKey();
  await sources.store.set(API_KEY_ACCOUNT, key);
  return key;
}
