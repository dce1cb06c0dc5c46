import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../log/logger.js';
import type { CopilotClient, UpstreamRequest, UpstreamResponse } from './client.js';
import { clearClientIdentityRejection, lastClientIdentityRejection } from './identity-check.js';
import { ModelCatalog, isListedByDefault, isPolicyEnabled, parseModelEntry, parseModelList } from './models.js';

afterEach(() => clearClientIdentityRejection());

function fakeClient(answers: Array<{ status: number; body: unknown }>): CopilotClient & { calls: number; seen: UpstreamRequest[] } {
  const client = {
    calls: 0,
    seen: [] as UpstreamRequest[],
    async request(request: UpstreamRequest): Promise<UpstreamResponse> {
      const answer = answers[Math.min(client.calls, answers.length - 1)]!;
      client.calls++;
      client.seen.push(request);
      return {
        status: answer.status,
        headers: {},
        body: undefined as never,
        bytes: async () => Buffer.from(JSON.stringify(answer.body)),
        json: async () => answer.body,
        text: async () => JSON.stringify(answer.body),
        dump: async () => {},
      };
    },
  };
  return client as unknown as CopilotClient & { calls: number; seen: UpstreamRequest[] };
}

const LIST = {
  object: 'list',
  data: [
    { id: 'gpt-4.1', vendor: 'Azure OpenAI', capabilities: { type: 'chat', family: 'gpt-4.1', limits: { max_prompt_tokens: 128000, max_output_tokens: 16384, max_context_window_tokens: 128000 }, supports: { streaming: true, tool_calls: true } } },
    { id: 'claude-sonnet-4', supported_endpoints: ['/chat/completions', '/v1/messages'], billing: null },
    { name: 'no id' },
    'junk',
    { id: 'bare' },
    { id: 'broken-capabilities', capabilities: 'chat' },
  ],
};

describe('model list parsing', () => {
  it('keeps valid entries, skips malformed ones and logs each skip', () => {
    const logger = createMemoryLogger();
    const models = parseModelList(LIST, logger);
    expect(models.map((m) => m.id)).toEqual(['gpt-4.1', 'claude-sonnet-4', 'bare']);
    expect(logger.lines.filter((l) => l.includes('malformed'))).toHaveLength(3);
    expect(models[0]?.capabilities?.limits?.max_output_tokens).toBe(16384);
  });
  it('tolerates wrong field types without failing the entry', () => {
    const model = parseModelEntry({ id: 'x', vendor: 5, billing: 'free', policy: { state: 3 }, capabilities: { limits: { max_prompt_tokens: 'lots' }, supports: { reasoning_effort: 'high' } } });
    expect(model).toEqual({ id: 'x', policy: {}, capabilities: { limits: {}, supports: {} } });
  });
  it('keeps billing (multiplier, token prices as sent), policy and the picker flag', () => {
    const tokenPrices = { batch_size: 1_000_000, default: { input_price: 300, output_price: 1500, cache_read_price: 30 } };
    const model = parseModelEntry({ id: 'm', model_picker_enabled: false, billing: { is_premium: true, multiplier: 1, restricted_to: ['pro', 7], token_prices: tokenPrices }, policy: { state: 'requires_consent', terms: 'Enable access.' } })!;
    expect(model.billing).toEqual({ is_premium: true, multiplier: 1, restricted_to: ['pro'], token_prices: tokenPrices });
    expect(model.policy).toEqual({ state: 'requires_consent', terms: 'Enable access.' });
    expect(isListedByDefault(model)).toBe(false);
    expect(isPolicyEnabled(model)).toBe(false);
    expect(isPolicyEnabled({ id: 'no-policy' })).toBe(true);
    expect(isListedByDefault({ id: 'no-flag' })).toBe(true);
  });
});

describe('ModelCatalog', () => {
  it('caches for the TTL, refreshes after, and keeps the old list when a refresh fails', async () => {
    let now = 0;
    const client = fakeClient([{ status: 200, body: LIST }, { status: 429, body: {} }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger(), ttlMs: 1000, now: () => now });
    expect((await catalog.list()).length).toBe(3);
    await catalog.list();
    expect(client.calls).toBe(1);
    now = 2000;
    expect((await catalog.list()).length).toBe(3);
    expect(client.calls).toBe(2);
    expect(await catalog.get('bare')).toEqual({ id: 'bare' });
  });
  it('shares one fetch between concurrent callers', async () => {
    const client = fakeClient([{ status: 200, body: LIST }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger() });
    await Promise.all([catalog.list(), catalog.list(), catalog.list()]);
    expect(client.calls).toBe(1);
  });
  it('routes by supported_endpoints; models without it only do chat', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 200, body: LIST }]), logger: createMemoryLogger() });
    expect(catalog.supportsEndpoint(await catalog.get('claude-sonnet-4'), '/v1/messages')).toBe(true);
    expect(catalog.supportsEndpoint(await catalog.get('gpt-4.1'), '/v1/messages')).toBe(false);
    expect(catalog.supportsEndpoint(await catalog.get('gpt-4.1'), '/chat/completions')).toBe(true);
  });
  it('fails the first load when the upstream fails and nothing is cached', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 500, body: {} }]), logger: createMemoryLogger() });
    await expect(catalog.list()).rejects.toThrow(/500/);
  });
});

const CATALOG = {
  data: [
    { id: 'claude-sonnet-4.5', capabilities: { type: 'chat' }, policy: { state: 'enabled' } },
    { id: 'claude-opus-4.5', capabilities: { type: 'chat' }, policy: { state: 'requires_consent' } },
    { id: 'gpt-4o', capabilities: { type: 'chat' } },
    { id: 'text-embedding-3-small', model_picker_enabled: false, capabilities: { type: 'embeddings' } },
  ],
};

