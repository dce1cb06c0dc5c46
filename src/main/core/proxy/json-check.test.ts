import { describe, expect, it } from 'vitest';
import { parseJsonContainer } from './json-check.js';

const isJsonContainer = (bytes: Buffer) => parseJsonContainer(bytes) !== undefined;

const SAMPLES = [
  '{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"pong \\"quoted\\" \\u00e9 \\n é 😀"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
  ' [1, -0, 0.5, -1.25e+10, 3E-2, 2e5, true, false, null, "", {}, [], [[]], {"a":{"b":[{}]}}] \r\n\t',
  '{"data":[{"embedding":[0.1,-0.2,1e-7],"index":0}],"error":null,"s":"\\/\\b\\f\\r\\t\\\\"}',
  '{}',
  '[]',
];

const INVALID = [
  '', ' ', 'null', 'true', '1', '"str"', '{', '[', '{"a":1', '{"a":1,}', '[1,]', '[,1]', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":01}',
  '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":-}', '{"a":+1}', '{"a":tru}', '{"a":nul}', '{"a":"\\x"}', '{"a":"\\u12"}', '{"a":"\\u12g4"}',
  '{"a":"line\nbreak"}', '{"a":"tab\there"}', '{"a":1}{}', '{"a":1} x', '[1 2]', '{"a":1 "b":2}', '{,}', '[}', '{]', '\uFEFF{}', '{"a":NaN}',
  '{"a":Infinity}', '{"a":1}]', '[1]]', '{"a":[1}', '{"a":"unterminated}', '{"a":1,"b"}', '{"a":1,"b":}', '[-]', '[1e+]', '[00]',
];

describe('parseJsonContainer', () => {
  it('accepts valid JSON objects and arrays, as JSON.parse does', () => {
    for (const text of SAMPLES) {
      expect(isJsonContainer(Buffer.from(text)), text).toBe(true);
    }
  });

  it('rejects malformed JSON and non-container top-level values, as JSON.parse does', () => {
    for (const text of INVALID) {
      const bytes = Buffer.from(text);
      expect(isJsonContainer(bytes), JSON.stringify(text)).toBe(false);
    }
  });

  it('rejects every truncation of a valid answer (except where a prefix is itself complete)', () => {
    for (const text of SAMPLES) {
      const bytes = Buffer.from(text.trimEnd());
      for (let end = 0; end < bytes.length; end++) expect(isJsonContainer(bytes.subarray(0, end)), `${text} cut at ${end}`).toBe(false);
    }
  });

  it('reads a view into a larger buffer by its own bounds', () => {
    const whole = Buffer.from('xx{"a":1}yy');
    expect(parseJsonContainer(whole.subarray(2, 9))).toEqual({ a: 1 });
  });
});
