/**
 * Throughput of one bundled proxy second by second, in bursts separated by idle gaps: shows what
 * the idle memory trim costs the next burst (not part of the benchmark's verdicts).
 *   npx tsx bench/after-idle.ts [relay|passthrough] [gap seconds=7] [bursts=3] [burst seconds=4]
 * BENCH_RELAY_TRIM_IDLE_MS and BENCH_PROXY_NODE_FLAGS apply as in the benchmark.
 */
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { askChild, BENCH_CHAT_BODY, bundleChild, fakeChildSource, fakeEnv, forkChild } from './bundle-child.js';

const role = process.argv[2] ?? 'relay';
const gap = Number(process.argv[3] ?? 7);
const bursts = Number(process.argv[4] ?? 3);
const burstSeconds = Number(process.argv[5] ?? 4);
const childBundle = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-bench-profile/server-child.mjs', import.meta.url));
await bundleChild(childBundle);
const fake = await forkChild(fakeChildSource, ['fake'], ['--import', 'tsx']);
const flags = (process.env.BENCH_PROXY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const proxy = await forkChild(childBundle, [role], flags, fakeEnv(fake.info), process.env.PROFILE_CHILD_STDOUT ? 'inherit' : 'ignore');
const url = `${proxy.info.url}/v1/chat/completions`;
type Stats = { rss: number };
for (let burst = 1; burst <= bursts; burst++) {
  const perSecond: number[] = [];
  for (let s = 0; s < burstSeconds; s++) {
    const r = await autocannon({ url, method: 'POST', connections: 32, duration: 1, headers: { 'content-type': 'application/json' }, body: BENCH_CHAT_BODY });
    perSecond.push(r.requests.total);
  }
  const { rss } = await askChild<Stats>(proxy.proc, 'stats');
  console.log(`${role} burst ${burst}: req per second ${perSecond.join(', ')}; RSS ${(rss / 1048576).toFixed(0)} MB`);
  if (burst < bursts) {
    await new Promise((resolve) => setTimeout(resolve, gap * 1000));
    console.log(`  after ${gap} s idle: RSS ${((await askChild<Stats>(proxy.proc, 'stats')).rss / 1048576).toFixed(0)} MB`);
  }
}
proxy.proc.removeAllListeners('exit');
fake.proc.removeAllListeners('exit');
proxy.proc.kill();
fake.proc.kill();
