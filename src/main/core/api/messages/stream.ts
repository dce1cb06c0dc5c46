import { randomUUID } from 'node:crypto';
import type { IrEvent, IrStopReason, IrUsage } from '../ir.js';
import { emptyUsage, mergeUsage } from '../ir.js';
import { packReasoningSignature } from '../reasoning-id.js';
import type { StreamEncoder } from '../stream.js';
import { irStopToAnthropic, irUsageToAnthropic, newMessageId } from './response.js';

/**
 * IR events → the exact Anthropic event sequence (protocol doc §11.4):
 *   message_start, ping, (content_block_start, content_block_delta*, content_block_stop)*,
 *   message_delta {stop_reason, usage}, message_stop
 * or a terminal `error` event. A new kind of content closes the open block; a thinking block gets
 * its signature (signature_delta) just before it closes. Without upstream usage the counts come
 * from StreamTranslation.meter (the input estimate, the output counted by the relay).
 */

export type AnthropicEvent = { type: string } & Record<string, unknown>;

export function formatEvent(event: AnthropicEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export const PING_FRAME = 'event: ping\ndata: {"type":"ping"}\n\n';

export interface MessagesEncoderOptions {
  /** The model id the caller sent. */
  model: string;
  /** Estimated input tokens for message_start (real numbers come in message_delta). */
  inputTokens?: number;
  messageId?: string;
}

type BlockKind = 'text' | 'thinking' | 'tool_use';

export class MessagesStreamEncoder implements StreamEncoder {
  private readonly options: MessagesEncoderOptions;
  private readonly usage: IrUsage = emptyUsage();
  private sawUsage = false;
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private open: { kind: BlockKind; index: number; key?: string } | null = null;
  private signature = '';
  private toolBlocks = 0;

  constructor(options: MessagesEncoderOptions) {
    this.options = options;
  }

  get done(): boolean {
    return this.finished;
  }

  keepAlive(): string | null {
    return this.finished ? null : PING_FRAME;
  }

  encode(events: readonly IrEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.finished) break;
      if (!this.started && event.type !== 'error') out += this.start();
      switch (event.type) {
        case 'text':
          out += this.ensureOpen('text') + this.delta(`{"type":"text_delta","text":${JSON.stringify(event.text)}}`);
          break;
        case 'reasoning':
          out += this.ensureOpen('thinking') + this.delta(`{"type":"thinking_delta","thinking":${JSON.stringify(event.text)}}`);
          break;
        case 'reasoning_end':
          if (event.redacted) {
            out += this.closeOpen() + this.block({ type: 'redacted_thinking', data: event.signature ?? '' });
            break;
          }
          out += this.ensureOpen('thinking');
          this.signature = packReasoningSignature(event.id, event.signature) ?? '';
          out += this.closeOpen();
          break;
        case 'tool_call':
          out += this.closeOpen();
          this.toolBlocks++;
          this.open = { kind: 'tool_use', index: this.nextIndex++, key: event.key };
          out += formatEvent({ type: 'content_block_start', index: this.open.index, content_block: { type: 'tool_use', id: event.id || `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`, name: event.name, input: {} } });
          break;
        case 'tool_args':
          // A fragment for a call whose block already closed can't be sent in Anthropic's format;
          // upstreams stream calls one after another, so this does not happen in practice.
          if (this.open?.key === event.key) out += this.delta(`{"type":"input_json_delta","partial_json":${JSON.stringify(event.delta)}}`);
          break;
        case 'usage':
          mergeUsage(this.usage, event.usage);
          this.sawUsage = true;
          break;
        case 'finish':
          out += this.finish(event.reason, event.stopSequence ?? null);
          break;
        case 'error':
          this.finished = true;
          out += formatEvent({ type: 'error', error: { type: event.overloaded ? 'overloaded_error' : 'api_error', message: event.message } });
          break;
        default:
          break;
      }
    }
    return out;
  }

  private start(): string {
    this.started = true;
    return (
      formatEvent({
        type: 'message_start',
        message: {
          id: this.options.messageId ?? newMessageId(),
          type: 'message',
          role: 'assistant',
          model: this.options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: this.options.inputTokens ?? 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      }) + PING_FRAME
    );
  }

  private delta(delta: string): string {
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.open!.index},"delta":${delta}}\n\n`;
  }

  private block(contentBlock: Record<string, unknown>): string {
    const index = this.nextIndex++;
    return formatEvent({ type: 'content_block_start', index, content_block: contentBlock }) + formatEvent({ type: 'content_block_stop', index });
  }

  private ensureOpen(kind: 'text' | 'thinking'): string {
    if (this.open?.kind === kind) return '';
    const out = this.closeOpen();
    this.open = { kind, index: this.nextIndex++ };
    return out + formatEvent({ type: 'content_block_start', index: this.open.index, content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' } });
  }

  private closeOpen(): string {
    if (!this.open) return '';
    let out = '';
    if (this.open.kind === 'thinking' && this.signature) out += this.delta(`{"type":"signature_delta","signature":${JSON.stringify(this.signature)}}`);
    this.signature = '';
    out += `event: content_block_stop\ndata: {"type":"content_block_stop","index":${this.open.index}}\n\n`;
    this.open = null;
    return out;
  }

  private finish(reason: IrStopReason, stopSequence: string | null): string {
    let out = this.closeOpen();
    this.finished = true;
    const usage = this.sawUsage && (this.usage.inputTokens > 0 || this.usage.outputTokens > 0)
      ? irUsageToAnthropic(this.usage)
      : { input_tokens: this.options.inputTokens ?? 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    out += formatEvent({
      type: 'message_delta',
      delta: { stop_reason: irStopToAnthropic(reason, this.toolBlocks > 0 && reason !== 'stop_sequence'), stop_sequence: reason === 'stop_sequence' ? stopSequence : null },
      usage,
    });
    return out + formatEvent({ type: 'message_stop' });
  }
}
