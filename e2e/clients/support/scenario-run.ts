import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toolCallPrompt } from '../../../test/fake-github/index.js';
import { writeDigest } from './digest.js';
import type { RunRecord } from './digest.js';
import { agentBin } from './install.js';
import { runAgent } from './run-agent.js';
import { makeSandbox } from './sandbox.js';
import type { Sandbox } from './sandbox.js';
import type { AgentAdapter, ClientApi, PreparedRun, RunSpec, ToolPlan } from './scenarios.js';
import { startStack } from './stack.js';

/** The relay's key in the wrong-key scenario, and what the agent sends instead. Obviously fake. */
export const RELAY_KEY = 'relay-key-right-0000';
export const WRONG_KEY = 'relay-key-WRONG-9999';
/** What agents send when the relay has no key (they insist on some key). */
const ANY_KEY = 'relay-key-unused-0000';

export interface ScenarioInput {
  agent: AgentAdapter;
  /** Digest file name. */
  name: string;
  model: string;
  api: ClientApi;
  /** Ask the fake for the agent's tool round trip (its adapter's toolPlan). */
  tool?: boolean;
  /** Start the relay with RELAY_KEY and give the agent WRONG_KEY. */
  wrongKey?: boolean;
  /** Another way to run the agent than its adapter's default (e.g. Codex's built-in provider). */
  prepare?: (spec: RunSpec) => PreparedRun;
  /** Reads what the agent left in its sandbox, before the sandbox is removed. */
  inspect?: (box: Sandbox) => Promise<unknown>;
  deadlineMs: number;
}

export interface ScenarioOutcome extends RunRecord {
  /** A word in the prompt the fake echoes back. */
  promptToken: string;
  tool?: ToolPlan;
  /** What `inspect` returned. */
  left?: unknown;
  digestPath: string;
}

async function writeFiles(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** One agent run against a fresh fake + built relay + tap, in a throwaway home; always leaves a digest. */
export async function runScenario(input: ScenarioInput): Promise<ScenarioOutcome> {
  const stack = await startStack(input.wrongKey ? { apiKey: RELAY_KEY } : {});
  const box = await makeSandbox(`${input.agent.id}-${input.name}`);
  try {
    const promptToken = `WORD-${randomBytes(4).toString('hex')}`;
    const tool = input.tool ? input.agent.toolPlan(box) : undefined;
    const prompt = tool
      ? `Please use your tool: ${toolCallPrompt(tool.name, tool.args)} then report (${promptToken}).`
      : `Reply with the word ${promptToken}.`;
    const spec: RunSpec = { box, baseUrl: stack.url, apiKey: input.wrongKey ? WRONG_KEY : ANY_KEY, model: input.model, api: input.api, prompt };
    const prepared = (input.prepare ?? input.agent.prepare)(spec);
    await writeFiles({ ...prepared.files, ...(tool?.files ?? {}) });
    const env = box.env({ ...stack.guard.env(), ...prepared.env });
    const run = await runAgent(agentBin(input.agent.id), prepared.args, { cwd: box.work, env, runId: box.runId, timeoutMs: input.deadlineMs });
    const record: RunRecord = {
      agent: input.agent.id,
      scenario: input.name,
      model: input.model,
      clientApi: input.api,
      run,
      tap: [...stack.tap.exchanges],
      upstream: [...stack.fake.requests],
      blocked: [...stack.guard.blocked],
      relayLog: stack.relayLog(),
    };
    const digestPath = await writeDigest(record);
    const left = input.inspect ? await input.inspect(box) : undefined;
    return { ...record, promptToken, digestPath, left, ...(tool ? { tool } : {}) };
  } finally {
    await stack.stop();
    await box.remove();
  }
}
