import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { startFakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import { openaiRoutes } from '../../src/main/core/proxy/routes/openai.js';
import { createAnthropicRoutes } from '../../src/main/core/proxy/routes/messages.js';
import { countTokens } from '../../src/main/core/anthropic/count-tokens.js';
import { TestSessionProvider } from '../proxy/session-provider.js';
import { eventually, raw } from '../proxy/helpers.js';
import { claudeCodeRequest } from './claude-code-request.js';

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON is walked freely in assertions
type Json = Record<string, any>;

let fake: Fake;
let proxy: ProxyServer;
let keyed: ProxyServer;
let url: string;
let port: number;
let keyedUrl: string;
let initialKnobs: Record<string, unknown>;
const logger = createMemoryLogger();
const PING_MS = 40;

const client = (baseURL = url, apiKey = 'sk-ant-FAKE-dummy') => new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 5_000 });
const capi = (suffix: string) => fake.requests.filter((r: { path: string }) => r.path.includes('/capi') && r.path.endsWith(suffix));
const lastCapi = (suffix: string) => capi(suffix).at(-1)!;
const upstreamBody = (suffix: string) => (typeof lastCapi(suffix).body === 'string' ? JSON.parse(lastCapi(suffix).body as string) : lastCapi(suffix).body) as Json;

/** POST to the proxy and return the SSE events as parsed `{event, data}` pairs. */
async function rawEvents(body: Json, path = '/v1/messages'): Promise<{ status: number; events: Array<{ event: string; data: Json }> }> {
  const res = await raw(url, { method: 'POST', path, headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  const events = res.body
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Json;
      return { event, data };
    });
  return { status: res.status, events };
}

beforeAll(async () => {
  fake = await startFakeUpstream();
  initialKnobs = { ...fake.knobs };
  const routes = [...openaiRoutes, ...createAnthropicRoutes({ pingIntervalMs: PING_MS })];
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, routes, upstreamTimeoutMs: 2_000, shutdownGraceMs: 300 });
  ({ url, port } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
  keyed = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, routes, apiKey: 'relay-key-FAKE-123', shutdownGraceMs: 300 });
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

