import { describe, expect, it } from 'vitest';
import { hasImagesAnthropic, hasImagesChat, hasImagesResponses, initiatorForAnthropic, initiatorForChat, initiatorForResponses } from './initiator.js';

describe('initiatorForChat', () => {
  it('is user when the last message is the user turn', () => {
    expect(initiatorForChat([{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }])).toBe('user');
    expect(initiatorForChat([{ role: 'assistant', content: 'a' }, { role: 'user', content: 'again' }])).toBe('user');
  });
  it('is agent when the last message is a tool result or an assistant continuation', () => {
    expect(initiatorForChat([{ role: 'user', content: 'q' }, { role: 'assistant', tool_calls: [] }, { role: 'tool', tool_call_id: 'c', content: '42' }])).toBe('agent');
    expect(initiatorForChat([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'partial' }])).toBe('agent');
  });
  it('defaults to user on odd input', () => {
    expect(initiatorForChat(undefined)).toBe('user');
    expect(initiatorForChat([])).toBe('user');
    expect(initiatorForChat(['x'])).toBe('user');
  });
});

describe('initiatorForResponses', () => {
  it('is agent when the last input item is a function_call_output', () => {
    expect(initiatorForResponses([{ role: 'user', content: 'q' }, { type: 'function_call', call_id: 'c' }, { type: 'function_call_output', call_id: 'c', output: '1' }])).toBe('agent');
  });
  it('is user for a string input or a trailing user message', () => {
    expect(initiatorForResponses('hello')).toBe('user');
    expect(initiatorForResponses([{ type: 'function_call_output', call_id: 'c', output: '1' }, { role: 'user', content: 'next' }])).toBe('user');
  });
});

describe('image detection', () => {
  it('finds image_url parts in chat messages only when present', () => {
    expect(hasImagesChat([{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }])).toBe(true);
    expect(hasImagesChat([{ role: 'user', content: 'image_url in text is not an image' }])).toBe(false);
    expect(hasImagesChat([{ role: 'user', content: [{ type: 'text', text: 'x' }] }])).toBe(false);
  });
  it('finds input_image parts in Responses input', () => {
    expect(hasImagesResponses([{ role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_image', image_url: 'data:,' }] }])).toBe(true);
    expect(hasImagesResponses([{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }])).toBe(false);
    expect(hasImagesResponses('text')).toBe(false);
  });
});

describe('initiatorForAnthropic and hasImagesAnthropic', () => {
  it('is agent only when the last user turn is all tool results, or the last turn is the assistant', () => {
    expect(initiatorForAnthropic([{ role: 'user', content: 'hi' }])).toBe('user');
    expect(initiatorForAnthropic([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'r' }] }])).toBe('agent');
    expect(initiatorForAnthropic([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x' }, { type: 'text', text: 'and' }] }])).toBe('user');
    expect(initiatorForAnthropic([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'prefill' }])).toBe('agent');
    expect(initiatorForAnthropic([])).toBe('user');
  });

  it('skips system messages inside messages (they are not turns)', () => {
    expect(initiatorForAnthropic([{ role: 'user', content: 'hi' }, { role: 'system', content: 'env' }])).toBe('user');
    expect(initiatorForAnthropic([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x' }] }, { role: 'system', content: 'env' }])).toBe('agent');
  });

  it('detects images anywhere', () => {
    expect(hasImagesAnthropic([{ role: 'user', content: 'x' }])).toBe(false);
    expect(hasImagesAnthropic([{ role: 'user', content: [{ type: 'tool_result', content: [{ type: 'image', source: {} }] }] }])).toBe(true);
  });
});
