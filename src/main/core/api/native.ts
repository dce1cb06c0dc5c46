import type { CopilotModel } from '../copilot/models.js';
import { objects } from './json.js';
import type { Json } from './json.js';
import { clampOutputTokens, needsMaxCompletionTokens } from './model-caps.js';

/**
 * A caller's body for the upstream endpoint of its own API (no translation). `changed` false means
 * the caller's raw bytes can go upstream as they are: long conversations are never re-serialised
 * just to be forwarded.
 */
export interface NativeRequest {
  body: Json;
  changed: boolean;
}

/** Chat completions: the Copilot model id, `max_completion_tokens` where GPT-5.x needs it, the output limit clamped. */
export function nativeChatRequest(body: Json, model: CopilotModel): NativeRequest {
  const out: Json = { ...body, model: model.id };
  let changed = body.model !== model.id;
  if (typeof body.max_tokens === 'number' && needsMaxCompletionTokens(model.id)) {
    if (out.max_completion_tokens === undefined) out.max_completion_tokens = body.max_tokens;
    delete out.max_tokens;
    changed = true;
  }
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const requested = out[key];
    if (typeof requested !== 'number') continue;
    const max = clampOutputTokens(requested, model);
    if (max !== requested) {
      out[key] = max;
      changed = true;
    }
  }
  return { body: changed ? out : body, changed };
}

/**
 * Responses: the Copilot model id, the output limit clamped, and no `web_search*` tools (Copilot's
 * `/responses` rejects hosted web search; VS Code filters it, and Codex sends one on every request).
 */
export function nativeResponsesRequest(body: Json, model: CopilotModel): NativeRequest {
  let changed = body.model !== model.id;
  const out: Json = { ...body, model: model.id };
  if (Array.isArray(body.tools)) {
    const tools = objects(body.tools);
    const kept = tools.filter((t) => !(typeof t.type === 'string' && t.type.startsWith('web_search')));
    if (kept.length !== body.tools.length) {
      changed = true;
      if (kept.length > 0) out.tools = kept;
      else {
        delete out.tools;
        delete out.tool_choice;
      }
    }
  }
  if (typeof body.max_output_tokens === 'number') {
    const max = clampOutputTokens(body.max_output_tokens, model)!;
    if (max !== body.max_output_tokens) {
      out.max_output_tokens = max;
      changed = true;
    }
  }
  return { body: changed ? out : body, changed };
}
