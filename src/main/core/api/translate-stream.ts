import { redact } from '../log/redact.js';
import { ADAPTERS } from './adapters.js';
import type { StreamEncoderOptions } from './adapters.js';
import { emptyUsage, mergeUsage } from './ir.js';
import type { GenerationApi, IrEvent, IrUsage } from './ir.js';
import { SseParser } from './sse-parser.js';
import { StopFilter } from './stop-sequences.js';
import type { StreamDecoder, StreamEncoder } from './stream.js';

/**
 * One translated stream: upstream bytes → SSE messages → IR events (upstream adapter) → [local
 * stop sequences] → the caller's frames (client adapter). Each `push` returns at once what the
 * chunk produced: nothing is held back beyond an incomplete SSE line (and, with local stop
 * sequences, the few characters that might start one).
 */
export class StreamTranslation {
  private readonly parser = new SseParser();
  private readonly decoder: StreamDecoder;
  private readonly encoder: StreamEncoder;
  private readonly stop: StopFilter | null;
  private readonly events: IrEvent[] = [];
  /** The upstream's usage as reported so far (for the request's usage record). */
  readonly usage: IrUsage = emptyUsage();
  sawUsage = false;

  constructor(upstream: GenerationApi, client: GenerationApi, options: StreamEncoderOptions & { localStop?: string[] }) {
    this.decoder = ADAPTERS[upstream].streamDecoder();
    this.encoder = ADAPTERS[client].streamEncoder(options);
    this.stop = options.localStop && options.localStop.length > 0 ? new StopFilter(options.localStop) : null;
  }

  /** True once the caller's stream is complete (terminal frame written). */
  get done(): boolean {
    return this.encoder.done;
  }

  /** True when a local stop sequence ended the answer: stop reading (and abort) the upstream. */
  get stopped(): boolean {
    return this.stop?.stopped ?? false;
  }

  push(chunk: Buffer | string): string {
    const events = this.events;
    events.length = 0;
    for (const message of this.parser.push(chunk)) this.decoder.feed(message, events);
    return this.emit(events);
  }

  /** The upstream body ended (normally or not): finish what can be finished. */
  end(): string {
    const events = this.events;
    events.length = 0;
    for (const message of this.parser.end()) this.decoder.feed(message, events);
    this.decoder.end(events);
    return this.emit(events);
  }

  /** The upstream broke off mid-stream. */
  fail(message: string): string {
    return this.encoder.encode([{ type: 'error', message: redact(message) }]);
  }

  keepAlive(): string | null {
    return this.encoder.keepAlive();
  }

  private emit(events: IrEvent[]): string {
    if (events.length === 0) return '';
    for (const event of events) {
      if (event.type === 'usage') {
        mergeUsage(this.usage, event.usage);
        this.sawUsage = true;
      } else if (event.type === 'error') {
        // Upstream words reach the caller: never a token they might echo.
        event.message = redact(event.message);
      }
    }
    return this.encoder.encode(this.stop ? this.stop.apply(events) : events);
  }
}
