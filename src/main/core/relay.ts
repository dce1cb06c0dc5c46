import { randomBytes } from 'node:crypto';
import type { QuotaSnapshot, RelayStatus, StatusError } from '../../shared/status.js';
import type { Credentials } from './auth/credentials.js';
import { createGitHubFetch } from './auth/github-fetch.js';
import type { FetchLike } from './auth/http.js';
import type { SignInOptions } from './auth/sign-in.js';
import { signInWithDeviceFlow } from './auth/sign-in.js';
import { resolveClientId } from './config/endpoints.js';
import { configureClientIdentity } from './copilot/headers.js';
import type { GitHubEndpoints } from './config/endpoints.js';
import { relayHome } from './config/paths.js';
import type { RelayController } from './controller.js';
import { RelayError, isRelayError } from './errors.js';
import type { Logger } from './log/logger.js';
import { silentLogger } from './log/logger.js';
import type { ProxyServer } from './proxy/server.js';
import { createProxyServer } from './proxy/server.js';
import { healthFromTokens } from './proxy/health.js';
import { fetchCopilotAccount, planName } from './quota/quota.js';
import type { SecretStore } from './secrets/secret-store.js';
import { API_KEY_ACCOUNT } from './secrets/secret-store.js';
import type { Settings } from './settings/schema.js';
import type { Clock } from './token/clock.js';
import { systemClock } from './token/clock.js';
import type { CopilotSession, SessionProvider } from './token/session.js';
import type { TokenManager } from './token/token-manager.js';
import type { TokenState } from './token/token-manager.js';
import { openAccountCore } from './token/account-core.js';

/** The settings the relay reads (and the few it writes back: last login, enterprise host). */
export interface RelaySettings {
  get<K extends keyof Settings>(key: K): Settings[K];
  set?<K extends keyof Settings>(key: K, value: Settings[K]): void;
}

export interface RelayOptions {
  settings: RelaySettings;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Tests: a store instead of the keychain / opt-in file. */
  store?: SecretStore;
  fetch?: FetchLike;
  clock?: Clock;
  /** Tests: device-flow timing. */
  deviceFlow?: Pick<SignInOptions, 'sleep' | 'now'>;
  /** Start the proxy at launch and after sign-in (default true). */
  autoStartProxy?: boolean;
}

/** The quota is informational: look it up at most this often. */
const QUOTA_TTL_MS = 5 * 60_000;

const finite = (value: number | undefined | null): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function toStatusError(error: unknown, at: number): StatusError {
  // The core's fixes speak to CLI users; errors whose fix names a command carry the tray wording too.
  if (isRelayError(error)) return { kind: error.kind, message: error.message, fix: error.desktopFix ?? error.fix ?? null, at };
  return { kind: 'upstream', message: error instanceof Error ? error.message : String(error), fix: null, at };
}

/**
 * The whole app behind one Electron-free facade: credential store + token manager + sign-in +
 * quota + the local proxy. The tray app drives it through RelayController; it is also what the
 * renderer e2e runs against, with the fake upstream.
 */
export class Relay implements RelayController, SessionProvider {
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly fetchFn: FetchLike | undefined;
  private endpoints!: GitHubEndpoints;
  private credentials!: Credentials;
  private tokens!: TokenManager;
  private unsubscribeTokens: () => void = () => undefined;
  private readonly listeners = new Set<(status: RelayStatus) => void>();
  private signInAbort: AbortController | null = null;
  private signInPrompt: RelayStatus['signIn'] = null;
  private relayError: StatusError | null = null;
  private login: string | null;
  private quota: QuotaSnapshot | null = null;
  /** Plan name from `/copilot_internal/user`, better than guessing from the SKU. */
  private plan: string | null = null;
  private quotaFetchedAt = 0;
  private quotaLoading: Promise<void> | null = null;
  private proxy: ProxyServer | null = null;
  private proxyUrl: string | null = null;
  private proxyApiKey: string | null = null;
  private closed = false;

  constructor(private readonly options: RelayOptions) {
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.fetchFn = options.fetch ?? createGitHubFetch({ env: this.env, caFile: options.settings.get('extraCaCertsFile') });
    this.login = options.settings.get('lastLogin');
    try {
      configureClientIdentity({ env: this.env, setting: options.settings.get('clientIdentity') });
    } catch (error) {
      // Shown in the window and tray; requests keep the built-in identity meanwhile.
      this.relayError = toStatusError(error, this.clock.now());
    }
    this.openAccount(options.settings.get('enterprise'));
  }

