import { describe, expect, it } from 'vitest';
import { ADAPTERS } from './adapters.js';
import type { GenerationApi, IrEvent, IrStopReason } from './ir.js';
import { JsonScan } from './json-scan.js';
import { StreamTranslation } from './translate-stream.js';
import type { TranslationOptions } from './translate-stream.js';

/**
 * The fast path (delta-reader.ts, fast-delta.ts) against the full path, as properties over random
 * streams: for every translated pair, the same upstream bytes cut at random places give exactly
 * the same caller bytes chunk by chunk with the fast path on and off (relay-minted ids and
 * timestamps aside). The streams carry random text (escapes, controls, emoji, surrogates, CJK,
 * <|endoftext|>), reasoning and tool calls, in upstream shapes the adapters don't produce
 * themselves (shuffled keys, extra and filter members, obfuscation, whitespace, multi-line data,
 * CRLF), and then corrupted (broken JSON, duplicated keys, error members) — the scanner has to
 * refuse what JSON.parse refuses. Seeded: a failure names its seed.
 */

const APIS: GenerationApi[] = ['chat', 'responses', 'messages'];
const PAIRS = APIS.flatMap((upstream) => APIS.filter((client) => client !== upstream).map((client) => [upstream, client] as const));

/** mulberry32: a small seeded generator, so every case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T,>(r: Random, list: readonly T[]): T => list[int(r, list.length)]!;

const PIECES = ['a', 'b', 'Z', ' ', 'word', '"', '\\', '\n', '\r\n', '\t', '/', '\u0001', '\u001f', '\u007f', 'é', '€', '中文', '😀', '👩‍💻', '\ud83d', '\ude00', '\u2028', '<|endoftext|>', '{"x":1}', 'STOP', 'S', 'data: x', '\n\n', 'event: error', ':'];

function text(r: Random): string {
  let out = '';
  const n = 1 + int(r, 6);
  for (let i = 0; i < n; i++) out += pick(r, PIECES);
  return out;
}

/** A random answer as IR events: start, segments of reasoning / text / tool calls, usage, finish. */
function answer(r: Random): IrEvent[] {
  const events: IrEvent[] = [{ type: 'start' }];
  let tools = 0;
  const segments = 1 + int(r, 4);
  for (let s = 0; s < segments; s++) {
    const kind = int(r, 3);
    const deltas = 1 + int(r, 6);
    if (kind === 0) {
      for (let i = 0; i < deltas; i++) events.push({ type: 'reasoning', text: text(r) });
      events.push({ type: 'reasoning_end', signature: r() < 0.7 ? `c2ln${int(r, 1000)}` : undefined });
    } else if (kind === 1) {
      for (let i = 0; i < deltas; i++) events.push({ type: 'text', text: text(r) });
    } else {
      const key = `k${tools++}`;
      events.push({ type: 'tool_call', key, id: `call_${int(r, 1e6)}`, name: pick(r, ['ls', 'read', 'run']) });
      for (let i = 0; i < deltas; i++) events.push({ type: 'tool_args', key, delta: text(r) });
    }
  }
  if (r() < 0.7) events.push({ type: 'usage', usage: { inputTokens: 10 + int(r, 100), outputTokens: 1 + int(r, 50), cachedTokens: int(r, 5), ...(r() < 0.5 ? { nanoAiu: int(r, 1e6) } : {}) } });
  events.push({ type: 'finish', reason: pick<IrStopReason>(r, ['end', 'length', 'tool_use']) });
  return events;
}

const EXTRA: Array<[string, unknown]> = [
  ['obfuscation', 'x'],
  ['logprobs', null],
  ['system_fingerprint', 'fp_1'],
  ['content_filter_offsets', { check_offset: 12, start_offset: 12, end_offset: 30 }],
  ['content_filter_results', { hate: { filtered: false, severity: 'safe' } }],
  ['sequence', -1.5e3],
  ['flags', [true, false, null]],
];

