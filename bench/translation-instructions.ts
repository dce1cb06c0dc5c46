/**
 * Instructions per upstream event of translated streams against a native pass-through of the same
 * stream, counted by valgrind (callgrind, no cache simulation) in the relay's own process: the
 * repeatable twin of bench/translation.bench.ts, whose CPU times swing ±20 % on this shared box.
 *
 *   npx tsx bench/translation-instructions.ts
 *   BENCH_EVENTS=100 BENCH_INTERVAL_MS=10 BENCH_STREAMS=4 BENCH_ROUNDS=2 BENCH_WARMUP=4 to tune; BENCH_ONLY as in the bench.
 *
 * One relay child runs under callgrind. After a warm-up of every row (JIT, pools, the tokenizer),
 * each row's streams run one at a time between `callgrind_control --zero` and `--dump`, so a
 * dump holds exactly that row's work (all threads: V8's compiler and GC helpers included). Events
 * are paced (default 10 ms apart: the relay runs ~100× slower under valgrind, and one event per
 * read is the case measured); BENCH_INTERVAL_MS=0 counts bursts. Needs valgrind (apt-get install
 * valgrind); takes ~4 minutes for all nine rows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { startFakeUpstream } from '../test/fake-github/index.js';
import { bundleChild } from './bundle-child.js';
import { GROUPS, median, printTable, ROWS, stream, upstreamEvents } from './translation-rows.js';
import type { Row } from './translation-rows.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 10);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4);

if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['--version']).status !== 0) {
  console.error('valgrind (with callgrind_control) is not installed (apt-get install valgrind).');
  process.exit(2);
}
const cache = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-translation-instructions/', import.meta.url));
const childBundle = `${cache}server-child.mjs`;
const dumps = `${cache}dumps/`;
await bundleChild(childBundle);
rmSync(dumps, { recursive: true, force: true });
mkdirSync(dumps, { recursive: true });

const fake = await startFakeUpstream({ streamChunks: EVENTS, streamIntervalMs: INTERVAL_MS });
const forget = setInterval(() => fake.requests.splice(0), 500);
// BENCH_NODE_FLAGS: V8/Node flags for the relay under valgrind (default --single-threaded: V8's compiler and
// GC work on the main thread, at the same points every run, instead of on helper threads whenever
// valgrind schedules them, which swung counts ×4 between rounds).
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '--single-threaded').split(' ').filter(Boolean);
const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--separate-threads=yes', `--callgrind-out-file=${dumps}cg.out`, process.execPath, ...nodeFlags, childBundle, 'relay'], {
  stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  env: { ...process.env, BENCH_FAKE_URL: fake.url, BENCH_FAKE_TOKEN: fake.defaultToken },
});
child.stderr!.resume();
const info = await new Promise<Record<string, string>>((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`relay under valgrind exited with ${code}`)));
});
child.removeAllListeners('exit');
const pid = String(child.pid);
const url = info.url!;
const agent = new Agent({ connections: 1 });

const control = (option: string) => {
  const result = spawnSync('callgrind_control', [option, pid], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${option}: ${result.stderr}`);
};
let dumped = 0;
/** Inclusive cost of compiling JavaScript in a dump (callgrind_annotate), as `Ir function` lines. */
const COMPILING = /^\s*([\d,]+)\s.*(?:Runtime_CompileOptimized|Runtime_CompileLazy|Runtime_InstallBaselineCode|Compiler::CompileSharedWithBaseline)\(/gm;
/**
 * Instructions of the relay's main thread since the last zero, less what compiling JavaScript
 * cost in them (TurboFan's re-optimisations landed in random rounds, up to 80 % of a round's
 * count; a long-running relay has none), and of all its threads (the token-counting worker, which
 * starts and loads its tables when a Messages caller first needs it, and libuv's pool).
 */
function instructionsSinceZero(): { main: number; compiling: number; all: number } {
  control('--dump');
  dumped++;
  const files = readdirSync(dumps).filter((name) => new RegExp(`\\.${dumped}-\\d+$`).test(name));
  if (files.length === 0) throw new Error(`callgrind dump ${dumped} not found`);
  let main = 0;
  let all = 0;
  let compiling = 0;
  for (const file of files) {
    const summary = /^summary:\s+(\d+)/m.exec(readFileSync(`${dumps}${file}`, 'utf8'));
    if (!summary) throw new Error(`no summary in ${file}`);
    all += Number(summary[1]);
    if (!file.endsWith('-01')) continue;
    main = Number(summary[1]);
    const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', `${dumps}${file}`], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout;
    for (const match of annotated.matchAll(COMPILING)) compiling += Number(match[1]!.replace(/,/g, ''));
  }
  return { main, compiling, all };
}

const eventsOf = await upstreamEvents(fake.capiUrl, info.sessionToken!, EVENTS);
for (const row of ROWS) for (let i = 0; i < WARMUP; i++) await stream(url, row, EVENTS, agent);

const perEvent = new Map<Row, number[]>(ROWS.map((r) => [r, []]));
const allThreads = new Map<Row, number[]>(ROWS.map((r) => [r, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const row of ROWS.map((_, i) => ROWS[(i + round * 2) % ROWS.length]!)) {
    control('--zero');
    for (let i = 0; i < STREAMS; i++) await stream(url, row, EVENTS, agent);
    const events = STREAMS * eventsOf.get(row.upstream)!;
    const { main, compiling, all } = instructionsSinceZero();
    const count = (main - compiling) / events;
    perEvent.get(row)!.push(count);
    allThreads.get(row)!.push(all / events);
    const k = (n: number) => `${(n / events / 1000).toFixed(1)}k`;
    console.error(`  round ${round + 1} ${row.client.padEnd(9)} ← ${row.upstream.padEnd(17)} ${k(main - compiling)} instructions/event on the main thread (+${k(compiling)} compiling; all threads ${k(all)})`);
  }
}

await agent.close();
clearInterval(forget);
child.send({ cmd: 'exit' });
await new Promise((resolve) => child.once('exit', resolve));
await fake.close();

const table: string[][] = [['upstream', 'client', 'kind', 'instructions/event', 'vs native', 'all threads']];
for (const group of GROUPS.filter((g) => ROWS.some((r) => r.upstream === g.upstream))) {
  const native = ROWS.find((r) => r.upstream === group.upstream && r.client === group.native)!;
  const base = median(perEvent.get(native)!);
  for (const row of ROWS.filter((r) => r.upstream === group.upstream)) {
    const count = median(perEvent.get(row)!);
    const delta = ((count - base) / base) * 100;
    table.push([row.upstream, row.client, row === native ? 'native' : 'translated', `${(count / 1000).toFixed(1)}k`, row === native ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(1)} %`, `${(median(allThreads.get(row)!) / 1000).toFixed(1)}k`]);
  }
}
console.log(`Instructions per upstream event on the relay's main thread, JavaScript compilation left out (callgrind; all threads: the same with compilation, helper threads and the token worker): streams of ${EVENTS} text events ${INTERVAL_MS} ms apart (upstream events per stream: ${[...eventsOf].map(([k, v]) => `${k} ${v}`).join(', ')}), ${STREAMS} streams one at a time × ${ROUNDS} rounds after ${WARMUP} warm-up streams per row. Medians.`);
printTable(table);
