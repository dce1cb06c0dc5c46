import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';
import type { SseMessage } from './sse-parser.js';

/** Feeds `bytes` in pieces cut at `cuts` and returns every message, the end included. */
function parse(bytes: Buffer, cuts: number[]): SseMessage[] {
  const parser = new SseParser();
  const out: SseMessage[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return [...out, ...parser.end()];
}

describe('SseParser', () => {
  const stream = Buffer.from('\ufeffevent: a\ndata: {"t":"é€😀"}\r\n\r\n: comment\ndata: one\ndata: two\n\ndata: last', 'utf8');
  const expected = parse(stream, []);

  it('reads events, multi-line data, CRLF, comments, a BOM and a final event without its blank line', () => {
    expect(expected.map((m) => [m.event, m.data])).toEqual([
      ['a', '{"t":"é€😀"}'],
      [undefined, 'one\ntwo'],
      [undefined, 'last'],
    ]);
  });

  it('gives the same messages wherever the bytes are cut (inside a character, between \\r and \\n)', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 7) expect(parse(stream, [a, b])).toEqual(expected);
    }
  });

  it('a long line in many small chunks (a big tool call) comes out whole', () => {
    const data = JSON.stringify({ arguments: 'x€'.repeat(200_000) });
    const bytes = Buffer.from(`data: ${data}\n\n`, 'utf8');
    const cuts = Array.from({ length: Math.floor(bytes.length / 1000) }, (_, i) => (i + 1) * 1000 - 1);
    const messages = parse(bytes, cuts);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.data).toBe(data);
  });
});
