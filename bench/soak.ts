/**
 * Soak: the real TokenManager + proxy (this process) against the fake upstream (a child process, so
 * its bookkeeping doesn't blur our RSS), with a 20 s session TTL so the token is refreshed every
 * ~10 s throughout. Thousands of mixed requests at moderate concurrency; every one must succeed and
 * be well-formed; RSS, active handles and server connections are sampled at start/middle/end.
 *
 *   npm run soak -- [--duration 150] [--concurrency 16] [--ttl 20]
 * Exits non-zero on any failed request or a growing handle/connection/RSS figure.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FakeCounters } from '../test/fake-github/index.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '150' },
    concurrency: { type: 'string', default: '16' },
    ttl: { type: 'string', default: '20' },
    role: { type: 'string' },
  },
});

if (args.role === 'fake') {
  // Child: the fake upstream with a short session TTL. Its request record is cleared as we go.
  const { startFakeUpstream } = await import('../test/fake-github/index.js');
  const ttl = Number(args.ttl);
  const fake = await startFakeUpstream({ sessionTtlSec: ttl, refreshInSec: Math.max(1, Math.floor(ttl / 2)), streamChunks: 8 });
  setInterval(() => fake.requests.splice(0), 1_000).unref();
  process.on('message', () => process.send?.({ counters: fake.counters, rss: process.memoryUsage().rss }));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: fake.url, token: fake.defaultToken });
} else {
  await main();
}

interface Sample {
  at: string;
  rss: number;
  heap: number;
  handles: number;
  connections: number;
}

async function main(): Promise<void> {
  const { Credentials } = await import('../src/main/core/auth/credentials.js');
  const { resolveEndpoints } = await import('../src/main/core/config/endpoints.js');
  const { createLogger } = await import('../src/main/core/log/logger.js');
  const { createProxyServer } = await import('../src/main/core/proxy/server.js');
  const { MemorySecretStore } = await import('../src/main/core/secrets/memory-store.js');
  const { TokenManager } = await import('../src/main/core/token/token-manager.js');

  const durationMs = Number(args.duration) * 1000;
  const concurrency = Number(args.concurrency);
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'fake', '--ttl', args.ttl!], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url: fakeUrl, token } = await once<{ url: string; token: string }>(child);
  const fakeStats = async () => {
    const reply = once<{ counters: FakeCounters; rss: number }>(child);
    child.send({ cmd: 'stats' });
    return reply;
  };

  const endpoints = resolveEndpoints({ env: { COPILOT_RELAY_GITHUB_URL: fakeUrl, COPILOT_RELAY_GITHUB_API_URL: fakeUrl } });
  const store = new MemorySecretStore();
  await store.set(endpoints.accountKey, token);
  // Warnings and errors only (one info line per request would dominate the run); any is reported.
  const problems: string[] = [];
  const logger = createLogger({ level: 'warn', sink: (line) => problems.push(line) });
  const tokens = new TokenManager({ endpoints, credentials: new Credentials(store, endpoints.accountKey, { logger }), logger });
  const proxy = createProxyServer({ sessions: tokens, logger });
  const { port } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

  const mix = requestMix();
  const counts = new Map<string, { ok: number; failed: number }>();
  const failures: string[] = [];
  let total = 0;
  // Latencies in a fixed histogram (0.1 ms buckets up to 60 s), not an array of every sample: the
  // array grew by ~8 bytes a request and showed up as "live heap growth" that was the soak's own.
  const BUCKET_MS = 0.1;
  const histogram = new Uint32Array(600_001);
  let maxLatency = 0;

  async function one(kind: Kind): Promise<void> {
    const started = performance.now();
    const res = await send(port, agent, kind.path, kind.body, kind.anthropic).catch((error: unknown) => ({ status: 0, body: String(error) }));
    const latency = performance.now() - started;
    histogram[Math.min(histogram.length - 1, Math.floor(latency / BUCKET_MS))]!++;
    if (latency > maxLatency) maxLatency = latency;
    const problem = res.status === 200 ? kind.check(res.body) : `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
    const entry = counts.get(kind.name) ?? { ok: 0, failed: 0 };
    counts.set(kind.name, entry);
    total++;
    if (problem) {
      entry.failed++;
      if (failures.length < 20) failures.push(`${kind.name}: ${problem}`);
    } else entry.ok++;
  }

  // Warm up: model catalog, session, keep-alive sockets.
  for (const kind of mix) await one(kind);
  const baselineHandles = process.getActiveResourcesInfo().length;
  const samples: Sample[] = [];
  // A full GC before each sample: the live heap (not garbage awaiting collection) is what must stay flat.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sample = async (at: string) => {
    gc();
    const memory = process.memoryUsage();
    samples.push({ at, rss: memory.rss, heap: memory.heapUsed, handles: process.getActiveResourcesInfo().length, connections: await connections() });
  };
  const connections = () => new Promise<number>((resolve) => proxy.server.getConnections((_e, n) => resolve(n)));

  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) await one(mix[next++ % mix.length]!);
  });
  // Samples while the load runs: start (after 10 %, warm), middle, end (just before the deadline).
  const timers = [0.1, 0.5, 0.98].map((f, i) => new Promise<void>((resolve) => setTimeout(() => void sample(['start', 'middle', 'end'][i]!).then(resolve), durationMs * f)));
  const progress = setInterval(() => process.stderr.write(`  … ${total} requests, ${failures.length} failed, ${Math.round((performance.now() - startedAt) / 1000)} s\n`), 15_000);
  await Promise.all([...workers, ...timers]);
  clearInterval(progress);
  const elapsed = (performance.now() - startedAt) / 1000;

  // After the load: client sockets closed, every connection and handle must be gone again.
  agent.destroy();
  const settleUntil = Date.now() + 5_000;
  while (((await connections()) > 0 || process.getActiveResourcesInfo().length > baselineHandles) && Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 50));
  const after = { connections: await connections(), handles: process.getActiveResourcesInfo().length };
  const fake = await fakeStats();

  tokens.close();
  await proxy.close();
  child.disconnect();

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const pct = (p: number) => {
    const rank = Math.min(total - 1, Math.floor((p / 100) * total));
    let seen = 0;
    for (let bucket = 0; bucket < histogram.length; bucket++) {
      seen += histogram[bucket]!;
      if (seen > rank) return (bucket * BUCKET_MS).toFixed(1);
    }
    return maxLatency.toFixed(1);
  };
  const [start, middle, end] = samples.sort((a, b) => ['start', 'middle', 'end'].indexOf(a.at) - ['start', 'middle', 'end'].indexOf(b.at));
  const failed = [...counts.values()].reduce((n, c) => n + c.failed, 0);
  console.log(`\nSoak: ${elapsed.toFixed(0)} s, concurrency ${concurrency}, session TTL ${args.ttl} s (refresh ~every ${Math.floor(Number(args.ttl) / 2)} s)`);
  console.log(`requests        ${total} (${(total / elapsed).toFixed(0)} req/s), failed ${failed}`);
  for (const [name, c] of counts) console.log(`  ${name.padEnd(28)} ${c.ok} ok, ${c.failed} failed`);
  console.log(`latency ms      p50 ${pct(50)}  p99 ${pct(99)}  max ${maxLatency.toFixed(1)}`);
  console.log(`exchanges       ${fake.counters.exchanges} (max in flight ${fake.counters.maxExchangesInFlight}), upstream requests ${fake.counters.capiRequests}`);
  console.log(`RSS             start ${mb(start!.rss)}  middle ${mb(middle!.rss)}  end ${mb(end!.rss)}   live heap after GC ${mb(start!.heap)} → ${mb(middle!.heap)} → ${mb(end!.heap)}`);
  console.log(`active handles  start ${start!.handles}  middle ${middle!.handles}  end ${end!.handles}   after load ${after.handles} (before load ${baselineHandles})`);
  console.log(`connections     start ${start!.connections}  middle ${middle!.connections}  end ${end!.connections}   after load ${after.connections}`);
  console.log(`warnings        ${problems.length}${problems.length ? `: ${problems.slice(0, 5).join(' | ')}` : ''}`);
  for (const f of failures) console.log(`  FAILED ${f}`);

  const verdicts: string[] = [];
  if (failed > 0) verdicts.push(`${failed} failed requests`);
  if (fake.counters.exchanges < Math.floor(elapsed / Number(args.ttl))) verdicts.push('the session was not refreshed as often as its TTL requires');
  if (fake.counters.maxExchangesInFlight > 1) verdicts.push('more than one exchange in flight');
  if (end!.handles > start!.handles + 4) verdicts.push('active handles grew');
  if (end!.connections > start!.connections + 2) verdicts.push('server connections grew');
  if (after.connections !== 0 || after.handles > baselineHandles) verdicts.push('connections or handles left after the load');
  if (end!.heap > start!.heap * 1.2 + 8 * 1024 * 1024) verdicts.push('the live heap grew');
  if (end!.rss > start!.rss * 1.25 + 16 * 1024 * 1024) verdicts.push('RSS grew');
  if (verdicts.length) {
    console.log(`\nFAIL: ${verdicts.join('; ')}`);
    process.exitCode = 1;
  } else console.log('\nPASS: zero failures; RSS, handles and connections flat');
}

function once<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`fake upstream exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

interface Kind {
  name: string;
  path: string;
  body: string;
  anthropic: boolean;
  /** null when the body is a well-formed success; else what's wrong. */
  check: (body: string) => string | null;
}

