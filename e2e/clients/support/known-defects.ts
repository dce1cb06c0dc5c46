/**
 * Scenarios that fail against today's relay, with the defect that fails them (evidence in
 * test-results/clients/<agent>/<scenario>.md). Each such test still runs, and is expected to fail;
 * when a fix lands it fails as "expected to fail, but passed": delete its line in the same change.
 * All are issue #15 items (1 matrix, 2 fidelity, 5 Codex).
 */
const ROLE_SYSTEM = `POST /v1/messages with role:"system" inside messages (Claude Code does this for models it doesn't know) → 400 "messages.1.role: Input should be 'user' or 'assistant'" (#15 item 2)`;
const NO_SHOULD_RETRY = `the relay's own 401 lacks x-should-retry: false (#15 item 2)`;
const UNCLAMPED = (model: string, limit: number) => `max_tokens 32000 passed upstream for ${model} (max_output_tokens ${limit}), not clamped (#15 item 2)`;
const RESPONSES_TO_OTHERS = 'POST /v1/responses for a model without /responses is passed to /responses upstream → 400 model_not_supported instead of translated (#15 item 1)';

const KNOWN: Record<string, string> = {
  'claude-code/claude-native': UNCLAMPED('claude-sonnet-4.5', 16000),
  'claude-code/chat-only': `${ROLE_SYSTEM}; Claude Code then retries without the system message; ${UNCLAMPED('gpt-4o', 4096)}`,
  'claude-code/responses-only': `${ROLE_SYSTEM}, then 6× 400 "gpt-5.1-codex can't answer the Messages API" without x-should-retry: false: 7 requests, no answer (#15 items 1, 2)`,
  'claude-code/wrong-key': `${NO_SHOULD_RETRY}: Claude Code retries with backoff (6 requests in 30 s, killed at the deadline)`,
  'claude-code/default-model': `${ROLE_SYSTEM}, then 404 (with close matches) without x-should-retry: false, sent twice`,
  'codex/claude-native': RESPONSES_TO_OTHERS,
  'codex/chat-only': RESPONSES_TO_OTHERS,
  'codex/wrong-key': NO_SHOULD_RETRY,
  'codex/web-search-filtered': "Codex's {type: web_search} tool is passed to Copilot's /responses, which rejects web_search* tool types (#15 item 5)",
  'codex/websocket-first': 'GET /v1/responses with Upgrade: websocket → 405 instead of 426: Codex retries the WebSocket 7× (~6 s) before HTTP (#15 item 5)',
  'opencode/claude-native': UNCLAMPED('claude-sonnet-4.5', 16000),
  'opencode/chat-only': UNCLAMPED('gpt-4o', 4096),
  'opencode/responses-only': 'POST /v1/chat/completions for a Responses-only model is passed to /chat/completions upstream → 400 model_not_supported (#15 item 1)',
  'opencode/wrong-key': NO_SHOULD_RETRY,
};

export function knownDefect(agent: string, scenario: string): string | undefined {
  return KNOWN[`${agent}/${scenario}`];
}
