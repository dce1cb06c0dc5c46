import { createHash } from 'node:crypto';

/**
 * The relay's one internal representation of a generation request, its answer and its stream
 * events. Each client API (chat completions, Responses, Messages) has an adapter that decodes its
 * own shape into this and encodes this back into its shape, so every translated pair (6 of them)
 * is "decode with one adapter, encode with another" — three adapters instead of six translators.
 *
 * Deliberately small: only what all three APIs can express (text, images, documents, tool calls
 * and results with their ids, reasoning with its opaque signature, stop reasons, usage). Anything
 * else is either passed natively (same API upstream) or dropped on translation.
 */

/** The three client APIs, named by their upstream endpoint. */
export type GenerationEndpoint = '/chat/completions' | '/responses' | '/v1/messages';
export type GenerationApi = 'chat' | 'responses' | 'messages';

export const ENDPOINT_OF: Record<GenerationApi, GenerationEndpoint> = {
  chat: '/chat/completions',
  responses: '/responses',
  messages: '/v1/messages',
};

export interface IrText {
  type: 'text';
  text: string;
}

/** `url` is a `data:<type>;base64,…` URL or an http(s) URL. */
export interface IrImage {
  type: 'image';
  url: string;
  detail?: string;
}

/** A base64 document (PDF); plain-text documents become text parts. */
export interface IrDocument {
  type: 'document';
  mediaType: string;
  data: string;
  title?: string;
}

/**
 * Reasoning/thinking. `signature` is the opaque proof the upstream wants back (Anthropic
 * `signature`, Responses `encrypted_content`, chat `reasoning_opaque`); `id` is a Responses
 * reasoning item id (`rs_…`), carried through the other APIs inside the signature (see
 * reasoning-id.ts). `redacted` marks Anthropic `redacted_thinking` (signature = its data).
 */
export interface IrReasoning {
  type: 'reasoning';
  text: string;
  signature?: string;
  id?: string;
  redacted?: boolean;
}

/** `arguments` is the JSON text of the call's input, exactly as the model produced it. */
export interface IrToolCall {
  type: 'tool_call';
  id: string;
  name: string;
  arguments: string;
}

export type IrPart = IrText | IrImage | IrDocument | IrReasoning | IrToolCall;

export type IrMessage =
  | { role: 'system'; content: IrPart[] }
  | { role: 'user'; content: IrPart[] }
  | { role: 'assistant'; content: IrPart[] }
  | { role: 'tool'; callId: string; content: IrPart[]; isError?: boolean };

export interface IrTool {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type IrToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type IrResponseFormat = { type: 'json_object' } | { type: 'json_schema'; name: string; schema: unknown; strict?: boolean };

export interface IrRequest {
  /** System messages may appear anywhere: their position is kept where the upstream can hold it. */
  messages: IrMessage[];
  tools: IrTool[];
  toolChoice?: IrToolChoice;
  parallelToolCalls?: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  stream: boolean;
  /** Present when the caller asked for reasoning/thinking (an effort level, a budget, or both). */
  reasoning?: { effort?: string; budgetTokens?: number };
  responseFormat?: IrResponseFormat;
  /** The caller's end-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

export type IrStopReason = 'end' | 'length' | 'tool_use' | 'stop_sequence' | 'content_filter' | 'refusal';

/** `inputTokens` is the whole prompt, cached part included (OpenAI's meaning). */
export interface IrUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheCreationTokens?: number;
  reasoningTokens?: number;
  /** `copilot_usage.total_nano_aiu`: the billed cost (1e9 = one AI credit). */
  nanoAiu?: number;
}

export interface IrResponse {
  id?: string;
  content: IrPart[];
  stopReason: IrStopReason;
  stopSequence?: string | null;
  usage?: IrUsage;
}

/**
 * Stream events. A decoder emits `start` first, then content events, `usage` whenever the upstream
 * reports some, and exactly one `finish` (or `error`) last. Tool calls are keyed so parallel calls
 * can interleave; `reasoning_end` closes a reasoning segment and carries its signature.
 */
export type IrEvent =
  | { type: 'start'; id?: string }
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'reasoning_end'; signature?: string; id?: string; redacted?: boolean }
  | { type: 'tool_call'; key: string; id: string; name: string }
  | { type: 'tool_args'; key: string; delta: string }
  | { type: 'usage'; usage: Partial<IrUsage> }
  | { type: 'finish'; reason: IrStopReason; stopSequence?: string | null }
  | { type: 'error'; message: string; overloaded?: boolean };

export function emptyUsage(): IrUsage {
  return { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
}

/** Folds a partial usage report into the running total (later numbers win). */
export function mergeUsage(into: IrUsage, more: Partial<IrUsage>): IrUsage {
  for (const key of Object.keys(more) as Array<keyof IrUsage>) {
    const value = more[key];
    if (typeof value === 'number') into[key] = value;
  }
  return into;
}

/**
 * The end-user id as an OpenAI-style `user`: OpenAI limits it to 64 characters, and Claude Code's
 * `metadata.user_id` is longer (account, session and device ids joined), so a longer one goes as its
 * SHA-256 (64 hex characters): still one stable id per caller, never the raw value cut short.
 */
export function openAiUser(user: string | undefined): string | undefined {
  if (!user) return undefined;
  return user.length <= 64 ? user : createHash('sha256').update(user).digest('hex');
}
