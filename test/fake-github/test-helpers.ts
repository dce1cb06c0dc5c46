import { BUILT_IN_IDENTITY } from '../../src/main/core/copilot/identity.js';
import type { FakeUpstream } from './index.js';

/** Identity headers a well-behaved client sends to CAPI. */
export function capiHeaders(bearer: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${bearer}`,
    'editor-version': BUILT_IN_IDENTITY.editorVersion,
    'copilot-integration-id': BUILT_IN_IDENTITY.integrationId,
    'x-github-api-version': BUILT_IN_IDENTITY.apiVersion,
    'content-type': 'application/json',
    ...extra,
  };
}

/** Exchanges the given (default) GitHub token for a session token. */
export async function sessionToken(fake: FakeUpstream, githubToken = fake.defaultToken): Promise<string> {
  const res = await fetch(`${fake.url}/copilot_internal/v2/token`, { headers: { authorization: `token ${githubToken}` } });
  if (res.status !== 200) throw new Error(`exchange answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export async function postCapi(fake: FakeUpstream, path: string, body: unknown, bearer: string, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${fake.capiUrl}${path}`, { method: 'POST', headers: capiHeaders(bearer, extra), body: JSON.stringify(body), signal });
}

/** Parses an SSE body into events ({event?, data}). */
export function parseSse(text: string): { event?: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const out: { event?: string; data: string } = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) out.event = line.slice(7);
        else if (line.startsWith('data: ')) out.data += line.slice(6);
      }
      return out;
    });
}

export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
