import { checkClientIdentity } from '../copilot/identity-check.js';
import type { UpstreamResponse } from '../copilot/client.js';
import { redact } from '../log/redact.js';
import type { Refusal } from '../usage/observer.js';
import { anthropicErrorType, relayErrorStatus, sendError } from './errors.js';
import { parseJsonContainer } from './json-check.js';
import type { Dialect, RouteContext } from './route.js';

/**
 * The one way an upstream answer's headers and errors reach the caller, in the caller's dialect.
 * OpenAI callers of their own endpoint get Copilot's JSON error as is (their SDKs read its
 * `code`); everything else is rewrapped. 5xx become 502 for OpenAI callers (Anthropic callers keep
 * the status: their SDKs map 529/503 to overloaded). `x-should-retry` and `Retry-After` are
 * decided in sendError.
 */

/** Upstream headers worth passing to the caller (rate limits, quota, ids), and every `x-quota-snapshot-*` and `x-usage-ratelimit-*`. Never auth. */
const PASS_HEADERS = ['retry-after', 'x-ratelimit-exceeded', 'openai-processing-ms', 'x-github-request-id'];
const KNOWN_ANTHROPIC_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error', 'billing_error']);

export function passHeaders(upstream: UpstreamResponse, into: Record<string, string> = {}): Record<string, string> {
  const headers = upstream.headers;
  for (const name of PASS_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') into[name] = value;
  }
  for (const name in headers) {
    if (name.startsWith('x-quota-snapshot-') || name.startsWith('x-usage-ratelimit-')) {
      const value = headers[name];
      if (typeof value === 'string') into[name] = value;
    }
  }
  return into;
}

export interface UpstreamFailure {
  status: number;
  raw: Buffer;
  /** The parsed JSON error body, when it was JSON. */
  json: unknown;
  message: string;
  code: string | null;
  anthropicType: string | undefined;
}

/** Reads (≤ 1 MiB) and understands a non-2xx upstream answer. */
export async function readUpstreamFailure(upstream: UpstreamResponse): Promise<UpstreamFailure> {
  let raw: Buffer = Buffer.alloc(0);
  try {
    raw = await upstream.bytes(1024 * 1024);
  } catch {
    // Body broke off: the status alone still says what happened.
  }
  const text = raw.toString('utf8').trim();
  const json: unknown = parseJsonContainer(raw);
  let message = '';
  let code: string | null = null;
  let anthropicType: string | undefined;
  if (json !== undefined) {
    const body = json as { error?: unknown; message?: unknown; code?: unknown };
    const inner = body.error;
    if (typeof inner === 'string') message = inner;
    else if (inner && typeof inner === 'object') {
      const e = inner as { message?: unknown; code?: unknown; type?: unknown };
      if (typeof e.message === 'string') message = e.message;
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.type === 'string' && KNOWN_ANTHROPIC_TYPES.has(e.type)) anthropicType = e.type;
    } else if (typeof body.message === 'string') message = body.message;
    if (!code && typeof body.code === 'string') code = body.code;
  } else message = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return { status: upstream.status, raw, json, message: redact(message), code, anthropicType };
}

/** Answers the caller with an upstream failure. `native`: the caller spoke the upstream's own API. */
export function answerUpstreamFailure(ctx: RouteContext, dialect: Dialect, upstream: UpstreamResponse, failure: UpstreamFailure, native: boolean): void {
  const headers = passHeaders(upstream);
  const status = failure.status;
  // HTTP 466 or an API-version refusal: the client identity is outdated (status and tray learn it too).
  const outdated = checkClientIdentity(status, failure.json ?? failure.raw.toString('utf8'));
  if (outdated) {
    const mapped = relayErrorStatus(outdated);
    ctx.usage.errorCode = mapped.code ?? null;
    sendError(ctx.res, dialect, mapped.status, mapped.message, { code: mapped.code, headers });
    return;
  }
  ctx.usage.errorCode = failure.code ?? `upstream_${status}`;
  if (dialect === 'openai') {
    if (status >= 500) {
      sendError(ctx.res, dialect, 502, `The Copilot API failed with HTTP ${status}${failure.message ? `: ${failure.message}` : '.'}`, { code: 'upstream_error', headers });
      return;
    }
    if (native && failure.json !== undefined) {
      // Redacted even on pass-through: an upstream error could echo a header back.
      sendError(ctx.res, dialect, status, '', { headers, rawBody: redact(failure.raw.toString('utf8')), code: failure.code });
      return;
    }
    sendError(ctx.res, dialect, status, failure.message || `The Copilot API answered HTTP ${status}.`, { code: failure.code, headers });
    return;
  }
  let message = failure.message || `The Copilot API answered HTTP ${status}.`;
  if (status >= 500) message = `The Copilot API failed (HTTP ${status}): ${message}`;
  // The status decides the type where its meaning is fixed (429 → rate_limit_error, 503 →
  // overloaded_error, …); for other statuses (402, 413, 422…) an Anthropic-typed upstream error wins.
  const fixed = [400, 401, 403, 404, 429].includes(status) || status >= 500;
  const type = fixed ? anthropicErrorType(status) : failure.anthropicType ?? (status === 402 ? 'billing_error' : anthropicErrorType(status));
  sendError(ctx.res, dialect, status, message, { type, code: failure.code, headers });
}

/** A local refusal from the usage observer (budget, known rate limit), in the caller's dialect. */
export function answerRefusal(ctx: RouteContext, dialect: Dialect, refusal: Refusal, extraHeaders: Record<string, string> = {}): void {
  ctx.usage.errorCode = refusal.code;
  sendError(ctx.res, dialect, refusal.status, refusal.message, {
    code: refusal.code,
    headers: extraHeaders,
    retryAfterSec: refusal.retryAfterSec,
    shouldRetry: refusal.shouldRetry,
  });
}
