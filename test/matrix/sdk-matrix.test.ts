import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { createMemoryLogger } from '../../src/main/core/log/logger.js';
import { createProxyServer } from '../../src/main/core/proxy/server.js';
import type { ProxyServer } from '../../src/main/core/proxy/server.js';
import { TestSessionProvider } from '../proxy/session-provider.js';
import { driverFor, TOOL } from './clients.js';
import type { ClientApi } from './clients.js';

/**
 * Every row of the translation matrix — three client APIs (each through its official SDK) × the
 * three Copilot endpoints — non-stream and stream, a full tool round trip with the ids kept, an
 * image, and reasoning with its opaque proof sent back. The fake upstream is strict where Copilot
 * is (test/fake-github/strict.ts): tool results must answer the calls they name, reasoning items
 * must be its own, Messages turns must be well formed, so a translation slip fails here.
 */

type Endpoint = '/chat/completions' | '/responses' | '/v1/messages';

interface Row {
  client: ClientApi;
  upstream: Endpoint;
  /** The id the caller sends (sometimes a spelling the relay maps) and the Copilot id it serves. */
  requested: string;
  served: string;
  thinks: boolean;
}

const ROWS: Row[] = [
  { client: 'chat', upstream: '/chat/completions', requested: 'GPT-5-mini', served: 'gpt-5-mini', thinks: true },
  { client: 'chat', upstream: '/responses', requested: 'gpt-5.1-codex', served: 'gpt-5.1-codex', thinks: true },
  { client: 'chat', upstream: '/v1/messages', requested: 'claude-opus-4-6', served: 'claude-opus-4.6', thinks: true },
  { client: 'responses', upstream: '/responses', requested: 'gpt-5.1-codex', served: 'gpt-5.1-codex', thinks: true },
  { client: 'responses', upstream: '/chat/completions', requested: 'gpt-4o', served: 'gpt-4o', thinks: false },
  { client: 'responses', upstream: '/v1/messages', requested: 'claude-sonnet-4.5', served: 'claude-sonnet-4.5', thinks: true },
  { client: 'messages', upstream: '/v1/messages', requested: 'claude-sonnet-4-5-20250929', served: 'claude-sonnet-4.5', thinks: true },
  { client: 'messages', upstream: '/chat/completions', requested: 'claude-haiku-4-5-20251001', served: 'claude-haiku-4.5', thinks: false },
  { client: 'messages', upstream: '/responses', requested: 'gpt-5.1-codex', served: 'gpt-5.1-codex', thinks: true },
];

/** What each upstream's fake puts in its reasoning proof (chat: reasoning_opaque, Responses: encrypted_content, Messages: signature). */
const PROOF: Record<Endpoint, RegExp> = { '/chat/completions': /b3BhcXVlRkFLRQ==/, '/responses': /gAAAAFAKE/, '/v1/messages': /sig_FAKE/ };
const TOOL_STOP: Record<ClientApi, string> = { chat: 'tool_calls', responses: 'completed', messages: 'tool_use' };
const END_STOP: Record<ClientApi, string> = { chat: 'stop', responses: 'completed', messages: 'end_turn' };
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let fake: FakeUpstream;
let proxy: ProxyServer;
let url: string;
let initialKnobs: Record<string, unknown>;
const logger = createMemoryLogger();

const upstreamCalls = (endpoint: Endpoint) => fake.requests.filter((r) => r.path === `/capi${endpoint}`);
const lastUpstream = (endpoint: Endpoint) => upstreamCalls(endpoint).at(-1)!;
const generationCalls = () => fake.requests.filter((r) => ['/capi/chat/completions', '/capi/responses', '/capi/v1/messages'].includes(r.path)).length;

beforeAll(async () => {
  fake = await startFakeUpstream();
  initialKnobs = { ...fake.knobs };
  proxy = createProxyServer({ sessions: new TestSessionProvider(fake.url, fake.defaultToken), logger, idleMemoryTrim: false, upstreamTimeoutMs: 5_000 });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
});

