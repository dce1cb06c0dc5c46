import type { IrEvent, IrStopReason, IrUsage } from '../ir.js';
import { emptyUsage, mergeUsage } from '../ir.js';
import { newId } from '../json.js';
import type { Json } from '../json.js';
import type { StreamEncoder } from '../stream.js';
import { foreignReasoningId, functionCallItem, messageItem, reasoningItem, responseObject, statusFor } from './response.js';

/**
 * IR events → the Responses API event sequence: `response.created`, `response.in_progress`, then
 * per output item `output_item.added` → deltas → `…done` events → `output_item.done`, and the
 * terminal `response.completed` (or `.incomplete`) carrying the whole response. Every event has a
 * `sequence_number`. Items close when another kind starts, so deltas go out as they come; the
 * text and arguments are kept only for the `done` events and the final response object.
 */

interface OpenItem {
  kind: 'message' | 'reasoning' | 'function_call';
  index: number;
  id: string;
  text: string;
  key?: string;
  callId?: string;
  name?: string;
  signature?: string;
}

export interface ResponsesEncoderOptions {
  /** The model id the caller sent. */
  model: string;
}

export class ResponsesStreamEncoder implements StreamEncoder {
  private readonly id = newId('resp_');
  private readonly model: string;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private readonly output: Json[] = [];
  private readonly usage: IrUsage = emptyUsage();
  private sawUsage = false;
  private open: OpenItem | null = null;
  private seq = 0;
  private started = false;
  private finished = false;

  constructor(options: ResponsesEncoderOptions) {
    this.model = options.model;
  }

  get done(): boolean {
    return this.finished;
  }

  keepAlive(): string | null {
    return null;
  }

