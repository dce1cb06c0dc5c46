import { FAKE_MODELS } from '../../../test/fake-github/index.js';
import type { AgentId } from './install.js';
import type { Sandbox } from './sandbox.js';

/** The client API an agent speaks for a run. */
export type ClientApi = 'messages' | 'responses' | 'chat';

export type ScenarioId = 'plain' | 'tool' | 'claude-native' | 'chat-only' | 'responses-only' | 'wrong-key';

export const SCENARIOS: readonly ScenarioId[] = ['plain', 'tool', 'claude-native', 'chat-only', 'responses-only', 'wrong-key'];

/** The fake catalogue's model for each kind (see test/fake-github/models.ts). */
export const MODELS = {
  /** Lists `/chat/completions` and `/v1/messages`. */
  claude: 'claude-sonnet-4.5',
  /** Lists only `/chat/completions`. */
  chatOnly: 'gpt-4o',
  /** Lists only `/responses` (and `ws:/responses`). */
  responsesOnly: 'gpt-5.1-codex',
  /** Lists `/chat/completions` and `/responses`. */
  both: 'gpt-5-mini',
} as const;

const UPSTREAM_OF: Record<ClientApi, string> = { messages: '/v1/messages', responses: '/responses', chat: '/chat/completions' };

/**
 * The upstream endpoint the relay should use (issue #15, item 1): the caller's own API when the
 * model lists it, otherwise the first the model lists in VS Code's order of preference.
 */
export function expectedUpstream(api: ClientApi, modelId: string): string {
  const model = FAKE_MODELS.find((m) => m.id === modelId);
  if (!model) throw new Error(`${modelId} is not in the fake catalogue`);
  const endpoints = model.supported_endpoints ?? ['/chat/completions'];
  if (endpoints.includes(UPSTREAM_OF[api])) return UPSTREAM_OF[api];
  const pick = ['/responses', '/v1/messages', '/chat/completions'].find((e) => endpoints.includes(e));
  if (!pick) throw new Error(`${modelId} lists no inference endpoint`);
  return pick;
}

export const INFERENCE_PATHS = ['/capi/chat/completions', '/capi/responses', '/capi/v1/messages'];

/** What one run of an agent needs: where the relay is, which key, which model over which API. */
export interface RunSpec {
  box: Sandbox;
  baseUrl: string;
  apiKey: string;
  model: string;
  api: ClientApi;
  prompt: string;
}

export interface PreparedRun {
  args: string[];
  env: Record<string, string>;
  /** Files to write before the run (absolute path → content). */
  files: Record<string, string>;
}

/** The tool round trip: which of the agent's own tools, with which arguments, and a token the
 * tool's result carries (so the final answer proves the result went back to the model). */
export interface ToolPlan {
  name: string;
  args: Record<string, unknown>;
  token: string;
  files: Record<string, string>;
}

export interface AgentAdapter {
  id: AgentId;
  /** Model and API per scenario (the tool and wrong-key scenarios use the plain one). */
  route: Record<'plain' | 'claude-native' | 'chat-only' | 'responses-only', { model: string; api: ClientApi }>;
  /** The model id the relay should send upstream when the agent's spelling differs (an alias). */
  upstreamModel?: (model: string) => string;
  /** Requests with a rejected key the agent may send before giving up (default 2: one retry). */
  maxRejectedRequests?: number;
  prepare(spec: RunSpec): PreparedRun;
  toolPlan(box: Sandbox): ToolPlan;
}
