import { describe, expect, it } from 'vitest';
import type { CopilotModel } from '../copilot/models.js';
import { ADAPTERS } from './adapters.js';
import type { GenerationApi, IrEvent, IrRequest, IrResponse, IrUsage } from './ir.js';
import { SseParser } from './sse-parser.js';
import { StreamTranslation } from './translate-stream.js';

/**
 * Every adapter alone (its encode and decode are inverse) and every pair (upstream adapter's
 * decoder feeding the client adapter's encoder), driven by the adapters themselves: a stream
 * encoded by adapter U is what the U upstream sends; translated to C and decoded by C, the events
 * must be the ones we started with.
 */

const APIS: GenerationApi[] = ['chat', 'responses', 'messages'];
const model: CopilotModel = {
  id: 'test-model',
  supported_endpoints: ['/chat/completions', '/responses', '/v1/messages'],
  capabilities: { limits: { max_output_tokens: 4000 }, supports: { thinking: true, reasoning_effort: ['low', 'medium', 'high'] } },
};

const usage: IrUsage = { inputTokens: 120, outputTokens: 30, cachedTokens: 100 };

const events: IrEvent[] = [
  { type: 'start' },
  { type: 'reasoning', text: 'Let me ' },
  { type: 'reasoning', text: 'think.' },
  { type: 'reasoning_end', signature: 'c2lnbmF0dXJl' },
  { type: 'text', text: 'Listing "files"\n' },
  { type: 'text', text: 'now.' },
  { type: 'tool_call', key: 'a', id: 'call_1', name: 'ls' },
  { type: 'tool_args', key: 'a', delta: '{"path":' },
  { type: 'tool_args', key: 'a', delta: '"."}' },
  { type: 'tool_call', key: 'b', id: 'call_2', name: 'read' },
  { type: 'tool_args', key: 'b', delta: '{"file":"a.txt"}' },
  { type: 'usage', usage },
  { type: 'finish', reason: 'tool_use' },
];

/** Comparable form: deltas joined, tool keys by order, usage merged, relay-minted ids dropped. */
function normalise(list: IrEvent[]): unknown[] {
  const out: Array<Record<string, unknown>> = [];
  const keys = new Map<string, number>();
  let merged: Partial<IrUsage> = {};
  for (const event of list) {
    if (event.type === 'usage') {
      merged = { ...merged, ...event.usage };
      continue;
    }
    const previous = out.at(-1);
    if ((event.type === 'text' || event.type === 'reasoning') && previous?.type === event.type) {
      previous.text = `${String(previous.text)}${event.text}`;
      continue;
    }
    if (event.type === 'tool_args' && previous?.type === 'tool_args' && previous.key === keys.get(event.key)) {
      previous.delta = `${String(previous.delta)}${event.delta}`;
      continue;
    }
    if (event.type === 'start') out.push({ type: 'start' });
    else if (event.type === 'tool_call') {
      keys.set(event.key, keys.size);
      out.push({ ...event, key: keys.get(event.key) });
    } else if (event.type === 'tool_args') out.push({ ...event, key: keys.get(event.key) });
    else if (event.type === 'reasoning_end') out.push({ type: 'reasoning_end', signature: event.signature });
    else if (event.type === 'finish') out.push({ type: 'finish', reason: event.reason, usage: { inputTokens: merged.inputTokens, outputTokens: merged.outputTokens, cachedTokens: merged.cachedTokens } });
    else out.push({ ...event });
  }
  return out;
}

function decodeAll(api: GenerationApi, sse: string, pieceSize = 13): IrEvent[] {
  const parser = new SseParser();
  const decoder = ADAPTERS[api].streamDecoder();
  const out: IrEvent[] = [];
  const bytes = Buffer.from(sse, 'utf8');
  for (let i = 0; i < bytes.length; i += pieceSize) for (const message of parser.push(bytes.subarray(i, i + pieceSize))) decoder.feed(message, out);
  for (const message of parser.end()) decoder.feed(message, out);
  decoder.end(out);
  return out;
}

describe('each adapter alone: its stream encoder and decoder are inverse', () => {
  it.each(APIS)('%s', (api) => {
    const sse = ADAPTERS[api].streamEncoder({ model: 'm' }).encode(events);
    expect(normalise(decodeAll(api, sse))).toEqual(normalise(events));
  });
});

