import { describe, expect, it } from 'vitest';
import { findStringValue } from './json-bytes.js';
import { NativeStreamTap, tapNativeBody } from './native-tap.js';

/** Runs an SSE text through the tap in `size`-byte pieces and joins what it forwards. */
function through(tap: NativeStreamTap, text: string, size: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const forwarded = tap.push(bytes.subarray(i, i + size));
    if (forwarded) out.push(forwarded);
  }
  const rest = tap.end();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString('utf8');
}

const chat = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-2024-11-20', choices: [{ index: 0, delta }], ...extra })}\n\n`;

describe('NativeStreamTap', () => {
  it('rewrites the served model id to the caller’s in every chunk, at any chunk boundary, and reads the final usage', () => {
    const text = chat({ role: 'assistant', content: 'say "model":"x" é' }) + chat({ content: ' done' }) + `data: ${JSON.stringify({ id: 'c1', model: 'gpt-4o-2024-11-20', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } }, copilot_usage: { total_nano_aiu: 77 } })}\n\ndata: [DONE]\n\n`;
    for (const size of [1, 7, 64, 10_000]) {
      const tap = new NativeStreamTap('chat', 'gpt-4o');
      const out = through(tap, text, size);
      expect(out).toBe(text.replaceAll('"model":"gpt-4o-2024-11-20"', '"model":"gpt-4o"'));
      expect(out).toContain('say \\"model\\":\\"x\\" é');
      expect(tap.usage).toMatchObject({ inputTokens: 9, outputTokens: 4, cachedTokens: 2, nanoAiu: 77 });
    }
  });

  it('leaves the bytes alone when the ids already match, and passes a malformed line through verbatim', () => {
    const text = `${chat({ content: 'a' }).replace('gpt-4o-2024-11-20', 'gpt-4o')}data: {not json\n\n`;
    const tap = new NativeStreamTap('chat', 'gpt-4o');
    expect(through(tap, text, 5)).toBe(text);
    expect(tap.sawUsage).toBe(false);
  });

  it('Messages: model in message_start only, usage from message_start and message_delta, never a tool input', () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4.5', content: [], usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'set', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"model":"claude-sonnet-4.5"}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 12 }, copilot_usage: { total_nano_aiu: 5 } },
    ];
    const text = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const tap = new NativeStreamTap('messages', 'claude-sonnet-4-5-20250929');
    const out = through(tap, text, 13);
    expect(out).toContain('"model":"claude-sonnet-4-5-20250929"');
    expect(out).toContain('"partial_json":"{\\"model\\":\\"claude-sonnet-4.5\\"}"');
    expect(tap.usage).toMatchObject({ inputTokens: 15, cachedTokens: 5, outputTokens: 12, nanoAiu: 5 });
  });
});

describe('tapNativeBody', () => {
  it('rewrites only the top-level model and reads usage (not a tool input that happens to say "model")', () => {
    const body = Buffer.from(JSON.stringify({ id: 'msg_1', type: 'message', content: [{ type: 'tool_use', id: 't', name: 'set', input: { model: 'claude-sonnet-4.5' } }], model: 'claude-sonnet-4.5', usage: { input_tokens: 3, output_tokens: 4 }, copilot_usage: { total_nano_aiu: 9 } }));
    const tapped = tapNativeBody('messages', body, 'claude-sonnet-4-5');
    const parsed = JSON.parse(tapped.body.toString()) as { model: string; content: Array<{ input: { model: string } }> };
    expect(parsed.model).toBe('claude-sonnet-4-5');
    expect(parsed.content[0]!.input.model).toBe('claude-sonnet-4.5');
    expect(tapped.usage).toMatchObject({ inputTokens: 3, outputTokens: 4, nanoAiu: 9 });
    expect(tapNativeBody('messages', body, 'x', false).usage).toBeNull();
  });

  it('with the body already parsed: the same usage and rewrite, and the very bytes when the id matches', () => {
    const answer = { id: 'c', object: 'chat.completion', model: 'gpt-4o', choices: [{ message: { role: 'assistant', content: '"model":"gpt-4o"' } }], usage: { prompt_tokens: 2, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 1 } }, copilot_usage: { total_nano_aiu: 5 } };
    const body = Buffer.from(JSON.stringify(answer));
    const same = tapNativeBody('chat', body, 'gpt-4o', true, answer);
    expect(same.body).toBe(body);
    expect(same.usage).toEqual(tapNativeBody('chat', body, 'gpt-4o').usage);
    expect(same.usage).toMatchObject({ inputTokens: 2, outputTokens: 3, cachedTokens: 1, nanoAiu: 5 });
    const renamed = tapNativeBody('chat', body, 'GPT-4o', true, answer);
    expect(renamed.body.equals(tapNativeBody('chat', body, 'GPT-4o').body)).toBe(true);
    expect(JSON.parse(renamed.body.toString())).toEqual({ ...answer, model: 'GPT-4o' });
    const bare = { id: 'c', choices: [] };
    expect(tapNativeBody('chat', Buffer.from(JSON.stringify(bare)), 'gpt-4o', true, bare)).toEqual({ body: Buffer.from(JSON.stringify(bare)), usage: null });
  });

  it('findStringValue skips strings and respects depth', () => {
    const line = Buffer.from('{"a":"\\"model\\":\\"no\\"","b":{"model":"deep"},"model":"top"}');
    const span = findStringValue(line, Buffer.from('model'), 1)!;
    expect(line.toString('utf8', span.start, span.end)).toBe('top');
    const deep = findStringValue(line, Buffer.from('model'), 2)!;
    expect(line.toString('utf8', deep.start, deep.end)).toBe('deep');
  });
});
