/**
 * Peak memory of the built CLI's `serve` under concurrent large request bodies (RT-26):
 *   npx tsx bench/large-bodies.ts [clients=8] [MiB=31] [path to a built bin/copilot-relay.js]
 * Starts `serve` against the fake upstream (in this process), sends `clients` chats of `MiB` each
 * at once, samples the serve process's RSS every 20 ms (/proc, Linux), and prints the answers'
 * statuses, the peak RSS and the RSS 10 s later. The third argument measures another build, e.g.
 * an older revision's, for a before/after.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from '../test/fake-github/index.js';

const [clientsArg = '8', mibArg = '31', binArg] = process.argv.slice(2);
const bin = binArg ?? fileURLToPath(new URL('../bin/copilot-relay.js', import.meta.url));
const fake = await startFakeUpstream();
const home = mkdtempSync(join(tmpdir(), 'relay-large-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken };

const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
    const match = /Listening on (\S+)/.exec(out);
    if (match) resolve(match[1]!);
  });
  child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
});
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
// Warm: session and model list.
await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'warm' }] }) })).text();
const before = rssMb();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(Number(mibArg) * 1024 * 1024 - 200) }] });
const started = performance.now();
const statuses = await Promise.all(
  Array.from({ length: Number(clientsArg) }, async () => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    return res.status;
  }),
);
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 10_000));
clearInterval(sampler);
const settled = rssMb();
console.log(`${clientsArg} concurrent ${mibArg} MiB chats through ${bin}`);
console.log(`  statuses ${statuses.sort().join(', ')} in ${(ms / 1000).toFixed(1)} s`);
console.log(`  RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${settled.toFixed(0)} MB 10 s later`);
child.removeAllListeners('exit');
child.kill('SIGTERM');
await fake.close();
rmSync(home, { recursive: true, force: true });
