import type { IrEvent, IrStopReason, IrUsage } from '../ir.js';
import { emptyUsage, mergeUsage } from '../ir.js';
import { isObject, newId, num, objects, str } from '../json.js';
import { packReasoningSignature, unpackReasoningSignature } from '../reasoning-id.js';
import type { SseMessage } from '../sse-parser.js';
import { ChatDeltaReader } from '../fast-delta.js';
import { ENDED_EARLY, readSse } from '../stream.js';
import type { StreamDecoder, StreamEncoder } from '../stream.js';
import { chatFinishToStop, chatUsageToIr, irUsageToChat, stopToChatFinish } from './response.js';

/**
 * Chat completion chunks ⇄ IR events. The decoder reads every choice of every chunk (text and
 * tool calls may arrive in separate choices), keys tool calls by choice and index, and holds
 * Copilot's `reasoning_opaque` until the reasoning ends (it closes the segment). `finish` comes at
 * `[DONE]` (the usage chunk arrives after the finish_reason one), or when the body ends after a
 * finish_reason.
 */
export class ChatStreamDecoder implements StreamDecoder {
  private started = false;
  private finished = false;
  private reasoningOpen = false;
  private opaque = '';
  private readonly reasons: string[] = [];
  private readonly toolKeys = new Set<string>();
  private readonly fast: ChatDeltaReader | null;

  /** `fast`: read plain deltas with the fast path (fast-delta.ts); off only to test it against the full path. */
  constructor(fast = true) {
    this.fast = fast ? new ChatDeltaReader() : null;
  }

  feed(message: SseMessage, out: IrEvent[]): void {
    if (this.finished) return;
    if (this.fast && this.started && message.event !== 'error' && this.feedFast(this.fast, message.data, out)) return;
    const read = readSse(message);
    if (read === null) return;
    if (read === 'done') return this.finish(out);
    if ('error' in read) {
      this.finished = true;
      out.push(read.error);
      return;
    }
    const chunk = read.data;
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start', id: str(chunk.id) });
    }
    if (isObject(chunk.usage) || isObject(chunk.copilot_usage)) out.push({ type: 'usage', usage: chatUsageToIr(chunk.usage, chunk.copilot_usage) });
    const choices = objects(chunk.choices);
    if (choices.length > 1) choices.sort((a, b) => (num(a.index) ?? 0) - (num(b.index) ?? 0));
    for (const choice of choices) {
      const reason = str(choice.finish_reason);
      if (reason) this.reasons.push(reason);
      const delta = isObject(choice.delta) ? choice.delta : null;
      if (!delta) continue;
      const reasoning = str(delta.reasoning_text) ?? str(delta.reasoning_content) ?? str(delta.reasoning);
      if (reasoning) {
        this.reasoningOpen = true;
        out.push({ type: 'reasoning', text: reasoning });
      }
      const opaque = str(delta.reasoning_opaque);
      if (opaque) {
        this.reasoningOpen = true;
        this.opaque += opaque;
      }
      const content = str(delta.content);
      if (content) {
        this.endReasoning(out);
        out.push({ type: 'text', text: content });
      }
      const calls = objects(delta.tool_calls);
      for (let position = 0; position < calls.length; position++) {
        const call = calls[position]!;
        this.endReasoning(out);
        const key = `${num(choice.index) ?? 0}:${num(call.index) ?? position}`;
        const fn = isObject(call.function) ? call.function : {};
        if (!this.toolKeys.has(key)) {
          this.toolKeys.add(key);
          out.push({ type: 'tool_call', key, id: str(call.id) || newId('call_'), name: str(fn.name) ?? '' });
        }
        const args = str(fn.arguments);
        if (args) out.push({ type: 'tool_args', key, delta: args });
      }
    }
  }

  /** A plain delta the full path would read the same way from this state: true when taken. */
  private feedFast(reader: ChatDeltaReader, data: string, out: IrEvent[]): boolean {
    const delta = reader.read(data);
    if (!delta) return false;
    switch (delta.kind) {
      case 'text':
        if (this.reasoningOpen) return false;
        out.push({ type: 'text', text: delta.text });
        return true;
      case 'reasoning':
        this.reasoningOpen = true;
        out.push({ type: 'reasoning', text: delta.text });
        return true;
      case 'tool_args': {
        const key = `${delta.choice}:${delta.key}`;
        if (this.reasoningOpen || !this.toolKeys.has(key)) return false;
        if (delta.text) out.push({ type: 'tool_args', key, delta: delta.text });
        return true;
      }
      default:
        return true;
    }
  }

  end(out: IrEvent[]): void {
    if (this.finished) return;
    if (this.reasons.length > 0) return this.finish(out);
    this.finished = true;
    out.push({ type: 'error', message: ENDED_EARLY });
  }

  private endReasoning(out: IrEvent[]): void {
    if (!this.reasoningOpen) return;
    this.reasoningOpen = false;
    out.push({ type: 'reasoning_end', ...unpackReasoningSignature(this.opaque || undefined) });
    this.opaque = '';
  }

  private finish(out: IrEvent[]): void {
    if (this.finished) return;
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start' });
    }
    this.endReasoning(out);
    this.finished = true;
    out.push({ type: 'finish', reason: chatFinishToStop(this.reasons, this.toolKeys.size > 0) });
  }
}

