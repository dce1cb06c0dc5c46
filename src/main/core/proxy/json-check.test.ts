import { describe, expect, it } from 'vitest';
import { isJsonContainer } from './json-check.js';

/** The reference: what the check replaces (JSON.parse with an object or array result). */
function oracle(bytes: Buffer): boolean {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

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

describe('isJsonContainer', () => {
  it('accepts valid JSON objects and arrays, as JSON.parse does', () => {
    for (const text of SAMPLES) {
      expect(isJsonContainer(Buffer.from(text)), text).toBe(true);
      expect(oracle(Buffer.from(text))).toBe(true);
    }
  });

  it('rejects malformed JSON and non-container top-level values, as JSON.parse does', () => {
    for (const text of INVALID) {
      const bytes = Buffer.from(text);
      expect(isJsonContainer(bytes), JSON.stringify(text)).toBe(oracle(bytes));
      expect(isJsonContainer(bytes), JSON.stringify(text)).toBe(false);
    }
  });

  it('rejects every truncation of a valid answer', () => {
    for (const text of SAMPLES) {
      const bytes = Buffer.from(text);
      for (let end = 0; end < bytes.length; end++) {
        const cut = bytes.subarray(0, end);
        expect(isJsonContainer(cut), `${text} cut at ${end}`).toBe(oracle(cut));
      }
    }
  });

  it('agrees with JSON.parse on thousands of seeded random byte mutations', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = Buffer.from('{}[]",:\\/ -+.0123456789eEtruefalsnl\n\t\rabu\u00e9');
    for (let round = 0; round < 5000; round++) {
      const bytes = Buffer.from(SAMPLES[rand(SAMPLES.length)]!);
      const edits = 1 + rand(3);
      for (let k = 0; k < edits; k++) {
        const at = rand(bytes.length);
        bytes[at] = rand(4) === 0 ? rand(256) : alphabet[rand(alphabet.length)]!;
      }
      expect(isJsonContainer(bytes), bytes.toString('latin1')).toBe(oracle(bytes));
    }
  });
});
