// Static import: bundled with code splitting, a dynamic import('undici') (a CommonJS package) became
// a chunk whose only export was `default`, and every proxied or extra-CA call failed (RT-01).
import { Agent, EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';
import { hasProxyEnv, loadCaBundle } from './network-env.js';

export interface UpstreamDispatcherOptions {
  /** Where HTTP(S)_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The `extraCaCertsFile` setting: trusted on top of Node's roots and NODE_EXTRA_CA_CERTS. */
  caFile?: string | null;
  /** Cap on concurrent connections per upstream origin (default none: each stream holds one). */
  connections?: number | null;
}

/** Loopback names are never proxied, whatever NO_PROXY says (the fake upstream, local tools). */
const LOOPBACK_NO_PROXY = 'localhost,127.0.0.1,[::1]';

/** Idle upstream connections are kept this long for reuse (shorter when the server says so). */
const KEEP_ALIVE_MS = 30_000;

/**
 * The one HTTP client for everything that leaves the machine — the Copilot API and the GitHub REST
 * calls: an undici Agent (keep-alive pool, timeouts, AbortSignal, backpressure), or an
 * EnvHttpProxyAgent when HTTP(S)_PROXY is set (CONNECT tunnels, NO_PROXY honoured). Same code path
 * either way; timeouts are given per request by the callers.
 */
export function createUpstreamDispatcher(options: UpstreamDispatcherOptions = {}): Dispatcher {
  const env = options.env ?? process.env;
  const ca = loadCaBundle(options.caFile, env);
  const tls = ca ? { ca } : undefined;
  const pool = { connections: options.connections ?? null, keepAliveTimeout: KEEP_ALIVE_MS };
  if (!hasProxyEnv(env)) return new Agent({ ...pool, connect: tls });
  const userNoProxy = (env.NO_PROXY ?? env.no_proxy ?? '').trim();
  return new EnvHttpProxyAgent({
    ...pool,
    httpProxy: env.HTTP_PROXY || env.http_proxy || undefined,
    httpsProxy: env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined,
    // `*` must stay alone to mean "no proxy for anything".
    noProxy: userNoProxy === '*' ? '*' : [userNoProxy, LOOPBACK_NO_PROXY].filter(Boolean).join(','),
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
}

const shared = new Map<string, Dispatcher>();

/**
 * The process's dispatcher for this configuration: the GitHub calls and the proxy's Copilot calls
 * share one pool (and one CA/proxy set-up) without the shells having to pass it around. Never
 * closed: its idle sockets don't keep the process alive, and a restarted proxy reuses them.
 */
export function upstreamDispatcher(options: UpstreamDispatcherOptions = {}): Dispatcher {
  const env = options.env ?? process.env;
  const key = JSON.stringify([
    env.HTTP_PROXY, env.http_proxy, env.HTTPS_PROXY, env.https_proxy, env.NO_PROXY, env.no_proxy, env.NODE_EXTRA_CA_CERTS,
    options.caFile ?? null,
    options.connections ?? null,
  ]);
  let dispatcher = shared.get(key);
  if (!dispatcher) shared.set(key, (dispatcher = createUpstreamDispatcher(options)));
  return dispatcher;
}