export interface ChatEncoderOptions {
  /** The model id the caller sent (every chunk carries it). */
  model: string;
}

/**
 * IR events → chat completion chunks: a role chunk first, `delta.content` / `delta.reasoning_text`
 * / `delta.tool_calls`, then a finish chunk, a usage chunk (empty choices) and `[DONE]`. Each chunk
 * is one template string around the delta: only the delta's own text is JSON-escaped per event.
 */
export class ChatStreamEncoder implements StreamEncoder {
  private readonly head: string;
  private readonly toolIndex = new Map<string, number>();
  private readonly usage: IrUsage = emptyUsage();
  private sawUsage = false;
  private started = false;
  private finished = false;

  constructor(options: ChatEncoderOptions) {
    this.head = `data: {"id":${JSON.stringify(newId('chatcmpl-'))},"object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(options.model)},"choices":`;
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
      if (!this.started && event.type !== 'error') {
        this.started = true;
        out += this.delta('{"role":"assistant","content":""}');
      }
      switch (event.type) {
        case 'text':
          out += this.delta(`{"content":${JSON.stringify(event.text)}}`);
          break;
        case 'reasoning':
          out += this.delta(`{"reasoning_text":${JSON.stringify(event.text)}}`);
          break;
        case 'reasoning_end': {
          const opaque = packReasoningSignature(event.id, event.signature);
          if (opaque) out += this.delta(`{"reasoning_opaque":${JSON.stringify(opaque)}}`);
          break;
        }
        case 'tool_call': {
          const index = this.toolIndex.size;
          this.toolIndex.set(event.key, index);
          out += this.delta(`{"tool_calls":[{"index":${index},"id":${JSON.stringify(event.id)},"type":"function","function":{"name":${JSON.stringify(event.name)},"arguments":""}}]}`);
          break;
        }
        case 'tool_args': {
          const index = this.toolIndex.get(event.key);
          if (index !== undefined) out += this.delta(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(event.delta)}}}]}`);
          break;
        }
        case 'usage':
          mergeUsage(this.usage, event.usage);
          this.sawUsage = true;
          break;
        case 'finish':
          out += this.finish(event.reason);
          break;
        case 'error':
          this.finished = true;
          out += `data: ${JSON.stringify({ error: { message: event.message, type: 'api_error', code: 'upstream_stream_error' } })}\n\n`;
          break;
        default:
          break;
      }
    }
    return out;
  }

  private delta(delta: string, finish = 'null'): string {
    return `${this.head}[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
  }

  private finish(reason: IrStopReason): string {
    this.finished = true;
    let out = this.delta('{}', JSON.stringify(stopToChatFinish(reason)));
    if (this.sawUsage) out += `${this.head}[],"usage":${JSON.stringify(irUsageToChat(this.usage))}}\n\n`;
    return `${out}data: [DONE]\n\n`;
  }
}
