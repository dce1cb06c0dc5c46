/**
 * Translation benchmark (issue #15): what translating a stream costs over passing the same stream
 * through natively, side by side in one run. For each upstream endpoint (/chat/completions,
 * /responses, /v1/messages) the same upstream stream — N events from the fake — goes to its own
 * API's client natively and to the two other client APIs translated. Measured in the relay's own
 * process (a bundled child, like the shipped CLI): CPU µs per upstream event, and time to the first
 * body byte at the client (median of interleaved single streams).
 *
 *   npx tsx bench/translation.bench.ts
 *   BENCH_EVENTS=200 BENCH_INTERVAL_MS=1 BENCH_STREAMS=100 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3 BENCH_TTFB_SAMPLES=150 to tune.
 * BENCH_INTERVAL_MS=0 sends each stream in bursts (many events per read): the worst case for the
 * translated side, whose cost is per event while a native read is forwarded whole.
 *
 * Targets: < 1 ms added to the first byte, < 5 % CPU per event over native.
 */
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { startFakeUpstream } from '../test/fake-github/index.js';
import { askChild, bundleChild, childSource, forkChild } from './bundle-child.js';
import { GROUPS, median, printTable, ROWS, stream as streamOnce, upstreamEvents } from './translation-rows.js';
import type { Row } from './translation-rows.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
/** ms between the fake's events: 1 paces them like a model does (one event per TCP read); 0 sends them in bursts. */
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 1);
/** The fake's think time before its answer (0: answers at once, harsher than any real model). */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 0);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TTFB_SAMPLES = Number(process.env.BENCH_TTFB_SAMPLES ?? 150);
const bundled = process.env.BENCH_NO_BUNDLE !== '1';
const childBundle = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-bench/server-child.mjs', import.meta.url));

const stream = (url: string, row: Row, dispatcher: Agent) => streamOnce(url, row, EVENTS, dispatcher);

async function main(): Promise<void> {
  if (bundled) await bundleChild(childBundle);
  const fake = await startFakeUpstream({ streamChunks: EVENTS, streamIntervalMs: INTERVAL_MS, latencyMs: LATENCY_MS });
  const forget = setInterval(() => fake.requests.splice(0), 500);
  // BENCH_PROXY_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") applies to the relay child.
  const flags = (process.env.BENCH_PROXY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const { proc, info } = await forkChild(bundled ? childBundle : childSource, ['relay'], [...(bundled ? [] : ['--import', 'tsx']), ...flags], { BENCH_FAKE_URL: fake.url, BENCH_FAKE_TOKEN: fake.defaultToken });
  const url = info.url!;
  const cpu = async () => {
    const stats = await askChild<{ cpu: NodeJS.CpuUsage }>(proc, 'stats');
    return stats.cpu.user + stats.cpu.system;
  };
  const agent = new Agent({ connections: CONCURRENCY });

  // Upstream events per stream, counted on the fake's own answer (SSE messages, [DONE] included).
  const eventsOf = await upstreamEvents(fake.capiUrl, info.sessionToken!, EVENTS);

  // Warm-up: JIT, pools, the tokenizer the Messages translation loads once.
  for (const row of ROWS) for (let i = 0; i < 5; i++) await stream(url, row, agent);

  const cpuPerEvent = new Map<Row, number[]>(ROWS.map((r) => [r, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = ROWS.map((_, i) => ROWS[(i + round * 2) % ROWS.length]!);
    for (const row of order) {
      const before = await cpu();
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < STREAMS) {
          next++;
          await stream(url, row, agent);
        }
      }));
      const used = (await cpu()) - before;
      const perEvent = used / (STREAMS * eventsOf.get(row.upstream)!);
      cpuPerEvent.get(row)!.push(perEvent);
      console.error(`  round ${round + 1} ${row.client.padEnd(9)} ← ${row.upstream.padEnd(17)} ${perEvent.toFixed(2)} µs/event`);
    }
  }

  // Time to first byte, one stream at a time, rows interleaved.
  const ttfb = new Map<Row, number[]>(ROWS.map((r) => [r, []]));
  for (let i = 0; i < TTFB_SAMPLES; i++) for (const row of ROWS) ttfb.get(row)!.push(await stream(url, row, agent));

  await agent.close();
  clearInterval(forget);
  // A clean exit lets a --cpu-prof child write its profile.
  await new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.send({ cmd: 'exit' });
  });
  await fake.close();

  const rows: string[][] = [['upstream', 'client', 'kind', 'CPU µs/event', 'vs native', 'TTFB p50 ms', 'Δ vs native']];
  for (const group of GROUPS.filter((g) => ROWS.some((r) => r.upstream === g.upstream))) {
    const native = ROWS.find((r) => r.upstream === group.upstream && r.client === group.native)!;
    const nativeCpu = median(cpuPerEvent.get(native)!);
    const nativeTtfb = median(ttfb.get(native)!);
    for (const row of ROWS.filter((r) => r.upstream === group.upstream)) {
      const c = median(cpuPerEvent.get(row)!);
      const t = median(ttfb.get(row)!);
      const isNative = row === native;
      rows.push([row.upstream, row.client, isNative ? 'native' : 'translated', c.toFixed(2), isNative ? '—' : `${c >= nativeCpu ? '+' : ''}${(((c - nativeCpu) / nativeCpu) * 100).toFixed(0)} %`, t.toFixed(2), isNative ? '—' : `${t >= nativeTtfb ? '+' : ''}${(t - nativeTtfb).toFixed(2)} ms`]);
    }
  }
  console.log(`Streams of ${EVENTS} text events ${INTERVAL_MS} ms apart after ${LATENCY_MS} ms think time (upstream events per stream: ${[...eventsOf].map(([k, v]) => `${k} ${v}`).join(', ')}), ${STREAMS} streams × ${ROUNDS} rounds at concurrency ${CONCURRENCY}; TTFB: ${TTFB_SAMPLES} interleaved single streams. Medians; relay CPU read in its own process.`);
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
