import { describe, expect, it } from 'vitest';
import type { CopilotModel } from './models.js';
import { MAX_MODEL_ID_LENGTH, closeMatches, modelIdProblem, modelNotFoundMessage, normaliseModelId, parseClaudeId, resolveModel } from './model-resolve.js';

const ids = ['claude-sonnet-4.5', 'claude-sonnet-4', 'claude-haiku-4.5', 'claude-opus-41', 'claude-3.7-sonnet', 'claude-3.7-sonnet-thought', 'gpt-4.1', 'gpt-4o', 'gpt-5-mini', 'gemini-2.5-pro'];
const models: CopilotModel[] = [...ids.map((id) => ({ id, capabilities: { type: 'chat' } })), { id: 'text-embedding-3-small', capabilities: { type: 'embeddings' } }];

const resolved = (id: string) => {
  const result = resolveModel(id, models);
  return result.found ? result.model.id : null;
};

describe('parseClaudeId', () => {
  it('reads Anthropic and Copilot spellings alike', () => {
    expect(parseClaudeId('claude-sonnet-4-5-20250929')).toEqual({ family: 'sonnet', version: 4.5, variant: '' });
    expect(parseClaudeId('claude-sonnet-4.5')).toEqual({ family: 'sonnet', version: 4.5, variant: '' });
    expect(parseClaudeId('claude-3-5-haiku-latest')).toEqual({ family: 'haiku', version: 3.5, variant: '' });
    expect(parseClaudeId('claude-opus-41')).toEqual({ family: 'opus', version: 4.1, variant: '' });
    expect(parseClaudeId('claude-3.7-sonnet-thought')).toEqual({ family: 'sonnet', version: 3.7, variant: 'thought' });
    expect(parseClaudeId('gpt-4.1')).toBeNull();
  });

  it('normalises generic ids', () => {
    expect(normaliseModelId('gpt-4o-2024-11-20')).toBe('gpt-4o');
    expect(normaliseModelId('GPT-4-1')).toBe('gpt-4.1');
  });
});

describe('model id limits (RT-08)', () => {
  it('refuses ids that are missing, empty or longer than the cap', () => {
    expect(modelIdProblem(undefined)).toMatch(/needs a "model" string/);
    expect(modelIdProblem('  ')).toMatch(/needs a "model" string/);
    expect(modelIdProblem(42)).toMatch(/needs a "model" string/);
    expect(modelIdProblem('x'.repeat(MAX_MODEL_ID_LENGTH))).toBeNull();
    expect(modelIdProblem('x'.repeat(MAX_MODEL_ID_LENGTH + 1))).toBe(`The model id is ${MAX_MODEL_ID_LENGTH + 1} characters long; model ids are at most ${MAX_MODEL_ID_LENGTH}.`);
  });

  it('parses hostile ids in linear time (the old /\\[[^\\]]*\\]$/ took ~95 s on this one)', () => {
    // Run below the cap's guard, straight through the normaliser: a quadratic step would hit the test timeout.
    for (const hostile of ['['.repeat(200_000), '['.repeat(200_000) + ']', '-v1'.repeat(70_000), '-2024'.repeat(40_000), '@'.repeat(200_000)]) {
      expect(typeof normaliseModelId(hostile)).toBe('string');
      parseClaudeId(`claude-sonnet-${hostile}`);
      closeMatches(hostile.slice(0, MAX_MODEL_ID_LENGTH), models);
    }
    // Past the cap: no work at all, no suggestions.
    expect(resolveModel('['.repeat(400_000), models)).toEqual({ found: false, suggestions: [] });
    expect(closeMatches('a'.repeat(400_000), models)).toEqual([]);
  });
});

