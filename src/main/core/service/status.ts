import type { RelayStatus, SignInPrompt, StatusError } from '../../../shared/status.js';
import type { UsageStatusFields } from '../../../shared/usage.js';
import { isRelayError } from '../errors.js';
import { planName } from '../quota/quota.js';
import type { TokenState } from '../token/token-manager.js';
import type { QuotaCache } from './quota-cache.js';

const finite = (value: number | undefined | null): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A failure as the shells show it: plain words and the fix (the tray's wording where it differs). */
export function toStatusError(error: unknown, at: number): StatusError {
  if (isRelayError(error)) return { kind: error.kind, message: error.message, fix: error.desktopFix ?? error.fix ?? null, at };
  return { kind: 'upstream', message: error instanceof Error ? error.message : String(error), fix: null, at };
}

export interface StatusInputs {
  tokens: TokenState;
  now: number;
  login: string | null;
  enterprise: string | null;
  quota: QuotaCache;
  /** Unit, AI credits this period, rate limits and budget (the ledger's; shown signed out too). */
  usage: UsageStatusFields;
  signIn: SignInPrompt | null;
  /** Sign-in, proxy and settings failures (token failures come with the token state). */
  serviceError: StatusError | null;
  proxy: RelayStatus['proxy'];
}

/** The status every shell renders. Cheap, no I/O, never a secret. */
export function buildStatus(inputs: StatusInputs): RelayStatus {
  const { tokens: state, quota } = inputs;
  const session = state.session;
  const tokenError = state.error ? toStatusError(state.error, inputs.now) : null;
  const signedIn = state.phase !== 'signed-out';
  const sku = signedIn ? session?.sku ?? null : null;
  return {
    phase: inputs.signIn ? 'signing-in' : state.phase,
    login: signedIn || inputs.signIn ? inputs.login : null,
    sku,
    plan: signedIn ? quota.plan ?? planName(sku) : null,
    mode: signedIn ? session?.mode ?? null : null,
    expiresAt: signedIn ? finite(session?.expiresAt) : null,
    refreshedAt: signedIn ? finite(session?.receivedAt) : null,
    nextRefreshAt: signedIn ? finite(state.retryAt ?? session?.refreshAt) : null,
    apiBaseUrl: signedIn ? session?.apiBaseUrl ?? null : null,
    enterprise: inputs.enterprise,
    quota: signedIn ? quota.quota : null,
    // The unit is the account's: unknown when signed out. Limits and budget are the relay's own record.
    usage: signedIn ? inputs.usage : { ...inputs.usage, billingUnit: null, credits: null },
    // The most recent of a service error and a token error.
    lastError: [inputs.serviceError, tokenError].filter((e): e is StatusError => e !== null).sort((a, b) => b.at - a.at)[0] ?? null,
    signIn: inputs.signIn,
    proxy: inputs.proxy,
    service: { state: 'running', restarts: 0, lastExit: null },
  };
}
