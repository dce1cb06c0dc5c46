import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../log/logger.js';
import type { CopilotClient, UpstreamResponse } from './client.js';
import { ModelCatalog, parseModelEntry, parseModelList } from './models.js';

function fakeClient(answers: Array<{ status: number; body: unknown }>): CopilotClient & { calls: number } {
  const client = {
    calls: 0,
    async request(): Promise<UpstreamResponse> {
      const answer = answers[Math.min(client.calls, answers.length - 1)]!;
      client.calls++;
      return {
        status: answer.status,
        headers: {},
        body: undefined as never,
        json: async () => answer.body,
        text: async () => JSON.stringify(answer.body),
        dump: async () => {},
      };
    },
  };
  return client as unknown as CopilotClient & { calls: number };
}

const LIST = {
  object: 'list',
  data: [
    { id: 'gpt-4.1', vendor: 'Azure OpenAI', capabilities: { type: 'chat', family: 'gpt-4.1', limits: { max_prompt_tokens: 128000, max_output_tokens: 16384, max_context_window_tokens: 128000 }, supports: { streaming: true, tool_calls: true } } },
    { id: 'claude-sonnet-4', supported_endpoints: ['/chat/completions', '/v1/messages'], billing: null },
    { name: 'no id' },
    'junk',
    { id: 'bare' },
    { id: 'broken-capabilities', capabilities: 'chat' },
  ],
};

describe('model list parsing', () => {
  it('keeps valid entries, skips malformed ones and logs each skip', () => {
    const logger = createMemoryLogger();
    const models = parseModelList(LIST, logger);
    expect(models.map((m) => m.id)).toEqual(['gpt-4.1', 'claude-sonnet-4', 'bare']);
    expect(logger.lines.filter((l) => l.includes('malformed'))).toHaveLength(3);
    expect(models[0]?.capabilities?.limits?.max_output_tokens).toBe(16384);
  });
  it('tolerates wrong field types without failing the entry', () => {
    const model = parseModelEntry({ id: 'x', vendor: 5, capabilities: { limits: { max_prompt_tokens: 'lots' }, supports: { reasoning_effort: 'high' } } });
    expect(model).toEqual({ id: 'x', capabilities: { limits: {}, supports: {} } });
  });
});

describe('ModelCatalog', () => {
  it('caches for the TTL, refreshes after, and keeps the old list when a refresh fails', async () => {
    let now = 0;
    const client = fakeClient([{ status: 200, body: LIST }, { status: 429, body: {} }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger(), ttlMs: 1000, now: () => now });
    expect((await catalog.list()).length).toBe(3);
    await catalog.list();
    expect(client.calls).toBe(1);
    now = 2000;
    expect((await catalog.list()).length).toBe(3);
    expect(client.calls).toBe(2);
    expect(await catalog.get('bare')).toEqual({ id: 'bare' });
  });
  it('shares one fetch between concurrent callers', async () => {
    const client = fakeClient([{ status: 200, body: LIST }]);
    const catalog = new ModelCatalog({ copilot: client, logger: createMemoryLogger() });
    await Promise.all([catalog.list(), catalog.list(), catalog.list()]);
    expect(client.calls).toBe(1);
  });
  it('routes by supported_endpoints; models without it only do chat', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 200, body: LIST }]), logger: createMemoryLogger() });
    expect(catalog.supportsEndpoint(await catalog.get('claude-sonnet-4'), '/v1/messages')).toBe(true);
    expect(catalog.supportsEndpoint(await catalog.get('gpt-4.1'), '/v1/messages')).toBe(false);
    expect(catalog.supportsEndpoint(await catalog.get('gpt-4.1'), '/chat/completions')).toBe(true);
  });
  it('fails the first load when the upstream fails and nothing is cached', async () => {
    const catalog = new ModelCatalog({ copilot: fakeClient([{ status: 500, body: {} }]), logger: createMemoryLogger() });
    await expect(catalog.list()).rejects.toThrow(/500/);
  });
});
