import type { StatusError } from '../../../shared/status.js';
import type { ModelCatalog } from '../copilot/models.js';
import { RelayError, isRelayError } from '../errors.js';
import { createProxyServer } from '../proxy/server.js';
import type { HealthInfo, ProxyServer } from '../proxy/server.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { SettingsStore } from '../settings/store.js';
import type { Clock } from '../token/clock.js';
import type { SessionProvider } from '../token/session.js';
import type { UsageObserver } from '../usage/observer.js';
import { resolveApiKey } from './api-key.js';
import { planBind } from './bind-policy.js';
import type { BindPlan } from './bind-policy.js';
import type { RelayServiceOptions } from './relay-service.js';
import { toStatusError } from './status.js';

export interface ServiceProxyDeps extends Pick<RelayServiceOptions, 'shell' | 'flags' | 'env' | 'logger' | 'serverOptions'> {
  /** Gets every request (the usage ledger, limits, budget). */
  usage?: UsageObserver;
  /** Each new server's model catalogue (the usage price book listens to its lists). */
  onModelCatalog?: (catalog: ModelCatalog) => void;
  settings: SettingsStore;
  sessions: SessionProvider;
  health: (caller: { authorized: boolean }) => HealthInfo;
  clock: Clock;
  onChange: () => void;
}

/**
 * The local proxy's lifecycle: which port, host and key (flags over config.json), the bind policy,
 * start / restart (port or key change) / stop, and its last failure for the status.
 */
export class ServiceProxy {
  /** The current account's credential store (the stored API key lives there). */
  store: SecretStore | null = null;
  /** Why the proxy is not serving as configured (busy port, refused host), or null. */
  lastError: StatusError | null = null;
  private server: ProxyServer | null = null;
  private bind: BindPlan | null = null;
  private key: string | null = null;
  private port: number | null = null;

  constructor(private readonly deps: ServiceProxyDeps) {}

  get running(): boolean {
    return this.server !== null;
  }

  /** `http://127.0.0.1:4141` (no path), or null when stopped. */
  get origin(): string | null {
    return this.server && this.bind ? `http://${this.bind.shownHost}:${this.port}` : null;
  }

  get apiKey(): string | null {
    return this.server ? this.key : null;
  }

  /** Bound to loopback only (or not serving): `/health` may show the account to any local caller. */
  get loopback(): boolean {
    return this.bind?.loopback ?? true;
  }

  private fail(error: unknown): never {
    this.lastError = toStatusError(error, this.deps.clock.now());
    this.deps.onChange();
    throw error;
  }

  /** Listens as configured, replacing a running proxy (which first finishes its requests, bounded). */
  async start(): Promise<{ origin: string; port: number }> {
    await this.stop();
    const { flags = {}, settings, env, shell, logger } = this.deps;
    const port = flags.port ?? settings.get('port');
    const host = flags.host ?? settings.get('host');
    let apiKey: string | null;
    try {
      apiKey = await resolveApiKey({
        explicit: flags.apiKey || env.COPILOT_RELAY_API_KEY?.trim() || null,
        enabled: settings.get('apiKeyEnabled'),
        store: this.store!,
        createIfMissing: shell === 'desktop',
      });
    } catch (error) {
      return this.fail(error);
    }
    let bind: BindPlan;
    let refused: unknown = null;
    const rule = { source: flags.host !== undefined ? 'flag' : 'settings', allowRemote: Boolean(flags.allowRemote) || settings.get('allowRemote'), apiKeyRequired: apiKey !== null } as const;
    try {
      bind = planBind({ host, ...rule });
    } catch (error) {
      // The CLI stops with the reason; the tray can't exit, so it serves this machine only and says why.
      if (shell === 'cli') return this.fail(error);
      refused = error;
      bind = planBind({ host: '127.0.0.1', ...rule });
      logger.warn(`${(error as Error).message} Serving on 127.0.0.1 only.`);
    }
    logger.addSecret(apiKey);
    const server = createProxyServer({
      ...this.deps.serverOptions,
      sessions: this.deps.sessions,
      logger,
      apiKey,
      bodyLimitBytes: Math.round(settings.get('bodyLimitMb') * 1024 * 1024),
      caFile: settings.get('extraCaCertsFile'),
      logBodies: Boolean(flags.logBodies),
      health: this.deps.health,
      extraHosts: bind.extraHosts,
      anyIpLiteralHost: bind.anyIpLiteralHost,
      usage: this.deps.usage,
    });
    this.deps.onModelCatalog?.(server.models);
    try {
      ({ port: this.port } = await server.listen({ port, host: bind.host }));
    } catch (error) {
      await server.close().catch(() => undefined);
      const inUse = (error as { code?: string }).code === 'EADDRINUSE' || (isRelayError(error) && error.kind === 'port-in-use');
      // The server's own wording names --port (the CLI's); the tray's fix is the status window.
      if (inUse && shell === 'desktop') return this.fail(new RelayError('port-in-use', `Port ${port} is in use.`, { fix: 'Change the port in the status window, or stop the other program.', cause: error }));
      return this.fail(error);
    }
    this.server = server;
    this.bind = bind;
    this.key = apiKey;
    this.lastError = refused ? toStatusError(refused, this.deps.clock.now()) : null;
    if (!bind.loopback) logger.warn(`Serving on ${bind.host}:${this.port}: reachable from other machines. Every request needs the API key.`);
    this.deps.onChange();
    return { origin: this.origin!, port: this.port! };
  }

  /** Stops accepting, lets in-flight requests finish (bounded), closes. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.port = null;
    if (server) {
      await server.close();
      this.deps.onChange();
    }
  }
}