/** A JSON text of `value` with random key order, extra members and whitespace, as `style` says. */
function serialise(value: unknown, r: Random, style: { shuffle: boolean; extras: boolean; space: string }): string {
  if (Array.isArray(value)) return `[${value.map((v) => serialise(v, r, style)).join(`,${style.space}`)}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (style.extras && r() < 0.5) {
    const [key, extra] = pick(r, EXTRA);
    if (!entries.some(([k]) => k === key)) entries.push([key, key === 'obfuscation' ? `o${int(r, 1e6)}` : key === 'content_filter_offsets' ? { check_offset: int(r, 1e4), start_offset: int(r, 1e4), end_offset: int(r, 1e4) } : extra]);
  }
  if (style.shuffle) entries = entries.map((e) => [r(), e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e);
  const s = style.space;
  return `{${s}${entries.map(([k, v]) => `${JSON.stringify(k)}${s}:${s}${serialise(v, r, style)}`).join(`${s},${s}`)}${s}}`;
}

const KEYS = ['content', 'usage', 'delta', 'choices', 'type', 'index', 'text', 'error', 'finish_reason', 'tool_calls', 'function', 'arguments', 'reasoning_text', 'reasoning_content', 'reasoning', 'reasoning_opaque', 'output_index', 'item_id', 'partial_json', 'copilot_usage', 'thinking', 'message'];
const VALUES = ['null', '"dup"', '""', '0', '1', '{}', '[]', 'true', '{"message":"boom"}', '{"prompt_tokens":3}', '[{"index":0,"delta":{"content":"c"}}]', '{"type":"text_delta","text":"d"}', '"error"', '"stop"', '"content_block_delta"', '"response.output_text.delta"'];
const scanner = new JsonScan();

/** Corruptions: each keeps the stream readable as SSE, but may break or change an event's JSON. */
function corrupt(data: string, r: Random): string {
  const at = int(r, data.length + 1);
  switch (int(r, 7)) {
    case 0:
      return data.slice(0, at) + data.slice(at + 1);
    case 1:
      return data.slice(0, at) + pick(r, ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', 'n', 't', '\u0001', '\\u12', '\\x']) + data.slice(at);
    case 2: {
      // A member the full path may act on, added to some object.
      const open = data.indexOf('{', at) >= 0 ? data.indexOf('{', at) : data.indexOf('{');
      if (open < 0) return data;
      const empty = data[open + 1] === '}';
      return `${data.slice(0, open + 1)}"${pick(r, KEYS)}":${pick(r, VALUES)}${empty ? '' : ','}${data.slice(open + 1)}`;
    }
    case 3: {
      // A member given twice, before or after itself (JSON.parse keeps the last).
      const key = pick(r, KEYS);
      const found = data.indexOf(`"${key}":`);
      if (found < 0) return data;
      scanner.s = data;
      const end = scanner.skipValue(scanner.skipSpace(found + key.length + 3));
      scanner.s = '';
      if (end < 0) return data;
      const twin = `"${key}":${pick(r, VALUES)}`;
      return r() < 0.5 ? `${data.slice(0, found)}${twin},${data.slice(found)}` : `${data.slice(0, end)},${twin}${data.slice(end)}`;
    }
    case 4:
      return data.replace(/"(delta|content|text|arguments|partial_json|thinking|reasoning_text)":"/, `"$1":"${pick(r, ['\\ud83d', '\\u00e9', '\\"', '\\/', '\\u00', '\\q'])}`);
    case 5:
      return data.replace(/"(index|output_index)":0/, `"$1":${pick(r, ['01', '1.0', '-1', '1e0', '"0"', 'null', '7', '12345678901'])}`);
    default:
      return `${data.slice(0, at)}${data.slice(at).replace(/null/, pick(r, ['{"message":"boom"}', '"stop"', 'nul', '1']))}`;
  }
}

interface Variant {
  reshape: boolean;
  corrupt: number;
  crlf: boolean;
}

