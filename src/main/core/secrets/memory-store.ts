import type { SecretStore } from './secret-store.js';

/** Keeps secrets in memory only: unit tests, and a token given by COPILOT_RELAY_GITHUB_TOKEN. */
export class MemorySecretStore implements SecretStore {
  readonly entries = new Map<string, string>();

  async get(account: string): Promise<string | null> {
    return this.entries.get(account) ?? null;
  }

  async set(account: string, secret: string): Promise<void> {
    this.entries.set(account, secret);
  }

  async delete(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }

  describe(): string {
    return 'memory only (not persisted)';
  }
}
