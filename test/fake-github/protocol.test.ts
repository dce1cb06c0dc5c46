import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { capiHeaders, postCapi, sessionToken } from './test-helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeUpstream;
let bearer: string;
beforeAll(async () => {
  fake = await startFakeUpstream();
  bearer = await sessionToken(fake);
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

const version = (v: string) => ({ 'x-github-api-version': v });
async function models(headers: Record<string, string> = {}): Promise<Map<string, Json>> {
  const res = await fetch(`${fake.capiUrl}/models`, { headers: capiHeaders(bearer, headers) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Json[] };
  return new Map(body.data.filter((m) => typeof m['id'] === 'string').map((m) => [m['id'] as string, m]));
}
const chat = (model: string, headers: Record<string, string> = {}) => postCapi(fake, '/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, bearer, headers);
const responses = (model: string, headers: Record<string, string> = {}) => postCapi(fake, '/responses', { model, input: 'hi' }, bearer, headers);
const messages = (model: string, headers: Record<string, string> = {}) => postCapi(fake, '/v1/messages', { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, bearer, headers);

describe('the 2026 model catalogue', () => {
  it('has Responses-only models, a Messages model that needs consent and a hidden utility model', async () => {
    const byId = await models();
    for (const id of ['gpt-5-codex', 'gpt-5.4']) expect(byId.get(id)!['supported_endpoints']).toEqual(['/responses', 'ws:/responses']);
    expect(byId.get('claude-opus-4.5')).toMatchObject({ supported_endpoints: ['/chat/completions', '/v1/messages'], policy: { state: 'requires_consent' } });
    expect(byId.get('gpt-4o-mini')).toMatchObject({ model_picker_enabled: false, capabilities: { type: 'chat' } });
    expect(byId.get('gpt-5.4')).toMatchObject({ billing: { token_prices: { batch_size: 1_000_000 } }, capabilities: { limits: { max_context_window_tokens: 1_050_000 } } });
    expect((await responses('gpt-5-codex')).status).toBe(200);
  });

  it('answers unsupported_api_for_model when a model is used on an endpoint it does not list', async () => {
    const res = await chat('gpt-5-codex');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: 'model gpt-5-codex does not support Chat Completions API.', code: 'unsupported_api_for_model' } });
    expect(((await (await messages('gpt-4o')).json()) as Json)['error']['code']).toBe('unsupported_api_for_model');
  });
});

describe('model policy', () => {
  it('refuses a model that needs consent until POST /models/{id}/policy enables it; reset() forgets', async () => {
    const refused = await messages('claude-opus-4.5');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json)['error']).toMatchObject({ code: 'model_policy_not_enabled', message: expect.stringContaining('requires_consent') });
    const enable = await postCapi(fake, '/models/claude-opus-4.5/policy', { state: 'enabled' }, bearer);
    expect(enable.status).toBe(200);
    expect(await enable.json()).toEqual({ state: 'enabled' });
    expect((await models()).get('claude-opus-4.5')!['policy']).toMatchObject({ state: 'enabled' });
    expect((await (await fetch(`${fake.capiUrl}/models/claude-opus-4.5`, { headers: capiHeaders(bearer) })).json()) as Json).toMatchObject({ policy: { state: 'enabled' } });
    expect((await messages('claude-opus-4.5')).status).toBe(200);
    expect((await chat('claude-opus-4.5')).status).toBe(200);
    fake.reset();
    expect((await chat('claude-opus-4.5')).status).toBe(403);
  });

  it('validates the policy request', async () => {
    expect((await postCapi(fake, '/models/claude-opus-4.5/policy', { state: 'disabled' }, bearer)).status).toBe(400);
    expect((await postCapi(fake, '/models/no-such-model/policy', { state: 'enabled' }, bearer)).status).toBe(404);
    expect(fake.requests.some((r) => r.path === '/capi/models/claude-opus-4.5/policy' && r.method === 'POST')).toBe(true);
  });
});

describe('API versions', () => {
  it('with a version older than minApiVersion: /models lacks token prices and 1M limits; /responses and /v1/messages are 404 invalid apiVersion', async () => {
    const legacy = await models(version('2025-04-01'));
    expect(legacy.get('gpt-5.4')!['billing']).toEqual({ is_premium: true, multiplier: 1 });
    expect(legacy.get('gpt-5.4')!['capabilities'].limits.max_context_window_tokens).toBe(400_000);
    const current = await models(version('2026-08-01'));
    expect(current.get('gpt-5.4')!['billing'].token_prices).toBeDefined();
    for (const res of [await responses('gpt-5-codex', version('2025-04-01')), await messages('claude-sonnet-4.5', version('2025-04-01'))]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { message: 'invalid apiVersion', code: 'invalid_api_version' } });
    }
    expect((await chat('gpt-4o', version('2025-04-01'))).status).toBe(200);
    expect((await responses('gpt-5-codex', version('2026-08-01'))).status).toBe(200);
  });

  it('clientNotSupportedBelow: HTTP 466 for every older (or missing) version, as on 2026-02-11', async () => {
    fake.knobs.clientNotSupportedBelow = '2026-09-01';
    const res = await chat('gpt-4o', version('2026-08-01'));
    expect(res.status).toBe(466);
    expect(((await res.json()) as Json)['error']).toMatchObject({ code: 'client_not_supported', message: expect.stringContaining('API version') });
    const bare = await fetch(`${fake.capiUrl}/models`, { headers: { authorization: `Bearer ${bearer}`, 'editor-version': 'vscode/1.121.0' } });
    expect(bare.status).toBe(466);
    expect((await chat('gpt-4o', version('2026-09-01'))).status).toBe(200);
  });
});
