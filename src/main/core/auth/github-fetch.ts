// Static: a dynamic import('undici') of this CommonJS package became, once bundled with splitting,
// a chunk whose only export is `default` (RT-01: every proxied or extra-CA call failed).
import { Agent, EnvHttpProxyAgent, fetch } from 'undici';
import type { Dispatcher } from 'undici';
import { isLoopbackHostname } from '../config/endpoints.js';
import { hasProxyEnv, loadCaBundle } from '../net/network-env.js';
import type { FetchLike } from './http.js';

/**
 * The fetch for GitHub calls (device flow, exchange, /user, quota). Node's global fetch ignores
 * HTTP(S)_PROXY, so behind a corporate proxy — or with an extra CA file from the settings — use
 * undici with an EnvHttpProxyAgent (honours NO_PROXY). Loopback is never proxied. Returns
 * undefined when neither applies: the global fetch is then right.
 */
export function createGitHubFetch(options: { env?: NodeJS.ProcessEnv; caFile?: string | null } = {}): FetchLike | undefined {
  const env = options.env ?? process.env;
  const hasProxy = hasProxyEnv(env);
  if (!hasProxy && !options.caFile) return undefined;
  const ca = loadCaBundle(options.caFile);
  const tls = ca ? { ca } : undefined;
  let agents: { direct: Dispatcher; proxied: Dispatcher | null } | null = null;
  const load = () =>
    (agents ??= {
      direct: new Agent(tls ? { connect: tls } : {}),
      proxied: hasProxy
        ? new EnvHttpProxyAgent({
            httpProxy: env.HTTP_PROXY || env.http_proxy,
            httpsProxy: env.HTTPS_PROXY || env.https_proxy,
            noProxy: env.NO_PROXY ?? env.no_proxy,
            ...(tls ? { connect: tls, requestTls: tls, proxyTls: tls } : {}),
          })
        : null,
    });
  return async (input, init) => {
    const { direct, proxied } = load();
    const loopback = isLoopbackHostname(new URL(input).hostname.replace(/^\[|\]$/g, ''));
    const dispatcher = proxied && !loopback ? proxied : direct;
    // undici's own fetch: Node's bundled one may not accept a dispatcher from this undici version.
    return (await fetch(input, { ...(init as object), dispatcher } as Parameters<typeof fetch>[1])) as unknown as Response;
  };
}
