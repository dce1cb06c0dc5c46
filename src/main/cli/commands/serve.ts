import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { isLoopbackHostname } from '../../core/config/endpoints.js';
import { RelayError, isRelayError } from '../../core/errors.js';
import { openRuntime } from '../runtime.js';
import { API_KEY_ACCOUNT } from '../../core/secrets/secret-store.js';
import { healthFromTokens } from '../../core/proxy/health.js';
import { createLogger } from '../../core/log/logger.js';
import { createBatchedSink } from '../../core/proxy/log-sink.js';
import type { Logger } from '../../core/log/logger.js';
import { createProxyServer } from '../../core/proxy/server.js';
import type { HealthInfo } from '../../core/proxy/server.js';
import type { SessionProvider } from '../../core/token/session.js';

export interface ServeOptions {
  port: number;
  host: string;
  apiKey: string | null;
  allowRemote: boolean;
  logBodies: boolean;
  insecureStorage: boolean;
}

/** What serve needs from the token core; `openRuntime` provides it in production, tests inject it. */
export interface ServeDeps {
  sessions: SessionProvider;
  logger: Logger;
  settings: { port: number; host: string; bodyLimitMb: number; extraCaCertsFile: string | null; apiKeyEnabled?: boolean };
  health?: () => HealthInfo | Promise<HealthInfo>;
  /** Called once serve is over (stops the token manager's timers). */
  dispose?: () => void | Promise<void>;
  /** The key the tray app keeps in the credential store (read only when the "API key" setting is on). */
  storedApiKey?: () => Promise<string | null>;
}

const FATAL_AUTH_KINDS = new Set(['not-signed-in', 'token-revoked', 'no-copilot', 'unsupported-token']);

export function parseServeArgs(ctx: CliContext, defaults: { port: number; host: string }): ServeOptions {
  const { values } = parseArgs({
    args: ctx.argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      'log-bodies': { type: 'boolean', default: false },
      'insecure-storage': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? defaults.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RelayError('config', `Invalid --port ${JSON.stringify(values.port)}: expected 0-65535.`);
  const apiKey = values['api-key'] ?? (ctx.env.COPILOT_RELAY_API_KEY?.trim() || null);
  return {
    port,
    host: values.host ?? defaults.host,
    apiKey,
    allowRemote: values['allow-remote'] ?? false,
    logBodies: values['log-bodies'] ?? false,
    insecureStorage: values['insecure-storage'] ?? false,
  };
}

function isLoopbackBind(host: string): boolean {
  return isLoopbackHostname(host.replace(/^\[|\]$/g, ''));
}

/**
 * Runs the proxy until ctx.signal aborts. Checks the sign-in BEFORE listening: a missing or revoked
 * token exits non-zero with the login hint; a transient failure (network, rate limit) still starts
 * serving — requests retry the exchange themselves, so the server recovers when the network does.
 */
export async function serve(ctx: CliContext, options: ServeOptions, deps: ServeDeps): Promise<number> {
  const { logger } = deps;
  if (options.apiKey) logger.addSecret(options.apiKey);
  if (ctx.argv.some((arg) => arg === '--api-key' || arg.startsWith('--api-key='))) {
    logger.warn('--api-key on the command line is visible to other users in `ps`; prefer COPILOT_RELAY_API_KEY.');
  }
  const loopback = isLoopbackBind(options.host);
  if (!loopback) {
    if (!options.allowRemote) throw new RelayError('config', `Refusing to bind ${options.host}: the proxy serves your Copilot account.`, { fix: 'Pass --allow-remote (and an API key) to serve beyond this machine.' });
    if (!options.apiKey) throw new RelayError('config', `Binding ${options.host} requires an API key.`, { fix: 'Set COPILOT_RELAY_API_KEY (or --api-key).' });
    logger.warn(`Serving on ${options.host}: reachable from other machines. Every request needs the API key.`);
  }

  try {
    await deps.sessions.getSession(ctx.signal);
  } catch (error) {
    if (isRelayError(error) && FATAL_AUTH_KINDS.has(error.kind)) throw error;
    if (isRelayError(error) && error.kind === 'cancelled') return 130;
    if (ctx.signal.aborted) return 130;
    logger.warn('Could not get a Copilot session yet; serving anyway and retrying on each request', {
      error: isRelayError(error) ? error.kind : error instanceof Error ? error.message : String(error),
    });
  }

  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  const proxy = createProxyServer({
    sessions: deps.sessions,
    logger,
    apiKey: options.apiKey,
    bodyLimitBytes: Math.round(deps.settings.bodyLimitMb * 1024 * 1024),
    caFile: deps.settings.extraCaCertsFile,
    logBodies: options.logBodies,
    health: deps.health,
    extraHosts: loopback || wildcard ? undefined : [options.host.replace(/^\[|\]$/g, '')],
    anyIpLiteralHost: wildcard,
  });
  let port: number;
  try {
    ({ port } = await proxy.listen({ port: options.port, host: options.host }));
  } catch (error) {
    await proxy.close().catch(() => undefined);
    throw error;
  }
  const shownHost = loopback ? (options.host.includes(':') ? `[${options.host.replace(/^\[|\]$/g, '')}]` : options.host) : '127.0.0.1';
  writeLine(ctx.stdout, `Listening on http://${loopback ? shownHost : '127.0.0.1'}:${port}`);
  if (!loopback) logger.info(`Also reachable at http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`);

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('Shutting down: letting in-flight requests finish');
  await proxy.close();
  return 0;
}

/** Wires the token core (runtime: settings, credential store, TokenManager) into serve. */
function openServeDeps(ctx: CliContext, options: { insecureStorage: boolean }): ServeDeps {
  // One log line per request: batched (one write per 20 ms) so logging costs no syscall per request.
  const sink = createBatchedSink(ctx.stderr);
  const logger = createLogger({ level: ctx.debug ? 'debug' : 'info', sink });
  const runtime = openRuntime(ctx, { insecureStorage: options.insecureStorage, logger });
  const { settings, tokens, endpoints } = runtime;
  return {
    sessions: tokens,
    logger: runtime.logger,
    settings: { port: settings.get('port'), host: settings.get('host'), bodyLimitMb: settings.get('bodyLimitMb'), extraCaCertsFile: settings.get('extraCaCertsFile'), apiKeyEnabled: settings.get('apiKeyEnabled') },
    health: () => healthFromTokens(tokens.state(), { login: settings.get('lastLogin'), enterprise: endpoints.enterprise }),
    // The last lines (shutdown, final requests) go out before serve returns, not only at process exit.
    dispose: async () => {
      await runtime.close();
      sink.flush();
    },
    storedApiKey: () => runtime.store.get(API_KEY_ACCOUNT),
  };
}

export async function run(ctx: CliContext): Promise<number> {
  const peek = parseServeArgs(ctx, { port: 4141, host: '127.0.0.1' });
  const deps = openServeDeps(ctx, { insecureStorage: peek.insecureStorage });
  try {
    const options = parseServeArgs(ctx, deps.settings);
    // The setting shared with the tray app: require the same key it shows under "Copy API key".
    if (!options.apiKey && deps.settings.apiKeyEnabled && deps.storedApiKey) {
      options.apiKey = await deps.storedApiKey();
      if (!options.apiKey) {
        throw new RelayError('config', 'The API key setting is on but no key is stored yet.', { fix: 'Set COPILOT_RELAY_API_KEY, or turn the key on once in the tray app.' });
      }
    }
    return await serve(ctx, options, deps);
  } finally {
    await deps.dispose?.();
  }
}
