import { Credentials } from '../auth/credentials.js';
import type { FetchLike } from '../auth/http.js';
import { resolveEndpoints } from '../config/endpoints.js';
import type { GitHubEndpoints } from '../config/endpoints.js';
import type { Logger } from '../log/logger.js';
import { createSecretStore } from '../secrets/create-store.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { Clock } from './clock.js';
import { TokenManager } from './token-manager.js';
import type { TokenManagerOptions } from './token-manager.js';

export interface AccountCore {
  endpoints: GitHubEndpoints;
  store: SecretStore;
  credentials: Credentials;
  tokens: TokenManager;
}

/**
 * The token core for one GitHub host, as both shells (tray app and CLI) build it: endpoints from
 * the host, the credential store (keychain, or the opt-in file), credentials and the token manager.
 * With `envToken` (COPILOT_RELAY_GITHUB_TOKEN) nothing is persisted: sessions stay in memory.
 */
export function openAccountCore(options: {
  env: NodeJS.ProcessEnv;
  enterprise: string | null;
  envToken: string | null;
  insecureStorage: boolean;
  home: string;
  logger: Logger;
  store?: SecretStore;
  fetch?: FetchLike;
  clock?: Clock;
  /** How long a waiting request holds on for a session (default 20 s). */
  recoveryWaitMs?: TokenManagerOptions['recoveryWaitMs'];
}): AccountCore {
  const { logger, envToken } = options;
  const endpoints = resolveEndpoints({ enterprise: options.enterprise, env: options.env });
  logger.addSecret(envToken);
  const store = options.store ?? (envToken ? new MemorySecretStore() : createSecretStore({ insecureStorage: options.insecureStorage, home: options.home, logger }));
  const credentials = new Credentials(store, endpoints.accountKey, { envToken, logger, endpoints });
  const tokens = new TokenManager({ endpoints, credentials, logger, fetch: options.fetch, clock: options.clock, recoveryWaitMs: options.recoveryWaitMs });
  return { endpoints, store, credentials, tokens };
}
