/**
 * Wall time of one `codex exec` turn (pinned Codex, see e2e/clients/support/install.ts), interleaved
 * round by round so machine noise hits every way alike:
 *   direct   Codex straight at the fake's Responses endpoint with a Copilot session token (and its
 *            web_search tool off: Copilot refuses it, the relay filters it)
 *   relay    Codex at the built relay through a custom provider (HTTP only)
 *   builtin  Codex at the built relay through the built-in OpenAI provider (`openai_base_url`),
 *            which tries a WebSocket on /v1/responses first (issue #15 item 5)
 *   npx tsx bench/codex-wall-time.ts [rounds=7]        (needs `npm run build`; installs Codex once)
 * Each run starts Codex in a fresh throwaway home, as `codex exec` in CI or a script would.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { codexRun } from '../e2e/clients/agents/codex.js';
import { agentBin, ensureAgent } from '../e2e/clients/support/install.js';
import { runAgent } from '../e2e/clients/support/run-agent.js';
import { makeSandbox } from '../e2e/clients/support/sandbox.js';
import type { RunSpec } from '../e2e/clients/support/scenarios.js';
import { startStack } from '../e2e/clients/support/stack.js';
import { BUILT_IN_IDENTITY } from '../src/main/core/copilot/identity.js';

type Way = 'direct' | 'relay' | 'builtin';
const WAYS: Way[] = ['direct', 'relay', 'builtin'];
const rounds = Number(process.argv[2] ?? 7);

await ensureAgent('codex');
const stack = await startStack();
const exchange = await fetch(`${stack.fake.url}/copilot_internal/v2/token`, { headers: { authorization: `token ${stack.fake.defaultToken}` } });
const sessionToken = ((await exchange.json()) as { token: string }).token;

async function once(way: Way): Promise<number> {
  const box = await makeSandbox(`bench-codex-${way}`);
  try {
    const spec: RunSpec = { box, baseUrl: stack.relayUrl, apiKey: way === 'direct' ? sessionToken : 'unused', model: 'gpt-5-mini', api: 'responses', prompt: 'Reply with the word BENCH.' };
    const prepared = way === 'direct'
      ? codexRun(spec, 'custom', {
          baseUrl: stack.fake.capiUrl,
          headers: { 'Editor-Version': BUILT_IN_IDENTITY.editorVersion, 'Copilot-Integration-Id': BUILT_IN_IDENTITY.integrationId, 'X-GitHub-Api-Version': BUILT_IN_IDENTITY.apiVersion },
          // Copilot refuses the web_search tool Codex sends by default (the relay filters it).
          topLevel: 'web_search = "disabled"\n',
        })
      : codexRun(spec, way === 'builtin' ? 'builtin' : 'custom');
    for (const [path, content] of Object.entries(prepared.files)) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
    const run = await runAgent(agentBin('codex'), prepared.args, { cwd: box.work, env: box.env({ ...stack.guard.env(), ...prepared.env }), runId: box.runId, timeoutMs: 90_000 });
    if (run.code !== 0 || !run.stdout.includes('Echo:')) throw new Error(`${way}: codex exited ${run.code}\n${run.stderr.slice(-2000)}`);
    return run.ms;
  } finally {
    await box.remove();
  }
}

const times: Record<Way, number[]> = { direct: [], relay: [], builtin: [] };
try {
  await once('direct'); // warm the page cache for Codex's binary; not counted
  for (let round = 0; round < rounds; round++) {
    for (const way of round % 2 === 0 ? WAYS : [...WAYS].reverse()) times[way].push(await once(way));
  }
} finally {
  await stack.stop();
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
console.log(`codex exec wall time, ${rounds} runs each (ms): median [p25–p75] min–max`);
const line = (label: string, values: number[]): void => {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`  ${label.padEnd(16)} ${quantile(sorted, 0.5)} [${quantile(sorted, 0.25)}–${quantile(sorted, 0.75)}] ${sorted[0]}–${sorted.at(-1)}   (${values.join(', ')})`);
};
for (const way of WAYS) line(way, times[way]);
// Same-round differences cancel most of the machine's drift between rounds.
console.log('paired, same round (ms): median [p25–p75] min–max');
line('relay − direct', times.relay.map((t, i) => t - times.direct[i]!));
line('builtin − relay', times.builtin.map((t, i) => t - times.relay[i]!));
