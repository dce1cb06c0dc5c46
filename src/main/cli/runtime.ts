import type { CliContext } from './context.js';
import type { Credentials } from '../core/auth/credentials.js';
import { createGitHubFetch } from '../core/auth/github-fetch.js';
import { configureClientIdentity } from '../core/copilot/headers.js';
import type { FetchLike } from '../core/auth/http.js';
import type { GitHubEndpoints } from '../core/config/endpoints.js';
import { relayHome } from '../core/config/paths.js';
import { createLogger } from '../core/log/logger.js';
import type { LogLevel, Logger } from '../core/log/logger.js';
import type { SecretStore } from '../core/secrets/secret-store.js';
import { openSettings } from '../core/settings/store.js';
import type { SettingsStore } from '../core/settings/store.js';
import type { Clock } from '../core/token/clock.js';
import type { TokenManager } from '../core/token/token-manager.js';
import { openAccountCore } from '../core/token/account-core.js';

export interface RuntimeOptions {
  /** `--insecure-storage`: the 0600 file instead of the keychain (also on when the setting is). */
  insecureStorage?: boolean;
  /** `--enterprise HOST`; otherwise the saved setting. */
  enterprise?: string | null;
  logger?: Logger;
  /** Tests: a store instead of keytar/file. */
  store?: SecretStore;
  fetch?: FetchLike;
  clock?: Clock;
  /** Default 'info' ('debug' with --debug). One-shot commands pass 'warn' to keep their output short. */
  logLevel?: LogLevel;
  /** login/logout act on the stored token even when COPILOT_RELAY_GITHUB_TOKEN is set. */
  ignoreEnvToken?: boolean;
}

export interface Runtime {
  settings: SettingsStore;
  endpoints: GitHubEndpoints;
  store: SecretStore;
  credentials: Credentials;
  tokens: TokenManager;
  logger: Logger;
  fetch: FetchLike | undefined;
  /** True when the token comes from COPILOT_RELAY_GITHUB_TOKEN (nothing is persisted). */
  envToken: boolean;
  close(): void;
}

/** Builds the token core for a CLI command (login, logout, status, serve) from the environment and settings. */
export function openRuntime(ctx: Pick<CliContext, 'env' | 'debug' | 'stderr'>, options: RuntimeOptions = {}): Runtime {
  // Logs go to the command's stderr (stdout carries `--json` and the `Listening` line).
  const logger = options.logger ?? createLogger({ level: ctx.debug ? 'debug' : options.logLevel ?? 'info', sink: (line) => ctx.stderr.write(`${line}\n`) });
  const home = relayHome(ctx.env);
  const settings = openSettings({ cwd: home });
  // Before any GitHub call: an invalid COPILOT_RELAY_CLIENT_IDENTITY stops every command with one line.
  configureClientIdentity({ env: ctx.env, setting: settings.get('clientIdentity') });
  const enterprise = options.enterprise !== undefined ? options.enterprise : settings.get('enterprise');
  const envToken = options.ignoreEnvToken ? null : ctx.env.COPILOT_RELAY_GITHUB_TOKEN?.trim() || null;
  logger.addSecret(ctx.env.COPILOT_RELAY_GITHUB_TOKEN?.trim());
  // Behind HTTP(S)_PROXY or with an extra CA file, GitHub calls need undici's proxy-aware fetch.
  const fetchFn = options.fetch ?? createGitHubFetch({ env: ctx.env, caFile: settings.get('extraCaCertsFile') });
  const { endpoints, store, credentials, tokens } = openAccountCore({
    env: ctx.env,
    enterprise,
    envToken,
    insecureStorage: Boolean(options.insecureStorage) || settings.get('insecureStorage'),
    home,
    logger,
    store: options.store,
    fetch: fetchFn,
    clock: options.clock,
  });
  return {
    settings,
    endpoints,
    store,
    credentials,
    tokens,
    logger,
    fetch: fetchFn,
    envToken: Boolean(envToken),
    close: () => tokens.close(),
  };
}