  encode(events: readonly IrEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.finished) break;
      if (!this.started && event.type !== 'error') out += this.start();
      switch (event.type) {
        case 'text':
          if (this.open?.kind !== 'message') out += this.openItem({ kind: 'message', index: 0, id: newId('msg_'), text: '' });
          this.open!.text += event.text;
          out += this.event('response.output_text.delta', `"item_id":"${this.open!.id}","output_index":${this.open!.index},"content_index":0,"delta":${JSON.stringify(event.text)},"logprobs":[]`);
          break;
        case 'reasoning':
          if (this.open?.kind !== 'reasoning') out += this.openItem({ kind: 'reasoning', index: 0, id: foreignReasoningId(), text: '' });
          this.open!.text += event.text;
          out += this.event('response.reasoning_summary_text.delta', `"item_id":"${this.open!.id}","output_index":${this.open!.index},"summary_index":0,"delta":${JSON.stringify(event.text)}`);
          break;
        case 'reasoning_end':
          if (this.open?.kind !== 'reasoning') out += this.openItem({ kind: 'reasoning', index: 0, id: foreignReasoningId(), text: '' });
          this.open!.signature = event.signature;
          out += this.closeItem();
          break;
        case 'tool_call':
          out += this.openItem({ kind: 'function_call', index: 0, id: newId('fc_'), text: '', key: event.key, callId: event.id, name: event.name });
          break;
        case 'tool_args':
          // Arguments of a call whose item already closed can't be sent (upstreams stream calls in turn).
          if (this.open?.kind === 'function_call' && this.open.key === event.key) {
            this.open.text += event.delta;
            out += this.event('response.function_call_arguments.delta', `"item_id":"${this.open.id}","output_index":${this.open.index},"delta":${JSON.stringify(event.delta)}`);
          }
          break;
        case 'usage':
          mergeUsage(this.usage, event.usage);
          this.sawUsage = true;
          break;
        case 'finish':
          out += this.finish(event.reason);
          break;
        case 'error':
          this.finished = true;
          out += this.frame('error', { type: 'error', code: 'upstream_stream_error', message: event.message, param: null, sequence_number: this.seq++, error: { type: 'api_error', code: 'upstream_stream_error', message: event.message } });
          break;
        default:
          break;
      }
    }
    return out;
  }

  private frame(type: string, data: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  /** A small event built as a string: the hot per-delta path. `body` is the JSON members after `type`. */
  private event(type: string, body: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.seq++},${body}}\n\n`;
  }

  private start(): string {
    this.started = true;
    const response = responseObject({ id: this.id, model: this.model, status: 'in_progress', output: [], createdAt: this.createdAt });
    return (
      this.frame('response.created', { type: 'response.created', sequence_number: this.seq++, response }) +
      this.frame('response.in_progress', { type: 'response.in_progress', sequence_number: this.seq++, response })
    );
  }

  private openItem(item: OpenItem): string {
    let out = this.closeItem();
    item.index = this.output.length;
    this.open = item;
    if (item.kind === 'message') {
      out += this.frame('response.output_item.added', { type: 'response.output_item.added', sequence_number: this.seq++, output_index: item.index, item: { ...messageItem(item.id, '', 'in_progress'), content: [] } });
      out += this.frame('response.content_part.added', { type: 'response.content_part.added', sequence_number: this.seq++, item_id: item.id, output_index: item.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    } else if (item.kind === 'reasoning') {
      out += this.frame('response.output_item.added', { type: 'response.output_item.added', sequence_number: this.seq++, output_index: item.index, item: reasoningItem(item.id, '', undefined) });
      out += this.frame('response.reasoning_summary_part.added', { type: 'response.reasoning_summary_part.added', sequence_number: this.seq++, item_id: item.id, output_index: item.index, summary_index: 0, part: { type: 'summary_text', text: '' } });
    } else {
      out += this.frame('response.output_item.added', { type: 'response.output_item.added', sequence_number: this.seq++, output_index: item.index, item: functionCallItem(item.id, item.callId!, item.name!, '', 'in_progress') });
    }
    return out;
  }

  private closeItem(): string {
    const item = this.open;
    if (!item) return '';
    this.open = null;
    let out = '';
    let done: Json;
    if (item.kind === 'message') {
      const part = { type: 'output_text', text: item.text, annotations: [] };
      out += this.frame('response.output_text.done', { type: 'response.output_text.done', sequence_number: this.seq++, item_id: item.id, output_index: item.index, content_index: 0, text: item.text, logprobs: [] });
      out += this.frame('response.content_part.done', { type: 'response.content_part.done', sequence_number: this.seq++, item_id: item.id, output_index: item.index, content_index: 0, part });
      done = messageItem(item.id, item.text);
    } else if (item.kind === 'reasoning') {
      if (item.text) {
        out += this.frame('response.reasoning_summary_text.done', { type: 'response.reasoning_summary_text.done', sequence_number: this.seq++, item_id: item.id, output_index: item.index, summary_index: 0, text: item.text });
        out += this.frame('response.reasoning_summary_part.done', { type: 'response.reasoning_summary_part.done', sequence_number: this.seq++, item_id: item.id, output_index: item.index, summary_index: 0, part: { type: 'summary_text', text: item.text } });
      }
      done = reasoningItem(item.id, item.text, item.signature);
    } else {
      out += this.frame('response.function_call_arguments.done', { type: 'response.function_call_arguments.done', sequence_number: this.seq++, item_id: item.id, output_index: item.index, arguments: item.text });
      done = functionCallItem(item.id, item.callId!, item.name!, item.text);
    }
    this.output.push(done);
    return out + this.frame('response.output_item.done', { type: 'response.output_item.done', sequence_number: this.seq++, output_index: item.index, item: done });
  }

  private finish(reason: IrStopReason): string {
    let out = this.closeItem();
    this.finished = true;
    const status = statusFor(reason);
    const response = responseObject({ id: this.id, model: this.model, status, output: this.output, usage: this.sawUsage ? this.usage : null, stopReason: reason, createdAt: this.createdAt });
    const type = status === 'completed' ? 'response.completed' : 'response.incomplete';
    out += this.frame(type, { type, sequence_number: this.seq++, response });
    return out;
  }
}
