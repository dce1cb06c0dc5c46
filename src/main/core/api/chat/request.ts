import type { CopilotModel } from '../../copilot/models.js';
import { openAiUser } from '../ir.js';
import type { IrMessage, IrPart, IrRequest, IrResponseFormat, IrTool, IrToolChoice } from '../ir.js';
import { isObject, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import { clampOutputTokens, effortFor, effortLevels, needsMaxCompletionTokens, supportsThinkingBudget, thinkingSupported } from '../model-caps.js';
import { packReasoningSignature, unpackReasoningSignature } from '../reasoning-id.js';
import type { ChatContentPart, ChatMessage, ChatRequest, ChatToolCall } from './types.js';

/**
 * Chat completions request ⇄ IR. Decoding reads what OpenAI and Copilot clients send (system and
 * developer messages anywhere, content strings or parts, tool calls, Copilot's `reasoning_text` /
 * `reasoning_opaque`); encoding writes the body Copilot's `/chat/completions` takes.
 */

function partsOf(content: unknown): IrPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: IrPart[] = [];
  for (const part of objects(content)) {
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'refusal' && typeof part.refusal === 'string') parts.push({ type: 'text', text: part.refusal });
    else if (part.type === 'image_url') {
      const image = isObject(part.image_url) ? part.image_url : { url: part.image_url };
      if (typeof image.url === 'string') parts.push({ type: 'image', url: image.url, ...(typeof image.detail === 'string' ? { detail: image.detail } : {}) });
    } else if (part.type === 'file' && isObject(part.file) && typeof part.file.file_data === 'string') {
      const match = /^data:([^;]+);base64,(.*)$/s.exec(part.file.file_data);
      if (match) parts.push({ type: 'document', mediaType: match[1]!, data: match[2]!, ...(typeof part.file.filename === 'string' ? { title: part.file.filename } : {}) });
    }
  }
  return parts;
}

function assistantParts(message: Json): IrPart[] {
  const parts: IrPart[] = [];
  const reasoning = str(message.reasoning_text) ?? str(message.reasoning_content) ?? '';
  const opaque = str(message.reasoning_opaque);
  if (reasoning || opaque) parts.push({ type: 'reasoning', text: reasoning, ...unpackReasoningSignature(opaque) });
  parts.push(...partsOf(message.content));
  for (const call of objects(message.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    parts.push({ type: 'tool_call', id: str(call.id) ?? '', name: str(fn.name) ?? '', arguments: str(fn.arguments) ?? '' });
  }
  return parts;
}

function toolChoiceOf(value: unknown): IrToolChoice | undefined {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value) && isObject(value.function) && typeof value.function.name === 'string') return { name: value.function.name };
  return undefined;
}

function responseFormatOf(value: unknown): IrResponseFormat | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === 'json_object') return { type: 'json_object' };
  if (value.type === 'json_schema' && isObject(value.json_schema)) {
    const spec = value.json_schema;
    return { type: 'json_schema', name: str(spec.name) ?? 'response', schema: spec.schema ?? {}, ...(typeof spec.strict === 'boolean' ? { strict: spec.strict } : {}) };
  }
  return undefined;
}

export function decodeChatRequest(body: Json): IrRequest {
  const messages: IrMessage[] = [];
  for (const message of objects(body.messages)) {
    const role = message.role;
    if (role === 'system' || role === 'developer') messages.push({ role: 'system', content: partsOf(message.content) });
    else if (role === 'user') messages.push({ role: 'user', content: partsOf(message.content) });
    else if (role === 'assistant') messages.push({ role: 'assistant', content: assistantParts(message) });
    else if (role === 'tool' || role === 'function') messages.push({ role: 'tool', callId: str(message.tool_call_id) ?? str(message.name) ?? '', content: partsOf(message.content) });
  }
  const tools: IrTool[] = [];
  for (const tool of objects(body.tools)) {
    const fn = isObject(tool.function) ? tool.function : null;
    if (tool.type !== 'function' || !fn || typeof fn.name !== 'string') continue;
    tools.push({ name: fn.name, ...(typeof fn.description === 'string' ? { description: fn.description } : {}), parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} }, ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}) });
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
  const effort = str(body.reasoning_effort);
  const budget = num(body.thinking_budget);
  return {
    messages,
    tools,
    toolChoice: toolChoiceOf(body.tool_choice),
    parallelToolCalls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : undefined,
    maxOutputTokens: num(body.max_completion_tokens) ?? num(body.max_tokens),
    temperature: num(body.temperature),
    topP: num(body.top_p),
    stop: stop.length > 0 ? stop : undefined,
    stream: body.stream === true,
    reasoning: effort !== undefined || budget !== undefined ? { effort, budgetTokens: budget } : undefined,
    responseFormat: responseFormatOf(body.response_format),
    user: str(body.user),
  };
}

// ---- encode (IR → Copilot /chat/completions) ----

