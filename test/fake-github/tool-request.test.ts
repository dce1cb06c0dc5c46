import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, toolCallPrompt } from './index.js';
import type { FakeUpstream } from './index.js';
import { postCapi, sessionToken } from './test-helpers.js';
import { pickTool } from './tool-request.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('pickTool', () => {
  it('always: the forced tool, else the first, with the user text as input', () => {
    expect(pickTool('always', 'hi', ['a', 'b'], null)).toEqual({ kind: 'call', name: 'a', arguments: '{"input":"hi"}' });
    expect(pickTool('always', 'hi', ['a', 'b'], 'b')).toEqual({ kind: 'call', name: 'b', arguments: '{"input":"hi"}' });
    expect(pickTool('always', 'hi', [], null)).toBeNull();
  });

  it('when-asked: only the marker calls, with exactly its arguments, and only an offered tool', () => {
    expect(pickTool('when-asked', 'just answer', ['Read'], null)).toBeNull();
    const prompt = `Please ${toolCallPrompt('Read', { file_path: '/tmp/x y.txt', nested: { a: [1] } })} now`;
    expect(pickTool('when-asked', prompt, ['Bash', 'Read'], null)).toEqual({ kind: 'call', name: 'Read', arguments: '{"file_path":"/tmp/x y.txt","nested":{"a":[1]}}' });
    expect(pickTool('when-asked', prompt, ['Bash'], null)).toEqual({ kind: 'refused', text: 'Fake upstream: tool Read was not offered (offered: Bash)' });
    expect(pickTool('when-asked', '<<call Read {not json}>>', ['Read'], null)).toMatchObject({ kind: 'refused', text: expect.stringContaining('not JSON') });
    // A prompt the client quoted as a JSON string (opencode does): the escapes are undone once.
    expect(pickTool('when-asked', JSON.stringify(prompt), ['Read'], null)).toEqual({ kind: 'call', name: 'Read', arguments: '{"file_path":"/tmp/x y.txt","nested":{"a":[1]}}' });
  });
});

describe('toolCallMode when-asked on every API', () => {
  let fake: FakeUpstream;
  let bearer: string;
  beforeAll(async () => {
    fake = await startFakeUpstream({ toolCallMode: 'when-asked' });
    bearer = await sessionToken(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  const post = async (path: string, body: Json): Promise<Json> => (await (await postCapi(fake, path, body, bearer)).json()) as Json;
  const ask = toolCallPrompt('read_file', { path: 'notes.txt' });

  it('chat completions', async () => {
    const tools = [{ type: 'function', function: { name: 'bash', parameters: {} } }, { type: 'function', function: { name: 'read_file', parameters: {} } }];
    const plain = await post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], tools });
    expect(plain['choices'][0].message).toMatchObject({ content: 'Echo: hello' });
    expect(plain['choices'][0].message.tool_calls).toBeUndefined();
    const called = await post('/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: ask }], tools });
    expect(called['choices'][0].finish_reason).toBe('tool_calls');
    expect(called['choices'][0].message.tool_calls[0].function).toEqual({ name: 'read_file', arguments: '{"path":"notes.txt"}' });
  });

  it('responses', async () => {
    const tools = [{ type: 'function', name: 'shell', parameters: {} }, { type: 'function', name: 'read_file', parameters: {} }];
    const plain = await post('/responses', { model: 'gpt-5-mini', input: 'hello', tools });
    expect(plain['output'][0].content[0].text).toBe('Echo: hello');
    const called = await post('/responses', { model: 'gpt-5-mini', input: ask, tools });
    expect(called['output'][0]).toMatchObject({ type: 'function_call', name: 'read_file', arguments: '{"path":"notes.txt"}' });
    const refused = await post('/responses', { model: 'gpt-5-mini', input: ask, tools: tools.slice(0, 1) });
    expect(refused['output'][0].content[0].text).toBe('Fake upstream: tool read_file was not offered (offered: shell)');
  });

  it('messages', async () => {
    const tools = [{ name: 'Bash', input_schema: {} }, { name: 'read_file', input_schema: {} }];
    const plain = await post('/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }], tools });
    expect(plain['content']).toEqual([{ type: 'text', text: 'Echo: hello' }]);
    const called = await post('/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: ask }], tools });
    expect(called['stop_reason']).toBe('tool_use');
    expect(called['content'][0]).toMatchObject({ type: 'tool_use', name: 'read_file', input: { path: 'notes.txt' } });
  });
});
