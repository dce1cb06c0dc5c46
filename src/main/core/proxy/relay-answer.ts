import { ADAPTERS } from '../api/adapters.js';
import { NativeStreamTap, tapNativeBody } from '../api/native-tap.js';
import { applyStopSequences } from '../api/stop-sequences.js';
import { StreamTranslation } from '../api/translate-stream.js';
import type { GenerationApi, IrEvent, IrUsage } from '../api/ir.js';
import { countOutputTokens } from '../anthropic/count-tokens.js';
import type { CopilotModel } from '../copilot/models.js';
import type { UpstreamResponse } from '../copilot/client.js';
import { relayErrorStatus, sendError, writeSseError, errorBody } from './errors.js';
import { parseJsonContainer } from './json-check.js';
import type { Dialect, RouteContext } from './route.js';
import { StreamWriter } from './stream-writer.js';
import { noUsageObserver } from '../usage/observer.js';
import { passHeaders } from './upstream-errors.js';

/**
 * A 2xx upstream answer on its way to the caller: natively (bytes through, model id and usage
 * tapped) or translated (adapter.fromUpstream, event by event for streams).
 */

/** Non-stream answers up to 64 MiB. */
const BODY_LIMIT = 64 * 1024 * 1024;
const UNREADABLE = 'The Copilot API returned an unreadable answer.';
const dialectOf = (api: GenerationApi): Dialect => (api === 'messages' ? 'anthropic' : 'openai');

const SSE_HEADERS = { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };


function recordUsage(ctx: RouteContext, usage: Partial<IrUsage> | null): void {
  if (!usage) return;
  const u = ctx.usage;
  if (usage.inputTokens !== undefined) u.inputTokens = usage.inputTokens;
  if (usage.outputTokens !== undefined) u.outputTokens = usage.outputTokens;
  if (usage.cachedTokens !== undefined) u.cachedTokens = usage.cachedTokens;
  if (usage.nanoAiu !== undefined) u.nanoAiu = usage.nanoAiu;
}

function brokeOff(ctx: RouteContext, error: unknown): string {
  const mapped = relayErrorStatus(error);
  ctx.usage.errorCode = 'upstream_stream_error';
  ctx.logger.warn('Upstream stream failed mid-way', { requestId: ctx.requestId, error: (error as { code?: string }).code ?? mapped.code });
  return mapped.status === 500 ? 'The Copilot API stream failed.' : mapped.message;
}

function writeJson(ctx: RouteContext, upstream: UpstreamResponse, payload: Buffer | string, contentType: string): void {
  ctx.res.writeHead(upstream.status, passHeaders(upstream, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }));
  ctx.usage.firstByteMs = Math.round(performance.now() - ctx.startedAt);
  ctx.res.end(payload);
}

export async function relayNative(ctx: RouteContext, api: GenerationApi, upstream: UpstreamResponse, stream: boolean, requested: string): Promise<void> {
  const dialect = dialectOf(api);
  const contentType = typeof upstream.headers['content-type'] === 'string' ? upstream.headers['content-type'] : undefined;
  if (!stream && !contentType?.includes('text/event-stream')) {
    const body = await upstream.bytes(BODY_LIMIT);
    // A truncated or garbled JSON answer would reach the caller's SDK as a confusing parse error.
    const parsed = contentType?.includes('json') ? parseJsonContainer(body) : undefined;
    if (contentType?.includes('json') && parsed === undefined) {
      ctx.logger.warn('Upstream answered unreadable JSON', { requestId: ctx.requestId, bytes: body.length });
      ctx.usage.errorCode = 'upstream_invalid_json';
      sendError(ctx.res, dialect, 502, UNREADABLE, { code: 'upstream_invalid_json' });
      return;
    }
    // No observer attached (nobody records usage): the body's usage isn't read.
    const tapped = tapNativeBody(api, body, requested, ctx.usageObserver !== noUsageObserver, parsed);
    recordUsage(ctx, tapped.usage);
    writeJson(ctx, upstream, tapped.body, contentType ?? 'application/json');
    return;
  }
  const writer = new StreamWriter(ctx, upstream.status, passHeaders(upstream, { 'content-type': contentType ?? 'text/event-stream', ...SSE_HEADERS }));
  const tap = new NativeStreamTap(api, requested);
  try {
    for await (const chunk of upstream.body) {
      if (writer.closed) break;
      writer.write(tap.push(chunk));
      const drained = writer.drained();
      if (drained) await drained;
    }
    writer.end(tap.end());
  } catch (error) {
    if (ctx.signal.aborted || writer.closed) return;
    writer.write(tap.end());
    writeSseError(ctx.res, dialect, errorBody(dialect, 502, `${brokeOff(ctx, error)} (the stream from the Copilot API broke off)`, { code: 'upstream_stream_error' }));
  } finally {
    if (tap.sawUsage) recordUsage(ctx, tap.usage);
  }
}

