import { join } from 'node:path';
import { MODELS } from '../support/scenarios.js';
import type { AgentAdapter, RunSpec } from '../support/scenarios.js';

/**
 * Codex CLI (`codex exec`). Two ways users point it at the relay: a custom model provider (Responses
 * wire API, key from an env var; the suite's default) or the built-in OpenAI provider with
 * `openai_base_url`, which tries a WebSocket on /v1/responses first. Update check, analytics,
 * feedback and plugins (which sync a marketplace from github.com) are off.
 */
const QUIET = `check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[features]
plugins = false
`;

const KEY_ENV = 'COPILOT_RELAY_KEY';

export function codexConfig(options: { baseUrl: string; model: string; provider: 'custom' | 'builtin'; headers?: Record<string, string>; topLevel?: string }): string {
  const head = `model = ${JSON.stringify(options.model)}\n${options.topLevel ?? ''}`;
  if (options.provider === 'builtin') return `${head}openai_base_url = ${JSON.stringify(options.baseUrl)}\n${QUIET}`;
  const headers = options.headers ? `http_headers = { ${Object.entries(options.headers).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(', ')} }\n` : '';
  return `${head}model_provider = "copilot-relay"\n${QUIET}
[model_providers.copilot-relay]
name = "Copilot Relay"
base_url = ${JSON.stringify(options.baseUrl)}
env_key = "${KEY_ENV}"
wire_api = "responses"
${headers}`;
}

/** `codex exec` args and env for one prompt (no `--ephemeral`: the goal tools need a thread on disk,
 * and the throwaway home is removed anyway). */
export function codexRun(spec: RunSpec, provider: 'custom' | 'builtin', extraConfig: { baseUrl?: string; headers?: Record<string, string>; topLevel?: string } = {}) {
  const codexHome = join(spec.box.home, '.codex');
  const baseUrl = extraConfig.baseUrl ?? `${spec.baseUrl}/v1`;
  return {
    args: ['exec', '--skip-git-repo-check', '--color', 'never', '-s', 'read-only', spec.prompt],
    env: { CODEX_HOME: codexHome, ...(provider === 'builtin' ? { CODEX_API_KEY: spec.apiKey } : { [KEY_ENV]: spec.apiKey }) },
    files: { [join(codexHome, 'config.toml')]: codexConfig({ baseUrl, model: spec.model, provider, headers: extraConfig.headers, topLevel: extraConfig.topLevel }) },
  };
}

export const codex: AgentAdapter = {
  id: 'codex',
  route: {
    plain: { model: MODELS.both, api: 'responses' },
    'claude-native': { model: MODELS.claude, api: 'responses' },
    'chat-only': { model: MODELS.chatOnly, api: 'responses' },
    'responses-only': { model: MODELS.responsesOnly, api: 'responses' },
  },
  // Codex retries a 401 on the Responses stream like a dropped connection: 1 + stream_max_retries
  // (5) attempts over ~6.5 s, whatever the relay answers. Bounded and fast, so allowed.
  maxRejectedRequests: 6,
  prepare: (spec) => codexRun(spec, 'custom'),
  // get_goal reads the session's goal: no command, no file, no side effect. Its JSON answer names
  // `completionBudgetReport`, which the fake echoes back into the final message.
  toolPlan: () => ({ name: 'get_goal', args: {}, token: 'completionBudgetReport', files: {} }),
};
