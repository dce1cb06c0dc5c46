import { describe, it, expect } from 'vitest';
import { Credentials } from '../../src/main/core/auth/credentials.js';
import { KeytarSecretStore } from '../../src/main/core/secrets/keytar-store.js';

/**
 * Round trip through a REAL Secret Service (gnome-keyring in a private dbus-run-session; see
 * scripts/test-all.sh). Without a session bus it skips, unless COPILOT_RELAY_REQUIRE_KEYCHAIN=1.
 */
const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
const required = process.env.COPILOT_RELAY_REQUIRE_KEYCHAIN === '1';

describe('keytar store against a real keychain', () => {
  it.skipIf(hasBus || required)('skips: no DBUS_SESSION_BUS_ADDRESS (run under dbus-run-session with gnome-keyring, see scripts/test-all.sh)', () => {
    expect(hasBus).toBe(false);
  });

  it.runIf(hasBus || required)('sets, reads, overwrites and deletes an entry', async () => {
    expect(hasBus, 'COPILOT_RELAY_REQUIRE_KEYCHAIN=1 but no D-Bus session: the keychain test cannot run').toBe(true);
    const store = new KeytarSecretStore('copilot-relay-test');
    const account = `test-${process.pid}-${Date.now()}`;
    try {
      expect(await store.get(account)).toBeNull();
      await store.set(account, 'ghu_FAKEKEYCHAIN1');
      expect(await store.get(account)).toBe('ghu_FAKEKEYCHAIN1');
      await store.set(account, 'ghu_FAKEKEYCHAIN2');
      expect(await store.get(account)).toBe('ghu_FAKEKEYCHAIN2');
      await store.set(`${account}#session`, '{"v":1}');
      expect(await store.get(`${account}#session`)).toBe('{"v":1}');
    } finally {
      expect(await store.delete(account)).toBe(true);
      await store.delete(`${account}#session`);
    }
    expect(await store.get(account)).toBeNull();
    expect(await store.delete(account)).toBe(false);
  });
});

describe('credentials in a real keychain', () => {
  it.runIf(hasBus || required)('keeps the GitHub token and the cached session as two entries of the same service; logout removes both', async () => {
    const store = new KeytarSecretStore('copilot-relay-test');
    const account = `host-${process.pid}-${Date.now()}`;
    const credentials = new Credentials(store, account);
    const now = Date.now();
    try {
      await credentials.saveGithubToken('ghu_FAKEKEYCHAINCRED');
      await credentials.saveSession('ghu_FAKEKEYCHAINCRED', { token: 'tid=FAKE;exp=1:0123456789abcdef01', mode: 'exchange', apiBaseUrl: 'https://api.githubcopilot.com', sku: 'monthly_subscriber', receivedAt: now, expiresAt: now + 25 * 60_000, refreshAt: now + 20 * 60_000 });
      expect(await store.get(account)).toBe('ghu_FAKEKEYCHAINCRED');
      expect(await store.get(`${account}#session`)).toContain('"fingerprint"');
      const fresh = new Credentials(new KeytarSecretStore('copilot-relay-test'), account);
      expect(await fresh.githubToken()).toBe('ghu_FAKEKEYCHAINCRED');
      expect(await fresh.loadSession('ghu_FAKEKEYCHAINCRED', now + 1000)).toMatchObject({ token: 'tid=FAKE;exp=1:0123456789abcdef01' });
      expect(await fresh.clear()).toBe(true);
      expect(await store.get(account)).toBeNull();
      expect(await store.get(`${account}#session`)).toBeNull();
    } finally {
      await credentials.clear().catch(() => undefined);
    }
  });
});

describe('keytar store without a keychain', () => {
  it('turns a load failure into keychain-unavailable naming --insecure-storage', async () => {
    const store = new KeytarSecretStore('copilot-relay-test', () => {
      throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY');
    });
    const error = await store.get('github.com').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'keychain-unavailable' });
    expect(`${(error as Error).message} ${(error as { fix: string }).fix}`).toContain('--insecure-storage');
  });

  it('turns a Secret Service error at call time into keychain-unavailable', async () => {
    const store = new KeytarSecretStore('copilot-relay-test', () => ({
      getPassword: () => Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')),
      setPassword: () => Promise.reject(new Error('no')),
      deletePassword: () => Promise.reject(new Error('no')),
    }));
    await expect(store.set('github.com', 'ghu_FAKE')).rejects.toMatchObject({ kind: 'keychain-unavailable' });
  });

  it('a keychain that never answers (locked, prompt nobody sees) times out as keychain-unavailable', async () => {
    const never = () => new Promise<never>(() => undefined);
    const store = new KeytarSecretStore('copilot-relay-test', () => ({ getPassword: never, setPassword: never, deletePassword: never }), 30);
    await expect(store.get('github.com')).rejects.toMatchObject({ kind: 'keychain-unavailable' });
  });
});
