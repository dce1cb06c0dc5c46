/**
 * Proxy benchmark (issue 5): non-stream chat at concurrency 32, in one run with interleaved rounds,
 * (a) direct to the fake upstream, (b) through a do-nothing Node pass-through proxy, (c) through
 * the relay; plus stream time-to-first-byte (relay vs direct) and the relay's RSS after 10k requests.
 * Each server runs in its own child process so its CPU time per request can be read.
 *
 *   npm run bench            (or: npx tsx bench/proxy.bench.ts)
 *   BENCH_ROUND_SECONDS=3 BENCH_ROUNDS=3 BENCH_TTFB_SAMPLES=300 to tune.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { BENCH_CHAT_BODY, bundleChild, childSource, fakeChildSource } from './bundle-child.js';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'undici';
import autocannon from 'autocannon';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const CONNECTIONS = 32;
const TTFB_SAMPLES = Number(process.env.BENCH_TTFB_SAMPLES ?? 300);
const RSS_AFTER = 10_000;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 40_000);

interface Child {
  proc: ChildProcess;
  url: string;
  info: Record<string, string>;
  stats(): Promise<{ cpu: NodeJS.CpuUsage; rss: number; maxRss: number }>;
  stop(): void;
}

const childBundle = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-bench/server-child.mjs', import.meta.url));


const bundled = process.env.BENCH_NO_BUNDLE !== '1';

const fakeSource = process.env.BENCH_FAKE_SCRIPT ?? fakeChildSource;

function startChild(role: string, env: Record<string, string> = {}): Promise<Child> {
  const script = role === 'fake' ? fakeSource : bundled ? childBundle : childSource;
  const proc = fork(script, [role], {
    // BENCH_PROXY_NODE_FLAGS (e.g. --max-semi-space-size=2) applies to both proxies, to try V8 heap settings.
    execArgv: [...(role === 'fake' || !bundled ? ['--import', 'tsx'] : []), ...(role === 'fake' ? [] : (process.env.BENCH_PROXY_NODE_FLAGS ?? '').split(' ').filter(Boolean))],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start`)), 20_000);
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    proc.once('message', (message: Record<string, string>) => {
      clearTimeout(timer);
      resolve({
        proc,
        url: message.url!,
        info: message,
        stats: () =>
          new Promise((res) => {
            proc.once('message', (m: { cpu: NodeJS.CpuUsage; rss: number; maxRss: number }) => res(m));
            proc.send({ cmd: 'stats' });
          }),
        stop: () => {
          proc.removeAllListeners('exit');
          proc.kill();
        },
      });
    });
  });
}


interface RoundResult { rps: number; p50: number; p99: number; cpuUsPerReq: number | null; requests: number }

async function load(url: string, headers: Record<string, string>, proxy: Child | null): Promise<RoundResult> {
  const before = proxy ? await proxy.stats() : null;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', ...headers },
    body: BENCH_CHAT_BODY,
  });
  const after = proxy ? await proxy.stats() : null;
  const requests = result.requests.total;
  const non2xx = result.non2xx + result.errors;
  if (non2xx > 0) console.error(`  warning: ${non2xx} non-2xx/errors against ${url}`);
  const cpuUs = before && after ? after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system : null;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerReq: cpuUs === null ? null : cpuUs / Math.max(1, requests),
    requests,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function ttfb(url: string, headers: Record<string, string>, dispatcher: Agent): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'ttfb' }] }),
  });
  let first = 0;
  for await (const _chunk of res.body) {
    if (!first) first = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return first;
}

async function main(): Promise<void> {
  const began = Date.now();
  const loadBefore = loadavg()[0]!;
  if (bundled) await bundleChild(childBundle);
  const fake = await startChild('fake');
  const env = { BENCH_FAKE_URL: fake.url, BENCH_FAKE_TOKEN: fake.info.token! };
  const [pass, relay] = await Promise.all([startChild('passthrough', env), startChild('relay', env)]);
  const sessionToken = pass.info.sessionToken!;
  const direct = { url: `${fake.info.capiUrl}/chat/completions`, headers: { authorization: `Bearer ${sessionToken}`, 'editor-version': 'vscode/1.107.0', 'copilot-integration-id': 'vscode-chat' } };
  const targets = {
    direct: () => load(direct.url, direct.headers, null),
    passthrough: () => load(`${pass.url}/v1/chat/completions`, {}, pass),
    relay: () => load(`${relay.url}/v1/chat/completions`, {}, relay),
  } as const;
  type Name = keyof typeof targets;
  const names: Name[] = ['direct', 'passthrough', 'relay'];
  const results: Record<Name, RoundResult[]> = { direct: [], passthrough: [], relay: [] };
  const fakeCpu: Record<Name, number[]> = { direct: [], passthrough: [], relay: [] };

  // Warm-up (JIT, pools), not recorded.
  for (const name of names) await load(name === 'direct' ? direct.url : `${name === 'relay' ? relay.url : pass.url}/v1/chat/completions`, name === 'direct' ? direct.headers : {}, null).catch(() => undefined);

  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const f0 = await fake.stats();
      const r = await targets[name]();
      const f1 = await fake.stats();
      fakeCpu[name].push((f1.cpu.user + f1.cpu.system - f0.cpu.user - f0.cpu.system) / Math.max(1, r.requests));
      results[name].push(r);
      console.error(`  round ${round + 1} ${name.padEnd(11)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms`);
    }
  }

  // Stream TTFB, interleaved one-by-one.
  const agent = new Agent({ connections: 4 });
  const ttfbDirect: number[] = [];
  const ttfbRelay: number[] = [];
  for (let i = 0; i < TTFB_SAMPLES; i++) {
    ttfbDirect.push(await ttfb(direct.url, direct.headers, agent));
    ttfbRelay.push(await ttfb(`${relay.url}/v1/chat/completions`, {}, agent));
  }
  await agent.close();

  // RSS after at least 10k requests through each proxy: right after a last concurrency-32 round of
  // its own (the serial TTFB phase above lets V8 shrink its young generation by itself), and once
  // the proxy has been quiet long enough for the relay's idle trim (30–36 s after its last request).
  let relayed = results.relay.reduce((sum, r) => sum + r.requests, 0) + TTFB_SAMPLES;
  let passed = results.passthrough.reduce((sum, r) => sum + r.requests, 0);
  do passed += (await targets.passthrough()).requests;
  while (passed < RSS_AFTER);
  const passLoaded = await pass.stats();
  do relayed += (await targets.relay()).requests;
  while (relayed < RSS_AFTER);
  const relayLoaded = await relay.stats();
  const loaded = { relay: relayLoaded, pass: passLoaded };
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const settled = { relay: await relay.stats(), pass: await pass.stats() };

  const agg = (name: Name) => ({
    rps: median(results[name].map((r) => r.rps)),
    p50: median(results[name].map((r) => r.p50)),
    p99: median(results[name].map((r) => r.p99)),
    cpu: results[name][0]!.cpuUsPerReq === null ? null : median(results[name].map((r) => r.cpuUsPerReq!)),
    fakeCpu: median(fakeCpu[name]),
  });
  const a = agg('direct');
  const b = agg('passthrough');
  const c = agg('relay');
  const fmt = (n: number | null, digits = 0) => (n === null ? '—' : n.toFixed(digits));
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'proxy CPU µs/req', 'fake CPU µs/req'],
    ['(a) direct to fake', fmt(a.rps), fmt(a.p50, 1), fmt(a.p99, 1), '—', fmt(a.fakeCpu)],
    ['(b) pass-through proxy', fmt(b.rps), fmt(b.p50, 1), fmt(b.p99, 1), fmt(b.cpu), fmt(b.fakeCpu)],
    ['(c) copilot-relay', fmt(c.rps), fmt(c.p50, 1), fmt(c.p99, 1), fmt(c.cpu), fmt(c.fakeCpu)],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) => row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ');
  const out: string[] = [];
  out.push(`Non-stream chat, concurrency ${CONNECTIONS}, ${ROUNDS} interleaved rounds of ${SECONDS}s (medians):`);
  out.push(line(rows[0]!), ...rows.slice(1).map(line));
  out.push('');
  const ttfbD = median(ttfbDirect);
  const ttfbR = median(ttfbRelay);
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  out.push(`relay / pass-through throughput: ${(c.rps / b.rps).toFixed(3)}×   (target ≥ 1.0×: ${verdict(c.rps / b.rps >= 1.0)})`);
  // Also shown, not judged: the ratio within each round (relay and pass-through ran seconds apart
  // there), which cancels the box's drift between rounds; the verdict above uses the medians.
  const paired = results.relay.map((r, i) => r.rps / results.passthrough[i]!.rps);
  out.push(`  per round: ${paired.map((x) => x.toFixed(2)).join(', ')} (median ${median(paired).toFixed(3)}×)`);
  out.push(`relay / direct throughput:       ${(c.rps / a.rps).toFixed(3)}×`);
  if (b.cpu !== null && c.cpu !== null) out.push(`CPU per request relay / pass-through: ${(c.cpu / b.cpu).toFixed(3)}×   (target ≤ 1.0×: ${verdict(c.cpu <= b.cpu)})`);
  out.push(`p99 added vs pass-through:       ${(c.p99 - b.p99).toFixed(1)} ms   (target ≤ 2 ms: ${verdict(c.p99 - b.p99 <= 2)})`);
  out.push(`stream TTFB median (${TTFB_SAMPLES} samples): direct ${ttfbD.toFixed(2)} ms, relay ${ttfbR.toFixed(2)} ms, overhead ${(ttfbR - ttfbD).toFixed(2)} ms   (target < 1 ms: ${verdict(ttfbR - ttfbD < 1)})`);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  out.push(`RSS after ≥ ${RSS_AFTER} requests (relay ${relayed}, pass-through ${passed}):`);
  out.push(`  at the end of the load:  relay ${mb(loaded.relay.rss)}, pass-through ${mb(loaded.pass.rss)}   (peak: relay ${mb(loaded.relay.maxRss)}, pass-through ${mb(loaded.pass.maxRss)})`);
  out.push(`  ${SETTLE_MS / 1000} s later, idle:      relay ${mb(settled.relay.rss)}, pass-through ${mb(settled.pass.rss)}   (target < 80 MB: ${verdict(settled.relay.rss < 80 * 1024 * 1024)})`);
  // Two cores shared with the load generator and the fake: other work on the box moves every figure.
  out.push(`total bench time: ${((Date.now() - began) / 1000).toFixed(0)} s; 1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end (the bench itself adds ~2; ${loadBefore > 1 ? 'BUSY machine before the run: indicative only' : 'quiet before the run'})`);
  console.log(out.join('\n'));

  for (const child of [relay, pass, fake]) child.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
