import type { TokenState } from '../token/token-manager.js';
import type { HealthInfo } from './server.js';

/** `/health` from the token state: whitelisted fields only, so no token can slip in. */
export function healthFromTokens(state: TokenState, extra: { login: string | null; enterprise: string | null }): HealthInfo {
  const session = state.session;
  return {
    signedIn: state.phase !== 'signed-out' && session !== null,
    login: extra.login,
    expiresAt: session && Number.isFinite(session.expiresAt) ? new Date(session.expiresAt).toISOString() : null,
    sku: session?.sku ?? null,
    apiBaseUrl: session?.apiBaseUrl ?? null,
    mode: session?.mode ?? null,
    enterprise: extra.enterprise,
  };
}
