import { SETTINGS_VERSION } from './schema.js';

type Raw = Record<string, unknown>;

/**
 * Hand-written migrations, keyed by the SETTINGS_VERSION that introduced them, run in order on the
 * file's content in memory when it was written by an older version (the file is rewritten only
 * when a setting changes). Each must be idempotent.
 */
export const SETTINGS_MIGRATIONS: Record<string, (raw: Raw) => void> = {
  // Pre-1.0 builds stored the tenant as `enterpriseHost` and the key toggle as `apiKey`.
  '1.0.0': (raw) => {
    if ('enterpriseHost' in raw) {
      const host = raw.enterpriseHost;
      if (raw.enterprise === undefined || raw.enterprise === null) raw.enterprise = typeof host === 'string' && host ? host : null;
      delete raw.enterpriseHost;
    }
    if ('apiKey' in raw) {
      if (typeof raw.apiKey === 'boolean') raw.apiKeyEnabled = raw.apiKey;
      delete raw.apiKey;
    }
  },
};

/** Where the file records which migrations ran (the key conf/electron-store used, kept for compatibility). */
export function storedVersion(raw: Raw): string {
  const internal = raw.__internal__ as { migrations?: { version?: unknown } } | undefined;
  const version = internal?.migrations?.version;
  return typeof version === 'string' ? version : '0.0.0';
}

function compare(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Number.isNaN(d) ? 0 : d;
  }
  return 0;
}

/** Applies the migrations newer than the file's version (in place) and stamps the current version. */
export function migrate(raw: Raw): void {
  const from = storedVersion(raw);
  for (const version of Object.keys(SETTINGS_MIGRATIONS).sort(compare)) {
    if (compare(version, from) > 0 && compare(version, SETTINGS_VERSION) <= 0) SETTINGS_MIGRATIONS[version]!(raw);
  }
  if (compare(from, SETTINGS_VERSION) < 0) raw.__internal__ = { ...(raw.__internal__ as object | undefined), migrations: { version: SETTINGS_VERSION } };
}