export interface TranslatedAnswer {
  upstreamApi: GenerationApi;
  clientApi: GenerationApi;
  upstream: UpstreamResponse;
  stream: boolean;
  /** The model id the caller sent (every answer echoes it). */
  requested: string;
  localStop?: string[];
  /** The Copilot model (its tokenizer counts an answer the upstream didn't). */
  model: CopilotModel;
  /** Messages callers: the estimated input tokens for message_start. */
  inputTokens: number | null;
  pingIntervalMs?: number;
}

export async function relayTranslated(ctx: RouteContext, answer: TranslatedAnswer): Promise<void> {
  const { upstream, clientApi, upstreamApi } = answer;
  const dialect = dialectOf(clientApi);
  if (!answer.stream) {
    let parsed: unknown;
    try {
      parsed = await upstream.json();
    } catch (error) {
      if (ctx.signal.aborted) return;
      ctx.logger.warn('Unreadable upstream answer', { requestId: ctx.requestId, error: error instanceof Error ? error.name : 'error' });
      ctx.usage.errorCode = 'upstream_invalid_json';
      sendError(ctx.res, dialect, 502, UNREADABLE, { code: 'upstream_invalid_json' });
      return;
    }
    const ir = applyStopSequences(ADAPTERS[upstreamApi].decodeResponse(parsed), answer.localStop);
    recordUsage(ctx, ir.usage ?? null);
    const payload = JSON.stringify(ADAPTERS[clientApi].encodeResponse(ir, { model: answer.requested }));
    writeJson(ctx, upstream, payload, 'application/json');
    return;
  }
  const translation = new StreamTranslation(upstreamApi, clientApi, {
    model: answer.requested,
    inputTokens: answer.inputTokens ?? undefined,
    localStop: answer.localStop,
    meterOutput: clientApi === 'messages',
  });
  // Anthropic's message_delta needs output_tokens: an answer the upstream didn't count (no usage,
  // or cut by a local stop sequence) is counted on the token worker before the finish goes out.
  // Only then is there anything to await: a promise per chunk cost ~0.3 µs per event.
  const meter = (events: IrEvent[]): Promise<void> | null => {
    const unmetered = translation.unmetered(events);
    if (unmetered === null) return null;
    return countOutputTokens(unmetered, answer.model).then((counted) => translation.meter(events, counted.tokens));
  };
  const writer = new StreamWriter(ctx, 200, passHeaders(upstream, { 'content-type': 'text/event-stream; charset=utf-8', ...SSE_HEADERS, ...(clientApi === 'messages' ? { 'request-id': ctx.requestId } : {}) }));
  if (translation.keepAlive() !== null) writer.keepAlive(() => translation.keepAlive(), answer.pingIntervalMs ?? 10_000);
  try {
    for await (const chunk of upstream.body) {
      // After the caller's stream is complete the rest of the body (its end) is still read, so
      // the upstream connection goes back to the pool instead of being closed.
      if (!translation.done) {
        const events = translation.decode(chunk);
        const metering = meter(events);
        if (metering) await metering;
        writer.write(translation.encode(events));
        // The caller's stream is complete: end it now (usage recorded first: the record is taken
        // when the response closes), whatever the upstream still sends.
        if (translation.done) {
          if (translation.sawUsage) recordUsage(ctx, translation.usage);
          writer.end();
        }
      }
      if (translation.stopped || (writer.closed && !translation.done)) break;
      const drained = writer.drained();
      if (drained) await drained;
    }
    if (!translation.done && !writer.closed) {
      const events = translation.decodeEnd();
      const metering = meter(events);
      if (metering) await metering;
      writer.write(translation.encode(events));
    }
  } catch (error) {
    if (!ctx.signal.aborted && !writer.closed) writer.write(translation.fail(`The stream from the Copilot API broke off: ${brokeOff(ctx, error)}`));
  } finally {
    // Stopped early (a stop sequence, or the caller left): the rest isn't wanted, free the connection.
    if (!upstream.body.readableEnded && !upstream.body.destroyed) upstream.body.destroy();
    writer.end();
    if (translation.sawUsage) recordUsage(ctx, translation.usage);
  }
}
