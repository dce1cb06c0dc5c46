/**
 * Issue #18's model-id target (RT-08): a request whose model id is 400 KB answers in < 1 s on every
 * route, and `/health` keeps answering in < 50 ms meanwhile.
 *   npx tsx bench/model-id.bench.ts
 * The bundled relay (bench/server-child.ts, as the CLI is bundled) and the fake upstream run in
 * their own processes; this process sends each hostile request while polling `/health` every 5 ms
 * on another connection, and prints the answer time and the slowest `/health` during it.
 * Figures are indicative: the machine is shared (2 cores, several engineers' test runs).
 */
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { bundleChild, fakeChildSource, fakeEnv, forkChild } from './bundle-child.js';

const SIZE = 400_000;
const ANSWER_TARGET_MS = 1000;
const HEALTH_TARGET_MS = 50;

const shapes: Record<string, string> = {
  "'[' repeated": '['.repeat(SIZE),
  "'[' then ']'": `${'['.repeat(SIZE - 1)}]`,
  "'-v1' repeated": '-v1'.repeat(SIZE / 3),
  'claude- then digits': `claude-sonnet-${'4-'.repeat(SIZE / 2 - 7)}`,
  'letters': 'a'.repeat(SIZE),
};

const routes: Record<string, (model: string) => unknown> = {
  '/v1/messages': (model) => ({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  '/v1/messages/count_tokens': (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
  '/v1/chat/completions': (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
  '/v1/responses': (model) => ({ model, input: 'hi' }),
  '/v1/embeddings': (model) => ({ model, input: 'hi' }),
};

function call(url: URL, path: string, agent: Agent, body?: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: body === undefined ? 'GET' : 'POST', agent, headers: { host: url.host, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls /health every 5 ms until stopped; returns the slowest answer seen. */
function watchHealth(url: URL): { stop: () => Promise<number> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) {
      const { ms } = await call(url, '/health', agent);
      worst = Math.max(worst, ms);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
      return worst;
    },
  };
}

const cache = fileURLToPath(new URL('../node_modules/.cache/copilot-relay-model-id/', import.meta.url));
const bundle = `${cache}server-child.mjs`;
await bundleChild(bundle);
const { proc: fake, info: fakeInfo } = await forkChild(fakeChildSource, ['fake'], ['--import', 'tsx']);
const { proc: relay, info } = await forkChild(bundle, ['relay'], [], { ...fakeEnv(fakeInfo), BENCH_RELAY_SILENT: '1' });
const url = new URL(info.url!);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

// Warm up: the model list cached, the routes' code compiled.
await call(url, '/v1/models', agent);
for (const [path, body] of Object.entries(routes)) await call(url, path, agent, JSON.stringify(body('gpt-4o')));

let failures = 0;
console.log(`model id of ${SIZE / 1000} KB; targets: answer < ${ANSWER_TARGET_MS} ms, /health < ${HEALTH_TARGET_MS} ms meanwhile (indicative: shared 2-core machine)`);
console.log(`${'route'.padEnd(28)}${'model id'.padEnd(22)}status  answer ms  worst /health ms`);
for (const [path, body] of Object.entries(routes)) {
  for (const [shape, model] of Object.entries(shapes)) {
    const payload = JSON.stringify(body(model));
    const health = watchHealth(url);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { status, ms } = await call(url, path, agent, payload);
    const worstHealth = await health.stop();
    const ok = ms < ANSWER_TARGET_MS && worstHealth < HEALTH_TARGET_MS;
    if (!ok) failures++;
    console.log(`${path.padEnd(28)}${shape.padEnd(22)}${String(status).padEnd(8)}${ms.toFixed(1).padStart(9)}  ${worstHealth.toFixed(1).padStart(16)}${ok ? '' : '  ← MISSED'}`);
  }
}
agent.destroy();
relay.kill();
fake.kill();
console.log(failures === 0 ? 'All targets met.' : `${failures} measurement(s) missed a target.`);
process.exitCode = failures === 0 ? 0 : 1;