/** The upstream's SSE for an answer, reshaped and corrupted per `variant`. */
function upstreamSse(upstream: GenerationApi, events: IrEvent[], r: Random, variant: Variant): string {
  const raw = ADAPTERS[upstream].streamEncoder({ model: 'up-model' }).encode(events);
  const style = { shuffle: r() < 0.7, extras: r() < 0.7, space: pick(r, ['', '', ' ', '\t']) };
  const eol = variant.crlf ? '\r\n' : '\n';
  return raw
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const lines = frame.split('\n').map((line) => {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') return line;
        let data = line.slice(6);
        // A few events in their own style: the template must miss and the scan take over.
        if (variant.reshape) data = serialise(JSON.parse(data), r, r() < 0.15 ? { shuffle: true, extras: true, space: ' ' } : style);
        if (r() < variant.corrupt) data = corrupt(data, r);
        // Multi-line data (joined with \n, JSON whitespace) now and then.
        if (variant.reshape && r() < 0.05 && data.includes(',')) return data.split(',').map((part, i, all) => `data: ${part}${i < all.length - 1 ? ',' : ''}`).join(eol);
        return `data: ${data}`;
      });
      return lines.join(eol) + eol + eol;
    })
    .join(r() < 0.1 ? `: keep-alive${eol}${eol}` : '');
}

/** Random cuts: single bytes, small pieces, and whole multi-event reads. */
function cut(bytes: Buffer, r: Random): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = pick(r, [1, 2, 3, 7, 16, 64, 300, 4096]);
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

const MINTED = /\b(chatcmpl-|msg_|resp_|fc_|rs_relay_|call_|toolu_)[A-Za-z0-9]+/g;
const normalise = (out: string) => out.replace(MINTED, '$1X').replace(/"(created|created_at)":\d+/g, '"$1":0');

function translate(upstream: GenerationApi, client: GenerationApi, chunks: Buffer[], options: TranslationOptions): { outputs: string[]; usage: unknown; done: boolean } {
  const translation = new StreamTranslation(upstream, client, options);
  const outputs: string[] = [];
  for (const chunk of chunks) {
    if (translation.done || translation.stopped) break;
    const events = translation.decode(chunk);
    if (translation.unmetered(events) !== null) translation.meter(events, 7);
    outputs.push(normalise(translation.encode(events)));
  }
  if (!translation.done && !translation.stopped) {
    const events = translation.decodeEnd();
    if (translation.unmetered(events) !== null) translation.meter(events, 7);
    outputs.push(normalise(translation.encode(events)));
  }
  return { outputs, usage: { ...translation.usage, saw: translation.sawUsage }, done: translation.done };
}

function checkPair(upstream: GenerationApi, client: GenerationApi, seed: number, variant: Variant): void {
  const r = rng(seed);
  const bytes = Buffer.from(upstreamSse(upstream, answer(r), r, variant), 'utf8');
  const chunks = cut(bytes, r);
  const localStop = r() < 0.3 ? pick(r, [['<|endoftext|>'], ['STOP', 'word'], ['S']]) : undefined;
  const options: TranslationOptions = { model: 'caller-model', inputTokens: 42, localStop, meterOutput: client === 'messages' };
  const fast = translate(upstream, client, chunks, options);
  const full = translate(upstream, client, chunks, { ...options, fastPath: false });
  expect(fast, `${upstream} → ${client}, seed ${seed}`).toEqual(full);
}

describe('fast path = full path on random streams, cut anywhere', () => {
  for (const [upstream, client] of PAIRS) {
    it(`${upstream} upstream → ${client} client: the adapters' own shape`, () => {
      for (let seed = 1; seed <= 150; seed++) checkPair(upstream, client, seed, { reshape: false, corrupt: 0, crlf: false });
    });
    it(`${upstream} upstream → ${client} client: reshaped events (key order, extra members, whitespace, multi-line data, CRLF)`, () => {
      for (let seed = 1000; seed < 1150; seed++) checkPair(upstream, client, seed, { reshape: true, corrupt: 0, crlf: seed % 3 === 0 });
    });
    it(`${upstream} upstream → ${client} client: corrupted events`, () => {
      for (let seed = 5000; seed < 5400; seed++) checkPair(upstream, client, seed, { reshape: seed % 2 === 0, corrupt: 0.25, crlf: false });
    });
  }

  it('takes the fast path at all (a stream of plain text deltas decodes with JSON.parse only for its first and last events)', () => {
    const sse = ADAPTERS.chat.streamEncoder({ model: 'm' }).encode([{ type: 'start' }, ...Array.from({ length: 50 }, (_, i): IrEvent => ({ type: 'text', text: `w${i} "q"\n` })), { type: 'finish', reason: 'end' }]);
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      parses++;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    try {
      new StreamTranslation('chat', 'messages', { model: 'm' }).push(Buffer.from(sse));
    } finally {
      JSON.parse = parse;
    }
    // The role chunk and the first delta (learns the template) take the full path or the scan;
    // escaped pieces are unescaped with a JSON.parse of the piece alone.
    expect(parses).toBeLessThan(60);
    expect(parses).toBeGreaterThan(0);
  });
});

