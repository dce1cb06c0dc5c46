import { chatUsageToIr } from './chat/response.js';
import { emptyUsage, mergeUsage } from './ir.js';
import type { GenerationApi, IrUsage } from './ir.js';
import { findStringValue, keyNeedle, lastObjectValue, spanEquals } from './json-bytes.js';
import { isObject } from './json.js';
import type { Json } from './json.js';
import { anthropicUsageToIr } from './messages/response.js';
import { responsesUsageToIr } from './responses/response.js';

/**
 * What the relay does to a native answer on its way through, without parsing or re-serialising it:
 * the model id in it becomes the one the caller sent, and the usage (the last chunk/event of a
 * stream, the end of a body) is picked out for the usage record. Streams are handled line by line:
 * only an incomplete trailing SSE line waits for its rest (the client couldn't use half an event).
 *
 * The first `"model":"…"` is found with a scanner that skips strings and checks the object depth
 * (chat: the chunk; Responses/Messages events: the `response`/`message` object inside); after that
 * the exact upstream bytes `"model":"<served>"` are replaced by a plain byte search.
 */

const MODEL_KEY = Buffer.from('model');
const USAGE = keyNeedle('usage');
const COPILOT_USAGE = keyNeedle('copilot_usage');
const NEWLINE = 0x0a;

function usageOfEvent(api: GenerationApi, data: Json): Partial<IrUsage> | null {
  if (api === 'chat') return isObject(data.usage) || isObject(data.copilot_usage) ? chatUsageToIr(data.usage, data.copilot_usage) : null;
  if (api === 'responses') {
    const response = isObject(data.response) ? data.response : {};
    const copilot = data.copilot_usage ?? response.copilot_usage;
    return isObject(response.usage) || isObject(copilot) ? responsesUsageToIr(response.usage, copilot) : null;
  }
  const usage = isObject(data.message) ? data.message.usage : data.usage;
  if (!isObject(usage) && !isObject(data.copilot_usage)) return null;
  const out = anthropicUsageToIr(usage, data.copilot_usage);
  // message_delta may repeat only output_tokens: keep message_start's input numbers then.
  if (isObject(usage) && typeof usage.input_tokens !== 'number') {
    delete out.inputTokens;
    delete out.cachedTokens;
    delete out.cacheCreationTokens;
  }
  return out;
}

class ModelRewriter {
  private readonly replacement: Buffer;
  /** `"model":"<served>"` once seen (null before; undefined when no rewrite is needed). */
  private pattern: Buffer | null | undefined = null;

  constructor(private readonly callerModel: string, private readonly depth: number) {
    this.replacement = Buffer.from(JSON.stringify(callerModel));
  }

  rewrite(buf: Buffer): Buffer {
    if (this.pattern === undefined) return buf;
    if (this.pattern === null) {
      const span = findStringValue(buf, MODEL_KEY, this.depth);
      if (!span) return buf;
      if (spanEquals(buf, span, this.callerModel)) {
        this.pattern = undefined;
        return buf;
      }
      this.pattern = Buffer.concat([Buffer.from('"model":'), buf.subarray(span.start - 1, span.end + 1)]);
    }
    const pattern = this.pattern;
    let at = buf.indexOf(pattern);
    if (at < 0) return buf;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(buf.subarray(from, at + 8), this.replacement);
      from = at + pattern.length;
      at = buf.indexOf(pattern, from);
    }
    parts.push(buf.subarray(from));
    return Buffer.concat(parts);
  }
}

/** A native SSE stream on its way to the caller: model id rewritten, usage read from the events. */
export class NativeStreamTap {
  readonly usage: IrUsage = emptyUsage();
  sawUsage = false;
  private held: Buffer | null = null;
  private readonly model: ModelRewriter;

  constructor(private readonly api: GenerationApi, callerModel: string) {
    this.model = new ModelRewriter(callerModel, api === 'chat' ? 1 : 2);
  }

  /** The bytes to forward now (null: nothing complete yet). */
  push(chunk: Buffer): Buffer | null {
    const data = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.held = data;
      return null;
    }
    this.held = last + 1 < data.length ? data.subarray(last + 1) : null;
    return this.complete(last + 1 === data.length ? data : data.subarray(0, last + 1));
  }

  /** The upstream ended: whatever was held goes out as it is. */
  end(): Buffer | null {
    const rest = this.held;
    this.held = null;
    return rest && this.complete(rest);
  }

  private complete(lines: Buffer): Buffer {
    let at = lines.indexOf('usage"');
    while (at >= 0) {
      const start = lines.lastIndexOf(NEWLINE, at) + 1;
      let end = lines.indexOf(NEWLINE, at);
      if (end < 0) end = lines.length;
      this.readUsage(lines, start, end);
      at = lines.indexOf('usage"', end);
    }
    return this.model.rewrite(lines);
  }

  private readUsage(lines: Buffer, start: number, end: number): void {
    if (lines.toString('latin1', start, start + 5) !== 'data:') return;
    let data: unknown;
    try {
      data = JSON.parse(lines.toString('utf8', start + 5, end));
    } catch {
      return;
    }
    const usage = isObject(data) ? usageOfEvent(this.api, data) : null;
    if (usage) {
      mergeUsage(this.usage, usage);
      this.sawUsage = true;
    }
  }
}

/** A non-stream answer's usage in IR terms (its `usage` and `copilot_usage` objects); null when it has neither. */
function usageOfBody(api: GenerationApi, usage: unknown, copilot: unknown): Partial<IrUsage> | null {
  if (!isObject(usage) && !isObject(copilot)) return null;
  return api === 'chat' ? chatUsageToIr(usage, copilot) : api === 'responses' ? responsesUsageToIr(usage, copilot) : anthropicUsageToIr(usage, copilot);
}

/**
 * A native non-stream body: the caller's model id in it, and (when someone records it) its usage.
 * `parsed`: the body already parsed (the JSON check did it): usage and model id are read from it,
 * and the bytes are touched only when the id must change. Without it the bytes are scanned.
 * Measured on the bench's 360-byte chat answer (tsx, this machine): 0.16 µs when the model id
 * already matches, 0.8 µs with a rewrite, +1.4 µs for the usage from bytes (two small JSON.parse
 * calls); from the parsed body the usage costs next to nothing.
 */
export function tapNativeBody(api: GenerationApi, body: Buffer, callerModel: string, wantUsage = true, parsed?: unknown): { body: Buffer; usage: Partial<IrUsage> | null } {
  let usage: Partial<IrUsage> | null = null;
  if (isObject(parsed)) {
    if (wantUsage) usage = usageOfBody(api, parsed.usage, parsed.copilot_usage);
    // No top-level id to change: the bytes go out as they came.
    if (typeof parsed.model !== 'string' || parsed.model === callerModel) return { body, usage };
  } else if (wantUsage) {
    usage = usageOfBody(api, lastObjectValue(body, USAGE), lastObjectValue(body, COPILOT_USAGE));
  }
  const span = findStringValue(body, MODEL_KEY, 1);
  if (!span || spanEquals(body, span, callerModel)) return { body, usage };
  return { body: Buffer.concat([body.subarray(0, span.start - 1), Buffer.from(JSON.stringify(callerModel)), body.subarray(span.end + 1)]), usage };
}
