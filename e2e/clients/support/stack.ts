import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from '../../../test/fake-github/index.js';
import type { FakeKnobs, FakeUpstream } from '../../../test/fake-github/index.js';
import { startNetGuard } from './net-guard.js';
import type { NetGuard } from './net-guard.js';
import { startTap } from './tap.js';
import type { Tap } from './tap.js';

const BIN = fileURLToPath(new URL('../../../bin/copilot-relay.js', import.meta.url));

/** What one agent run talks to: the fake upstream, the BUILT relay in a child process, the tap in
 * front of it, and the net guard that refuses any non-loopback traffic. */
export interface Stack {
  fake: FakeUpstream;
  /** Where the agent is pointed (the tap, which forwards to the relay). */
  url: string;
  relayUrl: string;
  tap: Tap;
  guard: NetGuard;
  /** The relay's stderr so far (its request log). */
  relayLog(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Start the relay with `COPILOT_RELAY_API_KEY`. */
  apiKey?: string;
  knobs?: Partial<FakeKnobs>;
}

function waitForListening(child: ChildProcess, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start in 15 s:\n${log()}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited ${code} before listening:\n${log()}`));
    });
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const fake = await startFakeUpstream({ toolCallMode: 'when-asked', ...options.knobs });
  const home = await mkdtemp(join(tmpdir(), 'relay-clients-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    COPILOT_RELAY_HOME: home,
    COPILOT_RELAY_GITHUB_URL: fake.url,
    COPILOT_RELAY_GITHUB_API_URL: fake.url,
    COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken,
    ...(options.apiKey ? { COPILOT_RELAY_API_KEY: options.apiKey } : {}),
  };
  const relay = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  relay.stderr.on('data', (d: Buffer) => (stderr += d));
  const relayLog = (): string => stderr;
  let relayUrl: string;
  try {
    relayUrl = await waitForListening(relay, relayLog);
  } catch (err) {
    relay.kill('SIGKILL');
    await fake.close();
    await rm(home, { recursive: true, force: true });
    throw err;
  }
  const tap = await startTap(relayUrl);
  const guard = await startNetGuard();

  const stop = async (): Promise<void> => {
    const exited = relay.exitCode !== null || relay.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => relay.once('exit', () => resolve()));
    relay.kill('SIGTERM');
    const killer = setTimeout(() => relay.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    await Promise.all([tap.close(), guard.close(), fake.close()]);
    await rm(home, { recursive: true, force: true });
  };
  return { fake, url: tap.url, relayUrl, tap, guard, relayLog, stop };
}