describe('ModelCatalog.resolve (every route)', () => {
  it('resolves spellings, refuses missing and over-long ids with 400, unknown ones with 404 and close matches', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 200, body: CATALOG }]), logger: createMemoryLogger() });
    expect(await catalog.resolve('claude-sonnet-4-5-20250929')).toMatchObject({ ok: true, model: { id: 'claude-sonnet-4.5' }, via: 'alias' });
    expect(await catalog.resolve('text-embedding-3-small', { kind: 'embeddings' })).toMatchObject({ ok: true, via: 'exact' });
    expect(await catalog.resolve(undefined)).toMatchObject({ ok: false, status: 400, code: 'missing_model' });
    expect(await catalog.resolve('x'.repeat(400_000))).toMatchObject({ ok: false, status: 400, code: 'model_id_too_long', message: expect.stringContaining('at most 256') });
    const unknown = await catalog.resolve('gpt-4p');
    expect(unknown).toMatchObject({ ok: false, status: 404, code: 'model_not_found', headers: { 'x-should-retry': 'false' } });
    expect(!unknown.ok && unknown.message).toContain('Close matches: gpt-4o');
  });

  it('answers 403 with the enable command for a model whose policy is not enabled', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 200, body: CATALOG }]), logger: createMemoryLogger() });
    const lookup = await catalog.resolve('claude-opus-4-5');
    expect(lookup).toMatchObject({ ok: false, status: 403, code: 'model_not_enabled' });
    expect(!lookup.ok && lookup.message).toContain('`copilot-relay models enable claude-opus-4.5`');
    expect(!lookup.ok && lookup.message).toContain('requires_consent');
  });

  it('re-reads a list older than 15 s once before refusing (a model just enabled or just released), not on every request', async () => {
    let now = 0;
    const enabled = { data: CATALOG.data.map((m) => (m.id === 'claude-opus-4.5' ? { ...m, policy: { state: 'enabled' } } : m)) };
    const client = fakeClient([{ status: 200, body: CATALOG }, { status: 200, body: enabled }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger(), now: () => now });
    expect((await catalog.resolve('claude-opus-4.5')).ok).toBe(false);
    expect(client.calls).toBe(1);
    now = 16_000;
    expect((await catalog.resolve('claude-opus-4.5')).ok).toBe(true);
    expect(client.calls).toBe(2);
    now = 20_000;
    await catalog.resolve('no-such-model');
    expect(client.calls).toBe(2);
  });

  it('accepts a policy only when asked: POST /models/{id}/policy {state: enabled}, then reloads the list', async () => {
    const client = fakeClient([{ status: 200, body: CATALOG }, { status: 200, body: { state: 'enabled' } }, { status: 200, body: CATALOG }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger() });
    await catalog.list();
    await catalog.resolve('claude-opus-4.5');
    expect(client.seen.every((r) => r.method === 'GET')).toBe(true);
    await catalog.enablePolicy('claude-opus-4.5');
    expect(client.seen[1]).toMatchObject({ method: 'POST', path: '/models/claude-opus-4.5/policy', body: { state: 'enabled' }, intent: 'chat-policy' });
    await catalog.list();
    expect(client.calls).toBe(3);
  });

  it('names an unknown model when enabling fails with 404', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 404, body: { error: { message: 'Model not found' } } }]), logger: createMemoryLogger() });
    await expect(catalog.enablePolicy('nope')).rejects.toMatchObject({ kind: 'config', message: 'The Copilot API has no model "nope".' });
  });

  it('reports HTTP 466 on the model list as an outdated client identity (and clears it once the list loads)', async () => {
    const client = fakeClient([{ status: 466, body: { error: { message: 'client not supported' } } }, { status: 200, body: CATALOG }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger() });
    await expect(catalog.list()).rejects.toMatchObject({ kind: 'client-outdated', status: 466 });
    expect(lastClientIdentityRejection()?.kind).toBe('client-outdated');
    await catalog.list();
    expect(lastClientIdentityRejection()).toBeNull();
  });

  it('hands each loaded list to its listeners (raw entries for the price book)', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 200, body: CATALOG }]), logger: createMemoryLogger() });
    const seen: number[] = [];
    const off = catalog.onList((entries, models) => seen.push(entries.length, models.length));
    await catalog.list();
    off();
    expect(seen).toEqual([4, 4]);
  });

  it('RT-11: callers sharing one keep-alive signal leave no abort listener behind, even while the list keeps failing', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 429, body: {} }]), logger: createMemoryLogger() });
    const connection = new AbortController();
    for (let i = 0; i < 50; i++) await expect(catalog.list(connection.signal)).rejects.toMatchObject({ kind: 'rate-limited' });
    // Each call removes its listener once the shared fetch settles: none are left.
    expect(getEventListeners(connection.signal, 'abort').length).toBe(0);
  });

  it('a caller whose client goes away stops waiting; the shared fetch goes on for the others', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = fakeClient([{ status: 200, body: CATALOG }]);
    const slow = { request: async (r: UpstreamRequest) => (await gate, inner.request(r)) } as unknown as CopilotClient;
    const catalog = new ModelCatalog({ copilot: slow, logger: createMemoryLogger() });
    const gone = new AbortController();
    const first = catalog.list(gone.signal);
    const second = catalog.list();
    gone.abort(new Error('client went away'));
    await expect(first).rejects.toThrow('client went away');
    release();
    expect((await second).length).toBe(4);
  });
});