function chatParts(parts: IrPart[]): ChatContentPart[] {
  const out: ChatContentPart[] = [];
  for (const part of parts) {
    if (part.type === 'text') out.push({ type: 'text', text: part.text });
    else if (part.type === 'image') out.push({ type: 'image_url', image_url: { url: part.url, ...(part.detail ? { detail: part.detail } : {}) } });
    // Documents (PDFs) can't go through chat completions on Copilot: dropped.
  }
  return out;
}

/** Text-only content collapses to a plain string (the widest upstream support). */
function compact(parts: ChatContentPart[]): string | ChatContentPart[] {
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('\n\n') : parts;
}

function assistantMessage(parts: IrPart[], canThink: boolean): ChatMessage | null {
  const text = parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n\n');
  const calls: ChatToolCall[] = parts
    .filter((p) => p.type === 'tool_call')
    .map((p) => ({ id: p.id, type: 'function' as const, function: { name: p.name, arguments: p.arguments || '{}' } }));
  const message: ChatMessage = { role: 'assistant', content: text || null };
  if (calls.length > 0) message.tool_calls = calls;
  if (canThink) {
    const reasoning = parts.filter((p) => p.type === 'reasoning');
    const thought = reasoning.map((p) => p.text).join('');
    const last = reasoning.at(-1);
    const opaque = last ? packReasoningSignature(last.id, last.signature) : undefined;
    if (thought) message.reasoning_text = thought;
    if (opaque) message.reasoning_opaque = opaque;
  }
  return text || calls.length > 0 || message.reasoning_text || message.reasoning_opaque ? message : null;
}

/** A tool result as a `role:"tool"` message (text only: chat tool messages can't hold images). */
function toolMessage(message: Extract<IrMessage, { role: 'tool' }>): ChatMessage {
  let text = message.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n\n');
  if (message.isError) text = text ? `Error: ${text}` : 'Error: the tool call failed.';
  return { role: 'tool', tool_call_id: message.callId, content: text };
}

export function encodeChatRequest(ir: IrRequest, model: CopilotModel): ChatRequest & Json {
  const canThink = thinkingSupported(model);
  const messages: ChatMessage[] = [];
  // Images from tool results follow the run of tool messages, in the next user message (tool
  // messages must directly follow the assistant's tool calls).
  let images: ChatContentPart[] = [];
  const flushImages = () => {
    if (images.length > 0) messages.push({ role: 'user', content: images });
    images = [];
  };
  for (const message of ir.messages) {
    if (message.role === 'tool') {
      messages.push(toolMessage(message));
      images.push(...chatParts(message.content.filter((p) => p.type === 'image')));
      continue;
    }
    if (message.role === 'assistant') {
      flushImages();
      const assistant = assistantMessage(message.content, canThink);
      if (assistant) messages.push(assistant);
      continue;
    }
    const parts = chatParts(message.role === 'system' ? message.content.filter((p) => p.type === 'text') : message.content);
    if (message.role === 'user') {
      const all = [...images, ...parts];
      images = [];
      if (all.length > 0) messages.push({ role: 'user', content: compact(all) });
      continue;
    }
    flushImages();
    if (parts.length === 0) continue;
    // Consecutive system messages (a system prompt in several blocks) join into one.
    const previous = messages.at(-1);
    if (previous?.role === 'system' && typeof previous.content === 'string') previous.content += `\n\n${compact(parts) as string}`;
    else messages.push({ role: 'system', content: compact(parts) as string });
  }
  flushImages();
  const body: ChatRequest & Json = { model: model.id, messages };
  if (ir.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  const max = clampOutputTokens(ir.maxOutputTokens, model);
  if (max !== undefined) {
    if (needsMaxCompletionTokens(model.id)) body.max_completion_tokens = max;
    else body.max_tokens = max;
  }
  if (ir.temperature !== undefined) body.temperature = ir.temperature;
  if (ir.topP !== undefined) body.top_p = ir.topP;
  if (ir.stop) body.stop = ir.stop;
  const user = openAiUser(ir.user);
  if (user) body.user = user;
  if (ir.tools.length > 0) {
    body.tools = ir.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } }));
    const choice = ir.toolChoice;
    if (choice) body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
    if (ir.parallelToolCalls === false) body.parallel_tool_calls = false;
  }
  if (ir.responseFormat) {
    body.response_format = ir.responseFormat.type === 'json_object'
      ? { type: 'json_object' }
      : { type: 'json_schema', json_schema: { name: ir.responseFormat.name, schema: ir.responseFormat.schema, ...(ir.responseFormat.strict !== undefined ? { strict: ir.responseFormat.strict } : {}) } };
  }
  if (ir.reasoning && canThink) {
    if (supportsThinkingBudget(model) && ir.reasoning.budgetTokens !== undefined) body.thinking_budget = ir.reasoning.budgetTokens;
    const effort = effortFor(ir.reasoning, effortLevels(model));
    if (effort) body.reasoning_effort = effort;
  }
  return body;
}
