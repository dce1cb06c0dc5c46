import { randomUUID } from 'node:crypto';
import type { IrPart, IrResponse, IrStopReason, IrUsage } from '../ir.js';
import { isObject, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import { packReasoningSignature, unpackReasoningSignature } from '../reasoning-id.js';
import type { AnthropicResponse, AnthropicUsage, ResponseBlock, StopReason } from './types.js';

/**
 * Anthropic message (non-stream) ⇄ IR (protocol doc §11.3). Blocks come out ordered thinking,
 * text, tool_use; a tool call whose arguments are not valid JSON (cut by max_tokens) never
 * crashes the answer.
 */

export function newMessageId(seed?: string): string {
  const clean = seed?.replace(/[^A-Za-z0-9_]/g, '');
  return clean?.startsWith('msg_') ? clean : `msg_${clean || randomUUID().replace(/-/g, '')}`;
}

/** IR usage → Anthropic's: input_tokens excludes the cached part (protocol doc §11.3). */
export function irUsageToAnthropic(usage: IrUsage | undefined, fallbackInput = 0): AnthropicUsage {
  const cached = usage?.cachedTokens ?? 0;
  const created = usage?.cacheCreationTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.inputTokens ?? fallbackInput) - cached - created),
    output_tokens: usage?.outputTokens ?? 0,
    cache_creation_input_tokens: created,
    cache_read_input_tokens: cached,
  };
}

/** Anthropic usage (and `copilot_usage`) → IR: the prompt total includes cache reads and writes. */
export function anthropicUsageToIr(usage: unknown, copilotUsage?: unknown): Partial<IrUsage> {
  const out: Partial<IrUsage> = {};
  if (isObject(usage)) {
    const input = num(usage.input_tokens);
    const read = num(usage.cache_read_input_tokens) ?? 0;
    const created = num(usage.cache_creation_input_tokens) ?? 0;
    if (input !== undefined) {
      out.inputTokens = input + read + created;
      out.cachedTokens = read;
      out.cacheCreationTokens = created;
    }
    const output = num(usage.output_tokens);
    if (output !== undefined) out.outputTokens = output;
  }
  const nano = isObject(copilotUsage) ? num(copilotUsage.total_nano_aiu) : undefined;
  if (nano !== undefined) out.nanoAiu = nano;
  return out;
}

/** Parsed tool input; unparsable (truncated) arguments are kept raw instead of failing the turn. */
export function parseToolInput(raw: string | undefined): unknown {
  if (!raw || !raw.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? parsed : { value: parsed };
  } catch {
    return { _unparsed_arguments: raw };
  }
}

export function irStopToAnthropic(reason: IrStopReason, hasToolUse: boolean): StopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'refusal':
      return 'refusal';
    case 'tool_use':
      return hasToolUse ? 'tool_use' : 'end_turn';
    default:
      return 'end_turn';
  }
}

export function anthropicStopToIr(reason: unknown): IrStopReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_use';
    case 'refusal':
      return 'refusal';
    default:
      return 'end';
  }
}

export function decodeMessagesResponse(body: unknown): IrResponse {
  const message = isObject(body) ? body : {};
  const content: IrPart[] = [];
  for (const block of objects(message.content)) {
    if (block.type === 'text' && typeof block.text === 'string') content.push({ type: 'text', text: block.text });
    else if (block.type === 'thinking') content.push({ type: 'reasoning', text: str(block.thinking) ?? '', ...unpackReasoningSignature(str(block.signature)) });
    else if (block.type === 'redacted_thinking' && typeof block.data === 'string') content.push({ type: 'reasoning', text: '', signature: block.data, redacted: true });
    else if (block.type === 'tool_use') content.push({ type: 'tool_call', id: str(block.id) ?? '', name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) });
  }
  const usage = anthropicUsageToIr(message.usage, message.copilot_usage);
  return {
    id: str(message.id),
    content,
    stopReason: anthropicStopToIr(message.stop_reason),
    stopSequence: str(message.stop_sequence) ?? null,
    usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, ...usage },
  };
}

export interface MessagesResponseContext {
  /** The model id echoed back (what the caller asked for). */
  model: string;
}

export function encodeMessagesResponse(ir: IrResponse, context: MessagesResponseContext): AnthropicResponse & Json {
  const thinking: ResponseBlock[] = [];
  const text: string[] = [];
  const tools: ResponseBlock[] = [];
  for (const part of ir.content) {
    if (part.type === 'reasoning') {
      if (part.redacted) continue;
      thinking.push({ type: 'thinking', thinking: part.text, signature: packReasoningSignature(part.id, part.signature) ?? '' });
    } else if (part.type === 'text') text.push(part.text);
    else if (part.type === 'tool_call') {
      tools.push({ type: 'tool_use', id: part.id || `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`, name: part.name, input: parseToolInput(part.arguments) });
    }
  }
  const joined = text.join('');
  // After a stop sequence the model "stopped": later tool calls are not part of the answer.
  const stopped = ir.stopReason === 'stop_sequence';
  const content: ResponseBlock[] = [...thinking, ...(joined ? [{ type: 'text' as const, text: joined }] : []), ...(stopped ? [] : tools)];
  return {
    id: newMessageId(ir.id),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: irStopToAnthropic(ir.stopReason, !stopped && tools.length > 0),
    stop_sequence: stopped ? ir.stopSequence ?? null : null,
    usage: irUsageToAnthropic(ir.usage),
  };
}
