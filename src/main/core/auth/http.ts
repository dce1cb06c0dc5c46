import { RelayError, isAbortError } from '../errors.js';
import { redact } from '../log/redact.js';
import { CERTIFICATE_FIX, certificateErrorCode } from '../net/network-env.js';
import { createGitHubFetch } from './github-fetch.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

let processFetch: FetchLike | null = null;
/** Callers that pass no fetch get the process's upstream dispatcher too (never Node's global fetch). */
const defaultFetch = (): FetchLike => (processFetch ??= createGitHubFetch());

/**
 * One request to GitHub with a timeout and the caller's AbortSignal. Never throws an HTTP status
 * (callers classify those); maps transport failures to 'network' and the caller's abort to
 * 'cancelled'. Messages name the endpoint, never a header value.
 */
export async function requestGitHub(
  url: string,
  init: RequestInit & { fetch?: FetchLike; timeoutMs?: number; what: string },
): Promise<HttpAnswer> {
  const { fetch: fetchFn = defaultFetch(), timeoutMs = DEFAULT_TIMEOUT_MS, what, signal: callerSignal, ...rest } = init;
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
    type Cause = { code?: string; message?: string; cause?: Cause };
    const cause = (error as { cause?: Cause }).cause;
    // undici's words for a proxy that refused the tunnel ("Proxy response (403) !== 200 when HTTP Tunneling").
    const refused = /^Proxy response \((\d{3})\)/.exec(cause?.cause?.message ?? cause?.message ?? '');
    if (refused) throw new RelayError('network', `The proxy refused the connection to GitHub (${what}: HTTP ${refused[1]}).`, { fix: 'Check HTTPS_PROXY, NO_PROXY and the proxy\'s rules; retrying.', cause: error });
    const certificate = certificateErrorCode(error);
    if (certificate) throw new RelayError('network', `GitHub's TLS certificate is not trusted (${what}: ${certificate}).`, { fix: CERTIFICATE_FIX, cause: error });
    const code = cause?.code;
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
