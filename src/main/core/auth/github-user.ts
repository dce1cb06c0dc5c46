import type { GitHubEndpoints } from '../config/endpoints.js';
import { githubApiHeaders } from '../copilot/headers.js';
import { RelayError, SIGN_IN_AGAIN_DESKTOP } from '../errors.js';
import type { FetchLike } from './http.js';
import { isObject, requestGitHub } from './http.js';

/** `GET {api}/user` → the login name shown in the UI. */
export async function fetchGitHubLogin(options: { endpoints: GitHubEndpoints; githubToken: string; fetch?: FetchLike; signal?: AbortSignal; timeoutMs?: number }): Promise<string> {
  const answer = await requestGitHub(`${options.endpoints.apiUrl}/user`, {
    method: 'GET',
    headers: githubApiHeaders(options.githubToken),
    fetch: options.fetch,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    what: 'the account lookup',
  });
  if (answer.status === 401) throw new RelayError('token-revoked', 'GitHub did not accept the token.', { status: 401, fix: 'Sign in again: `copilot-relay login`.', desktopFix: SIGN_IN_AGAIN_DESKTOP });
  if (answer.status >= 500) throw new RelayError('network', `GitHub had a problem looking up the account (HTTP ${answer.status}).`, { status: answer.status });
  if (answer.status !== 200 || !isObject(answer.json) || typeof answer.json.login !== 'string') {
    throw new RelayError('upstream', `Unexpected answer from GitHub's account lookup (HTTP ${answer.status}).`, { status: answer.status });
  }
  return answer.json.login;
}