/** Events the fast path must read exactly like the full path, or leave to it: edge shapes per upstream API. */
const TRICKY: Record<GenerationApi, string[]> = {
  chat: [
    '{"choices":[{"index":0,"delta":{"content":"x","content":null},"finish_reason":null}]}',
    '{"choices":[{"index":0,"delta":{"content":null,"content":"x"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x","content":"y"}}]}',
    '{"type":"error","choices":[{"index":0,"delta":{"content":"x"}}]}',
    '{"type":"chunk","choices":[{"index":0,"delta":{"content":"x"}}]}',
    '{"error":{"message":"boom"},"choices":[{"index":0,"delta":{"content":"x"}}]}',
    '{"error":null,"choices":[{"index":0,"delta":{"content":"x"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}',
    '{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null,"finish_reason":"length"}]}',
    '{"choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}',
    '{"choices":[{"index":0,"delta":{"content":"x"}}],"usage":null,"usage":{"prompt_tokens":3}}',
    '{"choices":[{"index":0,"delta":{"content":"x"}}],"copilot_usage":{"total_nano_aiu":5}}',
    '{"choices":[{"index":0,"delta":{"content":"x"}}],"copilot_usage":7}',
    '{"choices":[{"index":0,"delta":{"reasoning_text":"a","reasoning":"b"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning":"b","reasoning_text":"a"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_text":"a","reasoning_text":null}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_text":"","reasoning_content":"b"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_text":null,"reasoning_content":"b"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_content":"b"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_opaque":"op"}}]}',
    '{"choices":[{"index":0,"delta":{"reasoning_text":"r","reasoning_opaque":"op"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x","reasoning_text":"r"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"","reasoning_text":"r"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x"}},{"index":1,"delta":{"content":"y"}}]}',
    '{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"z"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"z"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":""}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"n"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":5,"id":"call_9","function":{"name":"n","arguments":"z"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"z"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":null}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"z"}},{"index":1,"function":{"arguments":"w"}}]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}',
    '{"choices":[{"index":0,"delta":{"tool_calls":null,"content":"x"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x","tool_calls":[{"index":0,"function":{"arguments":"z"}}]}}]}',
    '{"choices":[{"delta":{"content":"x"}}]}',
    '{"choices":[{"index":0,"delta":"x"}]}',
    '{"choices":[{"index":0}]}',
    '{"choices":[]}',
    '{"choices":null}',
    '{"choices":[null,{"index":0,"delta":{"content":"x"}}]}',
    '{"choices":[{"index":0,"delta":{"content":5}}]}',
    '{"choices":[{"index":0,"delta":{"content":"x\u0000y\ud800"}}]}',
    '{"choices":[{"index":0,"delta":{"con\u0074ent":"x"}}]}',
    '[DONE]',
    '',
    '{not json',
    '{"choices":[{"index":0,"delta":{"content":"x"}}]} trailing',
    '[{"choices":[]}]',
  ],
  messages: [
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"a","text":"b"}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"a"},"copilot_usage":{"total_nano_aiu":1}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"a"},"copilot_usage":null}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"s"}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta"}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":null}}',
    '{"type":"content_block_delta","index":0,"delta":{"text":"x","type":"thinking_delta","thinking":"t"}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","type":"text_delta","text":"x"}}',
    '{"type":"content_block_delta","type":"error","index":0,"delta":{"type":"text_delta","text":"x"}}',
    '{"type":"error","error":{"type":"overloaded_error","message":"busy"}}',
    '{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"p"}}',
    '{"type":"content_block_delta","index":7,"delta":{"type":"input_json_delta","partial_json":"p"}}',
    '{"type":"content_block_delta","index":"2","delta":{"type":"input_json_delta","partial_json":"p"}}',
    '{"type":"content_block_delta","index":2.0,"delta":{"type":"input_json_delta","partial_json":"p"}}',
    '{"type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"p"}}',
    '{"index":1,"delta":{"type":"text_delta","text":"x"}}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"},"error":null}',
    '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"},"error":"e"}',
    '{"type":"content_block_delta","index":1,"delta":null}',
    '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}',
  ],
  responses: [
    '{"type":"response.output_text.delta","delta":"x","error":{"message":"e"}}',
    '{"type":"response.output_text.delta","delta":"x","type":"response.completed"}',
    '{"type":"response.output_text.delta","delta":null}',
    '{"type":"response.output_text.delta","delta":""}',
    '{"type":"response.output_text.delta","delta":"a","delta":"b"}',
    '{"type":"response.reasoning_summary_text.delta","item_id":"rs_x","delta":"t"}',
    '{"type":"response.reasoning_text.delta","delta":"t"}',
    '{"type":"response.function_call_arguments.delta","output_index":2,"delta":"z"}',
    '{"type":"response.function_call_arguments.delta","output_index":9,"delta":"z"}',
    '{"type":"response.function_call_arguments.delta","delta":"z"}',
    '{"type":"response.refusal.delta","delta":"no"}',
    '{"delta":"x"}',
    '{"type":"response.output_text.delta","delta":"x","item_id":null}',
    '{"type":"response.output_text.delta","output_index":"1","delta":"x"}',
    '{"type":"response.output_text.delta","delta":"x","obfuscation":"abc","sequence_number":99}',
    '{"type":"error","message":"m"}',
    '{"type":"response.failed","response":{"error":{"message":"f"}}}',
  ],
};

