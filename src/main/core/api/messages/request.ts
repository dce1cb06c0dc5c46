import type { CopilotModel } from '../../copilot/models.js';
import type { IrMessage, IrPart, IrRequest, IrTool, IrToolChoice } from '../ir.js';
import { isObject, num, objects, str, tryParse } from '../json.js';
import type { Json } from '../json.js';
import { clampOutputTokens, effortFor, effortLevels, maxOutputTokens, supportsThinkingBudget, thinkingBudgetFor } from '../model-caps.js';
import { isResponsesReasoningId, packReasoningSignature, unpackReasoningSignature } from '../reasoning-id.js';

/**
 * Anthropic Messages request ⇄ IR (protocol doc §11.2). Decoding keeps every block the other APIs
 * can hold (text, images, plain-text documents, PDFs, tool use/results with ids, thinking with its
 * signature) and drops the rest (cache_control, top_k, server tools…), never rejecting them.
 * `role:"system"` messages inside `messages` (Claude Code sends them for non-Claude models) keep
 * their position. Encoding writes what VS Code sends Copilot's `/v1/messages`: system blocks,
 * tool ids Anthropic accepts, merged same-role turns, and never a trailing assistant turn.
 */

function textOfSystem(system: unknown): string {
  if (typeof system === 'string') return system;
  return objects(system)
    .filter((b) => typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n\n');
}

function imagePart(block: Json): IrPart | null {
  const source = isObject(block.source) ? block.source : null;
  if (source?.type === 'base64' && typeof source.data === 'string') return { type: 'image', url: `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}` };
  if (source?.type === 'url' && typeof source.url === 'string') return { type: 'image', url: source.url };
  return null;
}

function documentPart(block: Json): IrPart | null {
  const source = isObject(block.source) ? block.source : null;
  const title = str(block.title);
  if (source?.type === 'text' && typeof source.data === 'string') return { type: 'text', text: title ? `${title}\n\n${source.data}` : source.data };
  if (source?.type === 'base64' && typeof source.data === 'string') return { type: 'document', mediaType: str(source.media_type) ?? 'application/pdf', data: source.data, ...(title ? { title } : {}) };
  return null;
}

function contentParts(content: unknown): IrPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: IrPart[] = [];
  for (const block of objects(content)) {
    let part: IrPart | null = null;
    if (block.type === 'text' && typeof block.text === 'string') part = { type: 'text', text: block.text };
    else if (block.type === 'image') part = imagePart(block);
    else if (block.type === 'document') part = documentPart(block);
    else if (block.type === 'tool_use') part = { type: 'tool_call', id: str(block.id) ?? '', name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) };
    else if (block.type === 'thinking') part = { type: 'reasoning', text: str(block.thinking) ?? '', ...unpackReasoningSignature(str(block.signature)) };
    else if (block.type === 'redacted_thinking' && typeof block.data === 'string') part = { type: 'reasoning', text: '', signature: block.data, redacted: true };
    if (part) parts.push(part);
  }
  return parts;
}

/** A user turn: its tool results come first (they answer the previous assistant's calls). */
function userMessages(content: unknown): IrMessage[] {
  const blocks = objects(content);
  const out: IrMessage[] = [];
  for (const result of blocks.filter((b) => b.type === 'tool_result')) {
    out.push({ role: 'tool', callId: str(result.tool_use_id) ?? '', content: contentParts(result.content), ...(result.is_error === true ? { isError: true } : {}) });
  }
  const parts = contentParts(typeof content === 'string' ? content : blocks.filter((b) => b.type !== 'tool_result'));
  if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function toolChoiceOf(choice: unknown): IrToolChoice | undefined {
  if (!isObject(choice)) return undefined;
  if (choice.type === 'auto') return 'auto';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  if (choice.type === 'tool' && typeof choice.name === 'string') return { name: choice.name };
  return undefined;
}

export function decodeMessagesRequest(body: Json): IrRequest {
  const messages: IrMessage[] = [];
  const system = textOfSystem(body.system);
  if (system) messages.push({ role: 'system', content: [{ type: 'text', text: system }] });
  for (const message of objects(body.messages)) {
    if (message.role === 'assistant') messages.push({ role: 'assistant', content: contentParts(message.content) });
    else if (message.role === 'system') messages.push({ role: 'system', content: contentParts(message.content) });
    else messages.push(...userMessages(message.content));
  }
  const tools: IrTool[] = [];
  for (const tool of objects(body.tools)) {
    // Server tools (web_search_…, bash_…) have no schema another model could use.
    if (typeof tool.name !== 'string' || !isObject(tool.input_schema) || (tool.type !== undefined && tool.type !== 'custom')) continue;
    tools.push({ name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters: tool.input_schema, ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}) });
  }
  const choice = isObject(body.tool_choice) ? body.tool_choice : {};
  const thinking = isObject(body.thinking) ? body.thinking : {};
  const effort = isObject(body.output_config) ? str(body.output_config.effort) : undefined;
  const thinks = thinking.type === 'enabled' || thinking.type === 'adaptive';
  const stop = Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
  return {
    messages,
    tools,
    toolChoice: toolChoiceOf(body.tool_choice),
    parallelToolCalls: choice.disable_parallel_tool_use === true ? false : undefined,
    maxOutputTokens: num(body.max_tokens),
    temperature: num(body.temperature),
    topP: num(body.top_p),
    stop: stop.length > 0 ? stop : undefined,
    stream: body.stream === true,
    reasoning: thinks || effort ? { ...(effort ? { effort } : {}), ...(num(thinking.budget_tokens) !== undefined ? { budgetTokens: num(thinking.budget_tokens) } : {}) } : undefined,
    user: isObject(body.metadata) ? str(body.metadata.user_id) : undefined,
  };
}