describe('every pair: upstream stream → translated → decoded by the client API', () => {
  for (const upstream of APIS) {
    for (const client of APIS) {
      if (upstream === client) continue;
      it(`${upstream} upstream → ${client} client`, () => {
        const upstreamSse = ADAPTERS[upstream].streamEncoder({ model: 'test-model' }).encode(events);
        const translation = new StreamTranslation(upstream, client, { model: 'caller-model' });
        let out = '';
        const bytes = Buffer.from(upstreamSse, 'utf8');
        for (let i = 0; i < bytes.length; i += 7) out += translation.push(bytes.subarray(i, i + 7));
        out += translation.end();
        expect(translation.done).toBe(true);
        expect(translation.usage).toMatchObject({ inputTokens: 120, outputTokens: 30, cachedTokens: 100 });
        expect(normalise(decodeAll(client, out))).toEqual(normalise(events));
        expect(out).toContain('caller-model');
        expect(out).not.toContain('test-model');
      });
    }
  }
});

const request: IrRequest = {
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
    { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_call', id: 'call_1', name: 'zoom', arguments: '{"x":1}' }] },
    { role: 'tool', callId: 'call_1', content: [{ type: 'text', text: 'a cat' }] },
    { role: 'user', content: [{ type: 'text', text: 'Thanks!' }] },
  ],
  tools: [{ name: 'zoom', description: 'Zoom in', parameters: { type: 'object', properties: { x: { type: 'number' } } } }],
  toolChoice: 'auto',
  maxOutputTokens: 500,
  stream: true,
};

describe('requests: every adapter encodes and decodes the same conversation', () => {
  it.each(APIS)('%s', (api) => {
    const adapter = ADAPTERS[api];
    const decoded = adapter.decodeRequest({ model: 'm', ...adapter.encodeRequest(request, model) });
    expect(decoded.messages).toEqual(request.messages);
    expect(decoded.tools.map((t) => t.name)).toEqual(['zoom']);
    expect(decoded.tools[0]!.parameters).toMatchObject(request.tools[0]!.parameters);
    expect(decoded.toolChoice).toBe('auto');
    expect(decoded.maxOutputTokens).toBe(500);
    expect(decoded.stream).toBe(true);
  });

  it('clamps the output limit to the model and keeps reasoning requests', () => {
    for (const api of APIS) {
      const adapter = ADAPTERS[api];
      const decoded = adapter.decodeRequest({ model: 'm', ...adapter.encodeRequest({ ...request, maxOutputTokens: 99_999, reasoning: { effort: 'high' } }, model) });
      expect(decoded.maxOutputTokens, api).toBe(4000);
      expect(decoded.reasoning, api).toBeDefined();
    }
  });

  it("a Messages caller's long metadata.user_id reaches chat and Responses as a 64-character user (its SHA-256), a short one as it is", () => {
    // Claude Code's user_id: account, session and device ids joined, well over OpenAI's 64.
    const longId = `user_${'a1'.repeat(32)}_account_0f6c2f2e-5f0b-4c8e-9a53-3c5d2a1b7e90_session_2b7d3f44-1c1e-4e7a-8f2b-6d9e0a4c5b21`;
    const messages = ADAPTERS.messages.decodeRequest({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: longId } });
    expect(messages.user).toBe(longId);
    for (const api of ['chat', 'responses'] as const) {
      const user = ADAPTERS[api].encodeRequest(messages, model).user as string;
      expect(user, api).toMatch(/^[0-9a-f]{64}$/);
      expect(ADAPTERS[api].encodeRequest({ ...messages }, model).user, api).toBe(user);
      expect(ADAPTERS[api].encodeRequest({ ...messages, user: 'alice' }, model).user, api).toBe('alice');
    }
  });
});

const answer: IrResponse = {
  content: [
    { type: 'reasoning', text: 'hmm', signature: 'c2ln' },
    { type: 'text', text: 'Zooming.' },
    { type: 'tool_call', id: 'call_9', name: 'zoom', arguments: '{"x":2}' },
  ],
  stopReason: 'tool_use',
  usage,
};

describe('non-stream answers: every pair', () => {
  for (const upstream of APIS) {
    for (const client of APIS) {
      it(`${upstream} → ${client}`, () => {
        const upstreamBody = ADAPTERS[upstream].encodeResponse(answer, { model: 'test-model' });
        const translated = ADAPTERS[client].encodeResponse(ADAPTERS[upstream].decodeResponse(upstreamBody), { model: 'caller-model' });
        expect(translated.model).toBe('caller-model');
        const back = ADAPTERS[client].decodeResponse(translated);
        expect(back.stopReason).toBe('tool_use');
        expect(back.content.map((p) => ({ ...p, ...(p.type === 'reasoning' ? { id: undefined } : {}) }))).toEqual(answer.content.map((p) => ({ ...p, ...(p.type === 'reasoning' ? { id: undefined } : {}) })));
        expect(back.usage).toMatchObject(usage);
      });
    }
  }
});
