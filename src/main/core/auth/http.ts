import { RelayError, isAbortError } from '../errors.js';
import { redact } from '../log/redact.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * One request to GitHub with a timeout and the caller's AbortSignal. Never throws an HTTP status
 * (callers classify those); maps transport failures to 'network' and the caller's abort to
 * 'cancelled'. Messages name the endpoint, never a header value.
 */
export async function requestGitHub(
  url: string,
  init: RequestInit & { fetch?: FetchLike; timeoutMs?: number; what: string },
): Promise<HttpAnswer> {
  const { fetch: fetchFn = globalThis.fetch, timeoutMs = DEFAULT_TIMEOUT_MS, what, signal: callerSignal, ...rest } = init;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  try {
    const response = await fetchFn(url, { ...rest, signal });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  } catch (error) {
    if (callerSignal?.aborted) throw new RelayError('cancelled', `${what} was cancelled.`, { cause: error });
    if (timeout.aborted || isAbortError(error)) {
      throw new RelayError('network', `GitHub did not answer ${what} within ${Math.round(timeoutMs / 1000)} s.`, { fix: 'Check your network; retrying.', cause: error });
    }
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new RelayError('network', `Can't reach GitHub (${what}${code ? `: ${code}` : ''}).`, { fix: 'Check your network or proxy settings; retrying.', cause: error });
  }
}

/** A short, redacted description of an error answer for messages (never the whole body). */
export function describeAnswer(answer: HttpAnswer): string {
  const body = answer.json as { message?: unknown; error_description?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : typeof body?.error_description === 'string' ? body.error_description : answer.text;
  return redact(String(message).replace(/\s+/g, ' ').trim().slice(0, 200));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
