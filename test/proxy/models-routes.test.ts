import { Agent, request as httpRequest } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import { clearClientIdentityRejection, lastClientIdentityRejection } from '../../src/main/core/copilot/identity-check.js';
import { TestSessionProvider } from './session-provider.js';
import { raw } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeUpstream;
let proxy: ProxyServer;
let url: string;
const extra: ProxyServer[] = [];

async function startProxy(): Promise<{ proxy: ProxyServer; url: string }> {
  const sessions = new TestSessionProvider(fake.url, fake.defaultToken);
  const server = createProxyServer({ sessions, logger: createMemoryLogger(), shutdownGraceMs: 200, idleMemoryTrim: false });
  const listening = await server.listen({ port: 0, host: '127.0.0.1' });
  return { proxy: server, url: listening.url };
}

beforeAll(async () => {
  fake = await startFakeUpstream();
  ({ proxy, url } = await startProxy());
});
afterEach(async () => {
  fake.reset();
  clearClientIdentityRejection();
  await Promise.all(extra.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

const openai = (base = url) => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 5_000 });
const anthropic = (base = url) => new Anthropic({ baseURL: base, apiKey: 'unused', maxRetries: 0, timeout: 5_000 });
const get = async (path: string, headers: Record<string, string> = {}, base = url) => {
  const res = await raw(base, { path, headers: { host: new URL(base).host, ...headers } });
  return { ...res, json: JSON.parse(res.body) as Json };
};

describe('GET /v1/models, OpenAI shape (openai SDK)', () => {
  it('lists chat models with limits, leaves utility models out unless ?all=true, marks models that need enabling', async () => {
    const ids = (await openai().models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-5-codex', 'gpt-5.4', 'claude-sonnet-4.5', 'claude-opus-4.5']));
    expect(ids).not.toContain('gpt-4o-mini');
    expect(ids).not.toContain('text-embedding-3-small');
    const all = await get('/v1/models?all=true');
    expect((all.json.data as Json[]).map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-4o-mini', 'text-embedding-3-small']));
    const opus = (all.json.data as Json[]).find((m) => m.id === 'claude-opus-4.5')!;
    expect(opus).toMatchObject({ object: 'model', policy_state: 'requires_consent', supported_endpoints: ['/chat/completions', '/v1/messages'], context_window: 200_000 });
    const upstream = fake.requests.filter((r) => r.path === '/capi/models').at(-1)!;
    expect(upstream.headers).toMatchObject({ 'x-github-api-version': '2026-08-01', 'openai-intent': 'model-access', 'x-interaction-type': 'model-access' });
  });

  it('retrieves one model by id or spelling, hidden ones too; an unknown id is 404 with close matches and no retry', async () => {
    expect(await openai().models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', object: 'model', owned_by: 'Azure OpenAI' });
    expect((await openai().models.retrieve('GPT-4o-2024-11-20')).id).toBe('gpt-4o');
    expect((await openai().models.retrieve('text-embedding-3-small')).id).toBe('text-embedding-3-small');
    const error = await openai().models.retrieve('gpt-4q').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((error as Error).message).toContain('Close matches: gpt-4o');
    const bare = await get('/v1/models/gpt-4q');
    expect(bare.headers['x-should-retry']).toBe('false');
    expect((await get('/models/gpt-5-codex')).json).toMatchObject({ id: 'gpt-5-codex', supported_endpoints: ['/responses', 'ws:/responses'] });
  });

  it('refuses an over-long or badly encoded id with 400 (RT-08: never parsed)', async () => {
    const long = await get(`/v1/models/${'['.repeat(300)}`);
    expect(long.status).toBe(400);
    expect(long.json.error.message).toContain('at most 256');
    expect((await get('/v1/models/%E0%A4%A')).status).toBe(400);
    expect((await raw(url, { method: 'POST', path: '/v1/models/gpt-4o', headers: { host: new URL(url).host } })).status).toBe(405);
  });
});

describe('GET /v1/models with anthropic-version: the Anthropic Models shape', () => {
  it('answers Claude Code discovery (?limit=1000) in one page with type, display_name, created_at, has_more, first_id, last_id', async () => {
    const page = await get('/v1/models?limit=1000', { 'anthropic-version': '2023-06-01' });
    expect(page.status).toBe(200);
    const data = page.json.data as Json[];
    expect(page.json).toMatchObject({ has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id });
    expect(data.find((m) => m.id === 'claude-sonnet-4.5')).toEqual({
      type: 'model',
      id: 'claude-sonnet-4.5',
      display_name: 'Claude Sonnet 4.5',
      created_at: '1970-01-01T00:00:00Z',
      max_input_tokens: 128_000,
      max_tokens: 16_000,
      capabilities: null,
      lifecycle: 'active',
      deprecated_at: null,
      retires_at: null,
      line: 'sonnet',
    });
    expect(data.find((m) => m.id === 'claude-opus-4.5')!.display_name).toContain('copilot-relay models enable claude-opus-4.5');
    expect(data.map((m) => m.id)).not.toContain('gpt-4o-mini');
    expect(Number.isNaN(Date.parse(String(data[0]!.created_at)))).toBe(false);
  });

  it('pages with limit, after_id and before_id (the anthropic SDK follows the cursors)', async () => {
    const everything = (await get('/v1/models?limit=1000', { 'anthropic-version': '2023-06-01' })).json.data as Json[];
    const seen: string[] = [];
    for await (const model of anthropic().models.list({ limit: 2 })) seen.push(model.id);
    expect(seen).toEqual(everything.map((m) => m.id));
    const first = await anthropic().models.list({ limit: 2 });
    expect(first.has_more).toBe(true);
    expect(first.data.map((m) => m.id)).toEqual(everything.slice(0, 2).map((m) => m.id));
    const before = await get(`/v1/models?limit=2&before_id=${everything[3]!.id}`, { 'anthropic-version': '2023-06-01' });
    expect((before.json.data as Json[]).map((m) => m.id)).toEqual(everything.slice(1, 3).map((m) => m.id));
    expect(before.json.has_more).toBe(true);
    const bad = await get('/v1/models?limit=0', { 'anthropic-version': '2023-06-01' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await get('/v1/models?after_id=nope', { 'anthropic-version': '2023-06-01' })).status).toBe(400);
  });

  it('retrieves by Anthropic spelling; unknown ids are 404 not_found_error (anthropic SDK)', async () => {
    expect(await anthropic().models.retrieve('claude-sonnet-4-5-20250929')).toMatchObject({ type: 'model', id: 'claude-sonnet-4.5', line: 'sonnet' });
    const error = await anthropic().models.retrieve('claude-sonnet-9').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as Error).message).toContain('Close matches: claude-sonnet-4.5');
  });
});

describe('the model checks on /v1/messages (ModelCatalog.resolve)', () => {
  it('RT-08: a 400 KB model id is a 400 on messages and count_tokens and never goes upstream', async () => {
    const model = '['.repeat(400_000);
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const res = await raw(url, {
        method: 'POST',
        path,
        headers: { host: new URL(url).host, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'The model id is 400000 characters long; model ids are at most 256.' } });
      expect(res.headers['x-should-retry']).toBe('false');
    }
    expect(fake.requests.some((r) => r.path === '/capi/v1/messages')).toBe(false);
  });

  it('a model whose policy is not enabled is a 403 that says how to enable it (anthropic SDK)', async () => {
    const error = await anthropic()
      .messages.create({ model: 'claude-opus-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as Error).message).toContain('copilot-relay models enable claude-opus-4.5');
  });
});

describe('upstream trouble on the model list', () => {
  it('HTTP 466 → 502 client_identity_outdated in the caller dialect, saying how to override the identity; recorded for status', async () => {
    fake.knobs.clientNotSupportedBelow = '2027-01-01';
    const fresh = await startProxy();
    extra.push(fresh.proxy);
    const res = await get('/v1/models', {}, fresh.url);
    expect(res.status).toBe(502);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(res.json.error).toMatchObject({ code: 'client_identity_outdated', message: expect.stringContaining('GitHub no longer accepts this client identity') });
    expect(res.json.error.message).toContain('COPILOT_RELAY_CLIENT_IDENTITY');
    const claude = await get('/v1/models', { 'anthropic-version': '2023-06-01' }, fresh.url);
    expect(claude.json).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('HTTP 466') } });
    expect(lastClientIdentityRejection()?.kind).toBe('client-outdated');
  });

  it('RT-11: requests on one keep-alive connection while the list cannot be fetched add no abort listeners', async () => {
    fake.knobs.rateLimitNext = 100_000;
    const fresh = await startProxy();
    extra.push(fresh.proxy);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const { port } = new URL(fresh.url);
      for (let i = 0; i < 40; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = requestOn(agent, Number(port), resolve);
          req.on('error', reject);
        });
        expect(status).toBe(429);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
    }
  });
});

/** One GET /v1/models on the agent's (single, kept-alive) connection. */
function requestOn(agent: Agent, port: number, done: (status: number) => void) {
  const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/models', agent, headers: { host: `127.0.0.1:${port}` } }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode ?? 0));
  });
  req.end();
  return req;
}