// ---- encode (IR → Copilot /v1/messages) ----

/** Anthropic accepts only `[A-Za-z0-9_-]` in tool ids; the same id maps the same way on both sides. */
export function anthropicToolId(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : id.replace(/[^A-Za-z0-9_-]/g, '_') || 'tool_call';
}

function blocksOf(parts: IrPart[], withThinking: boolean): Json[] {
  const blocks: Json[] = [];
  for (const part of parts) {
    if (part.type === 'text') {
      if (part.text.trim()) blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image') {
      const match = /^data:([^;]+);base64,(.*)$/s.exec(part.url);
      blocks.push({ type: 'image', source: match ? { type: 'base64', media_type: match[1], data: match[2] } : { type: 'url', url: part.url } });
    } else if (part.type === 'document') {
      blocks.push({ type: 'document', source: { type: 'base64', media_type: part.mediaType, data: part.data }, ...(part.title ? { title: part.title } : {}) });
    } else if (part.type === 'tool_call') {
      const input = tryParse(part.arguments || '{}');
      blocks.push({ type: 'tool_use', id: anthropicToolId(part.id), name: part.name, input: isObject(input) ? input : {} });
    } else if (part.type === 'reasoning' && withThinking && part.signature && !isResponsesReasoningId(part.id)) {
      // Only Anthropic's own signatures round-trip; reasoning from a Responses model is dropped.
      blocks.push(part.redacted ? { type: 'redacted_thinking', data: part.signature } : { type: 'thinking', thinking: part.text, signature: packReasoningSignature(part.id, part.signature) });
    }
  }
  return blocks;
}

export function encodeMessagesRequest(ir: IrRequest, model: CopilotModel): Json {
  const system: Json[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: Json[] }> = [];
  const push = (role: 'user' | 'assistant', content: Json[]) => {
    if (content.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  const thinking = ir.reasoning !== undefined && supportsThinkingBudget(model);
  for (const message of ir.messages) {
    if (message.role === 'system') system.push(...blocksOf(message.content, false));
    else if (message.role === 'assistant') push('assistant', blocksOf(message.content, thinking));
    else if (message.role === 'user') push('user', blocksOf(message.content, false));
    else {
      const content = blocksOf(message.content.filter((p) => p.type === 'text' || p.type === 'image'), false);
      push('user', [{ type: 'tool_result', tool_use_id: anthropicToolId(message.callId), ...(content.length > 0 ? { content } : {}), ...(message.isError ? { is_error: true } : {}) }]);
    }
  }
  // Copilot refuses a trailing assistant turn (prefill), as VS Code found.
  if (turns.at(-1)?.role === 'assistant') turns.push({ role: 'user', content: [{ type: 'text', text: 'Please continue.' }] });
  const maxTokens = clampOutputTokens(ir.maxOutputTokens, model) ?? maxOutputTokens(model) ?? 8192;
  const body: Json = { model: model.id, max_tokens: maxTokens, messages: turns };
  if (system.length > 0) body.system = system;
  if (ir.stream) body.stream = true;
  if (ir.stop) body.stop_sequences = ir.stop;
  if (ir.user) body.metadata = { user_id: ir.user };
  if (ir.tools.length > 0) {
    body.tools = ir.tools.map((t) => {
      const { $schema: _ignored, ...schema } = t.parameters;
      return { name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: { type: 'object', properties: {}, ...schema } };
    });
    const choice = ir.toolChoice;
    if (choice === 'none') body.tool_choice = { type: 'none' };
    else if (choice || ir.parallelToolCalls === false) {
      const base = choice === 'required' ? { type: 'any' } : typeof choice === 'object' ? { type: 'tool', name: choice.name } : { type: 'auto' };
      body.tool_choice = ir.parallelToolCalls === false ? { ...base, disable_parallel_tool_use: true } : base;
    }
  }
  const budget = thinking ? thinkingBudgetFor(ir.reasoning!, model, maxTokens) : undefined;
  if (budget !== undefined) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
    const effort = effortFor(ir.reasoning!, effortLevels(model));
    if (effort) body.output_config = { effort };
  } else {
    // Anthropic rejects sampling parameters together with thinking.
    if (ir.temperature !== undefined) body.temperature = ir.temperature;
    if (ir.topP !== undefined) body.top_p = ir.topP;
  }
  return body;
}
