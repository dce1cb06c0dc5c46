import type { IrEvent, IrStopReason } from '../ir.js';
import { isObject, newId, num, str } from '../json.js';
import type { Json } from '../json.js';
import { unpackReasoningSignature } from '../reasoning-id.js';
import type { SseMessage } from '../sse-parser.js';
import { MessagesDeltaReader } from '../fast-delta.js';
import { ENDED_EARLY, readSse } from '../stream.js';
import type { StreamDecoder } from '../stream.js';
import { anthropicStopToIr, anthropicUsageToIr } from './response.js';

/**
 * Anthropic Messages stream events → IR events. Tool calls are keyed by block index; a thinking
 * block ends at its content_block_stop with the signature its signature_delta carried; usage comes
 * from message_start (input, cache) and message_delta (output), `copilot_usage` from any event.
 */
export class MessagesStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private stopReason: IrStopReason = 'end';
  private stopSequence: string | null = null;
  /** Open blocks by index: their kind, and the signature of a thinking block. */
  private readonly blocks = new Map<number, { kind: string; signature: string }>();
  private readonly fast: MessagesDeltaReader | null;

  /** `fast`: read plain deltas with the fast path (fast-delta.ts); off only to test it against the full path. */
  constructor(fast = true) {
    this.fast = fast ? new MessagesDeltaReader() : null;
  }

  feed(message: SseMessage, out: IrEvent[]): void {
    if (this.finished) return;
    // A content_block_delta's text, thinking or arguments: no state to check past the start.
    const delta = this.fast && this.started && message.event !== 'error' ? this.fast.read(message.data) : null;
    if (delta) {
      if (delta.kind === 'text' || delta.kind === 'reasoning') out.push({ type: delta.kind, text: delta.text });
      else if (delta.kind === 'tool_args') out.push({ type: 'tool_args', key: String(delta.key), delta: delta.text });
      return;
    }
    const read = readSse(message);
    if (read === null || read === 'done') return;
    if ('error' in read) {
      this.finished = true;
      out.push(read.error);
      return;
    }
    const data = read.data;
    const type = str(data.type) ?? message.event ?? '';
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start', id: isObject(data.message) ? str(data.message.id) : undefined });
    }
    if (isObject(data.copilot_usage)) out.push({ type: 'usage', usage: anthropicUsageToIr(undefined, data.copilot_usage) });
    const index = num(data.index) ?? 0;
    switch (type) {
      case 'message_start':
        if (isObject(data.message) && isObject(data.message.usage)) out.push({ type: 'usage', usage: anthropicUsageToIr(data.message.usage) });
        break;
      case 'content_block_start': {
        const block = isObject(data.content_block) ? data.content_block : {};
        const kind = str(block.type) ?? 'text';
        this.blocks.set(index, { kind, signature: '' });
        if (kind === 'tool_use') out.push({ type: 'tool_call', key: String(index), id: str(block.id) ?? newId('toolu_'), name: str(block.name) ?? '' });
        else if (kind === 'redacted_thinking') out.push({ type: 'reasoning_end', redacted: true, signature: str(block.data) ?? '' });
        else if (kind === 'text' && typeof block.text === 'string' && block.text) out.push({ type: 'text', text: block.text });
        break;
      }
      case 'content_block_delta':
        this.delta(index, isObject(data.delta) ? data.delta : {}, out);
        break;
      case 'content_block_stop': {
        const block = this.blocks.get(index);
        this.blocks.delete(index);
        if (block?.kind === 'thinking') out.push({ type: 'reasoning_end', ...unpackReasoningSignature(block.signature || undefined) });
        break;
      }
      case 'message_delta': {
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.stop_reason !== undefined && delta.stop_reason !== null) this.stopReason = anthropicStopToIr(delta.stop_reason);
        this.stopSequence = str(delta.stop_sequence) ?? this.stopSequence;
        if (isObject(data.usage)) {
          const usage = anthropicUsageToIr(data.usage);
          // message_delta usage may repeat only output_tokens: keep message_start's input numbers then.
          if (num(data.usage.input_tokens) === undefined) {
            delete usage.inputTokens;
            delete usage.cachedTokens;
            delete usage.cacheCreationTokens;
          }
          out.push({ type: 'usage', usage });
        }
        break;
      }
      case 'message_stop':
        this.finished = true;
        out.push({ type: 'finish', reason: this.stopReason, stopSequence: this.stopSequence });
        break;
      default:
        break;
    }
  }

  end(out: IrEvent[]): void {
    if (this.finished) return;
    this.finished = true;
    out.push({ type: 'error', message: ENDED_EARLY });
  }

  private delta(index: number, delta: Json, out: IrEvent[]): void {
    switch (delta.type) {
      case 'text_delta':
        if (typeof delta.text === 'string' && delta.text) out.push({ type: 'text', text: delta.text });
        break;
      case 'thinking_delta':
        if (typeof delta.thinking === 'string' && delta.thinking) out.push({ type: 'reasoning', text: delta.thinking });
        break;
      case 'signature_delta': {
        const block = this.blocks.get(index);
        if (block && typeof delta.signature === 'string') block.signature += delta.signature;
        break;
      }
      case 'input_json_delta':
        if (typeof delta.partial_json === 'string' && delta.partial_json) out.push({ type: 'tool_args', key: String(index), delta: delta.partial_json });
        break;
      default:
        break;
    }
  }
}
