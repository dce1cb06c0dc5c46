import type { Initiator } from '../copilot/headers.js';
import type { CopilotModel } from '../copilot/models.js';
import { needsMaxCompletionTokens } from '../proxy/routes/openai.js';
import type {
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTool,
  ChatContentPart,
  ChatMessage,
  ChatRequest,
  ChatToolCall,
  ContentBlock,
} from './types.js';

/**
 * Anthropic Messages request → OpenAI chat body for `/chat/completions` (protocol doc §11.2).
 * Unknown fields (top_k, service_tier, cache_control, eager_input_streaming…) are dropped, never
 * rejected. `stop_sequences` are NOT sent upstream as `stop`: an upstream cut is indistinguishable
 * from a natural end, so the relay enforces them itself (see stop-sequences.ts) and can report
 * `stop_reason: "stop_sequence"` with the exact sequence, as Anthropic does.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface TranslatedRequest {
  body: ChatRequest;
  initiator: Initiator;
  vision: boolean;
}

function blocksOf(message: AnthropicMessage): ContentBlock[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  return Array.isArray(message.content) ? message.content.filter(isObject) as ContentBlock[] : [];
}

function systemText(system: AnthropicRequest['system']): string {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return '';
  return system
    .filter((b) => isObject(b) && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n\n');
}

function imagePart(block: Json): ChatContentPart | null {
  const source = block.source;
  if (!isObject(source)) return null;
  if (source.type === 'base64' && typeof source.data === 'string') {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : 'image/png';
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return null;
}

/** Text of a plain-text document block (PDFs can't go through chat completions). */
function documentText(block: Json): string | null {
  const source = block.source;
  if (isObject(source) && source.type === 'text' && typeof source.data === 'string') {
    return typeof block.title === 'string' ? `${block.title}\n\n${source.data}` : source.data;
  }
  return null;
}

/** User-side content parts (text, image, text documents); tool_result handled separately. */
function userParts(blocks: Json[]): ChatContentPart[] {
  const parts: ChatContentPart[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') {
      const part = imagePart(block);
      if (part) parts.push(part);
    } else if (block.type === 'document') {
      const text = documentText(block);
      if (text !== null) parts.push({ type: 'text', text });
    }
  }
  return parts;
}

/** Collapses text-only parts into a plain string (widest upstream support). */
function compactContent(parts: ChatContentPart[]): string | ChatContentPart[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { text: string }).text).join('\n\n');
  return parts;
}

/** tool_result → `role:"tool"`. Error results keep their flag as an "Error: " prefix (CA drops it). */
function toolMessages(results: Json[]): { tools: ChatMessage[]; images: ChatContentPart[] } {
  const tools: ChatMessage[] = [];
  const images: ChatContentPart[] = [];
  for (const result of results) {
    let text = '';
    if (typeof result.content === 'string') text = result.content;
    else if (Array.isArray(result.content)) {
      const inner = result.content.filter(isObject);
      text = inner
        .filter((b) => b.type === 'text' && typeof b.text === 'string')
        .map((b) => b.text as string)
        .join('\n\n');
      // Chat tool messages can't hold images: they follow in the user message of the same turn.
      for (const block of inner) {
        if (block.type !== 'image') continue;
        const part = imagePart(block);
        if (part) images.push(part);
      }
    }
    if (result.is_error === true) text = text ? `Error: ${text}` : 'Error: the tool call failed.';
    tools.push({ role: 'tool', tool_call_id: String(result.tool_use_id ?? ''), content: text });
  }
  return { tools, images };
}

function assistantMessage(blocks: Json[], thinkingSupported: boolean): ChatMessage | null {
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  const reasoning: string[] = [];
  let opaque: string | undefined;
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id ?? ''),
        type: 'function',
        function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type === 'thinking' && thinkingSupported) {
      if (typeof block.thinking === 'string') reasoning.push(block.thinking);
      if (typeof block.signature === 'string' && block.signature) opaque = block.signature;
    } else if (block.type === 'redacted_thinking' && thinkingSupported && typeof block.data === 'string') {
      opaque = block.data;
    }
  }
  const text = texts.join('\n\n');
  if (!text && toolCalls.length === 0 && reasoning.length === 0 && !opaque) return null;
  const message: ChatMessage = { role: 'assistant', content: text || null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning.length > 0) message.reasoning_text = reasoning.join('');
  if (opaque) message.reasoning_opaque = opaque;
  return message;
}

