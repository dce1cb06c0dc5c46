import { chmod, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../config/private-files.js';
import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { SecretStore } from './secret-store.js';

export const CREDENTIALS_FILE = 'credentials.json';

/**
 * Opt-in fallback when no keychain exists: ONE JSON file (`credentials.json`, mode 0600) under the
 * data dir (mode 0700). Every write goes to a temp file created with mode 0600 (so the secret is
 * never world-readable, not even between create and chmod), is fsynced, then renamed over the old
 * file: a crash leaves either the old or the new file, never half of one.
 */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  // Serialises read-modify-write cycles within this process.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string, private readonly logger: Logger = silentLogger) {
    this.path = join(dir, CREDENTIALS_FILE);
  }

  async get(account: string): Promise<string | null> {
    const all = await this.readAll();
    return all[account] ?? null;
  }

  set(account: string, secret: string): Promise<void> {
    return this.update((all) => {
      all[account] = secret;
      return true;
    }).then(() => undefined);
  }

  delete(account: string): Promise<boolean> {
    return this.update((all) => {
      if (!(account in all)) return false;
      delete all[account];
      return true;
    });
  }

  describe(): string {
    return `the file ${this.path} (insecure storage)`;
  }

  private update(change: (all: Record<string, string>) => boolean): Promise<boolean> {
    const next = this.queue.then(async () => {
      const all = await this.readAll();
      if (!change(all)) return false;
      await this.writeAll(all);
      return true;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAll(): Promise<Record<string, string>> {
    let text: string;
    try {
      const info = await stat(this.path);
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        // Someone loosened it: tighten before reading, and say so (without the content).
        this.logger.warn('Credential file was readable by others; restricting it to 0600', { path: this.path });
        await chmod(this.path, 0o600);
      }
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new RelayError('storage', `Could not read the credential file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
      return out;
    } catch {
      const damaged = new RelayError('storage', `The credential file ${this.path} is damaged.`, { fix: 'Run `copilot-relay logout` (it removes the file), then `copilot-relay login`.', desktopFix: 'Delete it and sign in again from the tray menu.' });
      throw Object.assign(damaged, { damaged: true });
    }
  }

  private async writeAll(all: Record<string, string>): Promise<void> {
    try {
      await writePrivateFile(this.path, JSON.stringify(all, null, 2));
      if (process.platform !== 'win32' && ((await stat(this.dir)).mode & 0o022) !== 0) {
        // Others could replace the file there (rename over it); the content itself stays 0600.
        this.logger.warn('The credential directory is writable by other users; restrict it with chmod 700', { path: this.dir });
      }
    } catch (error) {
      throw new RelayError('storage', `Could not write the credential file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Logout's way out of a damaged file (RT-23): it holds nothing but our own secrets. True when one was removed. */
  async removeFile(): Promise<boolean> {
    await this.queue;
    try {
      await rm(this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new RelayError('storage', `Could not remove the credential file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** True for the error a damaged (unparseable) credential file gives: logout may remove such a file. */
export function isDamagedCredentialFile(error: unknown): boolean {
  return error instanceof RelayError && error.kind === 'storage' && (error as { damaged?: boolean }).damaged === true;
}
