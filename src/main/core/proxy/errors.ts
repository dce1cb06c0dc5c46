import type { ServerResponse } from 'node:http';
import { IDENTITY_OUTDATED_CODE } from '../copilot/identity-check.js';
import { isAbortError, isRelayError } from '../errors.js';
import { redact } from '../log/redact.js';
import { noteInternalError } from './internal-error.js';
import type { Dialect } from './route.js';

export interface ErrorOptions {
  /** OpenAI `error.type` (Anthropic's type is derived from the status unless given). */
  type?: string;
  code?: string | null;
  headers?: Record<string, string>;
  /** Seconds the caller should wait: sent as `Retry-After` (unless the headers already carry one). */
  retryAfterSec?: number;
  /** Overrides the status-based `x-should-retry` decision (e.g. a budget refusal: false). */
  shouldRetry?: boolean;
  /** An already-built JSON error body to send as is (an upstream error passed through). */
  rawBody?: string;
}

/**
 * Statuses no retry can fix: a bad key, a bad or unknown request, a wrong method, a body too large,
 * an exhausted quota, an outdated client. The Anthropic SDKs (Claude Code) retry anything without
 * `x-should-retry: false`: a wrong API key cost three minutes of retries.
 */
const NO_RETRY_STATUSES = new Set([400, 401, 402, 403, 404, 405, 409, 413, 415, 422, 426, 431, 466]);
const NO_RETRY_CODES = new Set(['budget_exceeded', IDENTITY_OUTDATED_CODE]);

/** `x-should-retry` for an error the relay answers: 'false' when retrying can't help, else none (the SDK's own rules). */
export function shouldRetryHeader(status: number, code: string | null | undefined, override?: boolean): string | undefined {
  if (override !== undefined) return String(override);
  if (NO_RETRY_STATUSES.has(status) || (code && NO_RETRY_CODES.has(code))) return 'false';
  return undefined;
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  426: 'invalid_request_error',
  429: 'rate_limit_error',
};

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'api_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function openaiErrorType(status: number): string {
  return OPENAI_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The error body in the caller's dialect. Messages are redacted: no token can leave here. */
export function errorBody(dialect: Dialect, status: number, message: string, options: ErrorOptions = {}): Record<string, unknown> {
  const clean = redact(message);
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: options.type ?? anthropicErrorType(status), message: clean } };
  }
  return { error: { message: clean, type: options.type ?? openaiErrorType(status), code: options.code ?? null } };
}

/**
 * Sends a JSON error (never HTML or a stack). If headers already went out (a stream), it writes an
 * SSE error event instead and ends the response, so the client never hangs.
 */
export function sendError(res: ServerResponse, dialect: Dialect, status: number, message: string, options: ErrorOptions = {}): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    writeSseError(res, dialect, options.rawBody !== undefined ? (JSON.parse(options.rawBody) as Record<string, unknown>) : errorBody(dialect, status, message, options));
    return;
  }
  const payload = options.rawBody ?? JSON.stringify(errorBody(dialect, status, message, options));
  const headers: Record<string, string | number> = {
    ...options.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  };
  const retry = shouldRetryHeader(status, options.code, options.shouldRetry);
  if (retry !== undefined) headers['x-should-retry'] = retry;
  if (options.retryAfterSec !== undefined && headers['retry-after'] === undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(options.retryAfterSec)));
  res.writeHead(status, headers);
  res.end(payload);
}

/** A well-formed terminal SSE error event in the dialect's style, then the end of the stream. */
export function writeSseError(res: ServerResponse, dialect: Dialect, body: Record<string, unknown>): void {
  if (res.writableEnded || res.destroyed) return;
  const data = JSON.stringify(body);
  res.end(dialect === 'anthropic' ? `event: error\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}

export interface MappedError {
  status: number;
  message: string;
  type?: string;
  code?: string;
  headers?: Record<string, string>;
}

const LOGIN_HINT = 'Run `copilot-relay login` to sign in again.';

/**
 * Maps a failure from the token manager or the upstream call (RelayError kinds, aborts, undici
 * errors) to the status and message the proxy answers with.
 */
export function relayErrorStatus(error: unknown): MappedError {
  if (isRelayError(error)) {
    const retry = error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : undefined;
    switch (error.kind) {
      case 'not-signed-in':
      case 'token-revoked':
      case 'unsupported-token':
        return { status: 401, message: `${error.message} ${error.fix ?? LOGIN_HINT}`.trim(), code: error.kind };
      case 'no-copilot':
        return { status: 403, message: error.fix ? `${error.message} ${error.fix}` : error.message, code: error.kind };
      case 'rate-limited':
        return { status: 429, message: error.message, code: error.kind, headers: retry };
      case 'network':
        return error.status === 504 || /time(?:d)? ?out/i.test(error.message)
          ? { status: 504, message: error.message, code: 'upstream_timeout' }
          : // GitHub or Copilot unreachable (also: no session yet at start-up): waiting can help.
            { status: 502, message: error.message, code: 'upstream_unreachable', headers: { 'retry-after': String(error.retryAfter ?? 5) } };
      case 'not-ready':
        // No session yet (GitHub unreachable or slow at start): waiting helps, so say how long.
        return { status: 503, message: error.message, code: 'not_ready', headers: { 'retry-after': String(error.retryAfter ?? 5) } };
      case 'cancelled':
        return { status: 499, message: 'Request cancelled.', code: 'cancelled' };
      case 'client-outdated':
        // GitHub refuses this client identity (HTTP 466): say how to override it; retrying can't help.
        return { status: 502, message: `${error.message} ${error.fix ?? ''}`.trim(), code: IDENTITY_OUTDATED_CODE };
      case 'config':
        return { status: 500, message: error.message, code: error.kind };
      default:
        return { status: 502, message: error.message, code: error.kind };
    }
  }
  if (isAbortError(error)) return { status: 499, message: 'Request cancelled.', code: 'cancelled' };
  const code = (error as { code?: string } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { status: 504, message: 'The Copilot API did not answer in time.', code: 'upstream_timeout' };
  }
  if (code && /^(?:E[A-Z]+|UND_ERR_\w+)$/.test(code)) {
    return { status: 502, message: `Could not reach the Copilot API (${code}).`, code: 'upstream_unreachable' };
  }
  return { status: 500, message: 'Internal error in copilot-relay.', code: 'internal_error' };
}

/** sendError for a thrown failure: the one catch-all every route can use. */
export function errorFromUpstream(res: ServerResponse, dialect: Dialect, error: unknown): MappedError {
  const mapped = relayErrorStatus(error);
  // RT-27: the server logs it with the request id.
  if (mapped.code === 'internal_error') noteInternalError(res, error);
  sendError(res, dialect, mapped.status, mapped.message, { code: mapped.code, type: mapped.type, headers: mapped.headers });
  return mapped;
}
