import type { IrEvent } from './ir.js';
import { isObject } from './json.js';
import type { Json } from './json.js';
import type { SseMessage } from './sse-parser.js';

/**
 * The two halves of a translated stream. A decoder turns one upstream SSE message into IR events;
 * an encoder turns IR events into the bytes the caller's API expects. Both are per-response state
 * machines that never hold content back: each upstream message yields its events at once.
 */
export interface StreamDecoder {
  feed(message: SseMessage, out: IrEvent[]): void;
  /** The upstream body ended (finishes a complete answer, or reports that it broke off). */
  end(out: IrEvent[]): void;
}

export interface StreamEncoder {
  encode(events: readonly IrEvent[]): string;
  /** A keep-alive frame for a silent upstream (Anthropic `ping`), or null when the API has none. */
  keepAlive(): string | null;
  /** True once the terminal frame (end or error) was produced. */
  readonly done: boolean;
}

export const MALFORMED_EVENT = 'The Copilot API sent a malformed stream event.';
export const ENDED_EARLY = 'The stream from the Copilot API ended before the answer was complete.';

export type SseRead = { data: Json } | { error: Extract<IrEvent, { type: 'error' }> } | 'done' | null;

/**
 * Parses one upstream SSE message: its JSON object, `'done'` for `[DONE]`, null for an empty
 * keep-alive, or an error event (malformed data, or an upstream error object / `event: error`).
 */
export function readSse(message: SseMessage): SseRead {
  const data = message.data;
  if (data === '' || data === '[DONE]') return data === '' ? null : 'done';
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return data.trim() === '' ? null : data.trim() === '[DONE]' ? 'done' : { error: { type: 'error', message: MALFORMED_EVENT } };
  }
  if (!isObject(parsed)) return { error: { type: 'error', message: MALFORMED_EVENT } };
  const upstreamError = parsed.error;
  if (message.event === 'error' || parsed.type === 'error' || (upstreamError !== undefined && upstreamError !== null)) {
    const inner = isObject(upstreamError) ? upstreamError : {};
    const text = typeof inner.message === 'string' ? inner.message : typeof upstreamError === 'string' ? upstreamError : typeof parsed.message === 'string' ? parsed.message : 'The Copilot API reported an error mid-stream.';
    const overloaded = /overload|rate.?limit|capacity/i.test(`${text} ${String(inner.code ?? inner.type ?? '')}`);
    return { error: { type: 'error', message: text, overloaded } };
  }
  return { data: parsed };
}
