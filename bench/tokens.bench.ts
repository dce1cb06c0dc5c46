/**
 * Token counting benchmark (issue 18, RT-02 "bounded CPU per request"), through the BUILT CLI:
 * `copilot-relay serve` (bin/copilot-relay.js → dist/cli, with its count-worker entry) in a child
 * process, the fake upstream in another. For 1 MiB of each kind of content it times
 * `POST /v1/messages/count_tokens` while probing `GET /health` every 10 ms, and prints, side by side:
 * the count's latency, the relay's answer vs the full BPE count (no time budget, this process),
 * and `/health` latency during the count. One translated `/v1/messages` stream of 1 MiB (input and
 * output estimates, upstream sends no usage) is timed the same way.
 * Targets: count < 1 s for every content; `/health` < 50 ms while it runs.
 *
 *   npm run build && npx tsx bench/tokens.bench.ts        BENCH_TOKENS_RUNS=5 to repeat each row
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { countRequestTokens, loadEncoder } from '../src/main/core/anthropic/count-tokens.js';
import type { AnthropicRequest } from '../src/main/core/anthropic/types.js';
import { ensureBuilt, startBuiltServe } from '../test/support/built-serve.js';
import { fakeChildSource, forkChild } from './bundle-child.js';

const RUNS = Number(process.env.BENCH_TOKENS_RUNS ?? 3);
const SIZE = 1 << 20;
const PROBE_MS = 10;

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const fit = (text: string): string => text.repeat(Math.ceil(SIZE / text.length)).slice(0, SIZE);
function randomLetters(): string {
  const next = seeded(1);
  return Array.from({ length: SIZE }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
}
function prose(): string {
  const words = 'the of and a to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(' ');
  const next = seeded(2);
  let text = '';
  while (text.length < SIZE) {
    const sentence = Array.from({ length: 6 + Math.floor(next() * 14) }, () => words[Math.floor(next() * words.length)]).join(' ');
    text += `${sentence[0]!.toUpperCase()}${sentence.slice(1)}${next() < 0.2 ? ',' : '.'}${next() < 0.1 ? '\n\n' : ' '}`;
  }
  return text.slice(0, SIZE);
}
/** The relay's own CLI bundle, minified: real-world code with almost no whitespace. */
function minifiedJs(): string {
  const serveChunk = readdirSync('dist/cli/chunks').find((file) => /^serve-.*\.js$/.test(file))!;
  return fit(transformSync(readFileSync(join('dist/cli/chunks', serveChunk), 'utf8'), { minify: true, loader: 'js' }).code.replace(/\n/g, ''));
}

const contents: Array<[string, () => string]> = [
  ['one letter repeated', () => 'a'.repeat(SIZE)],
  ['random letters', randomLetters],
  ['base64', () => randomBytes((SIZE * 3) / 4).toString('base64')],
  ['prose', prose],
  ['minified JS', minifiedJs],
  ['CJK, no punctuation', () => fit('的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事')],
  ['spaces', () => ' '.repeat(SIZE)],
];

interface Row {
  name: string;
  countMs: number[];
  tokens: number;
  exact: number;
  exactMs: number;
  healthMax: number;
  healthP50: number;
  probes: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  ensureBuilt('dist/cli/count-worker.js');
  const fake = await forkChild(fakeChildSource, [], ['--import', 'tsx']);
  const home = mkdtempSync(join(tmpdir(), 'relay-tokens-bench-'));
  const { COPILOT_RELAY_API_KEY: _key, ...inherited } = process.env;
  const relay = await startBuiltServe({ ...inherited, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.info.token, COPILOT_RELAY_GITHUB_URL: fake.info.url, COPILOT_RELAY_GITHUB_API_URL: fake.info.url });
  const encoder = await loadEncoder('o200k_base');

  /** Runs `task` while probing /health; returns its latency and the probes' latencies. */
  const probed = async <T>(task: () => Promise<T>): Promise<{ ms: number; value: T; probes: number[] }> => {
    let done = false;
    const probes: number[] = [];
    const prober = (async () => {
      while (!done) {
        const started = performance.now();
        await (await fetch(`${relay.url}/health`)).arrayBuffer();
        probes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
      }
    })();
    const started = performance.now();
    const value = await task();
    const ms = performance.now() - started;
    done = true;
    await prober;
    return { ms, value, probes };
  };
  const post = async (path: string, body: unknown): Promise<string> => (await fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).text();

  const idle = await probed(() => new Promise((resolve) => setTimeout(resolve, 500)));
  const cold = await probed(() => post('/v1/messages/count_tokens', { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: 'start the worker' }] }));

  const rows: Row[] = [];
  for (const [name, make] of contents) {
    const request: AnthropicRequest = { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: make() }] };
    const exactStarted = performance.now();
    const exact = countRequestTokens(request, encoder, { claude: true });
    const row: Row = { name, countMs: [], tokens: 0, exact, exactMs: performance.now() - exactStarted, healthMax: 0, healthP50: 0, probes: 0 };
    const all: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { ms, value, probes } = await probed(() => post('/v1/messages/count_tokens', request));
      row.countMs.push(ms);
      row.tokens = (JSON.parse(value) as { input_tokens: number }).input_tokens;
      all.push(...probes);
    }
    Object.assign(row, { healthMax: Math.max(...all), healthP50: median(all), probes: all.length });
    rows.push(row);
  }

  const streamBody = { model: 'claude-haiku-4.5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: randomLetters() }] };
  fake.proc.send({ cmd: 'knobs', knobs: { streamUsage: false } });
  const stream = await probed(() => post('/v1/messages', streamBody));

  const f = (n: number) => n.toFixed(0).padStart(6);
  console.log(`\nToken counting through the built CLI, 1 MiB per request, ${RUNS} runs per row; /health probed every ${PROBE_MS} ms`);
  console.log(`idle /health: p50 ${idle.probes.length ? median(idle.probes).toFixed(1) : '-'} ms, max ${Math.max(...idle.probes).toFixed(1)} ms; first count (worker start + tables): ${cold.ms.toFixed(0)} ms, /health max ${Math.max(...cold.probes, 0).toFixed(1)} ms\n`);
  console.log('| content | count_tokens ms (median / max) | answer | full BPE count (ms, this process) | answer/full | /health p50 / max ms (probes) |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${f(median(row.countMs))} / ${f(Math.max(...row.countMs))} | ${row.tokens} | ${row.exact} (${row.exactMs.toFixed(0)}) | ${(row.tokens / row.exact).toFixed(3)} | ${row.healthP50.toFixed(1)} / ${row.healthMax.toFixed(1)} (${row.probes}) |`);
  }
  const events = stream.value.split('\n\n').filter((block) => block.startsWith('event: message_'));
  console.log(`\nTranslated stream, 1 MiB random letters, no upstream usage: ${stream.ms.toFixed(0)} ms end to end, /health p50 ${median(stream.probes).toFixed(1)} / max ${Math.max(...stream.probes).toFixed(1)} ms (${stream.probes.length} probes); ${events.length} message_* events`);
  const worst = Math.max(...rows.map((row) => Math.max(...row.countMs)));
  const worstHealth = Math.max(...rows.map((row) => row.healthMax), ...stream.probes);
  console.log(`\nTargets: count < 1000 ms → worst ${worst.toFixed(0)} ms ${worst < 1000 ? 'MET' : 'MISSED'}; /health < 50 ms during counts → worst ${worstHealth.toFixed(1)} ms ${worstHealth < 50 ? 'MET' : 'MISSED'}`);

  await relay.stop();
  fake.proc.kill();
  rmSync(home, { recursive: true, force: true });
}

await main();
