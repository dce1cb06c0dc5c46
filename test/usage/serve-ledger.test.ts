// The usage ledger in the BUILT relay (`node bin/copilot-relay.js serve`) as a user runs it: a
// SIGTERM'd serve keeps every request it answered (the rows of its last second included), and a
// ledger that can't be opened never stops it from serving.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { builtCli, ensureBuilt, startBuiltServe } from '../support/built-serve.js';

let fake: FakeUpstream;
const homes: string[] = [];
beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeUpstream();
}, 60_000);
afterAll(async () => {
  await fake?.close();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

async function newHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'relay-serve-ledger-'));
  homes.push(home);
  return home;
}

function env(home: string): NodeJS.ProcessEnv {
  const { COPILOT_RELAY_BUDGET: _b, COPILOT_RELAY_API_KEY: _k, ...inherited } = process.env;
  return { ...inherited, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url };
}

async function usageJson(home: string, by = 'client'): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, [builtCli, 'usage', '--json', '--by', by], { env: env(home) });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('serve and its usage ledger (built CLI)', () => {
  it('a SIGTERM right after a burst of requests loses none of them', async () => {
    const home = await newHome();
    const relay = await startBuiltServe(env(home));
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => fetch(`${relay.url}/v1/models`, { headers: { 'user-agent': i % 2 ? 'curl/8.5.0' : 'OpenAI/JS 6.49.0' } }).then((r) => r.status)));
    expect(answers.every((status) => status === 200)).toBe(true);
    // Well inside the ledger's one-second batch: only the shutdown's flush can have written them.
    expect(await relay.stop()).toBe(0);
    const report = await usageJson(home);
    expect(report).toMatchObject({ requests: 25, errors: 0 });
    expect(report.groups).toEqual([expect.objectContaining({ key: 'OpenAI SDK (JS)', requests: 13 }), expect.objectContaining({ key: 'curl', requests: 12 })]);
    expect(relay.stderr()).not.toMatch(/usage ledger/);
  });

  it('a ledger that cannot be opened is a log line; the relay serves on', async () => {
    const home = await newHome();
    // usage.db is a directory: SQLite can't open it (not corruption: nothing to move aside).
    await mkdir(join(home, 'usage.db'));
    const relay = await startBuiltServe(env(home));
    try {
      expect((await fetch(`${relay.url}/v1/models`)).status).toBe(200);
      expect((await fetch(`${relay.url}/health`)).status).toBe(200);
    } finally {
      expect(await relay.stop()).toBe(0);
    }
    expect(relay.stderr()).toMatch(/usage ledger unavailable \(.+\); requests are not recorded/);
  });

  it('an unusable COPILOT_RELAY_BUDGET stops serve with one line saying how to write it', async () => {
    const home = await newHome();
    const run = await promisify(execFile)(process.execPath, [builtCli, 'serve', '--port', '0'], { env: { ...env(home), COPILOT_RELAY_BUDGET: 'lots' } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['Invalid budget "lots". Use AI credits per day or month, e.g. COPILOT_RELAY_BUDGET=50/day or 500/month.']);
  });
});
