/**
 * The BUILT CLI (bin/copilot-relay.js → dist/cli) in child processes, for the network tests: each
 * child runs under fixtures/loopback-only.mjs, so no request can leave the machine, and gets a
 * clean environment (no proxy variables or relay settings from the developer's shell).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/copilot-relay.js', import.meta.url));
const guard = fileURLToPath(new URL('./fixtures/loopback-only.mjs', import.meta.url));

/** Builds dist/ when it is missing (npm test builds first; a lone vitest run may not have). */
export function ensureBuilt(): void {
  if (!existsSync(`${root}dist/cli/index.js`)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}

const DROPPED = /^(?:COPILOT_RELAY_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$|(?:https?|no|all)_proxy$)/i;

/** process.env without the relay's and the proxy's variables, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!DROPPED.test(name)) env[name] = value;
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Run under `ulimit -n` (soft and hard: Node can't raise it), e.g. to test running out of descriptors. */
  maxOpenFiles?: number;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): ChildProcessWithoutNullStreams {
  const argv = ['--import', guard, bin, ...args];
  if (options.maxOpenFiles === undefined) return spawn(process.execPath, argv, { cwd: root, env: cleanEnv(env) });
  return spawn('bash', ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...argv], { cwd: root, env: cleanEnv(env) });
}

/** Runs one command to its end (killed after `timeoutMs`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServeProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `serve --port 0 …` until it prints its Listening line (rejects if it exits first). */
export function startServe(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}, timeoutMs = 15_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['serve', '--port', '0', ...args], env, options);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in time: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const match = /^Listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        child,
        stderr: () => stderr,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before listening: ${stderr}`));
    });
  });
}
