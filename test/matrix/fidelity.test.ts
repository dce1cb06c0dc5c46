import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import { raw } from '../proxy/helpers.js';
import { TestSessionProvider } from '../proxy/session-provider.js';

/**
 * Claude Code, Codex and SDK fidelity (issue #15 items 2 and 5): what the real clients send that
 * Copilot refuses, adapted on the way; the fake upstream refuses the same things (strict.ts), so
 * each test fails if the adaptation is missing.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON is walked freely in assertions
type Json = Record<string, any>;

let fake: FakeUpstream;
let proxy: ProxyServer;
let keyed: ProxyServer;
let url: string;
let host: string;
let keyedUrl: string;
let initialKnobs: Record<string, unknown>;

const anthropic = (headers: Record<string, string> = {}) => new Anthropic({ baseURL: url, apiKey: 'sk-ant-FAKE-dummy', maxRetries: 0, timeout: 5_000, defaultHeaders: headers });
const openai = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 5_000 });
const last = (endpoint: string) => fake.requests.filter((r) => r.path === `/capi${endpoint}`).at(-1)!;
const sentBody = (endpoint: string) => last(endpoint).body as Json;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(url, { method: 'POST', path, headers: { host, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  fake = await startFakeUpstream();
  initialKnobs = { ...fake.knobs };
  const sessions = new TestSessionProvider(fake.url, fake.defaultToken);
  proxy = createProxyServer({ sessions, logger: createMemoryLogger(), idleMemoryTrim: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
  host = new URL(url).host;
  keyed = createProxyServer({ sessions, logger: createMemoryLogger(), apiKey: 'relay-key-FAKE-123', idleMemoryTrim: false });
  ({ url: keyedUrl } = await keyed.listen({ port: 0, host: '127.0.0.1' }));
});

afterEach(() => {
  Object.assign(fake.knobs, initialKnobs);
});

afterAll(async () => {
  await proxy?.close();
  await keyed?.close();
  await fake?.close();
});

describe('Claude Code: role "system" inside messages', () => {
  it('the issue’s reproduction on a GPT model answers 200; the system text keeps its place in the chat conversation', async () => {
    const res = await post('/v1/messages', { model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }, { role: 'system', content: 'env' }] });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).content).toEqual([{ type: 'text', text: 'Echo: hi' }]);
    expect(sentBody('/chat/completions').messages).toEqual([{ role: 'user', content: 'hi' }, { role: 'system', content: 'env' }]);
  });

  it('on the native Messages path, system messages join the system prompt in order (Copilot refuses the role)', async () => {
    const message = await anthropic().messages.create({
      model: 'claude-sonnet-4.5',
      max_tokens: 64,
      system: 'You are Claude Code.',
      messages: [{ role: 'user', content: 'hi' }, { role: 'system', content: 'Working directory: /repo' } as never, { role: 'user', content: 'and then?' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: hi and then?' }]);
    const body = sentBody('/v1/messages');
    expect(body.system).toEqual([{ type: 'text', text: 'You are Claude Code.' }, { type: 'text', text: 'Working directory: /repo' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'text', text: 'and then?' }] }]);
  });
});

describe('output limits', () => {
  it('clamps max_tokens above the model’s max_output_tokens on every API (native and translated)', async () => {
    await openai().chat.completions.create({ model: 'gpt-4o', max_tokens: 100_000, messages: [{ role: 'user', content: 'x' }] });
    expect(sentBody('/chat/completions').max_tokens).toBe(4_096);
    await openai().responses.create({ model: 'gpt-5.1-codex', max_output_tokens: 999_999, input: 'x' });
    expect(sentBody('/responses').max_output_tokens).toBe(128_000);
    await anthropic().messages.create({ model: 'claude-sonnet-4.5', max_tokens: 64_000, thinking: { type: 'enabled', budget_tokens: 20_000 }, messages: [{ role: 'user', content: 'x' }] });
    expect(sentBody('/v1/messages')).toMatchObject({ max_tokens: 16_000, thinking: { type: 'enabled', budget_tokens: 15_999 } });
    await anthropic().messages.create({ model: 'claude-haiku-4.5', max_tokens: 64_000, messages: [{ role: 'user', content: 'x' }] });
    expect(sentBody('/chat/completions').max_tokens).toBe(16_000);
  });
});

describe('native Messages: what Copilot refuses is adapted', () => {
  it('drops output_config.effort for a model without reasoning effort, keeps it for one with', async () => {
    await anthropic().messages.create({ model: 'claude-sonnet-4.5', max_tokens: 64, output_config: { effort: 'high' }, messages: [{ role: 'user', content: 'x' }] } as never);
    expect(sentBody('/v1/messages').output_config).toBeUndefined();
    await anthropic().messages.create({ model: 'claude-opus-4.6', max_tokens: 64, output_config: { effort: 'high' }, messages: [{ role: 'user', content: 'x' }] } as never);
    expect(sentBody('/v1/messages').output_config).toEqual({ effort: 'high' });
  });

  it('keeps context_management only when its beta goes upstream; forwards extended-cache-ttl', async () => {
    const body = { model: 'claude-sonnet-4.5', max_tokens: 64, context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] }, messages: [{ role: 'user', content: 'x' }] };
    expect((await post('/v1/messages', body)).status).toBe(200);
    expect(sentBody('/v1/messages').context_management).toBeUndefined();
    expect((await post('/v1/messages', body, { 'anthropic-beta': 'context-management-2025-06-27,extended-cache-ttl-2025-04-11,prompt-caching-scope-2026-01-05' })).status).toBe(200);
    expect(sentBody('/v1/messages').context_management).toEqual(body.context_management);
    expect(last('/v1/messages').headers['anthropic-beta']).toBe('context-management-2025-06-27,extended-cache-ttl-2025-04-11');
  });

  it('strips cache_control.scope and the tool field eager_input_streaming', async () => {
    const res = await post('/v1/messages', {
      model: 'claude-sonnet-4.5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral', scope: 'global' } }],
      tools: [{ name: 'lookup', input_schema: { type: 'object' }, eager_input_streaming: true, cache_control: { type: 'ephemeral', scope: 'global', ttl: '1h' } }],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', scope: 'global' } }] }],
    });
    expect(res.status).toBe(200);
    const body = sentBody('/v1/messages');
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools[0]).toEqual({ name: 'lookup', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } });
    expect(body.messages[0].content[0].cache_control).toEqual({ type: 'ephemeral' });
  });

  it('never forwards a thinking block whose signature came from a Responses model (Anthropic can’t verify it)', async () => {
    const res = await post('/v1/messages', {
      model: 'claude-sonnet-4.5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'earlier', signature: 'rs_0123abcd:gAAAAFAKEfromresponses' }, { type: 'text', text: 'a' }] },
        { role: 'user', content: 'q2' },
      ],
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(sentBody('/v1/messages'))).not.toContain('gAAAAFAKEfromresponses');
  });

  it('refuses the web_search server tool with a clear 400 (native and translated), not worth retrying', async () => {
    for (const model of ['claude-sonnet-4.5', 'claude-haiku-4.5']) {
      const res = await post('/v1/messages', { model, max_tokens: 64, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }], messages: [{ role: 'user', content: 'search' }] });
      expect(res.status, model).toBe(400);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(JSON.parse(res.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/web_search_20250305 is not available through GitHub Copilot/) } });
    }
  });
});

describe('translated streams stay well formed', () => {
  it('output that looks like <|endoftext|> never turns the stream into an error (output estimate without upstream usage)', async () => {
    fake.knobs.streamChunks = 6;
    const stream = anthropic().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 200, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'alpha <|endoftext|> beta STOP gamma' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: alpha <|endoftext|> beta ' }]);
    expect(final.stop_reason).toBe('stop_sequence');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe('Responses callers on a model without /responses', () => {
  it('previous_response_id can’t be continued elsewhere: a clear 400 instead of a silently shortened conversation', async () => {
    const res = await post('/v1/responses', { model: 'gpt-4o', previous_response_id: 'resp_123', input: 'and then?' });
    expect(res.status).toBe(400);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'previous_response_not_supported', message: expect.stringContaining('/chat/completions') });
  });
});

describe('Codex', () => {
  const upgrade = (target: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string; upgraded: boolean; closed: boolean }>((resolve, reject) => {
      const u = new URL(target);
      const req = request({
        host: u.hostname,
        port: u.port,
        path: '/v1/responses',
        headers: { host: u.host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve({ status: 101, headers: {}, body: '', upgraded: true, closed: false });
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const socket = res.socket;
          const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, upgraded: false, closed: true });
          if (!socket || socket.destroyed) done();
          else socket.once('close', done);
        });
      });
      req.on('error', reject);
      req.end();
    });

  it('GET /v1/responses with Upgrade: websocket → 426 and Connection: close, no handshake (Codex falls back to HTTP at once)', async () => {
    const answer = await upgrade(url);
    expect(answer.upgraded).toBe(false);
    expect(answer.status).toBe(426);
    expect(answer.headers['connection']).toBe('close');
    expect(answer.headers['x-should-retry']).toBe('false');
    expect(JSON.parse(answer.body).error.message).toMatch(/WebSocket is not supported/);
    expect(answer.closed).toBe(true);
    // A wrong key is still a 401 first; the right one gets the 426.
    expect((await upgrade(keyedUrl, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await upgrade(keyedUrl, { authorization: 'Bearer relay-key-FAKE-123' })).status).toBe(426);
  });

  it('filters web_search* tools Copilot’s /responses rejects (Codex sends one on every request)', async () => {
    const response = await openai().responses.create({
      model: 'gpt-5.1-codex',
      input: 'hello codex',
      tools: [{ type: 'web_search' }, { type: 'function', name: 'shell', parameters: { type: 'object', properties: { input: { type: 'string' } } }, strict: false }] as never,
      tool_choice: 'none',
    });
    expect(response.output_text).toBe('Echo: hello codex');
    expect(sentBody('/responses').tools.map((t: Json) => t.type)).toEqual(['function']);
    const only = await openai().responses.create({ model: 'gpt-5.1-codex', input: 'search only', tools: [{ type: 'web_search_preview' }] as never, tool_choice: 'auto' });
    expect(only.output_text).toBe('Echo: search only');
    expect(sentBody('/responses').tools).toBeUndefined();
    expect(sentBody('/responses').tool_choice).toBeUndefined();
  });
});