describe('resolveModel', () => {
  it('prefers the exact id', () => {
    expect(resolveModel('claude-sonnet-4.5', models)).toMatchObject({ found: true, via: 'exact' });
    expect(resolved('Claude-Sonnet-4.5')).toBe('claude-sonnet-4.5');
  });

  it('maps dated, -latest and dashed Anthropic ids', () => {
    expect(resolved('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4.5');
    expect(resolved('claude-sonnet-4-5')).toBe('claude-sonnet-4.5');
    expect(resolved('claude-sonnet-4-20250514')).toBe('claude-sonnet-4');
    expect(resolved('claude-haiku-4-5-20251001')).toBe('claude-haiku-4.5');
    expect(resolved('claude-opus-4-1')).toBe('claude-opus-41');
    expect(resolved('claude-opus-4-1-20250805')).toBe('claude-opus-41');
    expect(resolved('claude-3-7-sonnet-latest')).toBe('claude-3.7-sonnet');
    expect(resolved('claude-3-7-sonnet-thought')).toBe('claude-3.7-sonnet-thought');
    expect(resolved('gpt-4o-2024-11-20')).toBe('gpt-4o');
    expect(resolved('claude-sonnet-4-5-20250929[1m]')).toBe('claude-sonnet-4.5');
    expect(resolved('anthropic/claude-sonnet-4.5')).toBe('claude-sonnet-4.5');
    expect(resolved('anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4.5');
    expect(resolved('claude-sonnet-4-5@20250929')).toBe('claude-sonnet-4.5');
  });

  it('maps OpenAI-side spellings on every route: case, provider prefix, dates', () => {
    expect(resolved('GPT-4o')).toBe('gpt-4o');
    expect(resolved('openai/gpt-4.1')).toBe('gpt-4.1');
    expect(resolved('github-copilot/gpt-5-mini')).toBe('gpt-5-mini');
    expect(resolved('gpt-4.1-2025-04-14')).toBe('gpt-4.1');
    expect(resolved('gemini-2-5-pro')).toBe('gemini-2.5-pro');
  });

  it('resolves embeddings models among embeddings models only', () => {
    expect(resolveModel('text-embedding-3-small', models, { kind: 'embeddings' })).toMatchObject({ found: true, via: 'exact' });
    expect(resolveModel('TEXT-EMBEDDING-3-SMALL', models, { kind: 'embeddings' })).toMatchObject({ found: true, model: { id: 'text-embedding-3-small' } });
    const miss = resolveModel('text-embedding-3-smal', models, { kind: 'embeddings' });
    expect(miss).toEqual({ found: false, suggestions: ['text-embedding-3-small'] });
    expect(resolveModel('gpt-4o-2024-11-20', models, { kind: 'embeddings' }).found).toBe(false);
  });

  it('upgrades an older Claude version to the newest of its family', () => {
    expect(resolveModel('claude-3-5-haiku-latest', models)).toMatchObject({ found: true, via: 'family-upgrade', model: { id: 'claude-haiku-4.5' } });
    expect(resolved('claude-3-5-haiku-20241022')).toBe('claude-haiku-4.5');
    expect(resolved('claude-3-opus-20240229')).toBe('claude-opus-41');
  });

  it('does not invent a newer version, an unknown family or an embeddings model', () => {
    const future = resolveModel('claude-sonnet-9', models);
    expect(future.found).toBe(false);
    if (!future.found) expect(future.suggestions[0]).toMatch(/^claude-.*sonnet/);
    expect(resolveModel('claude-mythos-1', models).found).toBe(false);
    expect(resolveModel('text-embedding-3-small-x', models).found).toBe(false);
  });

  it('lists close matches for unknown ids', () => {
    expect(closeMatches('gpt-4.2', models)).toContain('gpt-4.1');
    expect(closeMatches('gpt-4.2', models)).not.toContain('text-embedding-3-small');
    expect(closeMatches('claude-sonnet-9', models).slice(0, 3)).toEqual(expect.arrayContaining(['claude-sonnet-4', 'claude-sonnet-4.5']));
    expect(modelNotFoundMessage('x', ['a', 'b'])).toContain('Close matches: a, b.');
    expect(modelNotFoundMessage('x', [])).not.toContain('Close matches');
  });
});