describe('translated model (claude-haiku-4.5 → /chat/completions)', () => {
  it('answers non-stream with a dated model id, Copilot headers and mapped usage', async () => {
    const message = await client().messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 200, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe('claude-haiku-4-5-20251001');
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const upstream = lastCapi('/chat/completions');
    expect(upstreamBody('/chat/completions').model).toBe('claude-haiku-4.5');
    expect(upstream.headers['x-initiator']).toBe('user');
    expect(upstream.headers['openai-intent']).toBe('conversation-panel');
    expect(upstream.headers['copilot-vision-request']).toBeUndefined();
    expect(JSON.stringify(upstream.headers)).not.toContain('sk-ant-FAKE-dummy');
    expect(capi('/v1/messages').length).toBe(0);
  });

  it('streams the exact Anthropic event sequence; the SDK assembles the same text', async () => {
    Object.assign(fake.knobs, { streamChunks: 4 });
    const stream = client().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 200, messages: [{ role: 'user', content: 'stream this please' }] });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: stream this please' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(seen[0]).toBe('message_start');
    expect(seen.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(seen.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(1);
    expect(upstreamBody('/chat/completions').stream).toBe(true);
  });

  it('sends pings while the upstream is slow, and real usage in message_delta', async () => {
    Object.assign(fake.knobs, { streamChunks: 3, streamIntervalMs: PING_MS * 3 });
    const { status, events } = await rawEvents({ model: 'claude-haiku-4.5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'slow one' }] });
    expect(status).toBe(200);
    const types = events.map((e) => e.event);
    expect(types.slice(0, 2)).toEqual(['message_start', 'ping']);
    expect(types.filter((t) => t === 'ping').length).toBeGreaterThan(1);
    for (const e of events) expect(e.data.type).toBe(e.event);
    const delta = events.find((e) => e.event === 'message_delta')!.data;
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
    expect(delta.usage.input_tokens).toBeGreaterThan(0);
    expect(types.at(-1)).toBe('message_stop');
  });

  it('runs a two-step tool-use round trip (stream, then non-stream) with the right X-Initiator', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'lookup', description: 'Look something up', input_schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } }];
    const first = await client().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 300, tools, messages: [{ role: 'user', content: 'find cats' }] }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(call.name).toBe('lookup');
    expect(call.input).toEqual({ input: expect.any(String) });
    expect(lastCapi('/chat/completions').headers['x-initiator']).toBe('user');
    expect(upstreamBody('/chat/completions').tools[0].function.name).toBe('lookup');

    const second = await client().messages.create({
      model: 'claude-haiku-4.5',
      max_tokens: 300,
      tools,
      messages: [
        { role: 'user', content: 'find cats' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'three cats found' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([{ type: 'text', text: 'Echo: three cats found' }]);
    expect(lastCapi('/chat/completions').headers['x-initiator']).toBe('agent');
    const sent = upstreamBody('/chat/completions').messages as Json[];
    expect(sent.at(-1)).toEqual({ role: 'tool', tool_call_id: call.id, content: 'three cats found' });
    expect(sent.at(-2)!.tool_calls[0]).toMatchObject({ id: call.id, function: { name: 'lookup', arguments: JSON.stringify(call.input) } });
  });

  it('merges split choices (text and tool call in different choices)', async () => {
    Object.assign(fake.knobs, { splitChoices: true });
    const tools: Anthropic.Tool[] = [{ name: 'lookup', input_schema: { type: 'object', properties: { input: { type: 'string' } } } }];
    for (const stream of [false, true]) {
      const body = { model: 'claude-haiku-4.5', max_tokens: 300, tools, messages: [{ role: 'user' as const, content: 'split please' }] };
      const message = stream ? await client().messages.stream(body).finalMessage() : await client().messages.create(body);
      expect(message.content.map((b) => b.type)).toContain('tool_use');
      expect(message.stop_reason).toBe('tool_use');
    }
  });

  it('maps cached prompt tokens to cache_read_input_tokens', async () => {
    Object.assign(fake.knobs, { cachedTokens: 3 });
    const message = await client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'cache me if you can' }] });
    expect(message.usage.cache_read_input_tokens).toBe(3);
    const streamed = await client().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'cache me if you can' }] }).finalMessage();
    expect(streamed.usage.cache_read_input_tokens).toBe(3);
    expect(streamed.usage.input_tokens).toBe(message.usage.input_tokens);
  });

  it('turns a malformed upstream stream into an error event and unreadable JSON into api_error', async () => {
    Object.assign(fake.knobs, { malformedSse: true });
    const { events } = await rawEvents({ model: 'claude-haiku-4.5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', error: { type: 'api_error' } } });
    Object.assign(fake.knobs, { malformedSse: false, malformedJson: true });
    const res = await raw(url, { method: 'POST', path: '/v1/messages', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toEqual({ type: 'error', error: { type: 'api_error', message: 'The Copilot API returned an unreadable answer.' } });
  });

  it('sends images as image_url parts with the vision header', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const message = await client().messages.create({
      model: 'claude-haiku-4.5',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, { type: 'text', text: 'what is it' }] }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(lastCapi('/chat/completions').headers['copilot-vision-request']).toBe('true');
    const part = upstreamBody('/chat/completions').messages.at(-1).content[0];
    expect(part).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } });
  });

  it('reports stop reasons: max_tokens and stop_sequence (stream and non-stream)', async () => {
    const long = 'word '.repeat(200);
    const truncated = await client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: long }] });
    expect(truncated.stop_reason).toBe('max_tokens');
    const streamedTruncated = await client().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: long }] }).finalMessage();
    expect(streamedTruncated.stop_reason).toBe('max_tokens');

    const body = { model: 'claude-haiku-4.5', max_tokens: 100, stop_sequences: ['STOP'], messages: [{ role: 'user' as const, content: 'alpha beta STOP gamma' }] };
    const stopped = await client().messages.create(body);
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe('STOP');
    expect(stopped.content).toEqual([{ type: 'text', text: 'Echo: alpha beta ' }]);
    Object.assign(fake.knobs, { streamChunks: 8 });
    const streamed = await client().messages.stream(body).finalMessage();
    expect(streamed.stop_reason).toBe('stop_sequence');
    expect(streamed.stop_sequence).toBe('STOP');
    expect(streamed.content).toEqual([{ type: 'text', text: 'Echo: alpha beta ' }]);
  });

  it('maps thinking for a reasoning model and streams a thinking block first; drops it for a model without', async () => {
    // gpt-5-mini lists /chat/completions and /responses: VS Code's order sends it to /responses.
    const body = { model: 'gpt-5-mini', max_tokens: 2000, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'think about it' }] };
    const message = await client().messages.create(body);
    const sent = upstreamBody('/responses');
    expect(sent.reasoning).toMatchObject({ effort: 'low', summary: 'auto' });
    expect(sent.include).toEqual(['reasoning.encrypted_content']);
    expect(sent.max_output_tokens).toBe(2000);
    expect(message.content[0]?.type).toBe('thinking');
    expect((message.content[0] as Anthropic.ThinkingBlock).signature).toMatch(/^rs_[0-9a-f]+:gAAAAFAKE/);
    expect(message.content.at(-1)).toEqual({ type: 'text', text: 'Echo: think about it' });
    const streamed = await client().messages.stream(body).finalMessage();
    expect(streamed.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect((streamed.content[0] as Anthropic.ThinkingBlock).thinking.length).toBeGreaterThan(0);

    const plain = await client().messages.create({ ...body, model: 'claude-haiku-4.5' });
    expect(plain.content).toEqual([{ type: 'text', text: 'Echo: think about it' }]);
    expect(upstreamBody('/chat/completions').thinking_budget).toBeUndefined();
    expect(upstreamBody('/chat/completions').reasoning_effort).toBeUndefined();
  });
});

