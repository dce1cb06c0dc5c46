import { describe, it, expect } from 'vitest';
import { createMemoryLogger } from '../log/logger.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import type { CopilotSession } from '../token/session.js';
import { Credentials, fingerprint } from './credentials.js';

const NOW = 1_800_000_000_000;
const session = (over: Partial<CopilotSession> = {}): CopilotSession => ({
  token: 'tid=FAKE;exp=1:00ff00ff00ff00ff00ff', mode: 'exchange', apiBaseUrl: 'https://api.githubcopilot.com', sku: 'monthly_subscriber',
  receivedAt: NOW, expiresAt: NOW + 25 * 60_000, refreshAt: NOW + 20 * 60_000, ...over,
});

describe('Credentials', () => {
  it('fingerprints with SHA-256 hex', () => {
    expect(fingerprint('ghu_FAKE')).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint('ghu_FAKE')).not.toBe(fingerprint('ghu_FAKE2'));
  });

  it('keeps the GitHub token and the session in the same store, keyed <host> and <host>#session', async () => {
    const store = new MemorySecretStore();
    const credentials = new Credentials(store, 'github.com');
    await credentials.saveGithubToken('ghu_FAKEA');
    await credentials.saveSession('ghu_FAKEA', session());
    expect([...store.entries.keys()].sort()).toEqual(['github.com', 'github.com#session']);
    expect(store.entries.get('github.com#session')).toContain(fingerprint('ghu_FAKEA'));
    expect(store.entries.get('github.com#session')).not.toContain('ghu_FAKEA');
    expect(await credentials.loadSession('ghu_FAKEA', NOW + 60_000)).toMatchObject({ token: session().token, expiresAt: NOW + 25 * 60_000 });
  });

  it('reuses a cached session only with more than 5 minutes left and the same GitHub token', async () => {
    const credentials = new Credentials(new MemorySecretStore(), 'github.com');
    await credentials.saveSession('ghu_FAKEA', session());
    expect(await credentials.loadSession('ghu_FAKEA', NOW + 19 * 60_000)).not.toBeNull();
    expect(await credentials.loadSession('ghu_FAKEA', NOW + 20 * 60_000)).toBeNull(); // exactly 5 min left
    expect(await credentials.loadSession('ghu_FAKEB', NOW)).toBeNull(); // fingerprint changed
  });

  it('a new sign-in drops the old session; logout deletes both', async () => {
    const store = new MemorySecretStore();
    const credentials = new Credentials(store, 'octo.ghe.com');
    await credentials.saveGithubToken('ghu_FAKEA');
    await credentials.saveSession('ghu_FAKEA', session());
    await credentials.saveGithubToken('ghu_FAKEB');
    expect(store.entries.has('octo.ghe.com#session')).toBe(false);
    await credentials.saveSession('ghu_FAKEB', session());
    expect(await credentials.clear()).toBe(true);
    expect(store.entries.size).toBe(0);
    expect(await credentials.clear()).toBe(false);
  });

  it('with COPILOT_RELAY_GITHUB_TOKEN: that token wins and nothing is persisted', async () => {
    const store = new MemorySecretStore();
    await store.set('github.com', 'ghu_FAKESTORED');
    const credentials = new Credentials(store, 'github.com', { envToken: 'ghu_FAKEENV' });
    expect(await credentials.githubToken()).toBe('ghu_FAKEENV');
    await credentials.saveSession('ghu_FAKEENV', session());
    expect([...store.entries.keys()]).toEqual(['github.com']);
    expect(await credentials.loadSession('ghu_FAKEENV', NOW)).not.toBeNull();
  });

  it('remembers direct mode without storing the token twice', async () => {
    const store = new MemorySecretStore();
    const credentials = new Credentials(store, 'github.com');
    await credentials.saveSession('gho_FAKEDIRECT', session({ token: 'gho_FAKEDIRECT', mode: 'direct', expiresAt: Infinity, refreshAt: Infinity }));
    expect(store.entries.get('github.com#session')).not.toContain('gho_FAKEDIRECT');
    expect(await credentials.loadSession('gho_FAKEDIRECT', NOW + 1000)).toMatchObject({ token: 'gho_FAKEDIRECT', mode: 'direct', expiresAt: Infinity });
  });

  it('ignores a stored session whose API base an exchange would not accept, in either mode (RT-15)', async () => {
    const store = new MemorySecretStore();
    const logger = createMemoryLogger();
    const credentials = new Credentials(store, 'github.com', { logger });
    const plant = (over: Record<string, unknown>) =>
      store.set('github.com#session', JSON.stringify({ v: 1, fingerprint: fingerprint('ghu_FAKEA'), token: 'tid=PLANTED;exp=1:00ff00ff00ff00ff00ff', mode: 'exchange', sku: null, receivedAt: NOW, expiresAt: NOW + 25 * 60_000, refreshAt: null, ...over }));
    for (const apiBaseUrl of ['http://127.0.0.1:1/evil', 'https://evil.example/capi', 'http://api.githubcopilot.com', 'https://githubcopilot.com.evil.io', 'javascript:alert(1)', 42, undefined]) {
      for (const mode of ['exchange', 'direct']) {
        await plant({ apiBaseUrl, mode });
        expect(await credentials.loadSession('ghu_FAKEA', NOW + 1000)).toBeNull();
      }
    }
    expect(logger.lines.filter((line) => line.startsWith('WARN Ignoring the cached Copilot session')).length).toBe(14);
    expect(logger.lines.join('\n')).not.toContain('PLANTED');
    // Copilot's own hosts (public and GHE.com tenants) still load; loopback only when the GitHub API is loopback (tests).
    await plant({ apiBaseUrl: 'https://api.individual.githubcopilot.com/' });
    expect(await credentials.loadSession('ghu_FAKEA', NOW + 1000)).toMatchObject({ apiBaseUrl: 'https://api.individual.githubcopilot.com' });
    await plant({ apiBaseUrl: 'https://copilot-api.octo.ghe.com', mode: 'direct' });
    expect(await credentials.loadSession('ghu_FAKEA', NOW + 1000)).toMatchObject({ mode: 'direct', apiBaseUrl: 'https://copilot-api.octo.ghe.com' });
    await plant({ apiBaseUrl: 'http://127.0.0.1:5/capi' });
    expect(await new Credentials(store, 'github.com', { endpoints: { loopbackApi: true } }).loadSession('ghu_FAKEA', NOW + 1000)).toMatchObject({ apiBaseUrl: 'http://127.0.0.1:5/capi' });
  });
});
