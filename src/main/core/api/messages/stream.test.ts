import { describe, expect, it } from 'vitest';
import type { ChatStreamChunk } from '../chat/types.js';
import { SseParser } from '../sse-parser.js';
import type { IrEvent } from '../ir.js';
import { StreamTranslation } from '../translate-stream.js';
import { formatEvent } from './stream.js';
import type { AnthropicEvent } from './stream.js';

/** Upstream SSE text for a list of chunks, ending in [DONE]. */
const sse = (chunks: ChatStreamChunk[], done = true): string => chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');

/** Parses the Anthropic SSE frames the encoder wrote. */
function parseFrames(text: string): AnthropicEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as AnthropicEvent);
}

/**
 * Runs raw chat upstream bytes through the chat → Messages translation, in `pieceSize` pieces;
 * an answer the upstream didn't count is metered with `countTokens` as the relay does with its worker.
 */
function run(raw: string, options: { stopSequences?: string[]; pieceSize?: number; countTokens?: (text: string) => number } = {}): AnthropicEvent[] {
  const translation = new StreamTranslation('chat', 'messages', { model: 'claude-haiku-4-5', inputTokens: 42, localStop: options.stopSequences, meterOutput: true });
  const settle = (events: IrEvent[]) => {
    const unmetered = translation.unmetered(events);
    if (unmetered !== null) translation.meter(events, options.countTokens ? options.countTokens(unmetered) : 0);
    return translation.encode(events);
  };
  let out = '';
  const bytes = Buffer.from(raw, 'utf8');
  const size = options.pieceSize ?? bytes.length;
  for (let i = 0; i < bytes.length && !translation.done && !translation.stopped; i += size) out += settle(translation.decode(bytes.subarray(i, i + size)));
  if (!translation.done) out += settle(translation.decodeEnd());
  return parseFrames(out).map((e) => (e.type === 'message_start' ? { ...e, message: { ...(e.message as object), id: 'msg_test' } } : e));
}

const types = (events: AnthropicEvent[]) => events.map((e) => (e.type === 'content_block_delta' ? `delta:${(e.delta as { type: string }).type}@${String(e.index)}` : e.type.startsWith('content_block') ? `${e.type}@${String(e.index)}` : e.type));
const last = (events: AnthropicEvent[], type: string) => events.filter((e) => e.type === type).at(-1)!;
const usage = { prompt_tokens: 50, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 10 } };

