import { describe, expect, it } from 'vitest';
import { decodeChatResponse } from '../chat/response.js';
import type { Json } from '../json.js';
import { applyStopSequences } from '../stop-sequences.js';
import { decodeMessagesResponse, encodeMessagesResponse, irUsageToAnthropic, parseToolInput } from './response.js';

/** Copilot chat answer → Anthropic message, as the relay translates it (stop sequences applied locally). */
const toAnthropicResponse = (chat: Json, context: { model: string; stopSequences?: string[] }) =>
  encodeMessagesResponse(applyStopSequences(decodeChatResponse(chat), context.stopSequences), { model: context.model });

describe('chat answer → Anthropic message', () => {
  it('merges all choices: thinking first, then text, then tool_use, with usage mapped', () => {
    const message = toAnthropicResponse(
      {
        id: 'chatcmpl-1',
        choices: [
          { index: 1, message: { tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } }] }, finish_reason: 'tool_calls' },
          { index: 0, message: { content: 'Let me look.', reasoning_text: 'I should list.', reasoning_opaque: 'sig' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 120, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 100 } },
      },
      { model: 'claude-haiku-4-5' },
    );
    expect(message).toEqual({
      id: 'msg_chatcmpl1',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [
        { type: 'thinking', thinking: 'I should list.', signature: 'sig' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'call_1', name: 'ls', input: { path: '.' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
    });
  });

  it('maps finish reasons', () => {
    const reason = (finish: string) => toAnthropicResponse({ choices: [{ message: { content: 'x' }, finish_reason: finish }] }, { model: 'm' }).stop_reason;
    expect(reason('stop')).toBe('end_turn');
    expect(reason('length')).toBe('max_tokens');
    expect(reason('content_filter')).toBe('end_turn');
  });

  it('survives truncated tool arguments (max_tokens) instead of failing', () => {
    const message = toAnthropicResponse(
      { choices: [{ message: { tool_calls: [{ id: 'c', function: { name: 'write', arguments: '{"path":"a.t' } }] }, finish_reason: 'length' }] },
      { model: 'm' },
    );
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content).toEqual([{ type: 'tool_use', id: 'c', name: 'write', input: { _unparsed_arguments: '{"path":"a.t' } }]);
    expect(parseToolInput('')).toEqual({});
    expect(parseToolInput('42')).toEqual({ value: 42 });
  });

  it('reports the caller stop sequence that ended the text and cuts there', () => {
    const message = toAnthropicResponse({ choices: [{ message: { content: 'one two STOP three' }, finish_reason: 'stop' }] }, { model: 'm', stopSequences: ['NEVER', 'STOP'] });
    expect(message.content).toEqual([{ type: 'text', text: 'one two ' }]);
    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('STOP');
    const natural = toAnthropicResponse({ choices: [{ message: { content: 'one two' }, finish_reason: 'stop' }] }, { model: 'm', stopSequences: ['STOP'] });
    expect(natural.stop_reason).toBe('end_turn');
    expect(natural.stop_sequence).toBeNull();
  });

  it('maps missing usage to zeros', () => {
    expect(irUsageToAnthropic(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});

describe('Messages adapter alone', () => {
  it('decodes an Anthropic message and encodes it back unchanged (ids, thinking signature, cache usage)', () => {
    const original = {
      id: 'msg_abc',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4.5',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'c2ln' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'ls', input: { path: '.' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 9, cache_creation_input_tokens: 2, cache_read_input_tokens: 40 },
      copilot_usage: { total_nano_aiu: 1234 },
    };
    const ir = decodeMessagesResponse(original);
    expect(ir.usage).toEqual({ inputTokens: 47, outputTokens: 9, cachedTokens: 40, cacheCreationTokens: 2, nanoAiu: 1234 });
    const { copilot_usage: _ignored, ...expected } = original;
    expect(encodeMessagesResponse(ir, { model: 'claude-sonnet-4.5' })).toEqual(expected);
  });
});