describe('native passthrough (claude-sonnet-4.5 lists /v1/messages)', () => {
  it('forwards non-stream to /v1/messages with the Copilot id, intent, filtered betas, and no caller key', async () => {
    const message = await client().messages.create(
      {
        model: 'claude-sonnet-4-5-20250929',
        max_tokens: 100,
        system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'native hello' }],
      },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14,context-management-2025-06-27' } },
    );
    expect(message.type).toBe('message');
    expect(JSON.stringify(message.content)).toContain('native hello');
    const upstream = lastCapi('/v1/messages');
    const body = upstreamBody('/v1/messages');
    expect(body.model).toBe('claude-sonnet-4.5');
    expect(body.system).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
    expect(upstream.headers['openai-intent']).toBe('messages-proxy');
    expect(upstream.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,context-management-2025-06-27');
    expect(upstream.headers['x-api-key']).toBeUndefined();
    expect(String(upstream.headers.authorization)).not.toContain('sk-ant-FAKE-dummy');
  });

  it('streams native events through', async () => {
    const stream = client().messages.stream({ model: 'claude-sonnet-4.5', max_tokens: 100, messages: [{ role: 'user', content: 'native stream' }] });
    const final = await stream.finalMessage();
    expect(JSON.stringify(final.content)).toContain('native stream');
    expect(final.stop_reason).toBeTruthy();
    expect(upstreamBody('/v1/messages').stream).toBe(true);
  });

  it('keeps thinking, tool use, images and stop sequences intact on the native path', async () => {
    const thinking = await client().messages.stream({ model: 'claude-sonnet-4.5', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'ponder' }] }).finalMessage();
    expect(thinking.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect((thinking.content[0] as Anthropic.ThinkingBlock).signature).toMatch(/^sig_FAKE/);
    expect(upstreamBody('/v1/messages').thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });

    const tools: Anthropic.Tool[] = [{ name: 'lookup', input_schema: { type: 'object', properties: { input: { type: 'string' } } } }];
    const first = await client().messages.create({ model: 'claude-sonnet-4.5', max_tokens: 300, tools, messages: [{ role: 'user', content: 'find dogs' }] });
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(first.stop_reason).toBe('tool_use');
    expect(lastCapi('/v1/messages').headers['x-initiator']).toBe('user');
    const second = await client().messages.create({
      model: 'claude-sonnet-4.5',
      max_tokens: 300,
      tools,
      messages: [
        { role: 'user', content: 'find dogs' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'two dogs' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Echo: two dogs' }]);
    expect(lastCapi('/v1/messages').headers['x-initiator']).toBe('agent');

    await client().messages.create({
      model: 'claude-sonnet-4.5',
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'see' }] }],
    });
    expect(lastCapi('/v1/messages').headers['copilot-vision-request']).toBe('true');

    const stopped = await client().messages.create({ model: 'claude-sonnet-4.5', max_tokens: 50, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'a STOP b' }] });
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(upstreamBody('/v1/messages').stop_sequences).toEqual(['STOP']);
  });

  it('native upstream errors keep the Anthropic shape', async () => {
    Object.assign(fake.knobs, { capiFailureStatus: 529 });
    const error = (await client().messages.create({ model: 'claude-sonnet-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(529);
    expect((error.error as Json).error.type).toBe('overloaded_error');
  });

  it('works under /v1/messages?beta=true (the SDK beta client, as Claude Code calls it)', async () => {
    const before = fake.requests.length;
    const message = await client().beta.messages.create({ model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'beta path' }] });
    expect(message.type).toBe('message');
    expect(fake.requests.length).toBeGreaterThan(before);
    const translated = await client().beta.messages.create({ model: 'claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'beta translated' }] });
    expect(translated.content).toEqual([{ type: 'text', text: 'Echo: beta translated' }]);
  });
});

describe('count_tokens', () => {
  it('returns the real tokenizer count', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      system: 'You are helpful.',
      messages: [{ role: 'user' as const, content: 'Count these tokens, please.' }],
      tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object' as const, properties: { q: { type: 'string' } } } }],
    };
    const result = await client().messages.countTokens(body);
    const expected = await countTokens(body, { id: 'claude-sonnet-4.5' });
    expect(result.input_tokens).toBe(expected.input_tokens);
    expect(result.input_tokens).toBeGreaterThan(346);
    const small = await client().messages.countTokens({ model: 'claude-haiku-4.5', messages: [{ role: 'user', content: 'hi' }] });
    expect(small.input_tokens).toBeLessThan(10);
  });
});

