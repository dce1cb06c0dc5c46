import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { agentOutput, initiators, relayErrors, retryableRelayErrors, toolResultRequests, unclampedOutputLimits, upstreamCalls, upstreamInference } from './checks.js';
import { RESULTS_DIR } from './digest.js';
import { knownDefect } from './known-defects.js';
import { runScenario } from './scenario-run.js';
import type { ScenarioOutcome } from './scenario-run.js';
import { expectedUpstream } from './scenarios.js';
import type { AgentAdapter, ScenarioId } from './scenarios.js';

/** A healthy run takes a few seconds; the deadline only stops a hung agent. */
export const DEADLINE_MS = 90_000;
/** The wrong-key deadline: long enough to show a retry storm, short enough for CI. */
export const WRONG_KEY_DEADLINE_MS = 30_000;
/** "Fails fast": an agent must give up within this after the relay first rejects its key (its own
 * start-up, which a loaded machine stretches, is not counted). */
export const FAIL_FAST_MS = 15_000;
/** At most one retry of a rejected request (a correct relay answer should get none). */
export const MAX_REJECTED_REQUESTS = 2;

export const TITLES: Record<ScenarioId, string> = {
  plain: 'plain answer',
  tool: 'tool round trip (tool and arguments chosen by the test)',
  'claude-native': 'Claude model (Messages-capable upstream)',
  'chat-only': 'chat-only model, translated',
  'responses-only': 'Responses-only model',
  'wrong-key': 'wrong API key fails fast',
};

/** Marks a test expected to fail while its defect is open; a fix then fails it loudly ("expected
 * to fail, but passed") so the entry in known-defects.ts gets removed with the fix. */
export function markKnown(agent: string, scenario: string): void {
  const defect = knownDefect(agent, scenario);
  test.fail(defect !== undefined, defect);
}

/** Every test appends its outcome here; global-teardown turns the lines into summary.md. */
export function recordResults(agent: string): void {
  // eslint-disable-next-line no-empty-pattern -- Playwright wants the fixtures argument destructured
  test.afterEach(async ({}, info) => {
    await mkdir(RESULTS_DIR, { recursive: true });
    const defect = info.annotations.find((a) => a.type === 'fail')?.description;
    const errors = info.errors.map((e) => (e.message ?? '').split('\n')[0]!.replace(/^Error: /, ''));
    const line = { agent, title: info.title, status: info.status, expected: info.expectedStatus, ms: info.duration, defect, errors };
    await appendFile(join(RESULTS_DIR, 'results.jsonl'), `${JSON.stringify(line)}\n`);
  });
}

/** The answer reached the agent, the relay answered only successes, and nothing phoned home. */
export function expectHealthyRun(o: ScenarioOutcome): void {
  expect(o.run.timedOut, `the agent was still running at the ${DEADLINE_MS} ms deadline\n${agentOutput(o)}`).toBe(false);
  expect.soft(o.run.leftovers, 'processes of the agent survived it').toEqual([]);
  expect.soft(o.blocked.map((b) => `${b.method} ${b.target}`), 'the agent tried to reach the internet').toEqual([]);
  expect.soft(relayErrors(o), 'the relay answered the agent with errors').toEqual([]);
  expect(o.run.code, `the agent failed\n${agentOutput(o)}`).toBe(0);
}

/** Every inference request went to `endpoint` upstream with the Copilot model id. */
export function expectUpstream(o: ScenarioOutcome, endpoint: string, model: string): void {
  const calls = upstreamCalls(o);
  expect.soft(calls.length, `no inference request reached the fake upstream\n${agentOutput(o)}`).toBeGreaterThan(0);
  expect.soft(calls, `upstream endpoint/model (expected every call to be POST ${endpoint} model=${model})`).toEqual(calls.map(() => `POST ${endpoint} model=${model}`));
  expect.soft(initiators(o)[0], 'X-Initiator of the first upstream request (a user turn)').toBe('user');
}

function upstreamModel(agent: AgentAdapter, model: string): string {
  return agent.upstreamModel?.(model) ?? model;
}

