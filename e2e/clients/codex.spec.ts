import { expect, test } from '@playwright/test';
import { codex, codexRun } from './agents/codex.js';
import { DEADLINE_MS, defineScenarios, expectHealthyRun, expectUpstream, markKnown } from './support/define-suite.js';
import { agentOutput, upstreamInference } from './support/checks.js';
import { runScenario } from './support/scenario-run.js';
import { MODELS } from './support/scenarios.js';

defineScenarios(codex);

// With the built-in OpenAI provider (`openai_base_url`), Codex first opens GET /v1/responses with
// `Upgrade: websocket`; only a 426 makes it fall back to HTTP at once (issue #15 item 5).
test('codex: built-in OpenAI provider falls back from WebSocket to HTTP on the first 426', async () => {
  markKnown('codex', 'websocket-first');
  const o = await runScenario({ agent: codex, name: 'websocket-first', model: MODELS.both, api: 'responses', prepare: (spec) => codexRun(spec, 'builtin'), deadlineMs: DEADLINE_MS });
  const upgrades = o.tap.filter((e) => e.upgrade);
  expect.soft(upgrades.map((e) => `${e.method} ${e.path} → ${e.status} connection=${e.responseHeaders['connection'] ?? ''}`), 'WebSocket attempts (one, refused with 426 and Connection: close)')
    .toEqual(['GET /v1/responses → 426 connection=close']);
  expectHealthyRun(o);
  expectUpstream(o, '/responses', MODELS.both);
  expect(o.run.stdout, `the agent did not print the fake's answer\n${agentOutput(o)}`).toContain(o.promptToken);
});

// Codex offers a `web_search` tool on every request; Copilot's Responses endpoint rejects the
// web_search* tool types, so the relay filters them as VS Code does (issue #15 item 5).
test('codex: the web_search tool it always sends is filtered before Copilot', async () => {
  markKnown('codex', 'web-search-filtered');
  const o = await runScenario({ agent: codex, name: 'web-search-filtered', model: MODELS.both, api: 'responses', deadlineMs: DEADLINE_MS });
  expectHealthyRun(o);
  const sent = o.tap.flatMap((e) => toolTypes(e.body)).filter((t) => t.startsWith('web_search'));
  expect(sent, 'Codex no longer sends a web_search tool: this test needs another way to check the filter').not.toEqual([]);
  const upstream = upstreamInference(o).map((r) => toolTypes(r.body).filter((t) => t.startsWith('web_search')));
  expect(upstream, 'web_search* tools reaching the upstream, per request').toEqual(upstream.map(() => []));
});

function toolTypes(body: unknown): string[] {
  const tools = (body as { tools?: unknown } | null)?.tools;
  return Array.isArray(tools) ? tools.map((t) => String((t as { type?: unknown }).type)) : [];
}
