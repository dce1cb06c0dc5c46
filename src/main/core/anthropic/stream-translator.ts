import { randomUUID } from 'node:crypto';
import { mapUsage, newMessageId, stopReasonFor } from './chat-to-response.js';
import type { SseMessage } from './sse-parser.js';
import { StopSequenceMatcher } from './stop-sequences.js';
import type { ChatStreamChunk, ChatUsage } from './types.js';

/**
 * One state machine per streamed response: OpenAI chat chunks in, the exact Anthropic event
 * sequence out (protocol doc §11.4):
 *   message_start, ping, (content_block_start, content_block_delta*, content_block_stop)*,
 *   message_delta {stop_reason, usage}, message_stop
 * or, if the upstream fails mid-way, a terminal `error` event. Every choice of every chunk is read
 * (text and tool calls may arrive in different choices); a new tool call closes the open block.
 */

export type AnthropicEvent = { type: string } & Record<string, unknown>;

export function formatEvent(event: AnthropicEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export const pingEvent = (): AnthropicEvent => ({ type: 'ping' });

export function errorEvent(type: 'api_error' | 'overloaded_error' | string, message: string): AnthropicEvent {
  return { type: 'error', error: { type, message } };
}

export interface StreamTranslatorOptions {
  /** The model id echoed back to the caller. */
  model: string;
  /** Estimated input tokens for message_start (real numbers come in message_delta). */
  inputTokens: number;
  stopSequences?: string[];
  messageId?: string;
  /** Output estimate when the upstream sends no usage chunk. */
  countTokens?: (text: string) => number;
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

interface OpenBlock {
  kind: BlockKind;
  index: number;
  toolKey?: string;
}

export class StreamTranslator {
  private readonly options: StreamTranslatorOptions;
  private readonly stop: StopSequenceMatcher;
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  private pendingSignature = '';
  private readonly tools = new Map<string, { index: number }>();
  private toolBlocks = 0;
  private readonly finishReasons: string[] = [];
  private usage: ChatUsage | null = null;
  private outputText = '';

  constructor(options: StreamTranslatorOptions) {
    this.options = options;
    this.stop = new StopSequenceMatcher(options.stopSequences);
  }

  /** True once the stream is over (message_stop or error sent). */
  get done(): boolean {
    return this.finished;
  }

  /** True when a stop sequence matched: the caller should stop reading (and abort) the upstream. */
  get stopped(): boolean {
    return this.stop.matched !== null;
  }

  /**
   * The answer so far (text and tool-call arguments) while the upstream has sent no usage, else
   * null: the caller counts it for message_delta when no `countTokens` option was given.
   */
  get unmeteredOutput(): string | null {
    return this.usage ? null : this.outputText;
  }

  /** True once some finish_reason arrived (the answer is complete even without `[DONE]`). */
  get sawFinish(): boolean {
    return this.finishReasons.length > 0;
  }

  start(): AnthropicEvent[] {
    if (this.started) return [];
    this.started = true;
    return [
      {
        type: 'message_start',
        message: {
          id: this.options.messageId ?? newMessageId(),
          type: 'message',
          role: 'assistant',
          model: this.options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: this.options.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      },
      pingEvent(),
    ];
  }

  /** One upstream SSE message: a JSON chunk, `[DONE]`, an upstream error object, or garbage. */
  feed(message: SseMessage): AnthropicEvent[] {
    if (this.finished) return [];
    const data = message.data.trim();
    if (data === '') return [];
    if (data === '[DONE]') return this.finish();
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.fail('api_error', 'The Copilot API sent a malformed stream event.');
    }
    if (typeof parsed !== 'object' || parsed === null) return this.fail('api_error', 'The Copilot API sent a malformed stream event.');
    const upstreamError = (parsed as { error?: unknown }).error;
    if (message.event === 'error' || upstreamError !== undefined) {
      const inner = typeof upstreamError === 'object' && upstreamError !== null ? (upstreamError as { message?: unknown; code?: unknown }) : {};
      const text = typeof inner.message === 'string' ? inner.message : typeof upstreamError === 'string' ? upstreamError : 'The Copilot API reported an error mid-stream.';
      const overloaded = /overload|rate.?limit|capacity/i.test(`${text} ${String(inner.code ?? '')}`);
      return this.fail(overloaded ? 'overloaded_error' : 'api_error', text);
    }
    return this.chunk(parsed as ChatStreamChunk);
  }

  chunk(chunk: ChatStreamChunk): AnthropicEvent[] {
    const events = this.start();
    if (this.finished) return events;
    if (chunk.usage) this.usage = chunk.usage;
    const choices = [...(chunk.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const choice of choices) {
      if (choice.finish_reason) this.finishReasons.push(choice.finish_reason);
      const delta = choice.delta;
      if (!delta || this.stopped) continue;
      const reasoning = delta.reasoning_text ?? delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) {
        this.ensureOpen('thinking', events);
        events.push(this.delta({ type: 'thinking_delta', thinking: reasoning }));
      }
      if (typeof delta.reasoning_opaque === 'string' && delta.reasoning_opaque) {
        // The signature belongs to a thinking block: it is sent just before that block closes.
        this.ensureOpen('thinking', events);
        this.pendingSignature += delta.reasoning_opaque;
      }
      if (typeof delta.content === 'string' && delta.content) {
        const safe = this.stop.push(delta.content);
        if (safe) this.emitText(safe, events);
        if (this.stopped) continue;
      }
      for (const [position, call] of (delta.tool_calls ?? []).entries()) {
        const key = `${choice.index ?? 0}:${call.index ?? position}`;
        let tool = this.tools.get(key);
        if (!tool) {
          this.closeOpen(events);
          const index = this.nextIndex++;
          tool = { index };
          this.tools.set(key, tool);
          this.toolBlocks++;
          this.open = { kind: 'tool_use', index, toolKey: key };
          events.push({
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: call.id || `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`, name: call.function?.name ?? '', input: {} },
          });
        }
        const fragment = call.function?.arguments;
        if (typeof fragment === 'string' && fragment) {
          this.outputText += fragment;
          if (this.open?.toolKey === key) events.push(this.delta({ type: 'input_json_delta', partial_json: fragment }));
          // A fragment for a tool whose block was already closed can't be sent in Anthropic's
          // format; upstreams stream calls one after another, so this does not happen in practice.
        }
      }
    }
    return events;
  }

  /** Normal end (`[DONE]`, or the body ended after a finish_reason). */
  finish(): AnthropicEvent[] {
    if (this.finished) return [];
    const events = this.start();
    const tail = this.stop.flush();
    if (tail) this.emitText(tail, events);
    this.closeOpen(events);
    this.finished = true;
    const matched = this.stop.matched;
    const usage = this.usage
      ? mapUsage(this.usage)
      : {
          input_tokens: this.options.inputTokens,
          output_tokens: this.options.countTokens ? this.options.countTokens(this.outputText) : 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        };
    events.push({
      type: 'message_delta',
      delta: { stop_reason: stopReasonFor(this.finishReasons, this.toolBlocks > 0 && matched === null, matched), stop_sequence: matched },
      usage,
    });
    events.push({ type: 'message_stop' });
    return events;
  }

  /** The upstream body ended: complete if the answer finished, else it broke off. */
  end(): AnthropicEvent[] {
    if (this.finished) return [];
    if (this.sawFinish || this.stopped) return this.finish();
    return this.fail('api_error', 'The stream from the Copilot API ended before the answer was complete.');
  }

  /** Terminal error event (nothing may follow it). */
  fail(type: string, message: string): AnthropicEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return [errorEvent(type, message)];
  }

  private delta(delta: Record<string, unknown>): AnthropicEvent {
    return { type: 'content_block_delta', index: this.open!.index, delta };
  }

  private emitText(text: string, events: AnthropicEvent[]): void {
    this.outputText += text;
    this.ensureOpen('text', events);
    events.push(this.delta({ type: 'text_delta', text }));
  }

  private ensureOpen(kind: 'text' | 'thinking', events: AnthropicEvent[]): void {
    if (this.open?.kind === kind) return;
    this.closeOpen(events);
    const index = this.nextIndex++;
    this.open = { kind, index };
    events.push({
      type: 'content_block_start',
      index,
      content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
    });
  }

  private closeOpen(events: AnthropicEvent[]): void {
    if (!this.open) return;
    if (this.open.kind === 'thinking' && this.pendingSignature) {
      events.push(this.delta({ type: 'signature_delta', signature: this.pendingSignature }));
      this.pendingSignature = '';
    }
    events.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }
}
