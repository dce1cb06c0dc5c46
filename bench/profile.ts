/**
 * Profiling helper for the proxy hot path (not part of the benchmark's verdicts):
 *   npx tsx bench/profile.ts [relay|passthrough] [seconds]
 * Starts the fake upstream and one bundled proxy child (BENCH_PROXY_NODE_FLAGS apply, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`), loads it with autocannon (concurrency 32, non-stream chat),
 * prints req/s, CPU µs/request and the child's process.memoryUsage() before/after a forced GC,
 * then lets the child exit normally so a --cpu-prof profile gets written. PROFILE_SMAPS=1 adds the
 * child's RSS by mapping (Linux), PROFILE_SMAPS=12 again after 12 s idle (the idle trim).
 */
import { fileURLToPath } from 'node:url';
import { askChild, BENCH_CHAT_BODY, bundleChild, fakeChildSource, fakeEnv, forkChild } from './bundle-child.js';
import { rssBreakdown } from './rss-breakdown.js';
import autocannon from 'autocannon';

const role = process.argv[2] ?? 'relay';
const seconds = Number(process.argv[3] ?? 10);
const childBundle = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-bench-profile/server-child.mjs', import.meta.url));

const start = (script: string, args: string[], execArgv: string[], env: Record<string, string> = {}) =>
  forkChild(script, args, execArgv, env, process.env.PROFILE_CHILD_STDOUT ? 'inherit' : 'ignore');
const ask = askChild;

await bundleChild(childBundle);
const fake = await start(fakeChildSource, ['fake'], ['--import', 'tsx']);
const flags = ['--expose-gc', ...(process.env.BENCH_PROXY_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
const proxy = await start(childBundle, [role], flags, fakeEnv(fake.info));
const url = `${proxy.info.url}/v1/chat/completions`;
const run = (duration: number) => autocannon({ url, method: 'POST', connections: 32, duration, headers: { 'content-type': 'application/json' }, body: BENCH_CHAT_BODY });
type Stats = { cpu: NodeJS.CpuUsage; mem: NodeJS.MemoryUsage };
const mb = (m: NodeJS.MemoryUsage) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round((v / 1048576) * 10) / 10]));
const warm = await run(2);
// PROFILE_PID_FILE: write the child's pid and give an external tool (strace -c -p, perf) time to attach.
if (process.env.PROFILE_PID_FILE) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.PROFILE_PID_FILE, String(proxy.proc.pid));
  await new Promise((resolve) => setTimeout(resolve, 1500));
}
console.log('after warm-up  ', mb((await ask<Stats>(proxy.proc, 'stats')).mem));
const s0 = await ask<Stats>(proxy.proc, 'stats');
const r = await run(seconds);
const s1 = await ask<Stats>(proxy.proc, 'stats');
const cpu = s1.cpu.user + s1.cpu.system - s0.cpu.user - s0.cpu.system;
console.log(`${role}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms, ${(cpu / r.requests.total).toFixed(0)} µs CPU/req, ${r.requests.total} req, non2xx ${r.non2xx + r.errors}`);
console.log(`requests incl. warm-up: ${warm.requests.total + r.requests.total}`);
console.log('after load     ', mb(s1.mem));
proxy.proc.send({ cmd: 'gc' });
console.log('after gc       ', mb((await ask<Stats>(proxy.proc, 'stats')).mem));
// PROFILE_SMAPS=1: the child's RSS by mapping now; PROFILE_SMAPS=N (N > 1): again after N s idle.
if (process.env.PROFILE_SMAPS) {
  console.log(rssBreakdown(proxy.proc.pid!));
  if (Number(process.env.PROFILE_SMAPS) > 1) {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.PROFILE_SMAPS) * 1000));
    console.log(`after ${process.env.PROFILE_SMAPS} s idle:\n${rssBreakdown(proxy.proc.pid!)}`);
  }
}
proxy.proc.removeAllListeners('exit');
fake.proc.removeAllListeners('exit');
proxy.proc.send({ cmd: 'exit' });
await new Promise((resolve) => proxy.proc.once('exit', resolve));
fake.proc.kill();
