/**
 * Every failure the user can meet, as a kind with a plain-words message and, where there is one,
 * the fix. Shells (tray, window, CLI, proxy) render these; none of them sees a stack trace.
 */
export type RelayErrorKind =
  | 'not-signed-in' // no GitHub token stored or given
  | 'token-revoked' // exchange said 401: the GitHub token is invalid or revoked → signed out
  | 'no-copilot' // exchange said 403 with an error envelope: this account has no Copilot access
  | 'unsupported-token' // e.g. fine-grained/classic PAT the exchange refuses
  | 'rate-limited' // GitHub REST rate limit on the exchange
  | 'network' // GitHub unreachable, timeout, 5xx: transient
  | 'sign-in-expired' // device code expired
  | 'sign-in-denied' // user cancelled on github.com
  | 'sign-in-failed' // device flow misconfigured (client id, device flow disabled, …)
  | 'cancelled' // our own cancel (tray "Cancel", Ctrl-C)
  | 'keychain-unavailable' // no Secret Service / keychain
  | 'storage' // credential store read/write failed
  | 'config' // bad setting, URL or argument
  | 'port-in-use'
  | 'client-outdated' // GitHub no longer accepts the client identity (HTTP 466, or an API-version refusal)
  | 'not-ready' // a request waited (bounded) for a Copilot session that has not arrived yet: 503 + Retry-After
  | 'upstream'; // unexpected answer from GitHub/Copilot

export class RelayError extends Error {
  readonly kind: RelayErrorKind;
  /** What the user can do about it, in words ("Run `copilot-relay login`"): for the CLI. */
  readonly fix: string | undefined;
  /** The same advice for the tray app, where it differs (a menu item instead of a command). */
  readonly desktopFix: string | undefined;
  /** Upstream HTTP status when there was one. */
  readonly status: number | undefined;
  /** Seconds to wait, when the upstream said so. */
  readonly retryAfter: number | undefined;

  constructor(kind: RelayErrorKind, message: string, options: { fix?: string; desktopFix?: string; status?: number; retryAfter?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelayError';
    this.kind = kind;
    this.fix = options.fix;
    this.desktopFix = options.desktopFix;
    this.status = options.status;
    this.retryAfter = options.retryAfter;
  }

  /** Transient failures are retried with backoff and never sign the user out. */
  get transient(): boolean {
    return this.kind === 'network' || this.kind === 'rate-limited' || this.kind === 'not-ready';
  }
}

/** Desktop wording shared by several errors. */
export const SIGN_IN_AGAIN_DESKTOP = 'Sign in again from the tray menu or this window.';

export function isRelayError(error: unknown): error is RelayError {
  return error instanceof RelayError;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
