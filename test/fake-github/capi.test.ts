import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { capiHeaders, eventually, postCapi, sessionToken } from './test-helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeUpstream;
let bearer: string;
beforeEach(async () => {
  fake = await startFakeUpstream();
  bearer = await sessionToken(fake);
});
afterEach(async () => {
  await fake.close();
});

const hello = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] };
const imageMessages = [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }];

describe('CAPI auth and headers', () => {
  it('rejects a missing, unknown or GitHub (ghu_) bearer with token_expired', async () => {
    const noAuth = await fetch(`${fake.capiUrl}/chat/completions`, { method: 'POST', headers: { 'editor-version': 'vscode/1', 'content-type': 'application/json' }, body: JSON.stringify(hello) });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ error: { message: 'unauthorized: token expired', code: 'token_expired' } });
    expect((await postCapi(fake, '/chat/completions', hello, 'tid=nope;exp=1:abcdef')).status).toBe(401);
    expect((await postCapi(fake, '/chat/completions', hello, fake.defaultToken)).status).toBe(401);
  });

  it('rejects session tokens past their own expiry', async () => {
    fake.knobs.sessionTtlSec = 0.05;
    const short = await sessionToken(fake);
    expect((await postCapi(fake, '/chat/completions', hello, short)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 80));
    expect((await postCapi(fake, '/chat/completions', hello, short)).status).toBe(401);
    expect((await postCapi(fake, '/chat/completions', hello, bearer)).status).toBe(200);
  });

  it('rejects revoked session tokens; new exchanges work again', async () => {
    fake.revokeSessionTokens();
    expect((await postCapi(fake, '/chat/completions', hello, bearer)).status).toBe(401);
    expect((await postCapi(fake, '/chat/completions', hello, await sessionToken(fake))).status).toBe(200);
  });

  it('requires Editor-Version for exchanged tokens but not for oauth-direct tokens', async () => {
    const { 'editor-version': _drop, ...noEditor } = capiHeaders(bearer);
    const res = await fetch(`${fake.capiUrl}/chat/completions`, { method: 'POST', headers: noEditor, body: JSON.stringify(hello) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: 'bad request: missing Editor-Version header for IDE auth' } });

    const direct = fake.addAccount({ login: 'opencode-user', app: 'oauth-direct' });
    const ok = await fetch(`${fake.capiUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${direct}`, 'content-type': 'application/json' }, body: JSON.stringify(hello) });
    expect(ok.status).toBe(200);
    fake.revokeGithubToken(direct);
    expect((await fetch(`${fake.capiUrl}/models`, { headers: { authorization: `Bearer ${direct}` } })).status).toBe(401);
  });

  it('requires Copilot-Vision-Request for images unless the knob is off', async () => {
    const body = { model: 'gpt-4o', messages: imageMessages };
    const res = await postCapi(fake, '/chat/completions', body, bearer);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json)['error']['message']).toContain('Copilot-Vision-Request');
    expect((await postCapi(fake, '/chat/completions', body, bearer, { 'copilot-vision-request': 'true' })).status).toBe(200);
    fake.knobs.requireVisionHeader = false;
    expect((await postCapi(fake, '/chat/completions', body, bearer)).status).toBe(200);
  });

  it('records headers, bodies and queries of every request', async () => {
    await postCapi(fake, '/chat/completions', hello, bearer, { 'x-initiator': 'agent', 'openai-intent': 'conversation-panel' });
    await fetch(`${fake.capiUrl}/models?x=1`, { headers: capiHeaders(bearer) });
    const [chat, models] = fake.requests.slice(-2);
    expect(chat).toMatchObject({ method: 'POST', path: '/capi/chat/completions', query: '', body: hello, headers: { 'x-initiator': 'agent', 'openai-intent': 'conversation-panel' } });
    expect(models).toMatchObject({ method: 'GET', path: '/capi/models', query: 'x=1', body: '' });
    expect(typeof models!.at).toBe('number');
  });

  it('reports the live quota snapshot header on authenticated answers', async () => {
    const res = await postCapi(fake, '/chat/completions', hello, bearer);
    const snapshot = new URLSearchParams(res.headers.get('x-quota-snapshot-premium_interactions') ?? '');
    expect(snapshot.get('ent')).toBe('300');
    expect(snapshot.get('rem')).toBe('70.7');
    expect(Date.parse(snapshot.get('rst') ?? '')).toBeGreaterThan(Date.now());
  });

  it('answers _ping without auth', async () => {
    expect((await fetch(`${fake.capiUrl}/_ping`)).status).toBe(200);
  });
});

