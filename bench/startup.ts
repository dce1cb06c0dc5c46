/**
 * Start-up cost of the built CLI, a git revision against the working tree, side by side:
 *   npx tsx bench/startup.ts [base-rev=HEAD] [runs=9]
 * Builds both trees (scripts/build.mjs; the base from `git archive` into node_modules/.cache), starts
 * the fake upstream, then alternates the two builds for each case and prints medians:
 * `--version` and `status --json` (signed in through COPILOT_RELAY_GITHUB_TOKEN against the fake:
 * one exchange, one quota call) as wall time and peak RSS; `serve` as time to its Listening line,
 * and its RSS after that and after one chat. Used to decide how undici is loaded (bench/README.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from '../test/fake-github/index.js';

const [baseRev = 'HEAD', runsArg = '9'] = process.argv.slice(2);
const runs = Number(runsArg);
const root = fileURLToPath(new URL('..', import.meta.url));
const baseTree = `${root}node_modules/.cache/copilot-relay-startup/base-tree`;

rmSync(baseTree, { recursive: true, force: true });
mkdirSync(baseTree, { recursive: true });
execFileSync('sh', ['-c', `git -C "${root}" archive ${baseRev} | tar -x -C "${baseTree}"`]);
if (!existsSync(`${baseTree}/node_modules`)) symlinkSync(`${root}node_modules`, `${baseTree}/node_modules`);
for (const tree of [baseTree, root]) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: tree, stdio: 'inherit' });

const fake = await startFakeUpstream();
const home = mkdtempSync(join(tmpdir(), 'relay-startup-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken };
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NODE_OPTIONS']) delete env[name];

/** Wall time and peak RSS (KB) of one run, from the kernel's accounting of the child (GNU time). Async: the fake answers from this process. */
function timed(tree: string, args: string[]): Promise<{ ms: number; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', process.execPath, `${tree}/bin/copilot-relay.js`, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => {
      const [seconds, kb] = stderr.trim().split('\n').at(-1)!.split(' ');
      resolve({ ms: Number(seconds) * 1000, maxRssKb: Number(kb) });
    });
  });
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function serve(tree: string): Promise<{ listenMs: number; rssKb: number; rssAfterChatKb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [`${tree}/bin/copilot-relay.js`, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const match = /Listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const listenMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const idle = rssKb(child.pid!);
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
  await res.text();
  const afterChat = rssKb(child.pid!);
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return { listenMs, rssKb: idle, rssAfterChatKb: afterChat };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const trees = { base: baseTree, tree: root } as const;
type Name = keyof typeof trees;
const rows: Record<string, Record<Name, number[]>> = {};
const note = (key: string, name: Name, value: number) => (((rows[key] ??= { base: [], tree: [] })[name]).push(value));

for (let i = 0; i < runs; i++) {
  for (const name of (i % 2 ? ['tree', 'base'] : ['base', 'tree']) as Name[]) {
    const version = await timed(trees[name], ['--version']);
    note('--version ms', name, version.ms);
    note('--version peak RSS MB', name, version.maxRssKb / 1024);
    const status = await timed(trees[name], ['status', '--json']);
    note('status --json ms', name, status.ms);
    note('status --json peak RSS MB', name, status.maxRssKb / 1024);
    const served = await serve(trees[name]);
    note('serve: ms to Listening', name, served.listenMs);
    note('serve: RSS MB when listening', name, served.rssKb / 1024);
    note('serve: RSS MB after one chat', name, served.rssAfterChatKb / 1024);
  }
}

console.log(`Built CLI start-up, medians of ${runs} alternating runs: base ${baseRev} vs working tree`);
for (const [key, values] of Object.entries(rows)) console.log(`  ${key.padEnd(30)} base ${median(values.base).toFixed(1).padStart(7)}   tree ${median(values.tree).toFixed(1).padStart(7)}`);
await fake.close();
rmSync(home, { recursive: true, force: true });
