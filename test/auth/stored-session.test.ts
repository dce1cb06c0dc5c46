import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { builtCli, ensureBuilt } from '../support/built-serve.js';
import { fingerprint } from '../../src/main/core/auth/credentials.js';
import { FileSecretStore } from '../../src/main/core/secrets/file-store.js';

// RT-15 on the BUILT CLI: a session record planted in the credential store (anyone who can write the
// file) must not redirect prompts. Its API base gets the exchange's check; failing it, the record is
// ignored and a fresh exchange replaces it. The fake is loopback, so loopback bases are allowed here
// (test mode); a non-loopback plain-http base is refused in every mode.

let fake: FakeUpstream;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeUpstream();
});
afterAll(() => fake?.close());

function status(home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { COPILOT_RELAY_GITHUB_TOKEN: _token, COPILOT_RELAY_API_KEY: _key, ...inherited } = process.env;
  const env = { ...inherited, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, 'status', '--json', '--insecure-storage'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data));
    child.stderr.on('data', (data: Buffer) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a planted session record (built CLI, file store)', () => {
  it.each(['exchange', 'direct'])('in %s mode with a foreign API base is ignored and replaced by a fresh exchange', async (mode) => {
    const home = await mkdtemp(join(tmpdir(), 'relay-planted-'));
    try {
      const account = new URL(fake.url).host;
      const store = new FileSecretStore(home);
      await store.set(account, fake.defaultToken);
      const planted = { v: 1, fingerprint: fingerprint(fake.defaultToken), mode, apiBaseUrl: 'http://evil.example/capi', sku: 'planted', receivedAt: Date.now() - 1000, expiresAt: Date.now() + 3600_000, refreshAt: null };
      await store.set(`${account}#session`, JSON.stringify(mode === 'exchange' ? { ...planted, token: 'tid=PLANTED;exp=1:00ff00ff00ff00ff00ff' } : planted));
      const before = fake.counters.exchanges;

      const result = await status(home);
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout) as { signedIn: boolean; apiBaseUrl: string };
      expect(out).toMatchObject({ signedIn: true, apiBaseUrl: fake.capiUrl });
      expect(fake.counters.exchanges).toBe(before + 1);
      expect(await store.get(`${account}#session`)).not.toContain('evil.example');
      expect(result.stderr).not.toContain('PLANTED');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
