import type { RelayStatus, StatusError } from '../../../shared/status.js';
import { createGitHubFetch } from '../auth/github-fetch.js';
import type { FetchLike } from '../auth/http.js';
import { signInWithDeviceFlow } from '../auth/sign-in.js';
import type { SignInOptions } from '../auth/sign-in.js';
import { resolveClientId } from '../config/endpoints.js';
import { configureClientIdentity } from '../copilot/headers.js';
import { onClientIdentityRejected } from '../copilot/identity-check.js';
import { relayHome } from '../config/paths.js';
import { RelayError, isRelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { HealthInfo, ProxyServerOptions } from '../proxy/server.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { Settings } from '../settings/schema.js';
import { openSettings } from '../settings/store.js';
import type { SettingsStore } from '../settings/store.js';
import type { AccountCore } from '../token/account-core.js';
import { openAccountCore } from '../token/account-core.js';
import type { Clock } from '../token/clock.js';
import { systemClock } from '../token/clock.js';
import type { CopilotSession, SessionProvider } from '../token/session.js';
import type { TokenState } from '../token/token-manager.js';
import type { UsageTracker } from '../usage/tracker.js';
import { ServiceProxy } from './service-proxy.js';
import { healthInfo, sessionReady } from './health.js';
import { QuotaCache } from './quota-cache.js';
import { ServiceUsage } from './service-usage.js';
import { SignInFlow } from './sign-in-flow.js';
import { buildStatus, toStatusError } from './status.js';

/** The CLI's flags: they win over config.json and are never written to it. */
export interface ServiceFlags {
  port?: number;
  host?: string;
  apiKey?: string | null;
  allowRemote?: boolean;
  logBodies?: boolean;
  insecureStorage?: boolean;
}

export interface RelayServiceOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /**
   * Which shell runs it. 'cli': a refused host or a missing stored key is an error (serve exits);
   * 'desktop': the tray can't exit, so it falls back to loopback / creates the key, and says so.
   */
  shell: 'cli' | 'desktop';
  flags?: ServiceFlags;
  /** Tests: settings, credential store, GitHub fetch, clock, device-flow timing, server knobs. */
  settings?: SettingsStore;
  store?: SecretStore;
  fetch?: FetchLike;
  clock?: Clock;
  deviceFlow?: Pick<SignInOptions, 'sleep' | 'now'>;
  /** How long a request waits for a session before 503 + Retry-After (default 20 s). */
  requestWaitMs?: number;
  serverOptions?: Partial<ProxyServerOptions>;
  /**
   * Tests: a usage tracker of their own. Otherwise the service opens the usage ledger in the relay's
   * home (retention and budget from the settings, `COPILOT_RELAY_BUDGET` first) and closes it last.
   */
  usage?: UsageTracker;
}

/** Failures that no waiting fixes: `serve` exits on them at start, the tray shows them. */
const FATAL_KINDS = new Set(['not-signed-in', 'token-revoked', 'no-copilot', 'unsupported-token', 'keychain-unavailable', 'storage', 'config']);

/** The settings the window may change. */
export type ServiceSettingsPatch = Partial<Pick<Settings, 'port' | 'apiKeyEnabled'>>;

/**
 * The whole running relay, owned in one place and used by both shells (the CLI's `serve`, the
 * desktop app's service process): settings (the only writer of config.json), credentials and the
 * token manager, sign-in, quota, the proxy's lifecycle with its bind policy and API key, `/health`,
 * and the status with its change events. Electron-free.
 */
export class RelayService implements SessionProvider {
  readonly settings: SettingsStore;
  readonly clock: Clock;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private readonly fetchFn: FetchLike | undefined;
  private account!: AccountCore;
  private unsubscribeTokens: () => void = () => undefined;
  private readonly listeners = new Set<(status: RelayStatus) => void>();
  private readonly quota: QuotaCache;
  private readonly signInFlow: SignInFlow;
  readonly proxy: ServiceProxy;
  /** The usage ledger, rate-limit state and budget: the proxy reports every request to it. */
  readonly usage: ServiceUsage;
  private serviceError: StatusError | null = null;
  private login: string | null;
  private firstAttempt: Promise<unknown> | null = null;
  private readonly offIdentity: () => void;
  private closed = false;

