import type { CopilotModel } from '../copilot/models.js';
import { countPool } from '../tokens/count-pool.js';
import { countTexts } from '../tokens/counter.js';
import type { TextCount } from '../tokens/counter.js';
import { loadEncoder } from '../tokens/encoders.js';
import type { Encoder, EncodingName } from '../tokens/encoders.js';
import type { AnthropicRequest } from './types.js';

export { loadEncoder };
export type { Encoder, EncodingName, TextCount };

/**
 * `/v1/messages/count_tokens`: a real BPE count with `gpt-tokenizer` (pure JS, no native build,
 * ships o200k_base and cl100k_base). o200k_base is the default; a model whose
 * `capabilities.tokenizer` says cl100k gets cl100k_base. For Claude models this is an ESTIMATE:
 * Anthropic's tokenizer isn't public, and CAPI has no known count endpoint. It is still a real
 * token count of every part of the request (no character heuristic, no fudge multiplier).
 *
 * Counted: system, every message's text, tool_use input JSON, tool_result content, thinking text,
 * and each tool's name, description and input_schema JSON, plus a few framing tokens per message.
 * Images can't be tokenised as text: each counts a fixed IMAGE_TOKENS (Anthropic's documented cost
 * of an image at its maximum default size, ~1.15 megapixels ≈ 1600 tokens), an upper bound so that
 * clients compact early rather than late. When tools are present, Claude adds a tool-use system
 * prompt Anthropic documents as 346 tokens (auto/none) or 313 (any/tool); that is added for Claude.
 *
 * Where and how long: the proxy counts on a worker thread (tokens/count-pool.ts), in linear time
 * (tokens/segments.ts), within COUNT_BUDGET_MS (500 ms) from the call (plus the worker's one-time
 * start); past it the rest of a huge or slow input is extrapolated from a sample (tokens/counter.ts).
 * Text that merely looks like a special token (`<|endoftext|>`) is counted as plain text.
 */

export const IMAGE_TOKENS = 1600;
const PER_MESSAGE_TOKENS = 3;
const TOOL_SYSTEM_PROMPT_AUTO = 346;
const TOOL_SYSTEM_PROMPT_FORCED = 313;

export function encodingFor(model: CopilotModel | undefined): EncodingName {
  return /cl100k/i.test(model?.capabilities?.tokenizer ?? '') ? 'cl100k_base' : 'o200k_base';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** What a request's count is made of: the texts to tokenise, and fixed costs (framing, images, tool prompt). */
export function requestTexts(request: AnthropicRequest, options: { claude?: boolean } = {}): { texts: string[]; fixed: number } {
  const texts: string[] = [];
  let fixed = 0;
  const add = (value: string): void => {
    if (value) texts.push(value);
  };
  // An explicit stack: tool_result blocks nest content, and a hostile body may nest them deeply.
  const pending: unknown[] = [request.system];
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isObject(message)) continue;
    fixed += PER_MESSAGE_TOKENS;
    pending.push(message.content);
  }
  while (pending.length > 0) {
    const blocks = pending.pop();
    if (typeof blocks === 'string') add(blocks);
    if (!Array.isArray(blocks)) continue;
    for (const block of blocks) {
      if (!isObject(block)) continue;
      switch (block.type) {
        case 'text':
          add(text(block.text));
          break;
        case 'image':
          fixed += IMAGE_TOKENS;
          break;
        case 'document':
          if (isObject(block.source) && block.source.type === 'text' && typeof block.source.data === 'string') add(block.source.data);
          else fixed += IMAGE_TOKENS;
          break;
        case 'tool_use':
          add(text(block.name));
          add(JSON.stringify(block.input ?? {}));
          break;
        case 'tool_result':
          pending.push(block.content);
          break;
        case 'thinking':
          add(text(block.thinking));
          break;
        default:
          break;
      }
    }
  }
  const tools = Array.isArray(request.tools) ? request.tools.filter(isObject) : [];
  for (const tool of tools) {
    add(text(tool.name));
    add(text(tool.description));
    if (tool.input_schema !== undefined) add(JSON.stringify(tool.input_schema));
  }
  if (tools.length > 0 && options.claude) {
    const forced = isObject(request.tool_choice) && (request.tool_choice.type === 'any' || request.tool_choice.type === 'tool');
    fixed += forced ? TOOL_SYSTEM_PROMPT_FORCED : TOOL_SYSTEM_PROMPT_AUTO;
  }
  return { texts, fixed };
}

/**
 * Counts a request with a loaded encoder on the CALLER's thread, without a time budget (linear, but
 * ~1 s per MiB of random text): for tests and tools. The proxy calls countRequest / countTokens.
 */
export function countRequestTokens(request: AnthropicRequest, encoder: Encoder, options: { claude?: boolean } = {}): number {
  const { texts, fixed } = requestTexts(request, options);
  return Math.max(1, fixed + countTexts(encoder, texts).tokens);
}

/** A request's input tokens, counted off the event loop within the budget; never rejects. */
export async function countRequest(request: AnthropicRequest, model: CopilotModel | undefined, budgetMs?: number): Promise<TextCount> {
  const claude = /claude/i.test(model?.id ?? request.model ?? '');
  const { texts, fixed } = requestTexts(request, { claude });
  const count = await countPool.count(texts, encodingFor(model), budgetMs);
  return { tokens: Math.max(1, fixed + count.tokens), basis: count.basis };
}

/** The `/v1/messages/count_tokens` answer. */
export async function countTokens(request: AnthropicRequest, model: CopilotModel | undefined): Promise<{ input_tokens: number }> {
  return { input_tokens: (await countRequest(request, model)).tokens };
}

/** Output tokens of a streamed answer whose upstream sent no usage; off the event loop, never rejects. */
export function countOutputTokens(output: string, model: CopilotModel | undefined, budgetMs?: number): Promise<TextCount> {
  return countPool.count([output], encodingFor(model), budgetMs);
}
