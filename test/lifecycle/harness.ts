/**
 * The built CLI and the built service entry as child processes (never in-process: the test runner
 * keeps the event loop alive and hides exit-13 bugs), a throwaway data dir, and probes of what the
 * process really does: exit code and signal, its one-line errors, its listening sockets.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout whose build runs; LIFECYCLE_ROOT points the suite at another build (to show a test fails before a fix). */
export const ROOT = process.env.LIFECYCLE_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/copilot-relay.js');
export const SERVICE_ENTRY = join(ROOT, 'dist/main/service.js');

/** A fixed, obviously fake GitHub token for accounts the fake only learns about later. */
export const FAKE_TOKEN = 'ghu_FAKElifecycleTOKEN000000000000000000';

const homes: string[] = [];

export async function tempHome(config?: unknown): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'relay-lifecycle-'));
  homes.push(home);
  if (config !== undefined) await writeFile(join(home, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return home;
}

export async function removeHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
}

/** The environment a child gets: no token, key, identity or budget from the runner's own environment, loopback URLs. */
export function childEnv(githubUrl: string, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { COPILOT_RELAY_GITHUB_TOKEN: _t, COPILOT_RELAY_API_KEY: _k, COPILOT_RELAY_CLIENT_IDENTITY: _i, COPILOT_RELAY_BUDGET: _b, ...rest } = process.env;
  return { ...rest, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: githubUrl, COPILOT_RELAY_GITHUB_API_URL: githubUrl, NO_PROXY: '127.0.0.1,localhost,::1', ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** After the exit and the end of its stdout/stderr (`exited` can come before the last output). */
  closed: Promise<Exit>;
  alive(): boolean;
  /** Resolves with the first stdout line matching, or rejects when the process exits first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Every child still running, so a test that fails or times out leaves none behind. */
const live = new Set<ChildProcess>();

/** SIGKILLs the children still running (ours, by their handles). */
export function killLeftovers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function start(command: string, args: string[], options: SpawnOptions): Running {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d));
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  let done = false;
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => {
    done = true;
    resolve({ code, signal });
  }));
  const closed = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    closed,
    alive: () => !done,
    line: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(stdout);
          if (!match) return;
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve(match);
        };
        child.stdout?.on('data', check);
        check();
        void exited.then((exit) => {
          clearTimeout(timer);
          reject(new Error(`exited ${JSON.stringify(exit)} before ${pattern}; stderr: ${stderr}`));
        });
      }),
  };
}

/** `copilot-relay <args>` (the built bin). */
export function cli(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Running {
  return start(process.execPath, [BIN, ...args], { env, ...options });
}

/** Runs a command to its end. */
export async function cliDone(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const run = cli(args, env, options);
  const exit = await run.closed;
  return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
}

/** `serve --port 0 …` until its Listening line: the URL and how long it took. */
export async function serve(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Promise<Running & { url: string; startMs: number }> {
  const started = performance.now();
  const run = cli(['serve', '--port', '0', ...args], env, options);
  const match = await run.line(/^Listening on (http:\/\/127\.0\.0\.1:\d+)\n/m);
  return { ...run, url: match[1]!, startMs: Math.round(performance.now() - started) };
}

/** Stops a child we started (by its own handle), politely first; never anything else. */
export async function stop(run: Running, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<Exit> {
  if (!run.alive()) return run.exited;
  run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const exit = await run.exited;
  clearTimeout(timer);
  return exit;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request on its own connection, bounded in time. */
export function call(url: string, path: string, options: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  const target = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path, method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), agent: false, timeout: options.timeoutMs ?? 30_000, headers: { 'content-type': 'application/json', ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Math.round(performance.now() - started) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

export const chat = (url: string, extra: Record<string, unknown> = {}) => call(url, '/v1/chat/completions', { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], ...extra } });
export const messages = (url: string, extra: Record<string, unknown> = {}) =>
  call(url, '/v1/messages', { body: { model: 'claude-haiku-4.5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }], ...extra }, headers: { 'anthropic-version': '2023-06-01' } });

/** Listening TCP sockets on `port` from /proc/net/tcp{,6}: the addresses (`127.0.0.1`, `0.0.0.0`, `::`). */
export function listenersOn(port: number): string[] {
  const found: string[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // TCP_LISTEN
      const [addressHex, portHex] = (fields[1] ?? '').split(':');
      if (Number.parseInt(portHex ?? '', 16) !== port) continue;
      found.push(v6 ? decodeV6(addressHex!) : decodeV4(addressHex!));
    }
  }
  return found;
}

function decodeV4(hex: string): string {
  // Little-endian 32-bit word.
  return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function decodeV6(hex: string): string {
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) return `::ffff:${decodeV4(hex.slice(24))}`;
  return hex;
}

/** Lines of stderr that are not log lines (timestamp + level): what the user is told. */
export function messageLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() && !/^\S+Z (?:DEBUG|INFO|WARN|ERROR) /.test(line));
}

/** A stack trace shows as `    at …` lines. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Figures of the fault suites (what each scenario's process did), written for the report. */
export const figures: Record<string, unknown> = {};

/** Writes this suite's figures to test-results/lifecycle-<suite>.json (each suite runs in its own worker). */
export async function writeFigures(suite: string): Promise<void> {
  await mkdir(join(ROOT, 'test-results'), { recursive: true });
  await writeFile(join(ROOT, 'test-results', `lifecycle-${suite}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
