import type { ServerResponse } from 'node:http';
import { readUpstreamBody } from '../copilot/client.js';
import type { UpstreamResponse } from '../copilot/client.js';
import { redact } from '../log/redact.js';
import { errorBody, relayErrorStatus, sendError, writeSseError } from './errors.js';
import { isJsonContainer } from './json-check.js';
import type { Dialect, RouteContext } from './route.js';

/** Upstream headers worth passing to the caller (rate limits, quota, ids). Never auth. */
const PASS_HEADERS = ['retry-after', 'x-ratelimit-exceeded', 'openai-processing-ms', 'x-github-request-id'];

function passHeaders(upstream: UpstreamResponse, into: Record<string, string>): Record<string, string> {
  for (const name of PASS_HEADERS) {
    const value = upstream.headers[name];
    if (typeof value === 'string') into[name] = value;
  }
  for (const name of Object.keys(upstream.headers)) {
    if (name.startsWith('x-quota-snapshot-')) {
      const value = upstream.headers[name];
      if (typeof value === 'string') into[name] = value;
    }
  }
  return into;
}

/** Non-stream answers up to 64 MiB (error bodies: 1 MiB). */
const BODY_LIMIT = 64 * 1024 * 1024;

function upstreamMessage(buffer: Buffer): string {
  const text = buffer.toString('utf8').trim();
  return redact(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

/**
 * Answers a non-2xx upstream response: 4xx (incl. 429 with Retry-After) pass through when JSON,
 * else wrapped in the dialect's envelope; 5xx become 502 with a clear message.
 */
async function relayFailure(ctx: RouteContext, dialect: Dialect, upstream: UpstreamResponse): Promise<void> {
  const raw = await readUpstreamBody(upstream.body, 1024 * 1024);
  const headers = passHeaders(upstream, {});
  if (upstream.status >= 500) {
    const detail = upstreamMessage(raw);
    sendError(ctx.res, dialect, 502, `The Copilot API failed with HTTP ${upstream.status}${detail ? `: ${detail}` : '.'}`, { code: 'upstream_error', headers });
    return;
  }
  if (dialect === 'openai' && isJsonContainer(raw)) {
    // Redacted even on pass-through: an upstream error could echo a header back.
    const payload = redact(raw.toString('utf8'));
    ctx.res.writeHead(upstream.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
    ctx.res.end(payload);
    return;
  }
  let message = upstreamMessage(raw) || `The Copilot API answered HTTP ${upstream.status}.`;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = typeof parsed.error === 'object' ? parsed.error?.message : parsed.error ?? parsed.message;
    if (typeof inner === 'string' && inner) message = redact(inner);
  } catch {
    // Not JSON: keep the (truncated, redacted) text.
  }
  sendError(ctx.res, dialect, upstream.status, message, { headers });
}

async function waitDrain(res: ServerResponse, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Pipes an SSE body to the client chunk by chunk (no buffering); a mid-stream failure becomes an SSE error event. */
async function relayStream(ctx: RouteContext, dialect: Dialect, upstream: UpstreamResponse): Promise<void> {
  const { res } = ctx;
  res.writeHead(upstream.status, passHeaders(upstream, {
    'content-type': typeof upstream.headers['content-type'] === 'string' ? upstream.headers['content-type'] : 'text/event-stream',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  }));
  res.flushHeaders();
  try {
    for await (const chunk of upstream.body) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await waitDrain(res, ctx.signal);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    if (ctx.signal.aborted || res.destroyed) return;
    const mapped = relayErrorStatus(error);
    const message = mapped.status === 500 ? 'The Copilot API stream failed.' : mapped.message;
    ctx.logger.warn('Upstream stream failed mid-way', { requestId: ctx.requestId, error: (error as { code?: string }).code ?? mapped.code });
    writeSseError(res, dialect, errorBody(dialect, 502, `${message} (the stream from the Copilot API broke off)`, { code: 'upstream_stream_error' }));
  }
}

async function relayBody(ctx: RouteContext, dialect: Dialect, upstream: UpstreamResponse): Promise<void> {
  const body = await readUpstreamBody(upstream.body, BODY_LIMIT);
  const contentType = upstream.headers['content-type'];
  // A truncated or garbled JSON answer would reach the caller's SDK as a confusing parse error.
  if (typeof contentType === 'string' && contentType.includes('json') && !isJsonContainer(body)) {
    ctx.logger.warn('Upstream answered unreadable JSON', { requestId: ctx.requestId, bytes: body.length });
    sendError(ctx.res, dialect, 502, 'The Copilot API answered with unreadable JSON (truncated or malformed).', { code: 'upstream_invalid_json' });
    return;
  }
  ctx.res.writeHead(upstream.status, passHeaders(upstream, {
    'content-type': typeof contentType === 'string' ? contentType : 'application/json',
    'content-length': String(body.length),
  }));
  ctx.res.end(body);
}

/** Sends an upstream response to the client: stream, JSON, or a mapped error. Not async: hands back
 * the chosen path's promise (one promise hop less per request). */
export function relayResponse(ctx: RouteContext, dialect: Dialect, upstream: UpstreamResponse, stream: boolean): Promise<void> {
  if (upstream.status < 200 || upstream.status >= 300) return relayFailure(ctx, dialect, upstream);
  const contentType = upstream.headers['content-type'];
  const isSse = typeof contentType === 'string' && contentType.includes('text/event-stream');
  return stream || isSse ? relayStream(ctx, dialect, upstream) : relayBody(ctx, dialect, upstream);
}
