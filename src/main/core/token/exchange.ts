import type { GitHubEndpoints } from '../config/endpoints.js';
import { isLoopbackHostname } from '../config/endpoints.js';
import { githubApiHeaders } from '../copilot/headers.js';
import { RelayError, SIGN_IN_AGAIN_DESKTOP } from '../errors.js';
import { redact } from '../log/redact.js';
import type { FetchLike, HttpAnswer } from '../auth/http.js';
import { describeAnswer, isObject, requestGitHub } from '../auth/http.js';
import type { CopilotSession } from './session.js';
import { parseSessionToken } from './session-token.js';

export const DEFAULT_API_BASE = 'https://api.githubcopilot.com';
/** Never refresh sooner than this after receipt (a tiny refresh_in once caused thousands of exchanges per second elsewhere). */
export const MIN_REFRESH_MS = 30_000;
/** Proactive refresh happens this long before refresh_in says, and at least this long before expiry. */
export const REFRESH_LEAD_MS = 60_000;
export const EXPIRY_LEAD_MS = 5 * 60_000;

export interface ExchangeOptions {
  endpoints: GitHubEndpoints;
  githubToken: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** Called with a short note when the answer had an unexpected shape (no secrets in it). */
  onDrift?: (note: string) => void;
}

/** Epoch seconds; a value above 1e11 is milliseconds (seconds are ~1.8e9 today, ms ~1.8e12). */
export function normalizeEpochSeconds(value: number): number {
  return value > 1e11 ? value / 1000 : value;
}

/** Accepts only https under githubcopilot.com / ghe.com, unless the GitHub API is loopback (tests). */
export function acceptApiBase(candidate: string, endpoints: Pick<GitHubEndpoints, 'loopbackApi'>): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  const trusted = url.protocol === 'https:' && (host === 'githubcopilot.com' || host.endsWith('.githubcopilot.com') || host.endsWith('.ghe.com'));
  const testMode = endpoints.loopbackApi && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(host)));
  if (!trusted && !testMode) return null;
  return url.href.replace(/\/+$/, '');
}

/** Default base when neither endpoints.api nor proxy-ep says: the tenant's for GHE.com, else the public one. */
export function defaultApiBase(endpoints: GitHubEndpoints): string {
  if (endpoints.enterprise?.endsWith('.ghe.com')) return `https://copilot-api.${endpoints.enterprise}`;
  return DEFAULT_API_BASE;
}