/** §6.3: `agent` when the final user message holds only tool_result blocks, or the last turn is the assistant's. */
export function initiatorForAnthropic(messages: unknown): Initiator {
  if (!Array.isArray(messages) || messages.length === 0) return 'user';
  const last: unknown = messages[messages.length - 1];
  if (!isObject(last)) return 'user';
  if (last.role === 'assistant') return 'agent';
  if (!Array.isArray(last.content) || last.content.length === 0) return 'user';
  return last.content.every((b) => isObject(b) && b.type === 'tool_result') ? 'agent' : 'user';
}

/** §6.4: any image block, including inside tool results. */
export function hasImagesAnthropic(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  const visit = (blocks: unknown): boolean =>
    Array.isArray(blocks) && blocks.some((b) => isObject(b) && (b.type === 'image' || (b.type === 'tool_result' && visit(b.content))));
  return messages.some((m) => isObject(m) && visit(m.content));
}

function toolDefinitions(tools: AnthropicTool[] | undefined): ChatRequest['tools'] {
  if (!Array.isArray(tools)) return undefined;
  const out: NonNullable<ChatRequest['tools']> = [];
  for (const tool of tools) {
    if (!isObject(tool) || typeof tool.name !== 'string') continue;
    // Anthropic server tools (web_search_…, bash_…) have no schema we could hand to another model.
    if (!isObject(tool.input_schema)) continue;
    out.push({
      type: 'function',
      function: { name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters: tool.input_schema },
    });
  }
  return out.length > 0 ? out : undefined;
}

/** Budget → the reasoning_effort level the model lists (low < 4k, medium < 16k, else high). */
function effortFor(budget: number | undefined, levels: string[]): string | undefined {
  if (levels.length === 0) return undefined;
  const wanted = budget === undefined ? 'medium' : budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
  if (levels.includes(wanted)) return wanted;
  const order = ['minimal', 'low', 'medium', 'high', 'xhigh'];
  const target = order.indexOf(wanted);
  return [...levels].sort((a, b) => Math.abs(order.indexOf(a) - target) - Math.abs(order.indexOf(b) - target))[0];
}

export function thinkingSupported(model: CopilotModel | undefined): boolean {
  const supports = model?.capabilities?.supports;
  return supports?.thinking === true || (Array.isArray(supports?.reasoning_effort) && supports.reasoning_effort.length > 0);
}

export function toChatRequest(request: AnthropicRequest, model: CopilotModel): TranslatedRequest {
  const canThink = thinkingSupported(model);
  const messages: ChatMessage[] = [];
  const system = systemText(request.system);
  if (system) messages.push({ role: 'system', content: system });

  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isObject(message)) continue;
    const blocks = blocksOf(message) as unknown as Json[];
    if (message.role === 'assistant') {
      const assistant = assistantMessage(blocks, canThink);
      if (assistant) messages.push(assistant);
      continue;
    }
    // A user turn: its tool results go first (they answer the previous assistant's tool calls).
    const { tools, images } = toolMessages(blocks.filter((b) => b.type === 'tool_result'));
    messages.push(...tools);
    const parts = [...images, ...userParts(blocks.filter((b) => b.type !== 'tool_result'))];
    if (parts.length > 0) messages.push({ role: 'user', content: compactContent(parts) });
  }

  const body: ChatRequest = { model: model.id, messages };
  if (request.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (typeof request.max_tokens === 'number') {
    if (needsMaxCompletionTokens(model.id)) body.max_completion_tokens = request.max_tokens;
    else body.max_tokens = request.max_tokens;
  }
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  if (isObject(request.metadata) && typeof request.metadata.user_id === 'string') body.user = request.metadata.user_id;

  const tools = toolDefinitions(request.tools);
  if (tools) {
    body.tools = tools;
    const choice = request.tool_choice;
    if (isObject(choice)) {
      if (choice.type === 'auto') body.tool_choice = 'auto';
      else if (choice.type === 'any') body.tool_choice = 'required';
      else if (choice.type === 'none') body.tool_choice = 'none';
      else if (choice.type === 'tool' && typeof choice.name === 'string') body.tool_choice = { type: 'function', function: { name: choice.name } };
      if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) body.parallel_tool_calls = false;
    }
  }

  const thinking = request.thinking;
  if (canThink && isObject(thinking) && thinking.type === 'enabled') {
    const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : undefined;
    const supports = model.capabilities?.supports;
    if (supports?.thinking === true && budget !== undefined) body.thinking_budget = budget;
    const effort = effortFor(budget, Array.isArray(supports?.reasoning_effort) ? supports.reasoning_effort : []);
    if (effort) body.reasoning_effort = effort;
  }

  return { body, initiator: initiatorForAnthropic(request.messages), vision: hasImagesAnthropic(request.messages) };
}
