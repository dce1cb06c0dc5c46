import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Path of bench/server-child.ts, the one-proxy-per-process child both benchmarks run. */
export const childSource = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Path of bench/fake-child.ts, the fake upstream in its own process (run under tsx). */
export const fakeChildSource = fileURLToPath(new URL('./fake-child.ts', import.meta.url));

/** The non-stream chat request the load tools send (the fake answers a ~360-byte completion). */
export const BENCH_CHAT_BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'benchmark ping' }] });

/** What a proxy child needs in its environment to reach the fake (from the fake's ready message). */
export function fakeEnv(fakeInfo: Record<string, string>): Record<string, string> {
  return { BENCH_FAKE_URL: fakeInfo.url!, BENCH_FAKE_TOKEN: fakeInfo.token! };
}

/**
 * Bundles the child like scripts/build.mjs bundles the shipped CLI (ESM, split at dynamic imports so
 * the tokenizer tables and undici load lazily): measuring under a TypeScript loader would inflate
 * RSS and CPU. `outFile` must end in `server-child.mjs`.
 */
export async function bundleChild(outFile: string): Promise<void> {
  await build({
    // The usage ledger's writer thread (BENCH_RELAY_LEDGER=1), found beside the child like in the app's bundles.
    entryPoints: { 'server-child': childSource, 'ledger-worker': fileURLToPath(new URL('../src/main/core/usage/ledger-worker.ts', import.meta.url)) },
    outdir: dirname(outFile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    external: ['keytar', 'libsql'],
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  });
}

/** Forks a bench child (a bundled proxy or the fake) and waits for its first IPC message, {ready, url, ...}. */
export function forkChild(script: string, args: string[], execArgv: string[], env: Record<string, string> = {}, stdout: 'ignore' | 'inherit' = 'ignore'): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const proc = fork(script, args, { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'ignore', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    proc.once('message', (info: Record<string, string>) => resolve({ proc, info }));
  });
}

/** Sends `{cmd}` to a bench child and resolves with its answer (server-child.ts answers `stats`). */
export function askChild<T>(proc: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (message: T) => resolve(message));
    proc.send({ cmd });
  });
}
