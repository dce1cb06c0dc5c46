/**
 * Instructions per request of the relay and the pass-through, counted by valgrind (cachegrind, no
 * cache simulation): far steadier than CPU time on this shared 2-vCPU box (±3 % between runs, from
 * JIT and GC timing, against ±20 % for CPU time).
 *   npx tsx bench/instructions.ts [low=5000] [high=15000]
 * Runs each bench child under valgrind twice, serving `low` and then `high` non-stream chat requests
 * (concurrency 8) from the fake upstream, and prints (Ir(high) − Ir(low)) / (high − low): the
 * steady-state cost of one request, with start-up and most JIT compilation cancelled out.
 * Needs `valgrind` (apt-get install valgrind); takes ~3 minutes with the four runs in parallel.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BENCH_CHAT_BODY, bundleChild, fakeChildSource, fakeEnv, forkChild } from './bundle-child.js';

const [low, high] = [Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 15000)];
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (apt-get install valgrind).');
  process.exit(2);
}
const cache = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-instructions/', import.meta.url));
const childBundle = `${cache}server-child.mjs`;
await bundleChild(childBundle);

const { proc: fake, info: fakeInfo } = await forkChild(fakeChildSource, ['fake'], ['--import', 'tsx']);

/** Total instructions of one child process that served `requests` requests. */
async function count(role: string, requests: number): Promise<number> {
  const out = `${cache}cg-${role}-${requests}.out`;
  const child: ChildProcess = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', `--cachegrind-out-file=${out}`, process.execPath, childBundle, role], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...fakeEnv(fakeInfo) },
  });
  child.stderr!.resume();
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${role} under valgrind exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  const result = await autocannon({ url: `${info.url}/v1/chat/completions`, method: 'POST', connections: 8, amount: requests, timeout: 120, headers: { 'content-type': 'application/json' }, body: BENCH_CHAT_BODY });
  // Under valgrind on a loaded box a keep-alive socket the fake just closed (after 5 s idle) is
  // sometimes reused: a handful of failures out of thousands barely moves the count; more is a fault.
  const failed = result.non2xx + result.errors;
  if (failed > requests / 1000) throw new Error(`${role}: ${failed} failed requests`);
  if (failed > 0) console.error(`  note: ${role} had ${failed} failed request(s) of ${requests}`);
  child.send({ cmd: 'exit' });
  await new Promise((resolve) => child.once('exit', resolve));
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  if (!summary) throw new Error(`no cachegrind summary for ${role}`);
  return Number(summary[1]);
}

const roles = ['passthrough', 'relay'] as const;
const counts = await Promise.all(roles.flatMap((role) => [count(role, low), count(role, high)]));
fake.kill();
const perRequest = (i: number) => (counts[i * 2 + 1]! - counts[i * 2]!) / (high - low);
const pass = perRequest(0);
const relay = perRequest(1);
console.log(`instructions per request (valgrind, ${low} → ${high} requests):`);
console.log(`  pass-through ${(pass / 1000).toFixed(1)}k`);
console.log(`  relay        ${(relay / 1000).toFixed(1)}k   (${(relay / pass).toFixed(3)}× the pass-through)`);
