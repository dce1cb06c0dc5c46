import type { CopilotModel } from '../copilot/models.js';

/**
 * What a Copilot model can take, read from its `/models` entry: the facts every request encoder
 * needs (token limits, reasoning knobs, parameter spellings). Pure functions.
 */

/** GPT-5.x and o-series reject `max_tokens` and want `max_completion_tokens` (protocol doc §8). */
export function needsMaxCompletionTokens(model: string): boolean {
  return /^(?:gpt-5|o\d)/i.test(model);
}

export function maxOutputTokens(model: CopilotModel): number | undefined {
  return model.capabilities?.limits?.max_output_tokens;
}

/** A requested output limit, clamped to the model's: Copilot refuses a larger one with a 400. */
export function clampOutputTokens(requested: number | undefined, model: CopilotModel): number | undefined {
  const limit = maxOutputTokens(model);
  if (requested === undefined || limit === undefined || limit <= 0) return requested;
  return Math.min(requested, limit);
}

export function effortLevels(model: CopilotModel): string[] {
  const levels = model.capabilities?.supports?.reasoning_effort;
  return Array.isArray(levels) ? levels.filter((level): level is string => typeof level === 'string') : [];
}

/** Budget-style thinking (Claude): `supports.thinking`. */
export function supportsThinkingBudget(model: CopilotModel): boolean {
  return model.capabilities?.supports?.thinking === true;
}

export function thinkingSupported(model: CopilotModel | undefined): boolean {
  return model !== undefined && (supportsThinkingBudget(model) || effortLevels(model).length > 0);
}

const EFFORT_ORDER = ['minimal', 'low', 'medium', 'high', 'xhigh'];

/** The level the model lists that is nearest to `wanted` (budget → low < 4k ≤ medium < 16k ≤ high). */
export function effortFor(wanted: { effort?: string; budgetTokens?: number }, levels: string[]): string | undefined {
  if (levels.length === 0) return undefined;
  const target = wanted.effort ?? (wanted.budgetTokens === undefined ? 'medium' : wanted.budgetTokens < 4096 ? 'low' : wanted.budgetTokens < 16384 ? 'medium' : 'high');
  if (levels.includes(target)) return target;
  const at = EFFORT_ORDER.indexOf(target);
  const rank = (level: string) => Math.abs(EFFORT_ORDER.indexOf(level) - (at < 0 ? 2 : at));
  return [...levels].sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * A thinking budget for a Claude model: the caller's, or one derived from an effort level; within
 * the model's bounds and below max_tokens (Anthropic requires budget < max_tokens). Undefined
 * when no budget fits.
 */
export function thinkingBudgetFor(wanted: { effort?: string; budgetTokens?: number }, model: CopilotModel, maxTokens: number): number | undefined {
  const supports = model.capabilities?.supports ?? {};
  const min = typeof supports.min_thinking_budget === 'number' ? supports.min_thinking_budget : 1024;
  const max = typeof supports.max_thinking_budget === 'number' ? supports.max_thinking_budget : 32_000;
  const fromEffort: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 16_384, xhigh: 32_000 };
  const budget = Math.min(wanted.budgetTokens ?? fromEffort[wanted.effort ?? 'medium'] ?? 8192, max, maxTokens - 1);
  return budget >= min ? Math.max(budget, min) : undefined;
}