async function modelScenario(agent: AgentAdapter, scenario: Exclude<ScenarioId, 'tool' | 'wrong-key'>): Promise<void> {
  const { model, api } = agent.route[scenario];
  const o = await runScenario({ agent, name: scenario, model, api, deadlineMs: DEADLINE_MS });
  expectHealthyRun(o);
  expectUpstream(o, expectedUpstream(api, upstreamModel(agent, model)), upstreamModel(agent, model));
  // The two catalogue models with output limits below what agents ask for.
  if (scenario === 'claude-native' || scenario === 'chat-only') expect.soft(unclampedOutputLimits(o), 'output limit not clamped to the model').toEqual([]);
  expect(o.run.stdout, `the agent did not print the fake's answer\n${agentOutput(o)}`).toContain('Echo:');
  expect(o.run.stdout, 'the answer lost the prompt word').toContain(o.promptToken);
}

async function toolScenario(agent: AgentAdapter): Promise<void> {
  const { model, api } = agent.route.plain;
  const o = await runScenario({ agent, name: 'tool', model, api, tool: true, deadlineMs: DEADLINE_MS });
  const plan = o.tool!;
  expectHealthyRun(o);
  expectUpstream(o, expectedUpstream(api, upstreamModel(agent, model)), upstreamModel(agent, model));
  const followUps = toolResultRequests(o, plan.token);
  expect(followUps.length, `no upstream request carried the ${plan.name} result (${plan.token}) back to the model\n${agentOutput(o)}`).toBeGreaterThan(0);
  expect.soft(followUps.map((r) => r.headers['x-initiator']), 'X-Initiator of the tool-result turn').toEqual(followUps.map(() => 'agent'));
  expect(o.run.stdout, `the final answer lacks the tool's result (${plan.token})\n${agentOutput(o)}`).toContain(plan.token);
}

async function wrongKeyScenario(agent: AgentAdapter): Promise<void> {
  const { model, api } = agent.route.plain;
  const o = await runScenario({ agent, name: 'wrong-key', model, api, wrongKey: true, deadlineMs: WRONG_KEY_DEADLINE_MS });
  const rejected = o.tap.filter((e) => e.status === 401);
  expect.soft(o.run.leftovers, 'processes of the agent survived it').toEqual([]);
  expect.soft(o.blocked.map((b) => `${b.method} ${b.target}`), 'the agent tried to reach the internet').toEqual([]);
  expect.soft(upstreamInference(o).length, 'a request with a wrong key reached the upstream').toBe(0);
  expect.soft(retryableRelayErrors(o), "the relay's own 4xx answers must say x-should-retry: false").toEqual([]);
  expect.soft(rejected.length, 'no 401 from the relay').toBeGreaterThan(0);
  expect(o.run.timedOut, `still retrying at the ${WRONG_KEY_DEADLINE_MS} ms deadline after ${o.tap.length} requests\n${agentOutput(o)}`).toBe(false);
  const bound = agent.maxRejectedRequests ?? MAX_REJECTED_REQUESTS;
  expect(o.tap.length, `the agent sent ${o.tap.length} requests with the rejected key (at most ${bound})\n${agentOutput(o)}`).toBeLessThanOrEqual(bound);
  const gaveUpAfter = o.run.endedAt - (rejected[0]?.at ?? o.run.startedAt);
  expect(gaveUpAfter, `the agent gave up ${gaveUpAfter} ms after the first 401 (fail fast: < ${FAIL_FAST_MS} ms)`).toBeLessThan(FAIL_FAST_MS);
  expect(o.run.code, 'the agent exited 0 although every request was rejected').not.toBe(0);
  expect(`${o.run.stdout}\n${o.run.stderr}`, `the agent did not tell the user the key was rejected\n${agentOutput(o)}`).toMatch(/401|unauthori[sz]ed|api key|authenticat/i);
}

/** Registers the six scenarios of issue #15 for one agent, each its own test, known defects marked. */
export function defineScenarios(agent: AgentAdapter): void {
  recordResults(agent.id);
  for (const scenario of ['plain', 'tool', 'claude-native', 'chat-only', 'responses-only', 'wrong-key'] as const) {
    test(`${agent.id}: ${TITLES[scenario]}`, async () => {
      markKnown(agent.id, scenario);
      if (scenario === 'tool') await toolScenario(agent);
      else if (scenario === 'wrong-key') await wrongKeyScenario(agent);
      else await modelScenario(agent, scenario);
    });
  }
}
