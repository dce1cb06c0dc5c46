import { redact } from '../log/redact.js';
import { ADAPTERS } from './adapters.js';
import type { StreamEncoderOptions } from './adapters.js';
import { emptyUsage, mergeUsage } from './ir.js';
import type { GenerationApi, IrEvent, IrUsage } from './ir.js';
import { SseParser } from './sse-parser.js';
import { StopFilter } from './stop-sequences.js';
import type { StreamDecoder, StreamEncoder } from './stream.js';

export interface TranslationOptions extends StreamEncoderOptions {
  /** Stop sequences the relay enforces itself. */
  localStop?: string[];
  /**
   * The caller's API needs token counts even when the upstream reports none (Anthropic's
   * message_delta): `decode` then marks the finish as unmetered and `meter` supplies them.
   */
  meterOutput?: boolean;
  /** false: every event takes the full path (tests compare the two). Default true. */
  fastPath?: boolean;
}

/**
 * One translated stream: upstream bytes → SSE messages → IR events (upstream adapter) → [local
 * stop sequences] → the caller's frames (client adapter). `decode` + `encode` hand back at once
 * what a chunk produced: nothing is held beyond an incomplete SSE line (and, with local stop
 * sequences, the few characters that might start one). Between the two the caller may `meter` an
 * answer the upstream didn't count (the token count is async: it runs on a worker).
 */
export class StreamTranslation {
  private readonly parser = new SseParser();
  private readonly decoder: StreamDecoder;
  private readonly encoder: StreamEncoder;
  private readonly stop: StopFilter | null;
  private readonly meterOutput: boolean;
  private readonly inputTokens: number;
  /** The upstream's usage as reported so far (for the request's usage record). */
  readonly usage: IrUsage = emptyUsage();
  sawUsage = false;
  /** What the caller was sent (text, reasoning, tool arguments), kept only while it may need counting. */
  private output = '';
  /** Usage reached the caller's encoder (a local stop can finish the answer before the upstream's usage). */
  private metered = false;

  constructor(upstream: GenerationApi, client: GenerationApi, options: TranslationOptions) {
    this.decoder = ADAPTERS[upstream].streamDecoder({ fast: options.fastPath !== false });
    this.encoder = ADAPTERS[client].streamEncoder(options);
    this.stop = options.localStop && options.localStop.length > 0 ? new StopFilter(options.localStop) : null;
    this.meterOutput = options.meterOutput === true;
    this.inputTokens = options.inputTokens ?? 0;
  }

  /** True once the caller's stream is complete (terminal frame written). */
  get done(): boolean {
    return this.encoder.done;
  }

  /** True when a local stop sequence ended the answer: stop reading (and abort) the upstream. */
  get stopped(): boolean {
    return this.stop?.stopped ?? false;
  }

  /** One upstream chunk → the IR events for the caller. */
  decode(chunk: Buffer | string): IrEvent[] {
    const events: IrEvent[] = [];
    for (const message of this.parser.push(chunk)) this.decoder.feed(message, events);
    return this.filter(events);
  }

  /** The upstream body ended (normally or not): finish what can be finished. */
  decodeEnd(): IrEvent[] {
    const events: IrEvent[] = [];
    for (const message of this.parser.end()) this.decoder.feed(message, events);
    this.decoder.end(events);
    return this.filter(events);
  }

  /** The answer the upstream never counted, when these events finish it and the caller needs a count; else null. */
  unmetered(events: readonly IrEvent[]): string | null {
    if (!this.meterOutput || this.metered) return null;
    return events.some((e) => e.type === 'finish') ? this.output : null;
  }

  /** Adds the counted usage just before the finish event. */
  meter(events: IrEvent[], outputTokens: number): void {
    const at = events.findIndex((e) => e.type === 'finish');
    if (at >= 0) events.splice(at, 0, { type: 'usage', usage: { inputTokens: this.inputTokens, outputTokens } });
  }

  encode(events: readonly IrEvent[]): string {
    return events.length === 0 ? '' : this.encoder.encode(events);
  }

  /** decode + encode, for callers that need no metering. */
  push(chunk: Buffer | string): string {
    return this.encode(this.decode(chunk));
  }

  end(): string {
    return this.encode(this.decodeEnd());
  }

  /** The upstream broke off mid-stream. */
  fail(message: string): string {
    return this.encoder.encode([{ type: 'error', message: redact(message) }]);
  }

  keepAlive(): string | null {
    return this.encoder.keepAlive();
  }

  private filter(events: IrEvent[]): IrEvent[] {
    if (events.length === 0) return events;
    for (const event of events) {
      if (event.type === 'usage') {
        mergeUsage(this.usage, event.usage);
        this.sawUsage = true;
      } else if (event.type === 'error') {
        // Upstream words reach the caller: never a token they might echo.
        event.message = redact(event.message);
      }
    }
    const out = this.stop ? this.stop.apply(events) : events;
    if (this.meterOutput && !this.metered) {
      for (const event of out) {
        if (event.type === 'text' || event.type === 'reasoning') this.output += event.text;
        else if (event.type === 'tool_args') this.output += event.delta;
        else if (event.type === 'usage') this.metered = true;
      }
    }
    return out;
  }
}
