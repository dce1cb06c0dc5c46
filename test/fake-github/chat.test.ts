import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { parseSse, postCapi, sessionToken } from './test-helpers.js';

let fake: FakeUpstream;
let bearer: string;
beforeEach(async () => {
  fake = await startFakeUpstream();
  bearer = await sessionToken(fake);
});
afterEach(async () => {
  await fake.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function chat(body: Json): Promise<{ status: number; body: Json }> {
  const res = await postCapi(fake, '/chat/completions', body, bearer);
  return { status: res.status, body: (await res.json()) as Json };
}

async function chatStream(body: Json): Promise<Json[]> {
  const res = await postCapi(fake, '/chat/completions', { ...body, stream: true }, bearer);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events = parseSse(await res.text());
  expect(events.at(-1)?.data).toBe('[DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e.data) as Json);
}

const user = (content: unknown) => ({ role: 'user', content });
const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { input: { type: 'string' } } } } };
const tool2 = { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } };

describe('chat completions (non-stream)', () => {
  it('echoes the last user text with usage', async () => {
    const { status, body } = await chat({ model: 'gpt-4o', messages: [{ role: 'system', content: 'be brief' }, user('hello there')] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o' });
    expect(body['choices']).toEqual([{ index: 0, message: { role: 'assistant', content: 'Echo: hello there' }, finish_reason: 'stop' }]);
    expect(body['usage']).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('reads text parts and echoes the last tool result', async () => {
    const parts = await chat({ model: 'gpt-4o', messages: [user([{ type: 'text', text: 'part one' }, { type: 'text', text: 'two' }])] });
    expect(parts.body['choices'][0].message.content).toBe('Echo: part one two');
    const afterTool = await chat({
      model: 'gpt-4o',
      tools: [tool],
      messages: [
        user('weather?'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(afterTool.body['choices'][0]).toMatchObject({ message: { content: 'Echo: sunny' }, finish_reason: 'stop' });
  });

  it('calls the first tool, or the named one, unless tool_choice is none', async () => {
    const first = await chat({ model: 'gpt-4o', tools: [tool, tool2], messages: [user('in Paris')] });
    const choice = first.body['choices'][0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"input":"in Paris"}' } }]);
    const named = await chat({ model: 'gpt-4o', tools: [tool, tool2], tool_choice: { type: 'function', function: { name: 'get_time' } }, messages: [user('now')] });
    expect(named.body['choices'][0].message.tool_calls[0].function.name).toBe('get_time');
    const none = await chat({ model: 'gpt-4o', tools: [tool], tool_choice: 'none', messages: [user('no tools')] });
    expect(none.body['choices'][0].message).toEqual({ role: 'assistant', content: 'Echo: no tools' });
  });

  it('splits text and tool call into two choices with splitChoices', async () => {
    fake.knobs.splitChoices = true;
    const { body } = await chat({ model: 'claude-sonnet-4.5', tools: [tool], messages: [user('x')] });
    expect(body['choices']).toHaveLength(2);
    expect(body['choices'][0]).toMatchObject({ index: 0, message: { content: 'Calling get_weather.' } });
    expect(body['choices'][1]).toMatchObject({ index: 1, message: { tool_calls: [{ function: { name: 'get_weather' } }] }, finish_reason: 'tool_calls' });
  });

  it('adds reasoning_text only for thinking models asked to reason', async () => {
    const thinking = await chat({ model: 'gpt-5-mini', reasoning_effort: 'low', messages: [user('why')] });
    expect(thinking.body['choices'][0].message.reasoning_text).toBe('Thinking about: why');
    const budget = await chat({ model: 'claude-sonnet-4.5', thinking_budget: 2000, messages: [user('hmm')] });
    expect(budget.body['choices'][0].message.reasoning_text).toBe('Thinking about: hmm');
    const plain = await chat({ model: 'gpt-5-mini', messages: [user('why')] });
    expect(plain.body['choices'][0].message.reasoning_text).toBeUndefined();
    const noThink = await chat({ model: 'gpt-4o', reasoning_effort: 'low', messages: [user('why')] });
    expect(noThink.body['choices'][0].message.reasoning_text).toBeUndefined();
  });

  it('honours stop strings and max tokens', async () => {
    const stopped = await chat({ model: 'gpt-4o', stop: ['three', 'two'], messages: [user('one two three four')] });
    expect(stopped.body['choices'][0]).toMatchObject({ message: { content: 'Echo: one ' }, finish_reason: 'stop' });
    const cut = await chat({ model: 'gpt-4o', max_tokens: 3, messages: [user('one two three four')] });
    expect(cut.body['choices'][0]).toMatchObject({ message: { content: 'Echo: one two' }, finish_reason: 'length' });
    expect(cut.body['usage'].completion_tokens).toBe(3);
    const cut2 = await chat({ model: 'gpt-5-mini', max_completion_tokens: 2, messages: [user('one two three four')] });
    expect(cut2.body['choices'][0]).toMatchObject({ message: { content: 'Echo: one' }, finish_reason: 'length' });
    const roomy = await chat({ model: 'gpt-4o', max_tokens: 50, messages: [user('short')] });
    expect(roomy.body['choices'][0].finish_reason).toBe('stop');
  });

  it('reports cached tokens from the knob', async () => {
    fake.knobs.cachedTokens = 2;
    const { body } = await chat({ model: 'gpt-4o', messages: [user('a b c')] });
    expect(body['usage'].prompt_tokens_details.cached_tokens).toBe(2);
  });

  it('rejects unknown or unsuitable models and empty messages', async () => {
    for (const model of ['nope', 'text-embedding-3-small', 'broken-capabilities']) {
      const res = await chat({ model, messages: [user('x')] });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { message: 'The requested model is not supported.', code: 'model_not_supported' } });
    }
    // A Responses-only model on chat completions: Copilot's own code for it (copilot-protocol.md, "2026 changes").
    for (const model of ['gpt-5.1-codex', 'gpt-5-codex', 'gpt-5.4']) {
      const res = await chat({ model, messages: [user('x')] });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { message: `model ${model} does not support Chat Completions API.`, code: 'unsupported_api_for_model' } });
    }
    expect((await chat({ model: 'auto', messages: [user('x')] })).status).toBe(200);
    expect((await chat({ model: 'gpt-4o', messages: [] })).status).toBe(400);
    expect((await chat({ model: 'gpt-4o' })).status).toBe(400);
  });
});

describe('chat completions (stream)', () => {
  it('streams text in streamChunks chunks, a finish chunk and a usage-only chunk', async () => {
    fake.knobs.streamChunks = 4;
    const chunks = await chatStream({ model: 'gpt-4o', messages: [user('alpha beta gamma delta epsilon')] });
    const content = chunks.filter((c) => c['choices'][0]?.delta?.content);
    expect(content).toHaveLength(4);
    expect(content[0]!['choices'][0].delta.role).toBe('assistant');
    expect(content.map((c) => c['choices'][0].delta.content).join('')).toBe('Echo: alpha beta gamma delta epsilon');
    const finish = chunks.at(-2)!;
    expect(finish['choices']).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    const usage = chunks.at(-1)!;
    expect(usage['choices']).toEqual([]);
    expect(usage['usage']).toMatchObject({ prompt_tokens: 5, completion_tokens: 6 });
    expect(chunks.every((c) => c['object'] === 'chat.completion.chunk' && c['id'] === chunks[0]!['id'])).toBe(true);
  });

  it('streams a tool call as a head delta and argument fragments', async () => {
    const chunks = await chatStream({ model: 'gpt-4o', tools: [tool], messages: [user('in Oslo today')] });
    const calls = chunks.flatMap((c) => c['choices'].flatMap((ch: Json) => ch.delta?.tool_calls ?? []));
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c: Json) => c.function.arguments).join('')).toBe('{"input":"in Oslo today"}');
    expect(chunks.at(-2)!['choices'][0].finish_reason).toBe('tool_calls');
  });

  it('streams text and tool call in separate choices with splitChoices', async () => {
    fake.knobs.splitChoices = true;
    const chunks = await chatStream({ model: 'claude-sonnet-4.5', tools: [tool], messages: [user('go')] });
    const byIndex = (i: number) => chunks.flatMap((c) => c['choices'].filter((ch: Json) => ch.index === i));
    expect(byIndex(0).map((ch: Json) => ch.delta.content ?? '').join('')).toBe('Calling get_weather.');
    expect(byIndex(1).some((ch: Json) => ch.delta.tool_calls?.[0]?.function?.name === 'get_weather')).toBe(true);
    expect(chunks.at(-2)!['choices']).toEqual([
      { index: 0, delta: {}, finish_reason: 'tool_calls' },
      { index: 1, delta: {}, finish_reason: 'tool_calls' },
    ]);
  });

  it('streams reasoning_text deltas before the content', async () => {
    const chunks = await chatStream({ model: 'gpt-5-mini', reasoning_effort: 'high', messages: [user('think')] });
    const reasoning = chunks.map((c) => c['choices'][0]?.delta?.reasoning_text ?? '').join('');
    expect(reasoning).toBe('Thinking about: think');
    const firstContent = chunks.findIndex((c) => c['choices'][0]?.delta?.content);
    const lastReasoning = chunks.findLastIndex((c) => c['choices'][0]?.delta?.reasoning_text);
    expect(lastReasoning).toBeLessThan(firstContent);
  });
});
