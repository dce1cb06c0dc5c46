/**
 * A/B of the relay's CPU per request between a git revision and the working tree (a development
 * tool, not a verdict):
 *   npx tsx bench/ab.ts [base-rev=HEAD] [rounds=6] [seconds=4] [rate=1500]
 * Bundles bench/server-child.ts from both trees, starts one relay child per tree and loads both
 * at the same time, each with non-stream chat at concurrency 32 and a fixed rate (req/s; 0 = as
 * fast as possible) against one fake upstream, printing CPU µs/request per round and the median
 * per-round ratio. Loading them together puts both under the same conditions of this noisy
 * shared box (run one after the other, single figures swing by ±20 %); the fixed rate makes them
 * batch alike. AB_PIN=1 pins the relays to CPU 1 and the rest to CPU 0 (made it noisier here).
 * AB_B_LEDGER=1: the working tree's relay records every request in the usage ledger (what it costs:
 * `AB_B_LEDGER=1 npx tsx bench/ab.ts HEAD` with no code change between the two); `memory`: the
 * usage tracker without its database. AB_A_LEDGER: the same for the base side's relay (both on: this
 * tree's ledger cost against the base's, as users run it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { askChild, BENCH_CHAT_BODY, bundleChild, fakeChildSource, fakeEnv, forkChild } from './bundle-child.js';

const [baseRev = 'HEAD', roundsArg = '6', secondsArg = '4', rateArg = '1500'] = process.argv.slice(2);
const rate = Number(rateArg);
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
const root = fileURLToPath(new URL('..', import.meta.url));
const cache = `${root}node_modules/.cache/copilot-relay-ab`;
const baseTree = `${cache}/base-tree`;

rmSync(baseTree, { recursive: true, force: true });
mkdirSync(baseTree, { recursive: true });
// The base revision's sources, without touching the working tree or the index.
execFileSync('sh', ['-c', `git -C "${root}" archive ${baseRev} src test bench | tar -x -C "${baseTree}"`]);
if (!existsSync(`${baseTree}/node_modules`)) symlinkSync(`${root}node_modules`, `${baseTree}/node_modules`);
const { bundleChild: bundleBase } = (await import(`${baseTree}/bench/bundle-child.ts`)) as { bundleChild: typeof bundleChild };
await bundleBase(`${cache}/a/server-child.mjs`);
await bundleChild(`${cache}/b/server-child.mjs`);

const pinned = process.env.AB_PIN === '1' && spawnSync('taskset', ['-c', '1', 'true']).status === 0;
async function start(script: string, args: string[], execArgv: string[], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const child = await forkChild(script, args, execArgv, env);
  if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(child.proc.pid)]);
  return child;
}
/** Process CPU (µs, worker threads included) and the main thread's busy time (µs; NaN from a base without it). */
const cpu = async (proc: ChildProcess) => {
  const { cpu: used, loopMs } = await askChild<{ cpu: NodeJS.CpuUsage; loopMs?: number }>(proc, 'stats');
  return { cpu: used.user + used.system, loop: (loopMs ?? Number.NaN) * 1000 };
};

if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
const fake = await start(fakeChildSource, ['fake'], ['--import', 'tsx']);
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '0', String(fake.proc.pid)]);
const env = fakeEnv(fake.info);
// AB_BASE_ROLE=passthrough: compare the working tree's relay with the pass-through proxy instead.
const baseRole = process.env.AB_BASE_ROLE ?? 'relay';
const children = {
  a: await start(baseRole === 'relay' ? `${cache}/a/server-child.mjs` : `${cache}/b/server-child.mjs`, [baseRole], [], { ...env, ...(process.env.AB_A_LEDGER ? { BENCH_RELAY_LEDGER: process.env.AB_A_LEDGER } : {}) }),
  b: await start(`${cache}/b/server-child.mjs`, ['relay'], [], { ...env, ...(process.env.AB_B_LEDGER ? { BENCH_RELAY_LEDGER: process.env.AB_B_LEDGER } : {}) }),
};
const run = async (name: 'a' | 'b', duration: number) => {
  const child = children[name];
  const before = await cpu(child.proc);
  const result = await autocannon({ url: `${child.info.url}/v1/chat/completions`, method: 'POST', connections: 32, duration, ...(rate > 0 ? { overallRate: rate } : {}), headers: { 'content-type': 'application/json' }, body: BENCH_CHAT_BODY });
  const after = await cpu(child.proc);
  return { perReq: (after.cpu - before.cpu) / result.requests.total, loopPerReq: (after.loop - before.loop) / result.requests.total, rps: result.requests.average };
};
await Promise.all([run('a', 2), run('b', 2)]);
const per: Record<'a' | 'b', number[]> = { a: [], b: [] };
const loop: Record<'a' | 'b', number[]> = { a: [], b: [] };
for (let round = 0; round < rounds; round++) {
  // Both at once: the same moment on this noisy box for both, so their ratio is steady.
  const [ra, rb] = await Promise.all([run('a', seconds), run('b', seconds)]);
  per.a.push(ra.perReq);
  per.b.push(rb.perReq);
  loop.a.push(ra.loopPerReq);
  loop.b.push(rb.loopPerReq);
  console.log(`round ${round + 1}: base ${baseRev} ${ra.perReq.toFixed(0)} µs CPU/req (${ra.rps.toFixed(0)} req/s), working tree ${rb.perReq.toFixed(0)} µs CPU/req (${rb.rps.toFixed(0)} req/s), ratio ${(rb.perReq / ra.perReq).toFixed(3)}; event loop busy ${ra.loopPerReq.toFixed(0)} / ${rb.loopPerReq.toFixed(0)} µs/req`);
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
const a = median(per.a);
const b = median(per.b);
const ratios = per.a.map((x, i) => per.b[i]! / x);
console.log(`${pinned ? 'relays pinned to CPU 1; ' : ''}median CPU µs/request: base ${a.toFixed(0)}, working tree ${b.toFixed(0)}; median per-round ratio ${median(ratios).toFixed(3)} (range ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
const loopRatios = loop.a.map((x, i) => loop.b[i]! / x);
console.log(`median event-loop busy µs/request (main thread only; worker threads excluded): base ${median(loop.a).toFixed(0)}, working tree ${median(loop.b).toFixed(0)}; median per-round ratio ${median(loopRatios).toFixed(3)}`);
for (const child of [children.a, children.b, fake]) {
  child.proc.removeAllListeners('exit');
  child.proc.kill();
}
