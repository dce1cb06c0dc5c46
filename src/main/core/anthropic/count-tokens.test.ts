import { describe, expect, it } from 'vitest';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { IMAGE_TOKENS, countOutputTokens, countRequest, countRequestTokens, countTokens, encodingFor, loadEncoder, requestTexts } from './count-tokens.js';
import type { AnthropicRequest } from './types.js';

const plain = { disallowedSpecial: new Set<string>() };
const n = (text: string) => encode(text, plain).length;

describe('count_tokens', () => {
  it('is a real BPE count of every part of the request', async () => {
    const request: AnthropicRequest = {
      model: 'gpt-4.1',
      system: [{ type: 'text', text: 'You are a careful assistant.' }],
      messages: [
        { role: 'user', content: 'Summarise the file please.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'read', input: { path: 'README.md' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: '# Title\nBody <|endoftext|> text' }] }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
      ],
      tools: [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
    };
    const expected =
      n('You are a careful assistant.') +
      3 + n('Summarise the file please.') +
      3 + n('read') + n('{"path":"README.md"}') +
      3 + n('# Title\nBody <|endoftext|> text') + IMAGE_TOKENS +
      n('read') + n('Read a file') + n('{"type":"object","properties":{"path":{"type":"string"}}}');
    const result = await countTokens(request, { id: 'gpt-4.1' });
    expect(result).toEqual({ input_tokens: expected });
  });

  it('adds the documented Claude tool-use system prompt only for Claude with tools', async () => {
    const request: AnthropicRequest = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 't', input_schema: { type: 'object' } }] };
    const encoder = await loadEncoder('o200k_base');
    const other = countRequestTokens(request, encoder, { claude: false });
    expect(countRequestTokens(request, encoder, { claude: true })).toBe(other + 346);
    expect(countRequestTokens({ ...request, tool_choice: { type: 'any' } }, encoder, { claude: true })).toBe(other + 313);
  });

  it('uses cl100k when the model says so', async () => {
    expect(encodingFor({ id: 'gpt-4', capabilities: { tokenizer: 'cl100k_base' } })).toBe('cl100k_base');
    expect(encodingFor(undefined)).toBe('o200k_base');
    const text = 'Ünïcode and code: const x = () => 42;';
    const result = await countTokens({ model: 'gpt-4', messages: [{ role: 'user', content: text }] }, { id: 'gpt-4', capabilities: { tokenizer: 'cl100k_base' } });
    expect(result.input_tokens).toBe(3 + encodeCl100k(text, plain).length);
  });

  it('counts a ~50k-token Claude Code prompt in well under 100 ms once loaded', async () => {
    const encoder = await loadEncoder('o200k_base');
    const line = 'export function handle(request: Request): Promise<Response> { return fetch(request.url, { method: "POST" }); }\n';
    const request: AnthropicRequest = {
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: line.repeat(800) }],
      messages: Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: `${i} ${line.repeat(30)}` })),
    };
    countRequestTokens({ model: 'x', messages: [{ role: 'user', content: line.repeat(50) }] }, encoder);
    // Best of three: a busy CI machine (parallel test files) must not make this flaky.
    let elapsed = Infinity;
    let total = 0;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      total = countRequestTokens(request, encoder, { claude: true });
      elapsed = Math.min(elapsed, performance.now() - started);
    }
    expect(total).toBeGreaterThan(40_000);
    expect(elapsed).toBeLessThan(100);
  });

  it('walks deeply nested tool results without exhausting the stack', async () => {
    let content: unknown = [{ type: 'text', text: 'innermost' }];
    for (let depth = 0; depth < 100_000; depth++) content = [{ type: 'tool_result', tool_use_id: 't', content }];
    const request = { model: 'gpt-4.1', messages: [{ role: 'user', content }] } as unknown as AnthropicRequest;
    expect(requestTexts(request)).toEqual({ texts: ['innermost'], fixed: 3 });
    expect(await countRequest(request, { id: 'gpt-4.1' })).toEqual({ tokens: 3 + n('innermost'), basis: 'counted' });
  });

  it('counts an output estimate off the event loop, special-looking text as plain', async () => {
    const text = 'Echo: <|endoftext|> <|im_start|>';
    expect(await countOutputTokens(text, { id: 'gpt-4.1' })).toEqual({ tokens: n(text), basis: 'counted' });
  });
});