describe('fast path = full path on edge events, at every point of a stream', () => {
  const full: IrEvent[] = [{ type: 'start' }, { type: 'reasoning', text: 'r' }, { type: 'reasoning_end', signature: 'sig' }, { type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'tool_call', key: 'k', id: 'call_1', name: 'ls' }, { type: 'tool_args', key: 'k', delta: '{"x"' }, { type: 'tool_args', key: 'k', delta: ':1}' }, { type: 'usage', usage: { inputTokens: 1, outputTokens: 2, cachedTokens: 0 } }, { type: 'finish', reason: 'tool_use' }];
  for (const [upstream, client] of PAIRS) {
    it(`${upstream} upstream → ${client} client`, () => {
      const frames = ADAPTERS[upstream].streamEncoder({ model: 'up-model' }).encode(full).split(/(?<=\n\n)/);
      for (const data of TRICKY[upstream]) {
        for (const event of [undefined, 'error', 'content_block_delta', 'response.output_text.delta']) {
          for (let at = 1; at < frames.length; at++) {
            const tricky = `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
            const chunks = [...frames.slice(0, at), tricky, ...frames.slice(at)].map((frame) => Buffer.from(frame));
            const options: TranslationOptions = { model: 'caller-model', inputTokens: 42, meterOutput: client === 'messages' };
            expect(translate(upstream, client, chunks, options), `${data} at ${at}`).toEqual(translate(upstream, client, chunks, { ...options, fastPath: false }));
          }
        }
      }
    });
  }
});

describe('JsonScan accepts exactly what JSON.parse accepts (as an object)', () => {
  it('on random corruptions of event JSON', () => {
    const r = rng(7);
    const scan = new JsonScan();
    const samples = ['{"a":[1,-2.5e+3,true,false,null,{"b":"\\u00e9\\n"}],"c":{}}', '{"choices":[{"index":0,"delta":{"content":"hi \\"x\\""},"finish_reason":null}]}', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"😀"}}'];
    for (let i = 0; i < 20_000; i++) {
      let data = pick(r, samples);
      const n = 1 + int(r, 3);
      for (let k = 0; k < n; k++) data = corrupt(data, r);
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        parsed = undefined;
      }
      const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      const accepted = scan.walkText(data, (_key, at) => scan.skipValue(at));
      // The scanner may refuse valid JSON (then the full path reads it), never accept invalid JSON.
      if (accepted) expect(isObject, data).toBe(true);
      else if (isObject && !/\\u|"[^"]*\\[^"]*":/.test(data)) expect(accepted, data).toBe(true);
    }
  });
});
