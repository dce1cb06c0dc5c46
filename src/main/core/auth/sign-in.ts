import type { SignInPrompt } from '../../../shared/status.js';
import type { GitHubEndpoints } from '../config/endpoints.js';
import type { TokenManager } from '../token/token-manager.js';
import type { DeviceFlowOptions } from './device-flow.js';
import { startDeviceFlow } from './device-flow.js';
import { fetchGitHubLogin } from './github-user.js';
import type { FetchLike } from './http.js';

export interface SignInOptions {
  endpoints: GitHubEndpoints;
  clientId: string;
  tokens: TokenManager;
  /** Called once with the code to show (tray menu, window, terminal) BEFORE waiting. */
  onPrompt: (prompt: SignInPrompt) => void;
  fetch?: FetchLike;
  signal?: AbortSignal;
  sleep?: DeviceFlowOptions['sleep'];
  now?: DeviceFlowOptions['now'];
}

/**
 * The whole sign-in both shells run: device flow → `GET /user` → store the token (which drops every
 * session of a previous token). Rejects with 'cancelled' when the signal aborts (tray "Cancel", Ctrl-C).
 */
export async function signInWithDeviceFlow(options: SignInOptions): Promise<{ login: string }> {
  const flow = await startDeviceFlow({ endpoints: options.endpoints, clientId: options.clientId, fetch: options.fetch, signal: options.signal, sleep: options.sleep, now: options.now });
  options.onPrompt({ userCode: flow.userCode, verificationUri: flow.verificationUri, expiresAt: flow.expiresAt });
  const githubToken = await flow.wait();
  return completeSignIn({ ...options, githubToken });
}

/** After a token was obtained (device flow or `--import`): look up the login, then store the token. */
export async function completeSignIn(options: { endpoints: GitHubEndpoints; tokens: TokenManager; githubToken: string; fetch?: FetchLike; signal?: AbortSignal }): Promise<{ login: string }> {
  const login = await fetchGitHubLogin({ endpoints: options.endpoints, githubToken: options.githubToken, fetch: options.fetch, signal: options.signal });
  await options.tokens.setGithubToken(options.githubToken);
  return { login };
}