  /** (Re)builds the per-account core: endpoints, credentials and token manager for one GitHub host. */
  private openAccount(enterprise: string | null): void {
    this.unsubscribeTokens();
    this.tokens?.close();
    const core = openAccountCore({
      env: this.env,
      enterprise,
      envToken: this.env.COPILOT_RELAY_GITHUB_TOKEN?.trim() || null,
      insecureStorage: this.options.settings.get('insecureStorage'),
      home: relayHome(this.env),
      logger: this.logger,
      store: this.options.store,
      fetch: this.fetchFn,
      clock: this.clock,
    });
    ({ endpoints: this.endpoints, credentials: this.credentials, tokens: this.tokens } = core);
    this.unsubscribeTokens = this.tokens.on((state) => this.onTokenState(state));
  }

  private onTokenState(state: TokenState): void {
    if (state.phase === 'ready') void this.refreshQuota(false);
    if (state.phase === 'signed-out' && state.error?.kind === 'token-revoked') this.quota = null;
    this.emit();
  }

  // --- SessionProvider (what the proxy uses), delegating to the current account's token manager.

  getSession(signal?: AbortSignal): Promise<CopilotSession> {
    return this.tokens.getSession(signal);
  }

  invalidate(token: string): void {
    this.tokens.invalidate(token);
  }

  // --- RelayController

