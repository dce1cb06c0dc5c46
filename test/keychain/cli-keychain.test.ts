import { describe, it, expect } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureStream } from '../support/cli-output.js';
import { main } from '../../src/main/cli/index.js';
import { KeytarSecretStore } from '../../src/main/core/secrets/keytar-store.js';
import { startFakeUpstream } from '../fake-github/index.js';

/**
 * login → status → logout with the DEFAULT store (the keychain). Only inside the throwaway keyring
 * of scripts/test-all.sh (COPILOT_RELAY_REQUIRE_KEYCHAIN=1): it writes to service `copilot-relay`.
 */
const enabled = process.env.COPILOT_RELAY_REQUIRE_KEYCHAIN === '1';


describe('CLI with the system keychain', () => {
  it.skipIf(enabled)('skips outside scripts/test-all.sh (would write to your real keychain)', () => {
    expect(enabled).toBe(false);
  });

  it.runIf(enabled)('stores the token and the session in the keychain, never in a file; logout deletes both', async () => {
    const fake = await startFakeUpstream({ deviceInterval: 0 });
    const home = await mkdtemp(join(tmpdir(), 'relay-cli-keychain-'));
    const env = { COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
    const account = new URL(fake.url).host;
    const store = new KeytarSecretStore();
    const outputs: string[] = [];
    const cli = async (args: string[]) => {
      const stdout = captureStream();
      const stderr = captureStream();
      const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, env });
      outputs.push(stdout.text(), stderr.text());
      return { code, stdout: stdout.text() };
    };
    try {
      const login = await cli(['login']);
      expect(login.code).toBe(0);
      expect(login.stdout).toContain('Signed in as octocat');
      expect(await store.get(account)).toBe(fake.defaultToken);
      expect(await store.get(`${account}#session`)).toContain('"fingerprint"');
      expect(await readdir(home)).not.toContain('credentials.json');
      const exchanges = fake.counters.exchanges;
      const status = await cli(['status', '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true, login: 'octocat' });
      expect(fake.counters.exchanges).toBe(exchanges);
      expect((await cli(['logout'])).code).toBe(0);
      expect(await store.get(account)).toBeNull();
      expect(await store.get(`${account}#session`)).toBeNull();
      for (const text of outputs) for (const secret of [fake.defaultToken, ...fake.issuedSessionTokens()]) expect(text).not.toContain(secret);
    } finally {
      await store.delete(account).catch(() => false);
      await store.delete(`${account}#session`).catch(() => false);
      await fake.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
