import { describe, expect, it } from 'vitest';
import type { CopilotModel } from '../../copilot/models.js';
import { hasImagesAnthropic, initiatorForAnthropic } from '../../copilot/initiator.js';
import type { ChatRequest } from '../chat/types.js';
import { translateRequest } from '../plan.js';
import type { AnthropicRequest } from './types.js';

/** Messages → chat through the hub (the pair the relay shipped first); initiator and vision as the pipeline computes them. */
function toChatRequest(request: AnthropicRequest, model: CopilotModel): { body: ChatRequest; initiator: string; vision: boolean } {
  const { body } = translateRequest('messages', 'chat', request, model);
  return { body: body as unknown as ChatRequest, initiator: initiatorForAnthropic(request.messages), vision: hasImagesAnthropic(request.messages) };
}

const plain: CopilotModel = { id: 'claude-haiku-4.5', capabilities: { supports: { tool_calls: true } } };
const thinker: CopilotModel = { id: 'claude-haiku-4.5', capabilities: { supports: { thinking: true } } };
const gpt5: CopilotModel = { id: 'gpt-5-mini', capabilities: { supports: { reasoning_effort: ['low', 'medium', 'high'] } } };

const base = (extra: Partial<AnthropicRequest> = {}): AnthropicRequest => ({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('toChatRequest', () => {
  it('maps system (string and blocks), sampling fields, metadata and drops unknown fields', () => {
    const { body } = toChatRequest(
      base({
        system: [
          { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Be brief.' },
        ],
        temperature: 0.3,
        top_p: 0.9,
        top_k: 5,
        service_tier: 'auto',
        metadata: { user_id: 'user_abc' },
        stop_sequences: ['END'],
        some_future_field: { x: 1 },
      }),
      plain,
    );
    expect(body).toEqual({
      model: 'claude-haiku-4.5',
      messages: [
        { role: 'system', content: 'You are Claude Code.\n\nBe brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 100,
      temperature: 0.3,
      top_p: 0.9,
      user: 'user_abc',
    });
    expect(toChatRequest(base({ system: 'sys' }), plain).body.messages[0]).toEqual({ role: 'system', content: 'sys' });
  });

  it('uses max_completion_tokens for models that need it and asks for usage when streaming', () => {
    const { body } = toChatRequest(base({ stream: true }), gpt5);
    expect(body.max_completion_tokens).toBe(100);
    expect(body.max_tokens).toBeUndefined();
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('maps images (base64 and url) and sets vision', () => {
    const result = toChatRequest(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            ],
          },
        ],
      }),
      plain,
    );
    expect(result.vision).toBe(true);
    expect(result.body.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
      ],
    });
  });

  it('maps a multi-tool turn: tool_use → tool_calls, tool_result → tool messages before the rest of the turn', () => {
    const result = toChatRequest(
      base({
        messages: [
          { role: 'user', content: 'list and read' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Running two tools.' },
              { type: 'tool_use', id: 'toolu_1', name: 'ls', input: { path: '.' } },
              { type: 'tool_use', id: 'toolu_2', name: 'read', input: { file: 'a.txt' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'also, hurry' },
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt b.txt' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'no such file' }], is_error: true },
            ],
          },
        ],
        tools: [
          { name: 'ls', description: 'List', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
          { name: 'read', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } },
          { type: 'web_search_20250305', name: 'web_search' },
        ],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      }),
      plain,
    );
    expect(result.body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Running two tools.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'read', arguments: '{"file":"a.txt"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt b.txt' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: no such file' },
      { role: 'user', content: 'also, hurry' },
    ]);
    expect(result.body.tools).toEqual([
      { type: 'function', function: { name: 'ls', description: 'List', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
      { type: 'function', function: { name: 'read', parameters: { type: 'object' } } },
    ]);
    expect(result.body.tool_choice).toBe('required');
    expect(result.body.parallel_tool_calls).toBe(false);
    expect(result.initiator).toBe('user');
  });

  it('maps every tool_choice', () => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }];
    expect(toChatRequest(base({ tools, tool_choice: { type: 'auto' } }), plain).body.tool_choice).toBe('auto');
    expect(toChatRequest(base({ tools, tool_choice: { type: 'none' } }), plain).body.tool_choice).toBe('none');
    expect(toChatRequest(base({ tools, tool_choice: { type: 'tool', name: 't' } }), plain).body.tool_choice).toEqual({ type: 'function', function: { name: 't' } });
    expect(toChatRequest(base({ tools }), plain).body.tool_choice).toBeUndefined();
  });

  it('maps thinking only for models that support it, and keeps assistant thinking as reasoning fields', () => {
    const messages: AnthropicRequest['messages'] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig_opaque' }, { type: 'text', text: 'a' }] },
      { role: 'user', content: 'q2' },
    ];
    const withThinking = toChatRequest(base({ thinking: { type: 'enabled', budget_tokens: 2048 }, messages }), thinker).body;
    expect(withThinking.thinking_budget).toBe(2048);
    expect(withThinking.messages[1]).toEqual({ role: 'assistant', content: 'a', reasoning_text: 'hmm', reasoning_opaque: 'sig_opaque' });
    const without = toChatRequest(base({ thinking: { type: 'enabled', budget_tokens: 2048 }, messages }), plain).body;
    expect(without.thinking_budget).toBeUndefined();
    expect(without.reasoning_effort).toBeUndefined();
    expect(without.messages[1]).toEqual({ role: 'assistant', content: 'a' });
    expect(toChatRequest(base({ thinking: { type: 'enabled', budget_tokens: 20000 } }), gpt5).body.reasoning_effort).toBe('high');
    expect(toChatRequest(base({ thinking: { type: 'enabled', budget_tokens: 1024 } }), gpt5).body.reasoning_effort).toBe('low');
  });

  it('moves images inside tool results into the following user message', () => {
    const { body, vision, initiator } = toChatRequest(
      base({
        messages: [
          { role: 'user', content: 'shot' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'ok' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } }] }],
          },
        ],
      }),
      plain,
    );
    expect(vision).toBe(true);
    expect(initiator).toBe('agent');
    expect(body.messages.slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'ok' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAA' } }] },
    ]);
  });
});
