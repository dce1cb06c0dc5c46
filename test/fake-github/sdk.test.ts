// Real SDK clients parse the fake's answers: proof its wire shapes (SSE events, bodies) are faithful.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_IDENTITY } from '../../src/main/core/copilot/identity.js';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { sessionToken } from './test-helpers.js';

let fake: FakeUpstream;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  fake = await startFakeUpstream({ streamChunks: 3 });
  const bearer = await sessionToken(fake);
  const defaultHeaders = { 'editor-version': BUILT_IN_IDENTITY.editorVersion, 'x-github-api-version': BUILT_IN_IDENTITY.apiVersion };
  openai = new OpenAI({ baseURL: fake.capiUrl, apiKey: bearer, defaultHeaders, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: fake.capiUrl, authToken: bearer, apiKey: null, defaultHeaders, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});

describe('official SDKs against the fake', () => {
  it('openai chat stream with a tool call', async () => {
    const stream = openai.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'use the tool' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : null).toEqual({ name: 'lookup', arguments: '{"input":"use the tool"}' });
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('openai responses stream', async () => {
    const stream = openai.responses.stream({ model: 'gpt-5-mini', input: 'responses via sdk' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: responses via sdk');
    expect(final.status).toBe('completed');
  });

  it('openai embeddings', async () => {
    const res = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'vector me' });
    expect(res.data[0]?.embedding).toHaveLength(8);
  });

  it('anthropic messages stream with thinking', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4.5',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'think then answer' }],
    });
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const text = final.content[1];
    expect(text?.type === 'text' ? text.text : '').toBe('Echo: think then answer');
    expect(final.stop_reason).toBe('end_turn');
    expect(fake.requests.at(-1)?.headers['authorization']).toMatch(/^Bearer tid=/);
  });
});