/** endpoints.api → proxy-ep (`proxy.X` → `https://api.X`) → tenant/public default; each candidate validated. */
export function deriveApiBase(endpointsApi: unknown, proxyEp: string | null, endpoints: GitHubEndpoints, onDrift?: (note: string) => void): string {
  if (typeof endpointsApi === 'string' && endpointsApi) {
    const ok = acceptApiBase(endpointsApi, endpoints);
    if (ok) return ok;
    onDrift?.(`ignored untrusted endpoints.api host ${safeHost(endpointsApi)}`);
  }
  if (proxyEp) {
    const ok = acceptApiBase(`https://${proxyEp.replace(/^proxy\./, 'api.')}`, endpoints);
    if (ok) return ok;
    onDrift?.(`ignored untrusted proxy-ep host ${safeHost(`https://${proxyEp}`)}`);
  }
  return defaultApiBase(endpoints);
}

function safeHost(raw: string): string {
  try {
    return new URL(raw).host;
  } catch {
    return '(invalid URL)';
  }
}

/** Expiry and refresh times on the LOCAL clock (see session.ts). */
export function sessionTimes(receivedAt: number, expiresAtSec: number, refreshInSec: number): { expiresAt: number; refreshAt: number } {
  const refreshInMs = Math.max(0, refreshInSec * 1000);
  const localCap = receivedAt + refreshInMs + 60_000;
  const serverExpiry = normalizeEpochSeconds(expiresAtSec) * 1000;
  // A server expiry already in the past means our clock runs fast: trust refresh_in on the local clock.
  const expiresAt = serverExpiry > receivedAt ? Math.min(serverExpiry, localCap) : localCap;
  const lifetime = expiresAt - receivedAt;
  const wanted = Math.min(receivedAt + refreshInMs - REFRESH_LEAD_MS, expiresAt - EXPIRY_LEAD_MS);
  const floor = receivedAt + Math.min(MIN_REFRESH_MS, lifetime / 2);
  return { expiresAt, refreshAt: Math.max(wanted, floor) };
}

/** Validates the exchange envelope (token, expires_at, refresh_in) and builds the session; tolerates everything else. */
export function sessionFromEnvelope(body: unknown, endpoints: GitHubEndpoints, receivedAt: number, onDrift?: (note: string) => void): CopilotSession {
  if (!isObject(body) || typeof body.token !== 'string' || !body.token || !Number.isFinite(body.expires_at) || !Number.isFinite(body.refresh_in)) {
    throw new RelayError('upstream', 'GitHub answered the Copilot session request with an unexpected shape (missing token, expires_at or refresh_in).', { fix: 'Try again later; if it persists, update Copilot Relay.' });
  }
  const fields = parseSessionToken(body.token);
  const apiFromEnvelope = isObject(body.endpoints) ? body.endpoints.api : undefined;
  const { expiresAt, refreshAt } = sessionTimes(receivedAt, body.expires_at as number, body.refresh_in as number);
  return {
    token: body.token,
    mode: 'exchange',
    apiBaseUrl: deriveApiBase(apiFromEnvelope, fields.proxyEp, endpoints, onDrift),
    sku: typeof body.sku === 'string' && body.sku ? body.sku : fields.sku,
    receivedAt,
    expiresAt,
    refreshAt,
  };
}

/** Maps a failed exchange answer to the user-facing failure class. */
export function classifyExchangeFailure(answer: HttpAnswer): RelayError {
  const { status } = answer;
  const detail = describeAnswer(answer);
  const retryAfter = Number(answer.headers.get('retry-after')) || undefined;
  if (status === 401) {
    return new RelayError('token-revoked', 'GitHub says the stored sign-in is no longer valid (revoked or expired).', { status, fix: 'Sign in again: `copilot-relay login`.', desktopFix: SIGN_IN_AGAIN_DESKTOP });
  }
  if (status === 403 || status === 429) {
    const body = isObject(answer.json) ? answer.json : {};
    const details = isObject(body.error_details) ? body.error_details : null;
    if (/rate limit/i.test(detail) || status === 429) {
      return new RelayError('rate-limited', 'GitHub API rate limit reached while requesting a Copilot session.', { status, retryAfter, fix: 'Waiting before retrying.' });
    }
    if (/personal access token/i.test(detail)) {
      return new RelayError('unsupported-token', 'This kind of GitHub token (personal access token) cannot be exchanged for Copilot.', { status, fix: 'Sign in with `copilot-relay login` instead of using a PAT.', desktopFix: 'Sign in with GitHub from the tray menu instead of using a personal access token.' });
    }
    const message = details && typeof details.message === 'string' ? redact(details.message) : detail || 'No Copilot access for this account.';
    const url = details && typeof details.url === 'string' ? details.url : null;
    return new RelayError('no-copilot', `No GitHub Copilot access: ${message}`, { status, fix: url ? `See ${url}` : 'Check your Copilot subscription on github.com.' });
  }
  if (status >= 500) {
    return new RelayError('network', `GitHub had a problem issuing a Copilot session (HTTP ${status}).`, { status, retryAfter, fix: 'Retrying.' });
  }
  return new RelayError('upstream', `Unexpected answer to the Copilot session request (HTTP ${status}): ${detail}`, { status });
}

/**
 * `GET {api}/copilot_internal/v2/token`. A 404 means this token's OAuth app cannot mint session
 * tokens (or no Copilot): probe `/copilot_internal/user` and fall back to direct mode if it works.
 */
export async function exchangeToken(options: ExchangeOptions): Promise<CopilotSession> {
  const { endpoints, githubToken } = options;
  const now = options.now ?? Date.now;
  const answer = await requestGitHub(`${endpoints.apiUrl}/copilot_internal/v2/token`, {
    method: 'GET',
    headers: githubApiHeaders(githubToken),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    what: 'the Copilot session request',
  });
  if (answer.status === 200) return sessionFromEnvelope(answer.json, endpoints, now(), options.onDrift);
  if (answer.status === 404) return probeDirectMode(options, now);
  throw classifyExchangeFailure(answer);
}

async function probeDirectMode(options: ExchangeOptions, now: () => number): Promise<CopilotSession> {
  const { endpoints, githubToken } = options;
  const answer = await requestGitHub(`${endpoints.apiUrl}/copilot_internal/user`, {
    method: 'GET',
    headers: githubApiHeaders(githubToken),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    what: 'the Copilot access check',
  });
  if (answer.status === 401) throw classifyExchangeFailure(answer);
  if (answer.status >= 500) throw classifyExchangeFailure(answer);
  if (answer.status !== 200 || !isObject(answer.json)) {
    throw new RelayError('no-copilot', 'This GitHub account has no Copilot access (neither the session exchange nor the access check accepted it).', {
      status: answer.status,
      fix: 'Check your Copilot subscription on github.com, then `copilot-relay login` again.',
      desktopFix: 'Check your Copilot subscription on github.com, then sign in again from the tray menu.',
    });
  }
  const body = answer.json;
  const api = isObject(body.endpoints) ? body.endpoints.api : undefined;
  const sku = typeof body.access_type_sku === 'string' ? body.access_type_sku : typeof body.copilot_plan === 'string' ? body.copilot_plan : null;
  return {
    token: githubToken,
    mode: 'direct',
    apiBaseUrl: deriveApiBase(api, null, endpoints, options.onDrift),
    sku,
    receivedAt: now(),
    expiresAt: Infinity,
    refreshAt: Infinity,
  };
}
