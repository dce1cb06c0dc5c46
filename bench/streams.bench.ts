/**
 * Streams held concurrently: N clients open long streams (OpenAI and Anthropic, half each) through
 * the proxy at once; counts how many are live (first bytes received) and what the proxy process's
 * RSS costs per held stream, then aborts them all and checks everything is released.
 * The fake upstream runs in a child process (its memory is not ours).
 *
 *   npx tsx bench/streams.bench.ts [--streams 500] [--connections N]
 * --connections: cap the proxy's upstream connections (CopilotClient); default none, as the app.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FakeCounters } from '../test/fake-github/index.js';

const { values: args } = parseArgs({
  options: { streams: { type: 'string', default: '500' }, connections: { type: 'string' }, role: { type: 'string' } },
});
const cap = args.connections === undefined ? undefined : Number(args.connections);

if (args.role === 'fake') {
  const { startFakeUpstream } = await import('../test/fake-github/index.js');
  // Long prompts are echoed in 600 chunks 250 ms apart: each stream would last 150 s.
  const fake = await startFakeUpstream({ streamChunks: 600, streamIntervalMs: 250 });
  setInterval(() => fake.requests.splice(0), 1_000).unref();
  process.on('message', () => process.send?.({ counters: fake.counters }));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: fake.url, token: fake.defaultToken });
} else {
  await main();
}

async function main(): Promise<void> {
  const { Credentials } = await import('../src/main/core/auth/credentials.js');
  const { resolveEndpoints } = await import('../src/main/core/config/endpoints.js');
  const { CopilotClient } = await import('../src/main/core/copilot/client.js');
  const { silentLogger } = await import('../src/main/core/log/logger.js');
  const { createProxyServer } = await import('../src/main/core/proxy/server.js');
  const { MemorySecretStore } = await import('../src/main/core/secrets/memory-store.js');
  const { TokenManager } = await import('../src/main/core/token/token-manager.js');

  const n = Number(args.streams);
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'fake'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { url, token } = await next<{ url: string; token: string }>();
  const counters = async () => {
    const reply = next<{ counters: FakeCounters }>();
    child.send({});
    return (await reply).counters;
  };

  const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: url, COPILOT_RELAY_GITHUB_API_URL: url } });
  const store = new MemorySecretStore();
  await store.set(endpoints.accountKey, token);
  const tokens = new TokenManager({ endpoints, credentials: new Credentials(store, endpoints.accountKey), logger: silentLogger });
  const copilot = new CopilotClient({ sessions: tokens, logger: silentLogger, connections: cap });
  const proxy = createProxyServer({ sessions: tokens, logger: silentLogger, copilot });
  const { port } = await proxy.listen({ port: 0, host: '127.0.0.1' });

  const open = (i: number, onFirst: () => void): ClientRequest => {
    const anthropic = i % 2 === 1;
    const messages = [{ role: 'user', content: 'lorem '.repeat(600) }];
    const body = JSON.stringify(anthropic ? { model: 'claude-haiku-4.5', max_tokens: 4096, stream: true, messages } : { model: 'gpt-4o', stream: true, messages });
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: anthropic ? '/v1/messages' : '/v1/chat/completions', agent: false, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, (res) => {
      res.once('data', onFirst);
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end(body);
    return req;
  };

  // Warm-up (session, model list), then the baseline.
  for (const i of [0, 1]) {
    let warm: ClientRequest | null = null;
    await new Promise<void>((resolve) => (warm = open(i, () => resolve())));
    warm!.destroy();
  }
  await new Promise((r) => setTimeout(r, 500));
  const base = await counters();
  globalThis.gc?.();
  const before = { rss: process.memoryUsage().rss, handles: process.getActiveResourcesInfo().length };

  let live = 0;
  const started = performance.now();
  const requests = Array.from({ length: n }, (_, i) => open(i, () => live++));
  const settle = performance.now() + 15_000;
  while (live < n && performance.now() < settle) await new Promise((r) => setTimeout(r, 50));
  const rampMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 2_000)); // streams flowing
  const during = { rss: process.memoryUsage().rss, live, upstream: (await counters()).capiRequests };

  for (const req of requests) req.destroy();
  const cleanUntil = Date.now() + 5_000;
  const conns = () => new Promise<number>((resolve) => proxy.server.getConnections((_e, c) => resolve(c)));
  while (((await conns()) > 0 || (await counters()).openSockets > (cap ?? 64)) && Date.now() < cleanUntil) await new Promise((r) => setTimeout(r, 50));
  const end = await counters();
  const after = { connections: await conns(), handles: process.getActiveResourcesInfo().length, aborted: end.abortedRequests, upstreamSockets: end.openSockets };

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  console.log(`\nStreams held: ${n} clients, upstream connections ${cap === undefined ? 'uncapped (idle ones kept 30 s)' : `capped at ${cap}`}`);
  console.log(`live streams      ${during.live} of ${n} (first bytes within ${(rampMs / 1000).toFixed(1)} s); upstream requests ${during.upstream - base.capiRequests}`);
  console.log(`proxy RSS         ${mb(before.rss)} idle → ${mb(during.rss)} holding them (+${((during.rss - before.rss) / 1024 / Math.max(1, during.live)).toFixed(0)} KB per live stream)`);
  console.log(`after abort       server connections ${after.connections}, upstream aborted ${after.aborted - base.abortedRequests}, upstream sockets open ${after.upstreamSockets}, handles ${after.handles} (before ${before.handles})`);

  tokens.close();
  await proxy.close();
  child.disconnect();
}