  /** Throws a `config` error for a settings file or CA file that can't be used (the shells say which). */
  constructor(private readonly options: RelayServiceOptions) {
    this.env = options.env;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.settings = options.settings ?? openSettings({ env: this.env });
    this.fetchFn = options.fetch ?? createGitHubFetch({ env: this.env, caFile: this.settings.get('extraCaCertsFile') });
    this.login = this.settings.get('lastLogin');
    try {
      configureClientIdentity({ env: this.env, setting: this.settings.get('clientIdentity') });
    } catch (error) {
      // The CLI stops with the one line; the tray shows it and requests keep the built-in identity.
      if (options.shell === 'cli') throw error;
      this.serviceError = toStatusError(error, this.clock.now());
    }
    // GitHub refusing the client identity (HTTP 466) shows in the status and the tray.
    this.offIdentity = onClientIdentityRejected((error) => this.setServiceError(error));
    this.quota = new QuotaCache({ clock: this.clock, logger: this.logger, onChange: () => this.emit() });
    this.signInFlow = new SignInFlow(() => this.emit());
    this.usage = new ServiceUsage({
      env: this.env,
      logger: this.logger,
      settings: this.settings,
      shell: options.shell,
      account: () => this.quota,
      proxyUrl: () => this.proxyUrl(),
      onChange: () => this.emit(),
      tracker: options.usage,
    });
    if (this.usage.configError) this.serviceError = toStatusError(this.usage.configError, this.clock.now());
    this.proxy = new ServiceProxy({
      ...options,
      usage: this.usage.tracker,
      onModelCatalog: (catalog) => this.usage.watchModels(catalog),
      settings: this.settings,
      sessions: this,
      health: (caller) => this.health(caller),
      clock: this.clock,
      onChange: () => this.emit(),
    });
    this.openAccount(this.settings.get('enterprise'));
  }

  /** (Re)builds the per-account core: endpoints, credential store, token manager for one GitHub host. */
  private openAccount(enterprise: string | null): void {
    this.unsubscribeTokens();
    this.account?.tokens.close();
    this.account = openAccountCore({
      env: this.env,
      enterprise,
      envToken: this.env.COPILOT_RELAY_GITHUB_TOKEN?.trim() || null,
      insecureStorage: Boolean(this.options.flags?.insecureStorage) || this.settings.get('insecureStorage'),
      home: relayHome(this.env),
      logger: this.logger,
      store: this.options.store,
      fetch: this.fetchFn,
      clock: this.clock,
      recoveryWaitMs: this.options.requestWaitMs,
    });
    this.proxy.store = this.account.store;
    this.unsubscribeTokens = this.account.tokens.on((state) => this.onTokenState(state));
  }

  private onTokenState(state: TokenState): void {
    if (state.phase === 'ready') void this.quota.refresh({ ...this.account, fetch: this.fetchFn }, false);
    if (state.phase === 'signed-out' && state.error?.kind === 'token-revoked') this.quota.clear();
    this.emit();
  }

  // --- SessionProvider: what the proxy asks, always the current account's token manager.

  getSession(signal?: AbortSignal): Promise<CopilotSession> {
    return this.account.tokens.getSession(signal);
  }

  invalidate(token: string): void {
    this.account.tokens.invalidate(token);
  }

  // --- Lifecycle

  /** The stored sign-in, checked locally (no network): throws the fatal errors (none, no keychain, damaged file). */
  async checkSignIn(): Promise<void> {
    const token = await this.account.credentials.githubToken();
    if (!token) {
      throw new RelayError('not-signed-in', 'Not signed in to GitHub.', { fix: 'Run `copilot-relay login` first.', desktopFix: 'Sign in with GitHub from the tray menu or this window.' });
    }
  }

  /** Starts getting a session in the background; transient failures are retried on the backoff schedule. */
  start(): void {
    this.firstAttempt ??= this.account.tokens.getSession().then(
      () => null,
      (error: unknown) => {
        if (isRelayError(error) && error.transient) {
          const wait = Math.round((this.options.requestWaitMs ?? 20_000) / 1000);
          this.logger.warn(`No Copilot session yet: ${error.message} Serving as soon as one arrives; until then each request waits up to ${wait} s, then gets 503 with Retry-After.`);
        }
        return error;
      },
    );
  }

  /**
   * Resolves null once a session is ready, or with the error when the first answers are fatal
   * (revoked token, no Copilot seat, …). Transient failures never resolve it: the wait goes on.
   */
  async firstSession(): Promise<RelayError | null> {
    this.start();
    const first = await this.firstAttempt;
    if (isRelayError(first) && FATAL_KINDS.has(first.kind)) return first;
    return new Promise((resolve) => {
      const check = (state: TokenState): boolean => {
        if (sessionReady(state, this.clock.now())) resolve(null);
        else if (state.error && FATAL_KINDS.has(state.error.kind)) resolve(state.error);
        else return false;
        return true;
      };
      if (check(this.account.tokens.state())) return;
      const off = this.account.tokens.on((state) => {
        if (check(state)) off();
      });
    });
  }

