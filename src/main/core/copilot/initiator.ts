import type { Initiator } from './headers.js';

/**
 * Who started a request, for `X-Initiator` (protocol doc §6.3): `agent` when the last turn is not
 * the user's (tool results, assistant continuation) so agent loops don't burn premium requests.
 * And whether any message carries an image, for `Copilot-Vision-Request` (§6.4). Pure functions.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** OpenAI chat: `agent` when the last message's role is `assistant` or `tool` (or legacy `function`). */
export function initiatorForChat(messages: unknown): Initiator {
  if (!Array.isArray(messages) || messages.length === 0) return 'user';
  const last: unknown = messages[messages.length - 1];
  const role = isObject(last) ? last.role : undefined;
  return role === 'assistant' || role === 'tool' || role === 'function' ? 'agent' : 'user';
}

/** Responses API: `agent` when the last input item is a tool output or an assistant item. */
export function initiatorForResponses(input: unknown): Initiator {
  if (!Array.isArray(input) || input.length === 0) return 'user';
  const last: unknown = input[input.length - 1];
  if (!isObject(last)) return 'user';
  if (typeof last.type === 'string' && /_call_output$|^function_call$|^reasoning$/.test(last.type)) return 'agent';
  return last.role === 'assistant' ? 'agent' : 'user';
}

/** OpenAI chat: any `image_url` content part in any message. */
export function hasImagesChat(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (const message of messages) {
    if (!isObject(message) || !Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (isObject(part) && (part.type === 'image_url' || part.type === 'image')) return true;
    }
  }
  return false;
}

/** Responses API: any `input_image` part, at the top level or inside a message's content. */
export function hasImagesResponses(input: unknown): boolean {
  if (!Array.isArray(input)) return false;
  for (const item of input) {
    if (!isObject(item)) continue;
    if (item.type === 'input_image') return true;
    if (Array.isArray(item.content)) {
      for (const part of item.content) if (isObject(part) && (part.type === 'input_image' || part.type === 'image_url')) return true;
    }
  }
  return false;
}

/**
 * Anthropic Messages: `agent` when the final user message holds only tool_result blocks, or the
 * last turn is the assistant's. `role:"system"` messages (Claude Code puts some inside `messages`)
 * are not turns and are skipped.
 */
export function initiatorForAnthropic(messages: unknown): Initiator {
  if (!Array.isArray(messages)) return 'user';
  const turns = messages.filter((m) => !isObject(m) || m.role !== 'system');
  if (turns.length === 0) return 'user';
  const last: unknown = turns[turns.length - 1];
  if (!isObject(last)) return 'user';
  if (last.role === 'assistant') return 'agent';
  if (!Array.isArray(last.content) || last.content.length === 0) return 'user';
  return last.content.every((b) => isObject(b) && b.type === 'tool_result') ? 'agent' : 'user';
}

/** Anthropic Messages: any image block, including inside tool results. */
export function hasImagesAnthropic(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  const visit = (blocks: unknown): boolean =>
    Array.isArray(blocks) && blocks.some((b) => isObject(b) && (b.type === 'image' || (b.type === 'tool_result' && visit(b.content))));
  return messages.some((m) => isObject(m) && visit(m.content));
}
