import { expect, test } from '@playwright/test';
import { claudeCode } from './agents/claude-code.js';
import { agentOutput, relayErrors, retryableRelayErrors, upstreamInference } from './support/checks.js';
import { FAIL_FAST_MS, MAX_REJECTED_REQUESTS, defineScenarios, markKnown } from './support/define-suite.js';
import { runScenario } from './support/scenario-run.js';

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
  expect(o.run.ms, `took ${o.run.ms} ms to give up (< ${FAIL_FAST_MS} ms)`).toBeLessThan(FAIL_FAST_MS);
  expect(o.run.code, 'exited 0 without a model').not.toBe(0);
  expect(o.run.stdout + o.run.stderr, `the user is not told which model failed\n${agentOutput(o)}`).toContain(asked);
});