afterEach(() => {
  Object.assign(fake.knobs, initialKnobs);
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe.each(ROWS)('$client client → $upstream ($requested)', (row) => {
  const driver = () => driverFor(row.client, url);

  it.each([false, true])('answers text (stream: %s) through the planned endpoint, echoing the caller’s model id and usage', async (stream) => {
    fake.knobs.streamChunks = 4;
    const before = upstreamCalls(row.upstream).length;
    const total = generationCalls();
    const answer = await driver().ask({ model: row.requested, prompt: `hello ${row.client} ${String(stream)}`, stream });
    expect(answer.text).toBe(`Echo: hello ${row.client} ${String(stream)}`);
    expect(answer.stop).toBe(END_STOP[row.client]);
    expect(answer.model).toBe(row.requested);
    expect(answer.inputTokens).toBeGreaterThan(0);
    expect(answer.outputTokens).toBeGreaterThan(0);
    expect(upstreamCalls(row.upstream).length).toBe(before + 1);
    expect(generationCalls()).toBe(total + 1);
    const sent = lastUpstream(row.upstream);
    expect((sent.body as { model: string }).model).toBe(row.served);
    expect(Boolean((sent.body as { stream?: boolean }).stream)).toBe(stream);
    expect(sent.headers['x-initiator']).toBe('user');
    expect(sent.headers['openai-intent']).toBe({ '/chat/completions': 'conversation-panel', '/responses': 'responses-proxy', '/v1/messages': 'messages-proxy' }[row.upstream]);
  });

  it('runs a full tool round trip: streamed call, result sent back with the same id, answer', async () => {
    const ask = { model: row.requested, prompt: 'find the cats', stream: true, tools: true };
    const first = await driver().ask(ask);
    expect(first.stop).toBe(TOOL_STOP[row.client]);
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call).toMatchObject({ name: TOOL.name, input: { input: 'find the cats' } });
    expect(JSON.stringify(lastUpstream(row.upstream).body)).toContain(TOOL.name);

    const second = await driver().ask({ ...ask, stream: false }, driver().withToolResults(ask, first, 'three cats found'));
    expect(second.text).toBe('Echo: three cats found');
    expect(second.toolCalls).toEqual([]);
    const sent = lastUpstream(row.upstream);
    expect(sent.headers['x-initiator']).toBe('agent');
    expect(sent.headers['openai-intent']).toBe({ '/chat/completions': 'conversation-agent', '/responses': 'responses-proxy', '/v1/messages': 'messages-proxy' }[row.upstream]);
    // The id the caller saw is the id the upstream gets back with the result (the fake refuses unpaired ids).
    expect(JSON.stringify(sent.body)).toContain(call.id);
  });

  it('carries an image to the upstream in its own format, with the vision header', async () => {
    const answer = await driver().ask({ model: row.requested, prompt: 'what is in the picture', stream: false, image: PNG });
    expect(answer.text).toBe('Echo: what is in the picture');
    const sent = lastUpstream(row.upstream);
    expect(sent.headers['copilot-vision-request']).toBe('true');
    const body = JSON.stringify(sent.body);
    expect(body).toContain(PNG.split(',')[1]!);
    expect(body).toContain({ '/chat/completions': '"image_url"', '/responses': '"input_image"', '/v1/messages': '"type":"image"' }[row.upstream]);
  });

  it.runIf(row.thinks)('streams reasoning with its proof and sends the proof back on the next turn', async () => {
    fake.knobs.streamChunks = 3;
    const ask = { model: row.requested, prompt: 'think, then look it up', stream: true, tools: true, reasoning: true };
    const first = await driver().ask(ask);
    expect(first.reasoning).toContain('Thinking about: think, then look it up');
    expect(first.signature).not.toBe('');
    expect(first.toolCalls).toHaveLength(1);
    await driver().ask({ ...ask, stream: false }, driver().withToolResults(ask, first, 'looked up'));
    expect(JSON.stringify(lastUpstream(row.upstream).body)).toMatch(PROOF[row.upstream]);
  });
});