function requestMix(): Kind[] {
  const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
  const claudeTool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
  const user = (text: string) => [{ role: 'user', content: text }];
  const json = (want: (v: Record<string, unknown>) => boolean) => (body: string) => {
    try {
      return want(JSON.parse(body) as Record<string, unknown>) ? null : `unexpected body ${body.slice(0, 200)}`;
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
  };
  const openaiStream = (body: string) => (body.includes('"error"') ? `error event: ${body.slice(-300)}` : body.trimEnd().endsWith('data: [DONE]') ? null : `stream did not finish: ${body.slice(-200)}`);
  const anthropicStream = (body: string) => (/^event: error/m.test(body) ? `error event: ${body.slice(-300)}` : /event: message_stop/.test(body) ? null : `stream did not finish: ${body.slice(-200)}`);
  const choices = (v: Record<string, unknown>) => Array.isArray(v.choices) && v.choices.length > 0;
  const toolCall = (v: Record<string, unknown>) => JSON.stringify(v.choices).includes('get_weather');
  const message = (v: Record<string, unknown>) => v.type === 'message' && Array.isArray(v.content);
  const toolUse = (v: Record<string, unknown>) => v.stop_reason === 'tool_use';
  const k = (name: string, path: string, body: Record<string, unknown>, check: Kind['check']): Kind => ({ name, path, body: JSON.stringify(body), anthropic: path.startsWith('/v1/messages'), check });
  return [
    k('openai chat', '/v1/chat/completions', { model: 'gpt-4o', messages: user('Say hello in five words.') }, json(choices)),
    k('openai chat stream', '/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: user('Count to ten.') }, openaiStream),
    k('openai tool call', '/v1/chat/completions', { model: 'gpt-4o', tools: [weather], messages: user('Weather in Paris?') }, json(toolCall)),
    k('openai tool call stream', '/v1/chat/completions', { model: 'gpt-5-mini', stream: true, tools: [weather], messages: user('Weather in Rome?') }, openaiStream),
    k('anthropic translated', '/v1/messages', { model: 'claude-haiku-4.5', max_tokens: 256, messages: user('Hello there.') }, json(message)),
    k('anthropic translated stream', '/v1/messages', { model: 'claude-haiku-4.5', max_tokens: 256, stream: true, messages: user('Tell me a story.') }, anthropicStream),
    k('anthropic tool use', '/v1/messages', { model: 'claude-haiku-4.5', max_tokens: 256, tools: [claudeTool], messages: user('Weather in Oslo?') }, json(toolUse)),
    k('anthropic native', '/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 256, messages: user('Hi.') }, json(message)),
    k('anthropic native stream', '/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 256, stream: true, tools: [claudeTool], messages: user('Weather in Lima?') }, anthropicStream),
    k('embeddings', '/v1/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta'] }, json((v) => Array.isArray(v.data) && v.data.length === 2)),
  ];
}

function send(port: number, agent: Agent, path: string, body: string, anthropic: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(anthropic ? { 'anthropic-version': '2023-06-01' } : {}) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout (30 s)')));
    req.on('error', reject);
    req.end(body);
  });
}
