import type { CopilotModel } from '../copilot/models.js';
import type { AnthropicRequest } from './types.js';

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
 */

export const IMAGE_TOKENS = 1600;
const PER_MESSAGE_TOKENS = 3;
const TOOL_SYSTEM_PROMPT_AUTO = 346;
const TOOL_SYSTEM_PROMPT_FORCED = 313;

type Encoder = { countTokens: (text: string, options?: { disallowedSpecial?: Set<string> }) => number };
type EncodingName = 'o200k_base' | 'cl100k_base';

const loaded = new Map<EncodingName, Promise<Encoder>>();

/** Lazily imports the encoder (its rank table takes ~0.3 s to load); later calls are cached. */
export function loadEncoder(name: EncodingName): Promise<Encoder> {
  let encoder = loaded.get(name);
  if (!encoder) {
    encoder = (name === 'cl100k_base' ? import('gpt-tokenizer/encoding/cl100k_base') : import('gpt-tokenizer/encoding/o200k_base')) as Promise<Encoder>;
    loaded.set(name, encoder);
  }
  return encoder;
}

export function encodingFor(model: CopilotModel | undefined): EncodingName {
  return /cl100k/i.test(model?.capabilities?.tokenizer ?? '') ? 'cl100k_base' : 'o200k_base';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Counts a request with a loaded encoder (sync, so the hot path is one function call). */
export function countRequestTokens(request: AnthropicRequest, encoder: Encoder, options: { claude?: boolean } = {}): number {
  // Text that merely looks like a special token (`<|endoftext|>`) is counted as plain text.
  const plain = { disallowedSpecial: new Set<string>() };
  const count = (text: string) => (text ? encoder.countTokens(text, plain) : 0);
  let total = 0;

  const countBlocks = (blocks: unknown): void => {
    if (typeof blocks === 'string') {
      total += count(blocks);
      return;
    }
    if (!Array.isArray(blocks)) return;
    for (const block of blocks) {
      if (!isObject(block)) continue;
      switch (block.type) {
        case 'text':
          total += count(typeof block.text === 'string' ? block.text : '');
          break;
        case 'image':
          total += IMAGE_TOKENS;
          break;
        case 'document':
          total += isObject(block.source) && typeof block.source.data === 'string' && block.source.type === 'text' ? count(block.source.data) : IMAGE_TOKENS;
          break;
        case 'tool_use':
          total += count(typeof block.name === 'string' ? block.name : '') + count(JSON.stringify(block.input ?? {}));
          break;
        case 'tool_result':
          countBlocks(block.content);
          break;
        case 'thinking':
          total += count(typeof block.thinking === 'string' ? block.thinking : '');
          break;
        default:
          break;
      }
    }
  };

  countBlocks(request.system);
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isObject(message)) continue;
    total += PER_MESSAGE_TOKENS;
    countBlocks(message.content);
  }
  const tools = Array.isArray(request.tools) ? request.tools.filter(isObject) : [];
  for (const tool of tools) {
    total += count(typeof tool.name === 'string' ? tool.name : '');
    total += count(typeof tool.description === 'string' ? tool.description : '');
    if (tool.input_schema !== undefined) total += count(JSON.stringify(tool.input_schema));
  }
  if (tools.length > 0 && options.claude) {
    const forced = isObject(request.tool_choice) && (request.tool_choice.type === 'any' || request.tool_choice.type === 'tool');
    total += forced ? TOOL_SYSTEM_PROMPT_FORCED : TOOL_SYSTEM_PROMPT_AUTO;
  }
  return Math.max(1, total);
}

export async function countTokens(request: AnthropicRequest, model: CopilotModel | undefined): Promise<{ input_tokens: number }> {
  const encoder = await loadEncoder(encodingFor(model));
  const claude = /claude/i.test(model?.id ?? request.model ?? '');
  return { input_tokens: countRequestTokens(request, encoder, { claude }) };
}
