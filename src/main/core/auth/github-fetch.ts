import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import type { Dispatcher } from 'undici';
import { isLoopbackHostname } from '../config/endpoints.js';
import { RelayError } from '../errors.js';
import type { FetchLike } from './http.js';

/**
 * The fetch for GitHub calls (device flow, exchange, /user, quota). Node's global fetch ignores
 * HTTP(S)_PROXY, so behind a corporate proxy — or with an extra CA file from the settings — use
 * undici with an EnvHttpProxyAgent (honours NO_PROXY). Loopback is never proxied. Returns
 * undefined when neither applies: the global fetch is then right.
 */
export function createGitHubFetch(options: { env?: NodeJS.ProcessEnv; caFile?: string | null } = {}): FetchLike | undefined {
  const env = options.env ?? process.env;
  const hasProxy = Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
  if (!hasProxy && !options.caFile) return undefined;
  let ca: string[] | undefined;
  if (options.caFile) {
    try {
      ca = [...rootCertificates, readFileSync(options.caFile, 'utf8')];
    } catch (error) {
      throw new RelayError('config', `Could not read the extra CA certificates file ${options.caFile}.`, { cause: error });
    }
  }
  const tls = ca ? { ca } : undefined;
  const direct: Dispatcher = new Agent(tls ? { connect: tls } : {});
  const proxied: Dispatcher | null = hasProxy
    ? new EnvHttpProxyAgent({
        httpProxy: env.HTTP_PROXY || env.http_proxy,
        httpsProxy: env.HTTPS_PROXY || env.https_proxy,
        noProxy: env.NO_PROXY ?? env.no_proxy,
        ...(tls ? { connect: tls, requestTls: tls, proxyTls: tls } : {}),
      })
    : null;
  return async (input, init) => {
    const loopback = isLoopbackHostname(new URL(input).hostname.replace(/^\[|\]$/g, ''));
    const dispatcher = proxied && !loopback ? proxied : direct;
    // undici's own fetch: Node's bundled one may not accept a dispatcher from this undici version.
    return (await undiciFetch(input, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  };
}
