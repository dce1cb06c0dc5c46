import type { UsageStatusFields } from '../../../shared/usage.js';
import type { HealthInfo } from '../proxy/server.js';
import type { TokenState } from '../token/token-manager.js';

export interface HealthInputs {
  tokens: TokenState;
  login: string | null;
  enterprise: string | null;
  now: number;
  /** Rate limits and budget; only for callers who may see the account (null otherwise). */
  usage?: UsageStatusFields | null;
}

/** Serving needs a session with time left (a failed refresh still serves the old one). */
export function sessionReady(tokens: TokenState, now: number): boolean {
  const session = tokens.session;
  return tokens.phase !== 'signed-out' && session !== null && session.expiresAt > now;
}

/** Why requests can't be served right now, in words (null when ready). */
export function notReadyReason(tokens: TokenState, now: number): string | null {
  if (sessionReady(tokens, now)) return null;
  const error = tokens.error;
  if (tokens.phase === 'signed-out') return error?.message ?? 'Not signed in to GitHub.';
  const retry = tokens.retryAt !== null ? ` Next try in ${Math.max(1, Math.ceil((tokens.retryAt - now) / 1000))} s.` : '';
  if (error) return `Waiting for a Copilot session: ${error.message}${retry}`;
  return 'Waiting for a Copilot session: the session request is running.';
}

/**
 * `/health`: whitelisted fields only, so no token can slip in. Callers without the API key on a
 * relay served beyond this machine learn only whether it is up and ready, not whose account it
 * serves (RT-25): login, plan, expiry and API base stay behind the key.
 */
export function healthInfo(inputs: HealthInputs, visible: boolean): HealthInfo {
  const { tokens, now } = inputs;
  const ready = sessionReady(tokens, now);
  const base = { ready, reason: notReadyReason(tokens, now) };
  if (!visible) return { signedIn: null, ...base };
  const session = tokens.session;
  return {
    ...base,
    signedIn: tokens.phase !== 'signed-out' && session !== null,
    login: inputs.login,
    expiresAt: session && Number.isFinite(session.expiresAt) ? new Date(session.expiresAt).toISOString() : null,
    sku: session?.sku ?? null,
    apiBaseUrl: session?.apiBaseUrl ?? null,
    mode: session?.mode ?? null,
    enterprise: inputs.enterprise,
    ...(inputs.usage ? { rateLimits: inputs.usage.rateLimits.map(({ name, usedPercent, resetsAt, reached }) => ({ name, usedPercent, resetsAt, reached })), budget: inputs.usage.budget } : {}),
  };
}
