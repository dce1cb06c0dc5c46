import type { ActivityRow, ActivitySnapshot } from '../../src/shared/usage.js';

/** Activity snapshots for the renderer specs and unit tests: one per state the view shows. */
const NONE = { requests: 0, credits: 0, premiumRequests: 0, errors: 0 };
const HOUR = 3_600_000;

export function emptyActivity(now = Date.now()): ActivitySnapshot {
  const today = new Date(now);
  const since = new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime();
  return { range: 'today', billingUnit: 'credits', today: NONE, selected: { ...NONE, since }, byModel: [], byClient: [], recent: [], rateLimits: [], budget: null, proxyUrl: 'http://127.0.0.1:4141/v1', ledgerAvailable: true };
}

const CLIENTS = ['Claude Code', 'Codex', 'opencode', 'OpenAI SDK (Python)'];
const MODELS: [string, string][] = [['claude-sonnet-4.5', '/v1/messages'], ['gpt-5.1-codex', '/v1/responses'], ['gpt-5-mini', '/v1/chat/completions'], ['claude-haiku-4.5', '/v1/messages']];

export function activityRow(i: number, now = Date.now(), overrides: Partial<ActivityRow> = {}): ActivityRow {
  const [model, path] = MODELS[i % MODELS.length]!;
  return { at: now - i * 37_000, client: CLIENTS[i % CLIENTS.length]!, model, path, status: 200, errorCode: null, latencyMs: 600 + ((i * 431) % 4000), credits: Math.round((0.05 + ((i * 17) % 40) / 100) * 1000) / 1000, premiumRequests: 1, stream: i % 2 === 0, ...overrides };
}

export function busyActivity(now = Date.now()): ActivitySnapshot {
  const base = emptyActivity(now);
  const recent = Array.from({ length: 50 }, (_, i) => activityRow(i, now));
  recent[3] = { ...recent[3]!, status: 400, errorCode: 'model_not_supported', credits: null, premiumRequests: null };
  return {
    ...base,
    today: { requests: 214, credits: 12.4, premiumRequests: 0, errors: 3 },
    selected: { ...base.selected, requests: 214, credits: 12.4, errors: 3 },
    byModel: [
      { key: 'claude-sonnet-4.5', requests: 120, credits: 8.1, premiumRequests: 0 },
      { key: 'gpt-5.1-codex', requests: 60, credits: 3.9, premiumRequests: 0 },
      { key: 'gpt-5-mini', requests: 30, credits: 0.35, premiumRequests: 0 },
      { key: 'claude-haiku-4.5', requests: 4, credits: 0.05, premiumRequests: 0 },
    ],
    byClient: [
      { key: 'Claude Code', requests: 150, credits: 10.2, premiumRequests: 0 },
      { key: 'Codex', requests: 50, credits: 2.2, premiumRequests: 0 },
      { key: 'OpenAI SDK (Python)', requests: 14, credits: 0.0, premiumRequests: 0 },
    ],
    recent,
    rateLimits: [
      { name: 'weekly', label: 'weekly limit', usedPercent: 62, resetsAt: new Date(now + 52 * HOUR).toISOString(), reached: false },
      { name: 'session', label: '5-hour limit', usedPercent: 18, resetsAt: new Date(now + 2 * HOUR + 40 * 60_000).toISOString(), reached: false },
    ],
    budget: { period: 'day', limitCredits: 50, usedCredits: 12.4, resetsAt: new Date(new Date(now).setHours(24, 0, 0, 0)).toISOString() },
  };
}

export function rateLimitedActivity(now = Date.now()): ActivitySnapshot {
  const busy = busyActivity(now);
  return {
    ...busy,
    recent: [activityRow(0, now, { status: 429, errorCode: 'user_weekly_rate_limited', credits: null, premiumRequests: null, client: 'Codex', model: 'gpt-5.1-codex', path: '/v1/responses', latencyMs: 140 }), ...busy.recent.slice(1)],
    rateLimits: [
      { name: 'weekly', label: 'weekly limit', usedPercent: 100, resetsAt: new Date(now + 52 * HOUR).toISOString(), reached: true },
      { name: 'session', label: '5-hour limit', usedPercent: 41, resetsAt: new Date(now + 2 * HOUR).toISOString(), reached: false },
    ],
  };
}

export function overBudgetActivity(now = Date.now()): ActivitySnapshot {
  const busy = busyActivity(now);
  return {
    ...busy,
    today: { ...busy.today, credits: 51.3 },
    selected: { ...busy.selected, credits: 51.3 },
    recent: [activityRow(0, now, { status: 429, errorCode: 'budget_exceeded', credits: null, premiumRequests: null, latencyMs: 2 }), ...busy.recent.slice(1)],
    budget: { ...busy.budget!, usedCredits: 51.3 },
  };
}
