import type { CopilotModel } from '../../copilot/models.js';
import { isObject, objects } from '../json.js';
import type { Json } from '../json.js';
import { clampOutputTokens, effortLevels } from '../model-caps.js';
import type { NativeRequest } from '../native.js';
import { isResponsesReasoningId, unpackReasoningSignature } from '../reasoning-id.js';

/**
 * The caller's Messages body for Copilot's native `/v1/messages`: forwarded as is (cache_control,
 * thinking, tools, unknown fields) except what Copilot rejects (protocol doc, "2026 changes"):
 *  - `role:"system"` messages inside `messages` join the system prompt, in order;
 *  - `max_tokens` above the model's limit is clamped (and a thinking budget kept below it);
 *  - `output_config.effort` for a model without reasoning effort;
 *  - fields that need a beta the relay did not forward (`context_management`, `cache_control.scope`);
 *  - the tool field `eager_input_streaming`;
 *  - thinking blocks whose signature came from a Responses model (Anthropic can't verify them).
 * Only the betas VS Code allows go upstream.
 */

const ALLOWED_BETA_PREFIXES = ['interleaved-thinking-', 'context-management-', 'advanced-tool-use-', 'extended-cache-ttl-'];

export function allowedBetas(header: string | string[] | undefined): string | undefined {
  const values = (Array.isArray(header) ? header : [header ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v && ALLOWED_BETA_PREFIXES.some((prefix) => v.startsWith(prefix)));
  return values.length > 0 ? [...new Set(values)].join(',') : undefined;
}

/** The `web_search_…` server tool Copilot can't run: the caller gets a clear 400 instead. */
export function webSearchTool(body: Json): string | null {
  const tool = objects(body.tools).find((t) => typeof t.type === 'string' && t.type.startsWith('web_search'));
  return tool ? String(tool.type) : null;
}

function systemBlocks(system: unknown): Json[] {
  if (typeof system === 'string') return system ? [{ type: 'text', text: system }] : [];
  return objects(system);
}

function textBlocks(content: unknown): Json[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  return objects(content).filter((b) => b.type === 'text' && typeof b.text === 'string' && b.text.trim() !== '');
}

/** Removes `scope` from a cache_control in place; true when something changed. */
function dropCacheScope(block: Json): boolean {
  if (isObject(block.cache_control) && 'scope' in block.cache_control) {
    const { scope: _scope, ...rest } = block.cache_control;
    block.cache_control = rest;
    return true;
  }
  return false;
}

/** Folds system messages into `system`, merges the turns that became adjacent, cleans blocks. */
function adaptMessages(body: Json, out: Json): boolean {
  let changed = false;
  const folded: Json[] = [];
  const messages: Json[] = [];
  for (const message of objects(body.messages)) {
    if (message.role === 'system') {
      folded.push(...textBlocks(message.content));
      changed = true;
      continue;
    }
    let content = message.content;
    if (Array.isArray(content)) {
      const blocks = content.filter(isObject);
      const kept = blocks.filter((b) => !(b.type === 'thinking' && isResponsesReasoningId(unpackReasoningSignature(typeof b.signature === 'string' ? b.signature : undefined).id)));
      for (const block of kept) if (dropCacheScope(block)) changed = true;
      if (kept.length !== blocks.length) changed = true;
      content = kept;
    }
    const previous = messages.at(-1);
    if (previous && previous.role === message.role && changed) {
      const asBlocks = (c: unknown): Json[] => (typeof c === 'string' ? [{ type: 'text', text: c }] : objects(c));
      previous.content = [...asBlocks(previous.content), ...asBlocks(content)];
    } else messages.push({ ...message, content });
  }
  if (!changed) return false;
  out.messages = messages;
  if (folded.length > 0) out.system = [...systemBlocks(body.system), ...folded];
  return true;
}

export function nativeMessagesRequest(body: Json, model: CopilotModel, forwardedBetas: string | undefined): NativeRequest {
  const out: Json = { ...body, model: model.id };
  let changed = body.model !== model.id;
  if (adaptMessages(body, out)) changed = true;

  const max = typeof body.max_tokens === 'number' ? clampOutputTokens(body.max_tokens, model) : undefined;
  if (max !== undefined && max !== body.max_tokens) {
    out.max_tokens = max;
    changed = true;
    const thinking = isObject(body.thinking) ? body.thinking : null;
    if (thinking && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= max) out.thinking = { ...thinking, budget_tokens: Math.max(1024, max - 1) };
  }
  if (isObject(body.output_config) && 'effort' in body.output_config && effortLevels(model).length === 0) {
    const { effort: _effort, ...rest } = body.output_config;
    if (Object.keys(rest).length > 0) out.output_config = rest;
    else delete out.output_config;
    changed = true;
  }
  if ('context_management' in body && !forwardedBetas?.split(',').some((b) => b.startsWith('context-management-'))) {
    delete out.context_management;
    changed = true;
  }
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((tool: unknown) => {
      if (!isObject(tool)) return tool;
      let copy = tool;
      if ('eager_input_streaming' in tool) {
        const { eager_input_streaming: _eager, ...rest } = tool;
        copy = rest;
        changed = true;
      }
      if (isObject(copy.cache_control) && 'scope' in copy.cache_control) {
        copy = { ...copy };
        dropCacheScope(copy);
        changed = true;
      }
      return copy;
    });
  }
  const system = Array.isArray(out.system) ? objects(out.system) : [];
  for (const block of system) if (dropCacheScope(block)) changed = true;
  return { body: out, changed };
}