describe('errors in Anthropic shape', () => {
  const expectError = async (promise: Promise<unknown>, status: number, type: string): Promise<APIError> => {
    const error = (await promise.then(() => null, (e: unknown) => e)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(status);
    expect((error.error as Json).type).toBe('error');
    expect((error.error as Json).error.type).toBe(type);
    return error;
  };

  it('invalid request → 400 invalid_request_error', async () => {
    const error = await expectError(client().messages.create({ model: 'claude-haiku-4.5', messages: [{ role: 'user', content: 'x' }] } as never), 400, 'invalid_request_error');
    expect(error.message).toContain('max_tokens');
    await expectError(client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] } as never), 400, 'invalid_request_error');
  });

  it('unknown model → 404 not_found_error with close matches', async () => {
    const error = await expectError(client().messages.create({ model: 'claude-sonnet-9-9', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 404, 'not_found_error');
    expect(error.message).toMatch(/Close matches: .*claude-sonnet-4\.5/);
  });

  it('a model with no generation endpoint → 400 invalid_request_error naming its endpoints', async () => {
    const error = await expectError(client().messages.create({ model: 'text-embedding-3-small', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error');
    expect(error.message).toContain('/embeddings');
  });

  it('wrong relay API key → 401 authentication_error', async () => {
    await expectError(client(keyedUrl, 'wrong-key').messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 401, 'authentication_error');
    const ok = await client(keyedUrl, 'relay-key-FAKE-123').messages.create({ model: 'claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'keyed' }] });
    expect(ok.content).toEqual([{ type: 'text', text: 'Echo: keyed' }]);
  });

  it('upstream 429 → rate_limit_error with Retry-After (translated and native)', async () => {
    for (const model of ['claude-haiku-4.5', 'claude-sonnet-4.5']) {
      Object.assign(fake.knobs, { rateLimitNext: 1, rateLimitRetryAfter: 42 });
      const error = await expectError(client().messages.create({ model, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 429, 'rate_limit_error');
      expect(error.headers?.get('retry-after')).toBe('42');
    }
  });

  it('upstream 5xx → api_error; 503 → overloaded_error; 403 → permission_error', async () => {
    Object.assign(fake.knobs, { capiFailureStatus: 500 });
    await expectError(client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 500, 'api_error');
    Object.assign(fake.knobs, { capiFailureStatus: 503 });
    await expectError(client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 503, 'overloaded_error');
    Object.assign(fake.knobs, { capiFailureStatus: 403 });
    await expectError(client().messages.create({ model: 'claude-haiku-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 403, 'permission_error');
  });

  it('an upstream reset mid-stream ends with an error event', async () => {
    Object.assign(fake.knobs, { resetMidStream: true, streamChunks: 6, streamIntervalMs: 5 });
    const { status, events } = await rawEvents({ model: 'claude-haiku-4.5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'break please' }] });
    expect(status).toBe(200);
    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'api_error', message: expect.stringMatching(/broke off|ended/) } } });
    expect(events.map((e) => e.event)).not.toContain('message_stop');
  });

  it('aborts the upstream when the client disconnects mid-stream', async () => {
    Object.assign(fake.knobs, { streamChunks: 50, streamIntervalMs: 50 });
    const aborted = fake.counters.abortedRequests;
    const controller = new AbortController();
    const stream = client().messages.stream({ model: 'claude-haiku-4.5', max_tokens: 100, messages: [{ role: 'user', content: 'long one' }] }, { signal: controller.signal });
    await expect(
      (async () => {
        for await (const event of stream) if (event.type === 'content_block_delta') controller.abort();
      })(),
    ).rejects.toThrow();
    await eventually(() => fake.counters.abortedRequests > aborted);
  });
});

describe('a recorded Claude Code request', () => {
  it('is accepted on the translated path and reaches the upstream without loss', async () => {
    const { body, betaHeader } = claudeCodeRequest('claude-haiku-4-5-20251001');
    const res = await raw(url, {
      method: 'POST',
      path: '/v1/messages?beta=true',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': betaHeader, 'x-api-key': 'sk-ant-FAKE-dummy' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('event: message_stop');
    const upstream = upstreamBody('/chat/completions');
    expect(lastCapi('/chat/completions').headers['x-initiator']).toBe('agent');
    // Every tool, every message and every tool call id/result made it across.
    expect(upstream.tools.map((t: Json) => t.function.name)).toEqual(body.tools.map((t: Json) => t.name));
    for (const [i, tool] of body.tools.entries()) expect(upstream.tools[i].function.parameters).toEqual(tool.input_schema);
    expect(upstream.messages[0]).toEqual({ role: 'system', content: body.system.map((b: Json) => b.text).join('\n\n') });
    const toolUses = body.messages.flatMap((m: Json) => (Array.isArray(m.content) ? m.content.filter((b: Json) => b.type === 'tool_use') : []));
    const toolResults = body.messages.flatMap((m: Json) => (Array.isArray(m.content) ? m.content.filter((b: Json) => b.type === 'tool_result') : []));
    const sentCalls = upstream.messages.flatMap((m: Json) => m.tool_calls ?? []);
    expect(sentCalls.map((c: Json) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(toolUses.map((b: Json) => [b.id, b.name, b.input]));
    const sentResults = upstream.messages.filter((m: Json) => m.role === 'tool');
    expect(sentResults.map((m: Json) => m.tool_call_id)).toEqual(toolResults.map((b: Json) => b.tool_use_id));
    const texts = body.messages.flatMap((m: Json) => (typeof m.content === 'string' ? [m.content] : m.content.filter((b: Json) => b.type === 'text').map((b: Json) => b.text)));
    const sentText = JSON.stringify(upstream.messages);
    for (const text of texts) expect(sentText).toContain(JSON.stringify(text).slice(1, -1));
    // Claude Code's user_id is longer than OpenAI's 64-character `user`: it goes as its SHA-256.
    expect(upstream.user).toBe(createHash('sha256').update(body.metadata.user_id).digest('hex'));
    expect(JSON.stringify(upstream)).not.toContain('cache_control');
  });

  it('is forwarded intact on the native path', async () => {
    const { body, betaHeader } = claudeCodeRequest('claude-sonnet-4-5-20250929');
    const res = await raw(url, {
      method: 'POST',
      path: '/v1/messages?beta=true',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': betaHeader },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    // context_management needs the context-management beta, which this request did not send, and
    // max_tokens 32000 is above the model's 16000: Copilot would refuse both.
    const { context_management: _dropped, ...expected } = body;
    expect(upstreamBody('/v1/messages')).toEqual({ ...expected, model: 'claude-sonnet-4.5', max_tokens: 16_000 });
    expect(lastCapi('/v1/messages').headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(lastCapi('/v1/messages').headers['x-initiator']).toBe('agent');
  });

  it('never logs prompt text or keys', () => {
    const all = logger.lines.join('\n');
    expect(all).not.toContain('sk-ant-FAKE-dummy');
    expect(all).not.toContain('relay-key-FAKE-123');
    expect(all).not.toContain('three cats found');
  });
});