describe('chat stream → Messages events', () => {
  it('text only: exact order, and real usage in message_delta', () => {
    const events = run(sse([
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] },
      { choices: [{ index: 0, delta: { content: 'lo' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage },
    ]));
    expect(types(events)).toEqual(['message_start', 'ping', 'content_block_start@0', 'delta:text_delta@0', 'delta:text_delta@0', 'content_block_stop@0', 'message_delta', 'message_stop']);
    expect(events[0]).toMatchObject({ message: { id: 'msg_test', model: 'claude-haiku-4-5', role: 'assistant', content: [], usage: { input_tokens: 42 } } });
    expect(events[2]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(last(events, 'message_delta')).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 40, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
    });
  });

  it('thinking + text: a thinking block with its signature, then a text block', () => {
    const events = run(sse([
      { choices: [{ index: 0, delta: { reasoning_text: 'Let me ' } }] },
      { choices: [{ index: 0, delta: { reasoning_text: 'think.' } }] },
      { choices: [{ index: 0, delta: { reasoning_opaque: 'opaque-sig' } }] },
      { choices: [{ index: 0, delta: { content: 'Answer.' }, finish_reason: 'stop' }], usage },
    ]));
    expect(types(events)).toEqual([
      'message_start', 'ping',
      'content_block_start@0', 'delta:thinking_delta@0', 'delta:thinking_delta@0', 'delta:signature_delta@0', 'content_block_stop@0',
      'content_block_start@1', 'delta:text_delta@1', 'content_block_stop@1',
      'message_delta', 'message_stop',
    ]);
    expect(events[2]).toMatchObject({ content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(events[5]).toMatchObject({ delta: { type: 'signature_delta', signature: 'opaque-sig' } });
  });

  it('text + two tool calls: each call opens its own block, partial_json concatenates to the arguments', () => {
    const args1 = '{"path":"src","recursive":true}';
    const args2 = '{"file":"a.txt"}';
    const events = run(sse([
      { choices: [{ index: 0, delta: { content: 'Checking.' } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'ls', arguments: '' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args1.slice(0, 10) } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args1.slice(10) } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'read', arguments: args2.slice(0, 5) } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: args2.slice(5) } }] }, finish_reason: 'tool_calls' }] },
      { choices: [], usage },
    ]), { pieceSize: 7 });
    expect(types(events)).toEqual([
      'message_start', 'ping',
      'content_block_start@0', 'delta:text_delta@0', 'content_block_stop@0',
      'content_block_start@1', 'delta:input_json_delta@1', 'delta:input_json_delta@1', 'content_block_stop@1',
      'content_block_start@2', 'delta:input_json_delta@2', 'delta:input_json_delta@2', 'content_block_stop@2',
      'message_delta', 'message_stop',
    ]);
    expect(events[5]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'ls', input: {} } });
    const json = (index: number) => events.filter((e) => e.type === 'content_block_delta' && e.index === index).map((e) => (e.delta as { partial_json: string }).partial_json).join('');
    expect(JSON.parse(json(1))).toEqual(JSON.parse(args1));
    expect(json(2)).toBe(args2);
    expect(last(events, 'message_delta')).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } });
  });

  it('split choices: text in choice 0 and a tool call in choice 1 are both read', () => {
    const events = run(sse([
      { choices: [{ index: 0, delta: { content: 'I will call a tool.' } }, { index: 1, delta: { tool_calls: [{ index: 0, id: 'call_x', function: { name: 'run', arguments: '{"input":"go"}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }, { index: 1, delta: {}, finish_reason: 'tool_calls' }], usage },
    ]));
    expect(types(events)).toEqual([
      'message_start', 'ping',
      'content_block_start@0', 'delta:text_delta@0', 'content_block_stop@0',
      'content_block_start@1', 'delta:input_json_delta@1', 'content_block_stop@1',
      'message_delta', 'message_stop',
    ]);
    expect(last(events, 'message_delta')).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('length stop → max_tokens', () => {
    const events = run(sse([{ choices: [{ index: 0, delta: { content: 'trunc' }, finish_reason: 'length' }], usage }]));
    expect(last(events, 'message_delta')).toMatchObject({ delta: { stop_reason: 'max_tokens', stop_sequence: null } });
  });

  it('stop_sequence: text before a sequence split across chunks is sent, the rest is not', () => {
    const events = run(sse([
      { choices: [{ index: 0, delta: { content: 'Result: 4 </ans' } }] },
      { choices: [{ index: 0, delta: { content: 'wer> more text' } }] },
      { choices: [{ index: 0, delta: { content: ' even more' }, finish_reason: 'stop' }], usage },
    ]), { stopSequences: ['</answer>'] });
    const text = events.filter((e) => e.type === 'content_block_delta').map((e) => (e.delta as { text: string }).text).join('');
    expect(text).toBe('Result: 4 ');
    expect(types(events)).toEqual(['message_start', 'ping', 'content_block_start@0', 'delta:text_delta@0', 'delta:text_delta@0', 'content_block_stop@0', 'message_delta', 'message_stop']);
    expect(last(events, 'message_delta')).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: '</answer>' } });
  });

  it('malformed SSE → a terminal error event', () => {
    const raw = `: keep-alive comment\n\ndata: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'ok' } }] })}\r\n\r\ndata: {not json\n\ndata: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'never' } }] })}\n\n`;
    const events = run(raw);
    expect(types(events)).toEqual(['message_start', 'ping', 'content_block_start@0', 'delta:text_delta@0', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'api_error', message: 'The Copilot API sent a malformed stream event.' } });
  });

  it('upstream error mid-stream → error event (overloaded when it says so); a body cut short → api_error', () => {
    const overloaded = run(`${sse([{ choices: [{ index: 0, delta: { content: 'a' } }] }], false)}data: {"error":{"message":"Model is overloaded","code":"model_overloaded"}}\n\n`);
    expect(overloaded.at(-1)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Model is overloaded' } });
    const cut = run(sse([{ choices: [{ index: 0, delta: { content: 'a' } }] }], false));
    expect(cut.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(types(cut)).not.toContain('message_stop');
  });

  it('a stream ending after finish_reason without [DONE] still completes; output estimate without usage', () => {
    const events = run(sse([{ choices: [{ index: 0, delta: { content: 'abcd' }, finish_reason: 'stop' }] }], false), { countTokens: (t) => t.length });
    expect(last(events, 'message_delta')).toMatchObject({ usage: { input_tokens: 42, output_tokens: 4 } });
    expect(formatEvent({ type: 'ping' })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });

  it('an answer the upstream didn’t count is metered before message_delta (the count of <|endoftext|> text included)', () => {
    const events = run(sse([{ choices: [{ index: 0, delta: { content: 'a <|endoftext|> b' }, finish_reason: 'stop' }] }], false), { countTokens: (t) => t.split(' ').length });
    expect(events.at(-1)).toEqual({ type: 'message_stop' });
    expect(last(events, 'message_delta')).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 42, output_tokens: 3 } });
  });
});

describe('SseParser', () => {
  it('handles splits inside multi-byte characters, CRLF, comments and multi-line data', () => {
    const parser = new SseParser();
    const raw = Buffer.from(': hi\r\nevent: x\r\ndata: {"t":"é€"}\r\n\r\ndata: a\ndata: b\n\ndata: tail', 'utf8');
    const messages = [];
    for (let i = 0; i < raw.length; i++) messages.push(...parser.push(raw.subarray(i, i + 1)));
    messages.push(...parser.end());
    expect(messages).toEqual([{ event: 'x', data: '{"t":"é€"}' }, { data: 'a\nb' }, { data: 'tail' }]);
  });
});
