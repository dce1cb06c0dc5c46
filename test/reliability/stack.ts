/**
 * The assembled stack for reliability tests and the soak: the real TokenManager (memory secret
 * store, injectable clock) behind the real proxy server, against the fake upstream. Loopback only.
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeKnobs, FakeUpstream } from '../fake-github/index.js';
import { Credentials } from '../../src/main/core/auth/credentials.js';
import { resolveEndpoints } from '../../src/main/core/config/endpoints.js';
import { createMemoryLogger, silentLogger } from '../../src/main/core/log/logger.js';
import type { Logger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer, ProxyServerOptions } from '../../src/main/core/proxy/server.js';
import { MemorySecretStore } from '../../src/main/core/secrets/memory-store.js';
import type { Clock } from '../../src/main/core/token/clock.js';
import { TokenManager } from '../../src/main/core/token/token-manager.js';
import type { TokenManagerOptions } from '../../src/main/core/token/token-manager.js';

export interface StackOptions {
  knobs?: Partial<FakeKnobs>;
  clock?: Clock;
  tokens?: Partial<Pick<TokenManagerOptions, 'backoffBaseMs' | 'backoffCapMs' | 'random' | 'timeoutMs' | 'recoveryWaitMs'>>;
  proxy?: Partial<Omit<ProxyServerOptions, 'sessions' | 'logger'>>;
  /** Runs before listen(): e.g. shorten the node:http server timeouts. */
  beforeListen?: (proxy: ProxyServer) => void;
  /** Default: a memory logger (its lines are checked for secrets). */
  quiet?: boolean;
}

export interface Stack {
  fake: FakeUpstream;
  tokens: TokenManager;
  proxy: ProxyServer;
  url: string;
  port: number;
  logger: Logger & { lines?: string[] };
  /** Every string a test must never see in logs or responses. */
  secrets(): string[];
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const fake = await startFakeUpstream(options.knobs ?? {});
  const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url } });
  const store = new MemorySecretStore();
  await store.set(endpoints.accountKey, fake.defaultToken);
  const logger = options.quiet ? silentLogger : createMemoryLogger();
  const tokens = new TokenManager({
    endpoints,
    credentials: new Credentials(store, endpoints.accountKey, { logger }),
    logger,
    clock: options.clock,
    random: () => 1,
    ...options.tokens,
  });
  const proxy = createProxyServer({ sessions: tokens, logger, shutdownGraceMs: 300, ...options.proxy });
  options.beforeListen?.(proxy);
  const { url, port } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  return {
    fake,
    tokens,
    proxy,
    url,
    port,
    logger,
    secrets: () => [fake.defaultToken, ...fake.issuedSessionTokens()],
    async close() {
      tokens.close();
      await proxy.close();
      await fake.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One raw HTTP call on its own socket (no pooling: socket counts stay exact), bounded in time. */
export function call(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number }): Promise<Reply> {
  const target = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'POST',
        path: options.path,
        agent: false,
        headers: { host: target.host, 'content-type': 'application/json', ...options.headers },
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { path, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });

export const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], ...extra });
export const messagesBody = (extra: Record<string, unknown> = {}) => ({ model: 'claude-haiku-4.5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }], ...extra });
export const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' };

/** SSE blocks of a body, parsed: `{event, data}` with data JSON-parsed when it is JSON. */
export function sseEvents(body: string): Array<{ event: string; data: unknown }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const rawData = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      let data: unknown = rawData;
      try {
        data = JSON.parse(rawData);
      } catch {
        // [DONE] and friends stay strings
      }
      return { event, data };
    });
}

/** Polls until `check` holds (bounded). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const connections = (proxy: ProxyServer) => new Promise<number>((resolve, reject) => proxy.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

/** Active handles by type (sockets, timers, …): a leak shows as a count that does not come back. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
