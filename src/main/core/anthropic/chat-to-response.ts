import { randomUUID } from 'node:crypto';
import { cutAtStopSequence } from './stop-sequences.js';
import type { AnthropicResponse, AnthropicUsage, ChatResponse, ChatUsage, ResponseBlock, StopReason } from './types.js';

/**
 * Non-stream OpenAI chat completion → Anthropic message (protocol doc §11.3). Every choice is
 * merged (Copilot may put text and tool calls in separate choices); blocks are ordered thinking,
 * text, tool_use; a tool call whose arguments are not valid JSON (truncated by max_tokens) never
 * crashes the answer.
 */

export function newMessageId(seed?: string): string {
  const clean = seed?.replace(/[^A-Za-z0-9_]/g, '');
  return `msg_${clean || randomUUID().replace(/-/g, '')}`;
}

export function mapUsage(usage: ChatUsage | null | undefined, fallbackInput = 0): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? fallbackInput;
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
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

/** Combines the finish reasons of all choices: truncation wins, then tool use. */
export function stopReasonFor(finishReasons: Array<string | null | undefined>, hasToolUse: boolean, stopSequence: string | null): StopReason {
  if (stopSequence !== null) return 'stop_sequence';
  if (finishReasons.includes('length')) return 'max_tokens';
  if (hasToolUse || finishReasons.includes('tool_calls') || finishReasons.includes('function_call')) return hasToolUse ? 'tool_use' : 'end_turn';
  return 'end_turn';
}

export interface ResponseContext {
  /** The model id echoed back (what the caller asked for). */
  model: string;
  stopSequences?: string[];
}

export function toAnthropicResponse(chat: ChatResponse, context: ResponseContext): AnthropicResponse {
  let thinking = '';
  let signature = '';
  let text = '';
  const tools: ResponseBlock[] = [];
  const finishReasons: Array<string | null | undefined> = [];
  const choices = [...(chat.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  for (const choice of choices) {
    finishReasons.push(choice.finish_reason);
    const message = choice.message;
    if (!message) continue;
    thinking += message.reasoning_text ?? message.reasoning_content ?? '';
    if (message.reasoning_opaque) signature = message.reasoning_opaque;
    if (typeof message.content === 'string') text += message.content;
    for (const call of message.tool_calls ?? []) {
      tools.push({
        type: 'tool_use',
        id: call.id || `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        name: call.function?.name ?? '',
        input: parseToolInput(call.function?.arguments),
      });
    }
  }

  const cut = cutAtStopSequence(text, context.stopSequences);
  const content: ResponseBlock[] = [];
  if (thinking || signature) content.push({ type: 'thinking', thinking, signature });
  if (cut.text) content.push({ type: 'text', text: cut.text });
  // After a stop sequence the model "stopped": later tool calls are not part of the answer.
  if (cut.sequence === null) content.push(...tools);
  const hasToolUse = cut.sequence === null && tools.length > 0;
  return {
    id: newMessageId(chat.id),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: stopReasonFor(finishReasons, hasToolUse, cut.sequence),
    stop_sequence: cut.sequence,
    usage: mapUsage(chat.usage),
  };
}
