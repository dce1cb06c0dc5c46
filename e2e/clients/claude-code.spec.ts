import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { claudeCode } from './agents/claude-code.js';
import { agentOutput, relayErrors, retryableRelayErrors, upstreamInference } from './support/checks.js';
import { DEADLINE_MS, FAIL_FAST_MS, MAX_REJECTED_REQUESTS, defineScenarios, expectHealthyRun, markKnown } from './support/define-suite.js';
import { runScenario } from './support/scenario-run.js';
import { MODELS } from './support/scenarios.js';

defineScenarios(claudeCode);

// Without --model, Claude Code asks for its own newest model, which Copilot doesn't serve: the
// relay must say so at once (404 with close matches, x-should-retry: false), not 400 on the
// role:"system" message Claude Code adds for models it doesn't know, nor invite retries.
test('claude-code: its default model (not served by Copilot) fails fast with the close matches', async () => {
  markKnown('claude-code', 'default-model');
  const o = await runScenario({ agent: claudeCode, name: 'default-model', model: '', api: 'messages', deadlineMs: 30_000 });
  const asked = String((o.tap[0]?.body as { model?: unknown } | undefined)?.model ?? '');
  expect(o.run.timedOut, `still running at the deadline after ${o.tap.length} requests\n${agentOutput(o)}`).toBe(false);
  expect.soft(o.run.leftovers, 'processes of the agent survived it').toEqual([]);
  expect.soft(upstreamInference(o).length, 'an unknown model reached the upstream').toBe(0);
  expect.soft(relayErrors(o).filter((e) => !/ → 404 /.test(e)), 'relay errors other than 404 unknown model').toEqual([]);
  expect.soft(retryableRelayErrors(o), "the relay's own 4xx answers must say x-should-retry: false").toEqual([]);
  expect.soft(o.tap.at(-1)?.responseStart ?? '', "the relay's last answer names a close match").toContain('claude-sonnet-4.5');
  expect(o.tap.length, `${o.tap.length} requests for an unknown model (at most ${MAX_REJECTED_REQUESTS})`).toBeLessThanOrEqual(MAX_REJECTED_REQUESTS);
  const gaveUpAfter = o.run.endedAt - (o.tap[0]?.at ?? o.run.startedAt);
  expect(gaveUpAfter, `gave up ${gaveUpAfter} ms after its first request (< ${FAIL_FAST_MS} ms)`).toBeLessThan(FAIL_FAST_MS);
  expect(o.run.code, 'exited 0 without a model').not.toBe(0);
  expect(o.run.stdout + o.run.stderr, `the user is not told which model failed\n${agentOutput(o)}`).toContain(asked);
});

// Claude Code asks a gateway for its models (GET /v1/models?limit=1000 with anthropic-version) when
// CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY is set, and caches what it accepts for its picker.
test('claude-code: model discovery gets the Anthropic Models shape', async () => {
  markKnown('claude-code', 'model-discovery');
  const o = await runScenario({
    agent: claudeCode, name: 'model-discovery', model: MODELS.claude, api: 'messages', deadlineMs: DEADLINE_MS,
    prepare: (spec) => {
      const run = claudeCode.prepare(spec);
      return { ...run, env: { ...run.env, CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' } };
    },
    inspect: async (box) => readFile(join(box.home, '.claude', 'cache', 'gateway-models.json'), 'utf8').catch(() => ''),
  });
  expectHealthyRun(o);
  const discovery = o.tap.find((e) => e.method === 'GET' && e.path === '/v1/models');
  expect(discovery, `Claude Code did not ask for the models\n${agentOutput(o)}`).toBeDefined();
  expect.soft(discovery!.headers['anthropic-version'], 'the discovery request is an Anthropic one').toBeDefined();
  const list = JSON.parse(discovery!.responseStart) as Record<string, unknown>;
  const first = ((list['data'] as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
  expect.soft(Object.keys(list), 'Anthropic list keys').toEqual(expect.arrayContaining(['data', 'first_id', 'has_more', 'last_id']));
  expect.soft(first, 'Anthropic model entry').toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String), created_at: expect.any(String) });
  expect(String(o.left), "Claude Code's cached gateway models").toContain(MODELS.claude);
});