  status(): RelayStatus {
    const state = this.tokens.state();
    const session = state.session;
    const tokenError = state.error ? toStatusError(state.error, this.clock.now()) : null;
    const phase = this.signInPrompt ? 'signing-in' : state.phase;
    const signedIn = state.phase !== 'signed-out';
    const sku = signedIn ? session?.sku ?? null : null;
    return {
      phase,
      login: signedIn || this.signInPrompt ? this.login : null,
      sku,
      plan: signedIn ? this.plan ?? planName(sku) : null,
      mode: signedIn ? session?.mode ?? null : null,
      expiresAt: signedIn ? finite(session?.expiresAt) : null,
      refreshedAt: signedIn ? finite(session?.receivedAt) : null,
      nextRefreshAt: signedIn ? finite(state.retryAt ?? session?.refreshAt) : null,
      apiBaseUrl: signedIn ? session?.apiBaseUrl ?? null : null,
      enterprise: this.endpoints.enterprise,
      quota: signedIn ? this.quota : null,
      // The most recent of a sign-in/proxy error and a token error.
      lastError: [this.relayError, tokenError].filter((e): e is StatusError => e !== null).sort((a, b) => b.at - a.at)[0] ?? null,
      signIn: this.signInPrompt,
      proxy: { url: this.proxyUrl, running: this.proxy !== null, apiKeyRequired: this.proxyApiKey !== null },
    };
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

  /** Loads the stored sign-in and gets a session, so the first status is the real one. */
  async start(): Promise<void> {
    await this.tokens.start();
    this.emit();
  }

  async signIn(options: { enterprise?: string | null } = {}): Promise<void> {
    this.cancelSignIn();
    const abort = new AbortController();
    this.signInAbort = abort;
    this.relayError = null;
    if (options.enterprise !== undefined && (options.enterprise || null) !== this.endpoints.enterprise) {
      this.openAccount(options.enterprise || null);
    }
    try {
      const { login } = await signInWithDeviceFlow({
        endpoints: this.endpoints,
        clientId: resolveClientId(this.env),
        tokens: this.tokens,
        fetch: this.fetchFn,
        signal: abort.signal,
        ...this.options.deviceFlow,
        onPrompt: (prompt) => {
          this.signInPrompt = prompt;
          this.emit();
        },
      });
      this.login = login;
      this.options.settings.set?.('lastLogin', login);
      this.options.settings.set?.('enterprise', this.endpoints.enterprise);
      this.signInPrompt = null;
      this.quotaFetchedAt = 0;
      // Exchange right away so the window shows expiry and plan; a failure lands in the status.
      await this.tokens.getSession().catch(() => undefined);
      if (!this.proxy && this.options.autoStartProxy !== false) await this.startProxy().catch(() => undefined);
    } catch (error) {
      this.signInPrompt = null;
      if (!(isRelayError(error) && error.kind === 'cancelled')) this.relayError = toStatusError(error, this.clock.now());
      throw error;
    } finally {
      if (this.signInAbort === abort) this.signInAbort = null;
      this.emit();
    }
  }

  cancelSignIn(): void {
    const abort = this.signInAbort;
    this.signInAbort = null;
    if (!abort) return;
    abort.abort(new RelayError('cancelled', 'Sign-in cancelled.'));
    this.signInPrompt = null;
    this.emit();
  }

  async signOut(): Promise<void> {
    this.cancelSignIn();
    await this.tokens.signOut();
    this.login = null;
    this.quota = null;
    this.plan = null;
    this.relayError = null;
    this.options.settings.set?.('lastLogin', null);
    this.emit();
  }

  async refreshNow(): Promise<void> {
    try {
      await this.tokens.refreshNow();
      await this.refreshQuota(true);
    } finally {
      this.emit();
    }
  }

  checkNow(): void {
    this.tokens.checkNow();
  }

  /** The premium-request quota (and plan name), looked up with the GitHub token; optional, never fatal. */
  private refreshQuota(force: boolean): Promise<void> {
    if (this.quotaLoading) return this.quotaLoading;
    if (!force && this.clock.now() - this.quotaFetchedAt < QUOTA_TTL_MS) return Promise.resolve();
    this.quotaLoading = (async () => {
      try {
        const githubToken = await this.credentials.githubToken();
        if (!githubToken) return;
        const info = await fetchCopilotAccount({ endpoints: this.endpoints, githubToken, fetch: this.fetchFn });
        this.quotaFetchedAt = this.clock.now();
        if (info) {
          this.quota = info.quota;
          this.plan = info.plan;
        }
      } catch (error) {
        this.logger.debug('Quota lookup failed', { error: isRelayError(error) ? error.kind : String(error) });
      } finally {
        this.quotaLoading = null;
        this.emit();
      }
    })();
    return this.quotaLoading;
  }

  /** The proxy's key: COPILOT_RELAY_API_KEY, else one generated once and kept in the credential store. */
  private async resolveApiKey(): Promise<string | null> {
    const fromEnv = this.env.COPILOT_RELAY_API_KEY?.trim();
    if (fromEnv) return fromEnv;
    if (!this.options.settings.get('apiKeyEnabled')) return null;
    const store = this.credentials.store;
    let key = await store.get(API_KEY_ACCOUNT);
    if (!key) {
      key = `cr-${randomBytes(24).toString('base64url')}`;
      await store.set(API_KEY_ACCOUNT, key);
    }
    return key;
  }

  async startProxy(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    await this.stopProxy();
    const port = options.port ?? this.options.settings.get('port');
    const host = options.host ?? this.options.settings.get('host');
    const apiKey = await this.resolveApiKey();
    this.logger.addSecret(apiKey);
    const proxy = createProxyServer({
      sessions: this,
      logger: this.logger,
      apiKey,
      bodyLimitBytes: Math.round(this.options.settings.get('bodyLimitMb') * 1024 * 1024),
      caFile: this.options.settings.get('extraCaCertsFile'),
      health: () => healthFromTokens(this.tokens.state(), { login: this.login, enterprise: this.endpoints.enterprise }),
    });
    try {
      const listening = await proxy.listen({ port, host });
      this.proxy = proxy;
      this.proxyApiKey = apiKey;
      this.proxyUrl = `http://127.0.0.1:${listening.port}/v1`;
      if (this.relayError?.kind === 'port-in-use') this.relayError = null;
      return { url: this.proxyUrl };
    } catch (error) {
      await proxy.close().catch(() => undefined);
      // The proxy's own wording speaks to CLI users (--port); the tray's fix is the status window.
      const inUse = (error as { code?: string }).code === 'EADDRINUSE' || (isRelayError(error) && error.kind === 'port-in-use');
      const failure = inUse
        ? new RelayError('port-in-use', `Port ${port} is in use.`, { fix: 'Change the port in the status window, or stop the other program.', cause: error })
        : error;
      this.relayError = toStatusError(failure, this.clock.now());
      throw failure;
    } finally {
      this.emit();
    }
  }

  async stopProxy(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = null;
    this.proxyUrl = null;
    this.proxyApiKey = null;
    if (proxy) {
      await proxy.close();
      this.emit();
    }
  }

  apiKey(): string | null {
    return this.proxyApiKey;
  }

  async close(): Promise<void> {
    this.cancelSignIn();
    await this.stopProxy();
    this.closed = true;
    this.unsubscribeTokens();
    this.tokens.close();
    this.listeners.clear();
  }
}

/**
 * Builds the relay, loads the stored sign-in and, when signed in, starts the proxy (the tray app's
 * launch). A proxy that can't start (port in use) shows up as the status' error, not a crash.
 */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const relay = new Relay(options);
  await relay.start();
  if (options.autoStartProxy !== false && relay.status().phase !== 'signed-out') {
    await relay.startProxy().catch(() => undefined);
  }
  return relay;
}