  async close(): Promise<void> {
    this.signInFlow.cancel();
    await this.proxy.stop();
    // After the proxy: the requests it let finish are recorded, then the ledger is flushed and closed.
    await this.usage.close();
    this.closed = true;
    this.offIdentity();
    this.unsubscribeTokens();
    this.account.tokens.close();
    this.listeners.clear();
  }

  // --- Status and events

  private proxyUrl(): string | null {
    return this.proxy.origin ? `${this.proxy.origin}/v1` : null;
  }

  status(): RelayStatus {
    return buildStatus({
      tokens: this.account.tokens.state(),
      now: this.clock.now(),
      login: this.login,
      enterprise: this.account.endpoints.enterprise,
      quota: this.quota,
      usage: this.usage.status(),
      signIn: this.signInFlow.prompt,
      // The most recent of a sign-in failure and the proxy's (busy port, refused host).
      serviceError: [this.serviceError, this.proxy.lastError].filter((e): e is StatusError => e !== null).sort((a, b) => b.at - a.at)[0] ?? null,
      proxy: { url: this.proxyUrl(), running: this.proxy.running, apiKeyRequired: this.proxy.apiKey !== null },
    });
  }

  onStatus(listener: (status: RelayStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    if (this.closed) return;
    const status = this.status();
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (error) {
        this.logger.warn('Status listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private setServiceError(error: unknown): void {
    this.serviceError = error === null ? null : toStatusError(error, this.clock.now());
    this.emit();
  }

  /** `/health`; the full account view only for callers the API key admits (or loopback relays). */
  health(caller: { authorized: boolean }): HealthInfo {
    const visible = this.proxy.loopback || caller.authorized;
    const usage = visible ? this.usage.status() : null;
    return healthInfo({ tokens: this.account.tokens.state(), login: this.login, enterprise: this.account.endpoints.enterprise, now: this.clock.now(), usage }, visible);
  }

  // --- Account

  /** Device flow: the status carries the code until it ends. Resolves with the login once signed in. */
  async signIn(options: { enterprise?: string | null } = {}): Promise<{ login: string }> {
    this.serviceError = null;
    if (options.enterprise !== undefined && (options.enterprise || null) !== this.account.endpoints.enterprise) this.openAccount(options.enterprise || null);
    try {
      const { login } = await this.signInFlow.run((signal, onPrompt) =>
        signInWithDeviceFlow({ endpoints: this.account.endpoints, clientId: resolveClientId(this.env), tokens: this.account.tokens, fetch: this.fetchFn, signal, onPrompt, ...this.options.deviceFlow }),
      );
      this.login = login;
      // `serve --login --insecure-storage` (npm start) keeps using the file it just stored the token in.
      this.saveQuietly({ lastLogin: login, enterprise: this.account.endpoints.enterprise, ...(this.options.flags?.insecureStorage ? { insecureStorage: true } : {}) });
      // Exchange right away so the window shows expiry and plan; a failure lands in the status.
      await this.account.tokens.getSession().catch(() => undefined);
      void this.quota.refresh({ ...this.account, fetch: this.fetchFn }, true);
      return { login };
    } catch (error) {
      if (!(isRelayError(error) && error.kind === 'cancelled')) this.setServiceError(error);
      throw error;
    } finally {
      this.emit();
    }
  }

  cancelSignIn(): void {
    this.signInFlow.cancel();
  }

  /** Deletes the stored GitHub token and every cached session token; the proxy answers 401 from now on. */
  async signOut(): Promise<void> {
    this.signInFlow.cancel();
    await this.account.tokens.signOut();
    this.login = null;
    this.quota.clear();
    this.serviceError = null;
    this.saveQuietly({ lastLogin: null });
    this.emit();
  }

  async refreshNow(): Promise<void> {
    try {
      await this.account.tokens.refreshNow();
      await this.quota.refresh({ ...this.account, fetch: this.fetchFn }, true);
    } finally {
      this.emit();
    }
  }

  /** Re-checks the token against the wall clock (wake from sleep, unlock, clock jump). */
  checkNow(): void {
    this.account.tokens.checkNow();
  }

  /** The port and key toggle from the window: saved, and a running proxy restarts with them. */
  async setSettings(patch: ServiceSettingsPatch): Promise<void> {
    this.settings.update(patch);
    // A failure (busy port) lands in the status; the window shows it.
    if (this.proxy.running || this.proxy.lastError) await this.proxy.start().catch(() => undefined);
    this.emit();
  }

  /** Settings the service writes for its own bookkeeping: a read-only config.json must not break sign-in. */
  private saveQuietly(patch: Partial<Settings>): void {
    try {
      this.settings.update(patch);
    } catch (error) {
      this.logger.warn(`Could not save the settings: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