describe('/models', () => {
  it('lists realistic entries plus odd and malformed ones', async () => {
    const res = await fetch(`${fake.capiUrl}/models`, { headers: capiHeaders(bearer, { 'openai-intent': 'model-access' }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Json[] };
    expect(body.object).toBe('list');
    const byId = new Map(body.data.filter((m) => typeof m['id'] === 'string').map((m) => [m['id'] as string, m]));
    expect(byId.get('gpt-4o')).toMatchObject({ supported_endpoints: ['/chat/completions'], capabilities: { type: 'chat', supports: { tool_calls: true, vision: true, streaming: true } } });
    expect(byId.get('gpt-5-mini')!['supported_endpoints']).toEqual(['/chat/completions', '/responses']);
    expect(byId.get('gpt-5-mini')!['capabilities'].supports.reasoning_effort).toEqual(['low', 'medium', 'high']);
    expect(byId.get('gpt-5.1-codex')!['supported_endpoints']).not.toContain('/chat/completions');
    expect(byId.get('claude-sonnet-4.5')).toMatchObject({ supported_endpoints: ['/chat/completions', '/v1/messages'], capabilities: { supports: { vision: true, thinking: true } } });
    expect(byId.get('claude-haiku-4.5')!['supported_endpoints']).toEqual(['/chat/completions']);
    expect(byId.get('text-embedding-3-small')!['capabilities'].type).toBe('embeddings');
    expect(byId.get('auto')).toMatchObject({ billing: null });
    expect(byId.get('auto')!['supported_endpoints']).toBeUndefined();
    expect(byId.get('grok-code-fast-1')!['capabilities'].limits).toBeUndefined();
    expect(byId.get('gpt-4o')!['capabilities'].limits).toMatchObject({ max_context_window_tokens: 128000, max_prompt_tokens: 64000, max_output_tokens: 4096 });
    // Malformed: one without an id, one whose capabilities is a string.
    expect(body.data.filter((m) => typeof m['id'] !== 'string')).toHaveLength(1);
    expect(byId.get('broken-capabilities')!['capabilities']).toBe('chat');
  });

  it('answers one model by id', async () => {
    const res = await fetch(`${fake.capiUrl}/models/gpt-4o`, { headers: capiHeaders(bearer) });
    expect(((await res.json()) as Json)['id']).toBe('gpt-4o');
    expect((await fetch(`${fake.capiUrl}/models/nope`, { headers: capiHeaders(bearer) })).status).toBe(404);
  });
});

describe('fault knobs', () => {
  it('rate-limits the next N requests with Retry-After', async () => {
    fake.knobs.rateLimitNext = 2;
    fake.knobs.rateLimitRetryAfter = 42;
    for (let i = 0; i < 2; i++) {
      const res = await postCapi(fake, '/chat/completions', hello, bearer);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('42');
      expect(((await res.json()) as Json)['error']).toMatchObject({ code: 'rate_limited', message: expect.any(String) });
    }
    expect((await postCapi(fake, '/chat/completions', hello, bearer)).status).toBe(200);
  });

  it('fails every CAPI POST with capiFailureStatus', async () => {
    fake.knobs.capiFailureStatus = 502;
    const res = await postCapi(fake, '/chat/completions', hello, bearer);
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json)['error']['message']).toEqual(expect.any(String));
    expect((await fetch(`${fake.capiUrl}/models`, { headers: capiHeaders(bearer) })).status).toBe(200);
  });

  it('truncates non-stream JSON and corrupts streams', async () => {
    fake.knobs.malformedJson = true;
    const res = await postCapi(fake, '/chat/completions', hello, bearer);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
    fake.knobs.malformedSse = true;
    const stream = await postCapi(fake, '/chat/completions', { ...hello, stream: true }, bearer);
    const text = await stream.text();
    expect(text).toContain('data: {not json\n');
    expect(text).toContain('data: [DONE]');
  });

  it('adds latency before answering', async () => {
    fake.knobs.latencyMs = 120;
    const started = Date.now();
    expect((await postCapi(fake, '/chat/completions', hello, bearer)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('spaces stream chunks by streamIntervalMs', async () => {
    Object.assign(fake.knobs, { streamChunks: 4, streamIntervalMs: 40 });
    const started = Date.now();
    await (await postCapi(fake, '/chat/completions', { ...hello, stream: true }, bearer)).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('hangs until the client aborts, and counts the abort', async () => {
    fake.knobs.hang = true;
    const controller = new AbortController();
    const pending = postCapi(fake, '/chat/completions', hello, bearer, {}, controller.signal);
    await eventually(() => fake.counters.capiRequests === 1);
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toThrow();
    await eventually(() => fake.counters.abortedRequests === 1);
  });

  it('counts a client abort in the middle of a stream and stops writing', async () => {
    Object.assign(fake.knobs, { streamChunks: 50, streamIntervalMs: 20 });
    const controller = new AbortController();
    const res = await postCapi(fake, '/chat/completions', { ...hello, stream: true }, bearer, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await eventually(() => fake.counters.abortedRequests === 1);
  });

  it('resets the connection after the first chunk', async () => {
    Object.assign(fake.knobs, { resetMidStream: true, streamChunks: 5 });
    const res = await postCapi(fake, '/chat/completions', { ...hello, stream: true }, bearer);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(fake.counters.abortedRequests).toBe(0);
  });

  it('close() never hangs, even with hanging requests open', async () => {
    fake.knobs.hang = true;
    const pending = postCapi(fake, '/chat/completions', hello, bearer).catch((err: unknown) => err);
    await eventually(() => fake.counters.capiRequests === 1);
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(Error);
    expect(fake.counters.openSockets).toBe(0);
  });
});

describe('counters and reset', () => {
  it('counts CAPI requests and open sockets; reset clears counters, record and knobs', async () => {
    await postCapi(fake, '/chat/completions', hello, bearer);
    await postCapi(fake, '/chat/completions', hello, bearer);
    expect(fake.counters.capiRequests).toBe(2);
    expect(fake.counters.exchanges).toBe(1);
    expect(fake.counters.openSockets).toBeGreaterThan(0);
    fake.knobs.latencyMs = 5;
    const requests = fake.requests;
    fake.reset();
    expect(fake.counters).toMatchObject({ capiRequests: 0, exchanges: 0, abortedRequests: 0 });
    expect(fake.requests).toBe(requests);
    expect(requests).toHaveLength(0);
    expect(fake.knobs.latencyMs).toBe(0);
    // Session tokens survive a reset.
    expect((await postCapi(fake, '/chat/completions', hello, bearer)).status).toBe(200);
  });

  it('applies options given at start and extra accounts', async () => {
    const other = await startFakeUpstream({ streamChunks: 7, accounts: [{ login: 'free', sku: 'free_limited_copilot' }] });
    try {
      expect(other.knobs.streamChunks).toBe(7);
      expect(other.knobs.latencyMs).toBe(0);
      other.knobs.streamChunks = 2;
      other.reset();
      expect(other.knobs.streamChunks).toBe(7);
      const user = await fetch(`${other.url}/copilot_internal/user`, { headers: { authorization: `token ${other.defaultToken}` } });
      expect(user.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
