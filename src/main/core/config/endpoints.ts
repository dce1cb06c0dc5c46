import { RelayError } from '../errors.js';

/** Where GitHub lives for this account: github.com or a GHE.com (data residency) tenant. */
export interface GitHubEndpoints {
  /** Device-flow host, e.g. https://github.com or https://octo.ghe.com (no trailing slash). */
  githubUrl: string;
  /** REST API, e.g. https://api.github.com or https://api.octo.ghe.com (no trailing slash). */
  apiUrl: string;
  /** The GHE.com tenant host (`octo.ghe.com`), or null for github.com. */
  enterprise: string | null;
  /** Keychain account for this GitHub: its host name (`github.com`, `octo.ghe.com`, `127.0.0.1:5555`). */
  accountKey: string;
  /** True when the API URL is a loopback address: tests and local fakes. Relaxes the https-only checks. */
  loopbackApi: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

function parseBaseUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RelayError('config', `${what} is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))) {
    throw new RelayError('config', `${what} must be an https URL (plain http only for loopback): ${url.origin}`);
  }
  return url;
}

/** Accepts `octo.ghe.com`, `https://octo.ghe.com/`, and returns the bare host ('' for github.com), or throws. */
export function normalizeEnterpriseHost(input: string): string {
  const raw = input.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(raw)) {
    throw new RelayError('config', `Not a valid enterprise host: ${JSON.stringify(input)} (expected something like octo.ghe.com)`);
  }
  if (raw === 'github.com') return '';
  return raw;
}

const trimSlash = (url: URL) => url.href.replace(/\/+$/, '');

/**
 * Derives every GitHub URL from one configured host (so a GHE.com tenant is never sent to
 * github.com), with `COPILOT_RELAY_GITHUB_URL` / `COPILOT_RELAY_GITHUB_API_URL` overriding.
 */
export function resolveEndpoints(options: { enterprise?: string | null; env?: NodeJS.ProcessEnv } = {}): GitHubEndpoints {
  const env = options.env ?? process.env;
  const enterprise = options.enterprise ? normalizeEnterpriseHost(options.enterprise) || null : null;
  const github = parseBaseUrl(env.COPILOT_RELAY_GITHUB_URL || (enterprise ? `https://${enterprise}` : 'https://github.com'), 'COPILOT_RELAY_GITHUB_URL');
  const api = parseBaseUrl(env.COPILOT_RELAY_GITHUB_API_URL || (enterprise ? `https://api.${enterprise}` : 'https://api.github.com'), 'COPILOT_RELAY_GITHUB_API_URL');
  return {
    githubUrl: trimSlash(github),
    apiUrl: trimSlash(api),
    enterprise,
    accountKey: enterprise ?? github.host,
    loopbackApi: isLoopbackHostname(api.hostname),
  };
}

/** Default OAuth app: the Copilot editor plugins' GitHub App (its tokens can be exchanged). */
export const DEFAULT_CLIENT_ID = 'Iv1.b507a08c87ecfe98';

export function resolveClientId(env: NodeJS.ProcessEnv = process.env): string {
  return env.COPILOT_RELAY_CLIENT_ID?.trim() || DEFAULT_CLIENT_ID;
}
