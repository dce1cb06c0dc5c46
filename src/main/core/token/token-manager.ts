import type { GitHubEndpoints } from '../config/endpoints.js';
import type { Credentials } from '../auth/credentials.js';
import { fingerprint } from '../auth/credentials.js';
import type { FetchLike } from '../auth/http.js';
import { RelayError, isRelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { abortable, waitForSession } from './caller-wait.js';
import type { WaitSource } from './caller-wait.js';
import { exchangeToken } from './exchange.js';
import type { CopilotSession, SessionProvider } from './session.js';

export type TokenPhase = 'signed-out' | 'ready' | 'refreshing' | 'error';

/** A session without its token: safe for events, status and logs. */
export type SessionSummary = Omit<CopilotSession, 'token'>;

export interface TokenState {
  phase: TokenPhase;
  session: SessionSummary | null;
  error: RelayError | null;
  /** Epoch ms of the next automatic retry after a failure, or null. */
  retryAt: number | null;
}

export type TokenListener = (state: TokenState) => void;

export interface TokenManagerOptions {
  endpoints: GitHubEndpoints;
  credentials: Credentials;
  fetch?: FetchLike;
  logger?: Logger;
  clock?: Clock;
  /** [0,1) source for the backoff jitter. */
  random?: () => number;
  timeoutMs?: number;
  /** Backoff after a failed exchange: base and cap in ms (1 s → 2 → 4 … 5 min). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * A caller that passes an AbortSignal (a proxy request: it can give up) waits for a session —
   * through transient exchange failures on the backoff schedule, and through a slow exchange — for
   * up to this long (default 20 s), then gets `not-ready` (503 with Retry-After).
   */
  recoveryWaitMs?: number;
}

/** The scheduler re-checks at least this often: a long single timeout drifts across sleep. */
export const MAX_TIMER_MS = 60_000;
/** Never hand out a session with less than this left (scaled down for very short-lived tokens). */
export const MIN_VALIDITY_MS = 2 * 60_000;
/** On a failed refresh, a session with at least this left is still served. */
const LAST_RESORT_MS = 10_000;
/** After a non-transient failure, callers get the same error for this long instead of a new exchange each. */
const PERMANENT_FAILURE_HOLD_MS = 60_000;

export function summarize(session: CopilotSession): SessionSummary {
  const { token: _token, ...rest } = session;
  return rest;
}

function minValidity(session: CopilotSession): number {
  const lifetime = session.expiresAt - session.receivedAt;
  // Tokens normally live ~30 min; a quarter of the lifetime keeps absurdly short tokens from exchanging on every request.
  return Math.min(MIN_VALIDITY_MS, lifetime / 4);
}

/**
 * The one owner of the Copilot session token. Single-flight: the timer, a wake, "refresh now" and
 * any number of cold callers share one exchange. Proactive refresh at `refreshAt` (local clock),
 * checked by a timer of at most 60 s against `clock.now()` and on `checkNow()`; a transient failure
 * keeps the still-valid token and retries with exponential backoff + full jitter; a 401 signs out.
 */
export class TokenManager implements SessionProvider {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private current: { fingerprint: string; session: CopilotSession } | null = null;
  private githubToken: string | null = null;
  private lastFingerprint: { token: string; fp: string } | null = null;
  private inFlight: Promise<CopilotSession> | null = null;
  private timer: unknown = null;
  private failures = 0;
  private retryAt: number | null = null;
  private lastError: RelayError | null = null;
  /** Fingerprint of a GitHub token the exchange rejected with 401. */
  private revoked: string | null = null;
  private triedStoredSession = false;
  private storedLoad: Promise<CopilotSession | null> | null = null;
  private closed = false;
  private phase: TokenPhase = 'signed-out';
  private readonly listeners = new Set<TokenListener>();
  /** What a waiting caller sees of this manager (caller-wait.ts). */
  private readonly waitSource: WaitSource;

  constructor(private readonly options: TokenManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.waitSource = {
      clock: this.clock,
      attempt: (signal) => this.getSessionOnce(signal),
      retryAt: () => this.retryAt,
      lastError: () => this.lastError,
      closed: () => this.closed,
    };
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
  }

  state(): TokenState {
    return {
      phase: this.phase,
      session: this.current ? summarize(this.current.session) : null,
      error: this.lastError,
      retryAt: this.retryAt,
    };
  }

  /** Listens to every state change; returns unsubscribe. */
  on(listener: TokenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setPhase(phase: TokenPhase): void {
    this.phase = phase;
    const state = this.state();
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.logger.warn('Token state listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private usable(session: CopilotSession, margin = minValidity(session)): boolean {
    const now = this.clock.now();
    // The wall clock went back (received "in the future"): our timing for it is meaningless, refresh.
    if (now < session.receivedAt - 60_000) return false;
    return session.expiresAt - now > margin;
  }

  private async loadGithubToken(): Promise<string> {
    if (!this.githubToken || this.revoked) await this.reloadGithubToken();
    if (!this.githubToken) {
      if (this.phase !== 'signed-out') this.setPhase('signed-out');
      throw notSignedIn();
    }
    this.logger.addSecret(this.githubToken);
    return this.githubToken;
  }

  /**
   * Re-reads the stored token. Another process (`copilot-relay login`/`logout`, the tray app) may
   * have replaced or removed it: a new token replaces everything of the old one (its session, a
   * revocation, the backoff); none means signed out — the old token is no longer used.
   */
  private async reloadGithubToken(): Promise<string | null> {
    const token = await this.options.credentials.githubToken();
    if (token === this.githubToken) return token;
    const hadToken = this.githubToken !== null;
    this.reset();
    this.githubToken = token;
    this.triedStoredSession = false;
    if (token) this.logger.addSecret(token);
    if (hadToken) {
      this.logger.info(token ? 'The stored sign-in changed (signed in again elsewhere): using the new one' : 'The stored sign-in was removed (signed out elsewhere)');
      if (!token) {
        this.lastError = notSignedIn('Signed out: the stored sign-in was removed (for example by `copilot-relay logout`).');
        this.setPhase('signed-out');
      }
    }
    return token;
  }

  /** Runs on the scheduler's tick and on wake: notices a sign-in or sign-out made by another process. */
  private checkStoredToken(): void {
    if (this.closed || this.githubToken === null) return;
    const before = this.githubToken;
    this.reloadGithubToken().then(
      (token) => {
        if (token !== before && token) this.backgroundRefresh();
      },
      (error: unknown) => this.logger.debug('Could not re-read the stored sign-in', { error: isRelayError(error) ? error.kind : 'storage' }),
    );
  }

  /**
   * A usable session. Without a signal, a failure is thrown at once (status, start-up). With one, a
   * transient failure is waited out on the backoff schedule (still one exchange at a time) up to
   * `recoveryWaitMs`, so a request arriving while GitHub hiccups succeeds instead of failing.
   */
  async getSession(signal?: AbortSignal): Promise<CopilotSession> {
    // Every proxied request lands here: answer a usable session for the known token without the
    // token load, hashing and nested awaits of the full path below.
    const ready = this.readySession();
    if (ready) return ready;
    if (!signal) return this.getSessionOnce();
    return waitForSession(this.waitSource, signal, this.clock.now() + (this.options.recoveryWaitMs ?? 20_000));
  }

  /** The current session when it belongs to the loaded, unrevoked token and is usable; else null. */
  private readySession(): CopilotSession | null {
    const token = this.githubToken;
    const current = this.current;
    if (this.closed || token === null || this.revoked !== null || current === null) return null;
    if (current.fingerprint !== this.fingerprintOf(token) || !this.usable(current.session)) return null;
    return current.session;
  }

  /** SHA-256 of the GitHub token, memoised for the last token (hashing it per request cost ~2 µs). */
  private fingerprintOf(token: string): string {
    if (this.lastFingerprint?.token !== token) this.lastFingerprint = { token, fp: fingerprint(token) };
    return this.lastFingerprint.fp;
  }

  private async getSessionOnce(signal?: AbortSignal): Promise<CopilotSession> {
    if (this.closed) throw new RelayError('cancelled', 'The token manager is closed.');
    const token = await this.loadGithubToken();
    const fp = this.fingerprintOf(token);
    if (this.revoked === fp) throw this.lastError ?? new RelayError('token-revoked', 'GitHub sign-in is no longer valid.', { fix: 'Sign in again.' });
    this.revoked = null;
    if (this.current && this.current.fingerprint !== fp) this.current = null;
    const current = this.current?.session;
    if (current && this.usable(current)) return current;

    if (!current && !this.triedStoredSession && !this.inFlight) {
      // Shared by every cold caller: none may start an exchange while the cached session is being read.
      this.storedLoad ??= this.loadStoredSession(token, fp).finally(() => {
        this.triedStoredSession = true;
        this.storedLoad = null;
      });
      const stored = await this.storedLoad;
      if (stored && this.current?.session === stored) return stored;
      if (this.current && this.current.fingerprint === fp && this.usable(this.current.session)) return this.current.session;
    }

    // Within a backoff window nobody starts a new exchange: serve what still works, or repeat the error.
    if (!this.inFlight && this.retryAt !== null && this.clock.now() < this.retryAt && this.lastError) {
      if (current && this.usable(current, LAST_RESORT_MS)) return current;
      throw this.lastError;
    }
    const pending = this.refresh();
    try {
      return await abortable(pending, signal);
    } catch (error) {
      if (isRelayError(error) && error.transient && current && this.current?.session === current && this.usable(current, LAST_RESORT_MS)) return current;
      throw error;
    }
  }

  private async loadStoredSession(token: string, fp: string): Promise<CopilotSession | null> {
    const stored = await this.options.credentials.loadSession(token, this.clock.now()).catch((error: unknown) => {
      this.logger.warn('Could not read the cached session; exchanging a new one', { error: isRelayError(error) ? error.kind : 'storage' });
      return null;
    });
    if (!stored || !this.usable(stored) || this.current || this.githubToken !== token) return null;
    this.logger.addSecret(stored.token, { until: stored.expiresAt });
    this.current = { fingerprint: fp, session: stored };
    this.logger.debug('Reusing the cached Copilot session', { expiresAt: Number.isFinite(stored.expiresAt) ? new Date(stored.expiresAt).toISOString() : null });
    this.setPhase('ready');
    this.schedule();
    return stored;
  }

  /** Loads the stored sign-in and gets a session so the shells show the real state at launch; failures land in the state. */
  async start(): Promise<TokenState> {
    await this.getSession().catch(() => undefined);
    return this.state();
  }

  invalidate(token: string): void {
    if (this.current?.session.token !== token) return;
    this.logger.info('Copilot rejected the session token; a new one will be exchanged');
    this.current = null;
    this.triedStoredSession = true;
    // The persisted copy is the same token: drop it too.
    void this.options.credentials.dropSession().catch(() => undefined);
  }

  /** Forces a new exchange now (tray "Refresh now"), ignoring any backoff. */
  async refreshNow(): Promise<CopilotSession> {
    this.retryAt = null;
    await this.loadGithubToken();
    if (this.revoked) this.revoked = null;
    return this.inFlight ?? this.refresh();
  }

  /** Re-checks against the wall clock (wake, unlock, clock jump) and refreshes if due. */
  checkNow(): void {
    if (this.closed) return;
    this.checkStoredToken();
    const now = this.clock.now();
    const session = this.current?.session;
    if (!session || this.inFlight || this.revoked) return this.schedule();
    if (this.retryAt !== null) {
      if (now >= this.retryAt) this.backgroundRefresh();
      else this.schedule();
      return;
    }
    if (now >= session.refreshAt || !this.usable(session)) this.backgroundRefresh();
    else this.schedule();
  }

  /** After a sign-in: store the token, drop every session of the old one, exchange a new one. */
  async setGithubToken(token: string): Promise<void> {
    this.logger.addSecret(token);
    await this.options.credentials.saveGithubToken(token);
    this.reset();
    this.githubToken = token;
    this.triedStoredSession = true;
  }

  /** Logout: deletes the stored token and every cached session token. */
  async signOut(): Promise<boolean> {
    this.reset();
    this.githubToken = null;
    const removed = await this.options.credentials.clear();
    this.setPhase('signed-out');
    return removed;
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.listeners.clear();
  }

  private reset(): void {
    this.current = null;
    this.revoked = null;
    this.failures = 0;
    this.retryAt = null;
    this.lastError = null;
    this.clearTimer();
  }

  private backgroundRefresh(): void {
    this.refresh().catch(() => undefined);
  }

  /** Single-flight exchange. */
  private refresh(): Promise<CopilotSession> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.exchange().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async exchange(): Promise<CopilotSession> {
    // Always the stored token as it is now: another process may have signed in or out since (an
    // unreadable store keeps the token in memory; loadGithubToken reports it when there is none).
    await this.reloadGithubToken().catch(() => undefined);
    let token = await this.loadGithubToken();
    this.clearTimer();
    this.setPhase('refreshing');
    for (let attempt = 0; ; attempt++) {
      const fp = fingerprint(token);
      let session: CopilotSession;
      try {
        session = await exchangeToken({
          endpoints: this.options.endpoints,
          githubToken: token,
          fetch: this.options.fetch,
          timeoutMs: this.options.timeoutMs,
          now: () => this.clock.now(),
          onDrift: (note) => this.logger.warn(`Copilot session request: ${note}`),
        });
      } catch (error) {
        const failure = isRelayError(error) ? error : new RelayError('upstream', `Copilot session request failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        // Before answering 401: a new sign-in may have replaced this token meanwhile (RT-13).
        const replaced = failure.kind === 'token-revoked' && attempt === 0 ? await this.replacedToken(token) : null;
        if (replaced) {
          token = replaced;
          continue;
        }
        if (this.githubToken === token && !this.closed) this.onFailure(failure, fp);
        throw failure;
      }
      this.logger.addSecret(session.token, { until: session.expiresAt });
      // Never keep (or persist) a session for a token the store no longer holds (RT-06).
      const replaced = await this.replacedToken(token);
      if (replaced && attempt === 0) {
        token = replaced;
        continue;
      }
      if (this.githubToken !== token || this.closed) {
        if (this.githubToken === null && !this.closed) throw this.lastError ?? notSignedIn();
        return session; // switched meanwhile
      }
      return this.accept(token, fp, session);
    }
  }

  /** The stored token when it is no longer `token` (another process signed in again), else null; a removed one signs out. */
  private async replacedToken(token: string): Promise<string | null> {
    if (this.options.credentials.fromEnvironment) return null;
    const stored = await this.reloadGithubToken().catch(() => token);
    return stored !== token ? stored : null;
  }

  private async accept(token: string, fp: string, session: CopilotSession): Promise<CopilotSession> {
    this.current = { fingerprint: fp, session };
    this.failures = 0;
    this.retryAt = null;
    this.lastError = null;
    await this.options.credentials.saveSession(token, session).catch((error: unknown) => {
      this.logger.warn('Could not cache the session token; the next start will exchange again', { error: isRelayError(error) ? error.kind : 'storage' });
    });
    this.logger.info(session.mode === 'direct' ? 'Using direct mode: this sign-in cannot be exchanged for a session' : 'Copilot session refreshed', {
      mode: session.mode,
      sku: session.sku,
      apiBaseUrl: session.apiBaseUrl,
      expiresAt: Number.isFinite(session.expiresAt) ? new Date(session.expiresAt).toISOString() : null,
    });
    this.setPhase('ready');
    this.schedule();
    return session;
  }

  private onFailure(error: RelayError, fp: string): void {
    this.lastError = error;
    if (error.kind === 'token-revoked') {
      // Signed out, but the stored token stays: the user decides (sign in again / logout).
      this.revoked = fp;
      this.current = null;
      this.retryAt = null;
      void this.options.credentials.dropSession().catch(() => undefined);
      this.logger.warn('GitHub rejected the stored sign-in: signed out', { reason: error.kind });
      this.setPhase('signed-out');
      return;
    }
    this.failures++;
    if (error.transient) {
      const cap = this.options.backoffCapMs ?? 5 * 60_000;
      const base = this.options.backoffBaseMs ?? 1000;
      const ceiling = Math.min(cap, base * 2 ** (this.failures - 1));
      // Full jitter, but never below the base: no tight loops.
      let delay = Math.max(base, Math.round(this.random() * ceiling));
      if (error.retryAfter) delay = Math.max(delay, error.retryAfter * 1000);
      this.retryAt = this.clock.now() + delay;
      this.logger.warn(`Token refresh failed, retrying in ${Math.ceil(delay / 1000)} s`, { reason: error.kind, status: error.status });
    } else {
      this.retryAt = this.clock.now() + PERMANENT_FAILURE_HOLD_MS;
      this.logger.warn('Copilot session request failed', { reason: error.kind, status: error.status });
    }
    this.setPhase('error');
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One timer, never longer than 60 s: the due time is re-evaluated against the wall clock each time. */
  private schedule(): void {
    this.clearTimer();
    if (this.closed || this.revoked) return;
    const session = this.current?.session;
    let due: number | null = null;
    if (this.retryAt !== null && (session || this.lastError?.transient)) due = this.retryAt;
    else if (session && Number.isFinite(session.refreshAt)) due = session.refreshAt;
    if (due === null) return;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, due - this.clock.now()));
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.onTimer();
    }, delay);
  }

  private onTimer(): void {
    if (this.closed) return;
    this.checkStoredToken();
    const now = this.clock.now();
    if (this.retryAt !== null && now >= this.retryAt) {
      this.backgroundRefresh();
      return;
    }
    if (this.retryAt === null && this.current && now >= this.current.session.refreshAt) {
      this.backgroundRefresh();
      return;
    }
    this.schedule();
  }
}

function notSignedIn(message = 'Not signed in to GitHub.'): RelayError {
  return new RelayError('not-signed-in', message, { fix: 'Run `copilot-relay login` (or sign in from the tray).', desktopFix: 'Sign in with GitHub from the tray menu or this window.' });
}
