import type { FakeModel } from './models.js';

/**
 * What the real Copilot endpoints refuse (as OpenAI/Anthropic document it, and as VS Code's code
 * works around it), so a translation or pass-through mistake shows up in tests as the 400 it
 * would cause in production. Each check returns the error message, or null when the body is fine.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

function maxOutput(model: FakeModel): number | null {
  const limit = model.capabilities.limits?.['max_output_tokens'];
  return typeof limit === 'number' ? limit : null;
}

function tooMany(requested: unknown, model: FakeModel, field: string): string | null {
  const limit = maxOutput(model);
  return typeof requested === 'number' && limit !== null && requested > limit ? `${field} is too large: ${requested}. This model supports at most ${limit} output tokens.` : null;
}

/** `/chat/completions`: tool messages answer the preceding assistant's tool calls, every call is answered, limits. */
export function checkChat(body: Json, model: FakeModel): string | null {
  if (/^(?:gpt-5|o\d)/.test(model.id) && body['max_tokens'] !== undefined) return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
  const limit = tooMany(body['max_tokens'] ?? body['max_completion_tokens'], model, 'max_tokens');
  if (limit) return limit;
  let open: Set<string> | null = null;
  for (const message of list(body['messages'])) {
    if (message['role'] === 'tool') {
      const id = String(message['tool_call_id'] ?? '');
      if (!open || !open.delete(id)) return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      continue;
    }
    if (open && open.size > 0) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
    open = message['role'] === 'assistant' ? new Set(list(message['tool_calls']).map((c) => String(c['id']))) : null;
  }
  return null;
}

/** `/responses`: outputs answer earlier calls, reasoning ids are its own, no hosted web search, limits. */
export function checkResponses(body: Json, model: FakeModel, items: Json[]): string | null {
  for (const tool of list(body['tools'])) if (typeof tool['type'] === 'string' && tool['type'].startsWith('web_search')) return `Unsupported tool type: ${tool['type']}`;
  const max = body['max_output_tokens'];
  if (typeof max === 'number' && max < 16) return `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.`;
  const limit = tooMany(max, model, 'max_output_tokens');
  if (limit) return limit;
  const calls = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (item['type'] === 'function_call') calls.add(String(item['call_id']));
    if (item['type'] === 'function_call_output' && !calls.has(String(item['call_id']))) return `No tool call found for function call output with call_id ${String(item['call_id'])}.`;
    if (item['type'] === 'reasoning' && !String(item['id'] ?? '').startsWith('rs')) return `Invalid 'input[${index}].id': '${String(item['id'])}'. Expected an ID that begins with 'rs'.`;
  }
  return null;
}

function hasScopedCache(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasScopedCache);
  if (!isObject(value)) return false;
  if (isObject(value['cache_control']) && 'scope' in value['cache_control']) return true;
  return Object.values(value).some((v) => typeof v === 'object' && hasScopedCache(v));
}

/** `/v1/messages`: roles, tool id pairing and pattern, fields needing betas, effort, limits, no prefill. */
export function checkMessages(body: Json, model: FakeModel, headers: Record<string, string>): string | null {
  const betas = headers['anthropic-beta'] ?? '';
  const messages = list(body['messages']);
  for (const [index, message] of messages.entries()) {
    if (message['role'] !== 'user' && message['role'] !== 'assistant') return `messages.${index}.role: Input should be 'user' or 'assistant'`;
  }
  if (messages.at(-1)?.['role'] === 'assistant') return 'This model does not support assistant message prefill. The conversation must end with a user message.';
  let previousCalls = new Set<string>();
  for (const [index, message] of messages.entries()) {
    const blocks = list(message['content']);
    if (message['role'] === 'user') {
      for (const block of blocks.filter((b) => b['type'] === 'tool_result')) {
        if (!previousCalls.has(String(block['tool_use_id']))) return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    previousCalls = new Set();
    for (const block of blocks.filter((b) => b['type'] === 'tool_use')) {
      if (!/^[a-zA-Z0-9_-]+$/.test(String(block['id']))) return `messages.${index}.content.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      previousCalls.add(String(block['id']));
    }
  }
  for (const [index, tool] of list(body['tools']).entries()) {
    if (typeof tool['type'] === 'string' && tool['type'].startsWith('web_search')) return `tools.${index}: the web_search server tool is not supported`;
    if ('eager_input_streaming' in tool) return `tools.${index}.custom.eager_input_streaming: Extra inputs are not permitted`;
  }
  if (hasScopedCache(body['system']) || hasScopedCache(body['messages']) || hasScopedCache(body['tools'])) return 'cache_control.scope: Extra inputs are not permitted';
  if ('context_management' in body && !betas.includes('context-management-')) return 'context_management: Extra inputs are not permitted (requires the context-management beta)';
  const effortLevels = model.capabilities.supports['reasoning_effort'];
  if (isObject(body['output_config']) && 'effort' in body['output_config'] && !(Array.isArray(effortLevels) && effortLevels.length > 0)) return 'output_config.effort: This model does not support the effort parameter.';
  const limit = maxOutput(model);
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens === 'number' && limit !== null && maxTokens > limit) return `max_tokens: ${maxTokens} > ${limit}, which is the maximum allowed number of output tokens for ${model.id}`;
  const thinking = isObject(body['thinking']) ? body['thinking'] : null;
  if (thinking?.['type'] === 'enabled') {
    if (typeof thinking['budget_tokens'] === 'number' && typeof maxTokens === 'number' && thinking['budget_tokens'] >= maxTokens) return '`max_tokens` must be greater than `thinking.budget_tokens`.';
    if (body['temperature'] !== undefined && body['temperature'] !== 1) return '`temperature` may only be set to 1 when thinking is enabled.';
  }
  return null;
}
