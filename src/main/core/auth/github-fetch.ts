import { fetch } from 'undici';
import { upstreamDispatcher } from '../net/upstream-dispatcher.js';
import type { FetchLike } from './http.js';

/**
 * The fetch for GitHub calls (device flow, exchange, /user, quota): undici's fetch on the process's
 * upstream dispatcher, the same pool, proxy (HTTP(S)_PROXY/NO_PROXY, never for loopback) and extra
 * CA file as the proxy's Copilot calls. (Node's global fetch ignores HTTP(S)_PROXY and the setting.)
 * Throws a config error when the CA file can't be read.
 */
export function createGitHubFetch(options: { env?: NodeJS.ProcessEnv; caFile?: string | null } = {}): FetchLike {
  const dispatcher = upstreamDispatcher({ env: options.env, caFile: options.caFile });
  // undici's own fetch: Node's bundled one may not accept a dispatcher from this undici version.
  return async (input, init) => (await fetch(input, { ...(init as object), dispatcher } as Parameters<typeof fetch>[1])) as unknown as Response;
}
