import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { parseSse, postCapi, sessionToken } from './test-helpers.js';

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

async function post(path: string, body: Json, extra: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await postCapi(fake, path, body, bearer, extra);
  return { status: res.status, body: (await res.json()) as Json };
}

async function stream(path: string, body: Json, extra: Record<string, string> = {}): Promise<{ event?: string; data: Json }[]> {
  const res = await postCapi(fake, path, { ...body, stream: true }, bearer, extra);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  return parseSse(await res.text()).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Json }));
}

describe('/responses', () => {
  it('answers a string input non-streamed', async () => {
    const { status, body } = await post('/responses', { model: 'gpt-5.1-codex', input: 'hello codex' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-5.1-codex', id: expect.stringMatching(/^resp_/) });
    expect(body['output']).toEqual([
      { type: 'message', id: expect.any(String), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Echo: hello codex', annotations: [] }] },
    ]);
    expect(body['usage']).toMatchObject({ input_tokens: 2, output_tokens: 3, total_tokens: 5 });
  });

  it('echoes a function_call_output and calls a tool on a user turn', async () => {
    const items = [
      { role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'rainy' },
    ];
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }];
    const after = await post('/responses', { model: 'gpt-5-mini', input: items, tools });
    expect(after.body['output'][0].content[0].text).toBe('Echo: rainy');
    const call = await post('/responses', { model: 'gpt-5-mini', input: items.slice(0, 1), tools });
    expect(call.body['output'][0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"input":"weather?"}', call_id: expect.stringMatching(/^call_/) });
  });

  it('truncates to max_output_tokens as incomplete', async () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const { body } = await post('/responses', { model: 'gpt-5-mini', input: words.join(' '), max_output_tokens: 16 });
    expect(body).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(body['output'][0].content[0].text).toBe(`Echo: ${words.slice(0, 15).join(' ')}`);
  });

  it('streams the Responses event sequence with sequence numbers', async () => {
    fake.knobs.streamChunks = 2;
    const events = await stream('/responses', { model: 'gpt-5-mini', input: 'one two three' });
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(2);
    expect(types.indexOf('response.output_text.done')).toBeGreaterThan(types.lastIndexOf('response.output_text.delta'));
    expect(events.every((e, i) => e.data['type'] === e.event && e.data['sequence_number'] === i)).toBe(true);
    const text = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data['delta']).join('');
    expect(text).toBe('Echo: one two three');
    expect(events.at(-1)!.data['response']).toMatchObject({ status: 'completed', usage: { output_tokens: 4 } });
  });

  it('rejects models without /responses and bad input', async () => {
    expect((await post('/responses', { model: 'gpt-4o', input: 'x' })).body['error']).toEqual({ message: 'model gpt-4o does not support Responses API.', code: 'unsupported_api_for_model' });
    expect((await post('/responses', { model: 'nope', input: 'x' })).body['error']['code']).toBe('model_not_supported');
    expect((await post('/responses', { model: 'gpt-5-mini', input: [] })).status).toBe(400);
  });

  it('requires the vision header for input_image', async () => {
    const input = [{ role: 'user', content: [{ type: 'input_text', text: 'what is it' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }] }];
    expect((await post('/responses', { model: 'gpt-5-mini', input })).status).toBe(400);
    expect((await post('/responses', { model: 'gpt-5-mini', input }, { 'copilot-vision-request': 'true' })).status).toBe(200);
  });
});

