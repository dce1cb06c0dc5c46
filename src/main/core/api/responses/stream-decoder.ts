import type { IrEvent } from '../ir.js';
import { isObject, newId, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import type { SseMessage } from '../sse-parser.js';
import { ResponsesDeltaReader } from '../fast-delta.js';
import { ENDED_EARLY, readSse } from '../stream.js';
import type { StreamDecoder } from '../stream.js';
import { responsesStop, responsesUsageToIr } from './response.js';

/**
 * Responses API stream events → IR events (the event names VS Code's processor reads). Tool calls
 * are keyed by `output_index`. A reasoning item ends at its `output_item.done`, which carries the
 * `encrypted_content`; CAPI often sends no summary deltas, so a summary found only in the done
 * item is emitted then. `[DONE]` (some gateways add it) is ignored; the terminal
 * `response.completed` / `.incomplete` / `.failed` ends the stream.
 */
export class ResponsesStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private readonly calls = new Map<string, { args: boolean }>();
  /** Open reasoning item ids → whether text was streamed for them. */
  private readonly reasoning = new Map<string, boolean>();
  private summaryIndex = 0;
  private readonly fast: ResponsesDeltaReader | null;

  /** `fast`: read plain deltas with the fast path (fast-delta.ts); off only to test it against the full path. */
  constructor(fast = true) {
    this.fast = fast ? new ResponsesDeltaReader() : null;
  }

  feed(message: SseMessage, out: IrEvent[]): void {
    if (this.finished) return;
    const delta = this.fast && this.started && message.event !== 'error' ? this.fast.read(message.data) : null;
    if (delta) {
      if (delta.kind === 'text') out.push({ type: 'text', text: delta.text });
      else if (delta.kind === 'reasoning') {
        this.reasoning.set(delta.itemId, true);
        out.push({ type: 'reasoning', text: delta.text });
      } else if (delta.kind === 'tool_args') {
        const key = String(delta.key);
        const call = this.calls.get(key);
        if (call) {
          call.args = true;
          out.push({ type: 'tool_args', key, delta: delta.text });
        }
      }
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
      out.push({ type: 'start', id: isObject(data.response) ? str(data.response.id) : undefined });
    }
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (typeof data.delta === 'string' && data.delta) out.push({ type: 'text', text: data.delta });
        break;
      case 'response.reasoning_summary_part.added': {
        const index = num(data.summary_index) ?? 0;
        if (index > this.summaryIndex) out.push({ type: 'reasoning', text: '\n\n' });
        this.summaryIndex = index;
        break;
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof data.delta === 'string' && data.delta) {
          this.reasoning.set(str(data.item_id) ?? '', true);
          out.push({ type: 'reasoning', text: data.delta });
        }
        break;
      case 'response.output_item.added':
        this.itemAdded(data, out);
        break;
      case 'response.function_call_arguments.delta': {
        const key = String(num(data.output_index) ?? 0);
        const call = this.calls.get(key);
        if (call && typeof data.delta === 'string' && data.delta) {
          call.args = true;
          out.push({ type: 'tool_args', key, delta: data.delta });
        }
        break;
      }
      case 'response.output_item.done':
        this.itemDone(data, out);
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.terminal(type, data, out);
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

  private itemAdded(data: Json, out: IrEvent[]): void {
    const item = isObject(data.item) ? data.item : {};
    const key = String(num(data.output_index) ?? 0);
    if (item.type === 'function_call') {
      this.calls.set(key, { args: false });
      out.push({ type: 'tool_call', key, id: str(item.call_id) ?? newId('call_'), name: str(item.name) ?? '' });
      if (typeof item.arguments === 'string' && item.arguments) {
        this.calls.get(key)!.args = true;
        out.push({ type: 'tool_args', key, delta: item.arguments });
      }
    } else if (item.type === 'reasoning') {
      this.reasoning.set(str(item.id) ?? '', false);
      this.summaryIndex = 0;
    }
  }

  private itemDone(data: Json, out: IrEvent[]): void {
    const item = isObject(data.item) ? data.item : {};
    const key = String(num(data.output_index) ?? 0);
    if (item.type === 'function_call') {
      let call = this.calls.get(key);
      if (!call) {
        call = { args: false };
        this.calls.set(key, call);
        out.push({ type: 'tool_call', key, id: str(item.call_id) ?? newId('call_'), name: str(item.name) ?? '' });
      }
      if (!call.args && typeof item.arguments === 'string' && item.arguments) out.push({ type: 'tool_args', key, delta: item.arguments });
      call.args = true;
    } else if (item.type === 'reasoning') {
      const id = str(item.id) ?? '';
      if (!this.reasoning.get(id)) {
        const summary = objects(item.summary).map((s) => str(s.text) ?? '').filter(Boolean).join('\n\n');
        if (summary) out.push({ type: 'reasoning', text: summary });
      }
      this.reasoning.delete(id);
      out.push({ type: 'reasoning_end', ...(id ? { id } : {}), ...(typeof item.encrypted_content === 'string' ? { signature: item.encrypted_content } : {}) });
    }
  }

  private terminal(type: string, data: Json, out: IrEvent[]): void {
    this.finished = true;
    const response = isObject(data.response) ? data.response : {};
    if (type === 'response.failed') {
      const error = isObject(response.error) ? response.error : {};
      out.push({ type: 'error', message: str(error.message) ?? 'The Copilot API failed to finish the response.' });
      return;
    }
    out.push({ type: 'usage', usage: responsesUsageToIr(response.usage, data.copilot_usage ?? response.copilot_usage) });
    const hasCalls = this.calls.size > 0 || objects(response.output).some((item) => item.type === 'function_call');
    out.push({ type: 'finish', reason: responsesStop(response, hasCalls) });
  }
}
