import type { GitHubEndpoints } from '../config/endpoints.js';
import { clientIdentity } from '../copilot/headers.js';
import { RelayError } from '../errors.js';
import { redact } from '../log/redact.js';
import type { FetchLike } from './http.js';
import { describeAnswer, isObject, requestGitHub } from './http.js';

export interface DeviceFlowOptions {
  endpoints: GitHubEndpoints;
  clientId: string;
  scope?: string;
  fetch?: FetchLike;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Injectable for tests; must reject with the signal's reason when aborted. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface DeviceFlow {
  userCode: string;
  verificationUri: string;
  /** Epoch ms when the code stops working. */
  expiresAt: number;
  /** Current poll interval in seconds (grows on slow_down). */
  interval: number;
  /** Polls until the user authorises; resolves with the GitHub token. */
  wait(): Promise<string>;
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

function cancelled(): RelayError {
  return new RelayError('cancelled', 'Sign-in cancelled.');
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formHeaders(): Record<string, string> {
  // Without Accept: application/json GitHub answers form-urlencoded.
  return { accept: 'application/json', 'content-type': 'application/json', 'user-agent': clientIdentity().userAgent };
}

/**
 * RFC 8628 device flow, GitHub's variant. Returns as soon as the code is known so the UI can show
 * it BEFORE waiting; `wait()` polls: waits `interval` before each poll, keeps a slow_down increase,
 * stops on expired_token / access_denied / any other error (with GitHub's description) and at the
 * `expires_in` deadline, and rejects with 'cancelled' when the signal aborts.
 */
export async function startDeviceFlow(options: DeviceFlowOptions): Promise<DeviceFlow> {
  const { endpoints, clientId } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const started = now();
  const answer = await requestGitHub(`${endpoints.githubUrl}/login/device/code`, {
    method: 'POST',
    headers: formHeaders(),
    body: JSON.stringify({ client_id: clientId, scope: options.scope ?? 'read:user' }),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    what: 'the sign-in request',
  });
  const body = isObject(answer.json) ? answer.json : {};
  if (answer.status !== 200 || typeof body.device_code !== 'string' || typeof body.user_code !== 'string') {
    if (answer.status >= 500) throw new RelayError('network', `GitHub could not start the sign-in (HTTP ${answer.status}).`, { status: answer.status, fix: 'Try again in a moment.' });
    const reason = typeof body.error === 'string' ? `${body.error}: ${describeAnswer(answer)}` : describeAnswer(answer) || `HTTP ${answer.status}`;
    throw new RelayError('sign-in-failed', `GitHub refused to start the sign-in (${reason}).`, { status: answer.status, fix: 'Check COPILOT_RELAY_CLIENT_ID and the enterprise host.' });
  }
  const deviceCode = body.device_code;
  const expiresIn = Number.isFinite(body.expires_in) && (body.expires_in as number) > 0 ? (body.expires_in as number) : 900;
  const flow: DeviceFlow = {
    userCode: body.user_code,
    verificationUri: typeof body.verification_uri === 'string' ? body.verification_uri : `${endpoints.githubUrl}/login/device`,
    expiresAt: started + expiresIn * 1000,
    interval: Number.isFinite(body.interval) && (body.interval as number) >= 0 ? (body.interval as number) : 5,
    wait: async () => {
      const expired = () => new RelayError('sign-in-expired', 'The sign-in code expired before it was entered.', { fix: 'Sign in again.' });
      for (;;) {
        if (options.signal?.aborted) throw cancelled();
        const remaining = flow.expiresAt - now();
        if (remaining <= 0) throw expired();
        await sleep(Math.min(flow.interval * 1000, remaining), options.signal);
        if (now() >= flow.expiresAt) throw expired();
        const poll = await requestGitHub(`${endpoints.githubUrl}/login/oauth/access_token`, {
          method: 'POST',
          headers: formHeaders(),
          body: JSON.stringify({ client_id: clientId, device_code: deviceCode, grant_type: GRANT_TYPE }),
          fetch: options.fetch,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
          what: 'the sign-in',
        }).catch((error: unknown) => {
          // A dropped poll is not fatal: try again at the next interval (the deadline still holds).
          if (error instanceof RelayError && error.kind === 'network') return null;
          throw error;
        });
        if (!poll) continue;
        const result = isObject(poll.json) ? poll.json : {};
        // GitHub reports errors in the body, usually with HTTP 200: read `error` whatever the status.
        if (typeof result.access_token === 'string' && result.access_token) return result.access_token;
        const error = typeof result.error === 'string' ? result.error : null;
        if (error === 'authorization_pending') continue;
        if (error === 'slow_down') {
          flow.interval = Number.isFinite(result.interval) && (result.interval as number) > flow.interval ? (result.interval as number) : flow.interval + 5;
          continue;
        }
        if (error === 'expired_token') throw expired();
        if (error === 'access_denied') throw new RelayError('sign-in-denied', 'Sign-in was cancelled on GitHub.', { fix: 'Sign in again and choose Authorize.' });
        if (!error && poll.status >= 500) continue;
        const description = typeof result.error_description === 'string' ? redact(result.error_description) : describeAnswer(poll);
        throw new RelayError('sign-in-failed', `GitHub refused the sign-in${error ? ` (${error})` : ''}: ${description || `HTTP ${poll.status}`}`, {
          status: poll.status,
          fix: 'Check COPILOT_RELAY_CLIENT_ID and the enterprise host, then sign in again.',
        });
      }
    },
  };
  return flow;
}