describe('/embeddings', () => {
  it('answers deterministic 8-float vectors per input', async () => {
    const one = await post('/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 } });
    const [a, b] = one.body['data'] as Json[];
    expect(a).toMatchObject({ object: 'embedding', index: 0 });
    expect(a!['embedding']).toHaveLength(8);
    expect(a!['embedding'].every((x: number) => x >= -1 && x <= 1)).toBe(true);
    expect(a!['embedding']).not.toEqual(b!['embedding']);
    const again = await post('/embeddings', { model: 'text-embedding-3-small', input: 'alpha' });
    expect(again.body['data'][0].embedding).toEqual(a!['embedding']);
  });

  it('rejects chat models and bad input', async () => {
    expect((await post('/embeddings', { model: 'gpt-4o', input: 'x' })).body['error']['code']).toBe('model_not_supported');
    expect((await post('/embeddings', { model: 'text-embedding-3-small', input: 3 })).status).toBe(400);
  });
});

describe('/v1/messages', () => {
  const base = { model: 'claude-sonnet-4.5', max_tokens: 4000 };
  const tools = [{ name: 'lookup', description: 'look up', input_schema: { type: 'object' } }];

  it('answers an Anthropic message', async () => {
    const { status, body } = await post('/v1/messages', { ...base, system: 'brief', messages: [{ role: 'user', content: 'hi claude' }] }, { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    expect(status).toBe(200);
    expect(body).toEqual({
      id: expect.stringMatching(/^msg_/), type: 'message', role: 'assistant', model: 'claude-sonnet-4.5',
      content: [{ type: 'text', text: 'Echo: hi claude' }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      // (3 × 300 + 3 × 1500) / 1e6 AI credits
      copilot_usage: { total_nano_aiu: 5_400_000 },
    });
    expect(fake.requests.at(-1)?.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });

  it('uses tools on a user turn, echoes tool results, puts thinking first', async () => {
    const call = await post('/v1/messages', { ...base, tools, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: [{ type: 'text', text: 'find it' }] }] });
    expect(call.body['stop_reason']).toBe('tool_use');
    expect(call.body['content'].map((b: Json) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(call.body['content'][0]).toMatchObject({ thinking: 'Thinking about: find it', signature: expect.any(String) });
    expect(call.body['content'][1]).toMatchObject({ id: expect.stringMatching(/^toolu_/), name: 'lookup', input: { input: 'find it' } });

    const result = await post('/v1/messages', {
      ...base,
      tools,
      messages: [
        { role: 'user', content: 'find it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
      ],
    });
    expect(result.body).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Echo: found' }] });
  });

  it('honours stop_sequences and max_tokens', async () => {
    const stop = await post('/v1/messages', { ...base, stop_sequences: ['END'], messages: [{ role: 'user', content: 'a END b' }] });
    expect(stop.body).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END', content: [{ text: 'Echo: a ' }] });
    const cut = await post('/v1/messages', { ...base, max_tokens: 2, messages: [{ role: 'user', content: 'a b c' }] });
    expect(cut.body).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'Echo: a' }] });
  });

  it('streams the native Anthropic event sequence', async () => {
    fake.knobs.streamChunks = 2;
    const events = await stream('/v1/messages', { ...base, tools, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'go now' }] });
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events.every((e) => e.data['type'] === e.event)).toBe(true);
    expect(events[0]!.data['message']).toMatchObject({ role: 'assistant', content: [], stop_reason: null });
    const starts = events.filter((e) => e.event === 'content_block_start').map((e) => e.data['content_block'].type);
    expect(starts).toEqual(['thinking', 'tool_use']);
    const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data['delta']);
    expect(deltas.filter((d) => d.type === 'thinking_delta').map((d) => d.thinking).join('')).toBe('Thinking about: go now');
    expect(deltas.some((d) => d.type === 'signature_delta')).toBe(true);
    expect(JSON.parse(deltas.filter((d) => d.type === 'input_json_delta').map((d) => d.partial_json).join(''))).toEqual({ input: 'go now' });
    expect(events.filter((e) => e.event === 'content_block_stop')).toHaveLength(2);
    expect(events.at(-2)!.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: expect.any(Number) } });

    const text = await stream('/v1/messages', { ...base, messages: [{ role: 'user', content: 'plain words here' }] });
    const textDeltas = text.filter((e) => e.data['delta']?.type === 'text_delta').map((e) => e.data['delta'].text);
    expect(textDeltas).toHaveLength(2);
    expect(textDeltas.join('')).toBe('Echo: plain words here');
  });

  it('is only for models listing /v1/messages; validates the body', async () => {
    const haiku = await post('/v1/messages', { ...base, model: 'claude-haiku-4.5', messages: [{ role: 'user', content: 'x' }] });
    expect(haiku.status).toBe(400);
    expect(haiku.body['error']['code']).toBe('unsupported_api_for_model');
    expect((await post('/v1/messages', { ...base, model: 'nope', messages: [{ role: 'user', content: 'x' }] })).body['error']['code']).toBe('model_not_supported');
    expect((await post('/v1/messages', { ...base, messages: [] })).body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await post('/v1/messages', { model: 'claude-sonnet-4.5', messages: [{ role: 'user', content: 'x' }] })).status).toBe(400);
  });

  it('requires the vision header for image blocks', async () => {
    const messages = [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text: 'what' }] }];
    expect((await post('/v1/messages', { ...base, messages })).status).toBe(400);
    expect((await post('/v1/messages', { ...base, messages }, { 'copilot-vision-request': 'true' })).status).toBe(200);
  });
});
