/**
 * Spend, limits and activity as every shell shows them (CLI `usage`/`status`, the tray, the
 * window's Activity view). Built in the core from the usage ledger, the rate-limit state and the
 * budget; no prompt or answer content, no secret.
 */

/** The plan's unit: AI credits (token-billed plans, most since 2026-06-01) or premium requests. */
export type BillingUnit = 'credits' | 'requests';

export interface RateLimitView {
  /** `session`, `weekly`, `global`, `integration`, `rate`, `credits`, `model:<id>`, … */
  name: string;
  /** In words: "weekly limit", "5-hour limit". */
  label: string;
  usedPercent: number | null;
  /** ISO time of the next reset, when known. */
  resetsAt: string | null;
  /** True while Copilot refuses because of it. */
  reached: boolean;
}

export interface BudgetView {
  period: 'day' | 'month';
  limitCredits: number;
  usedCredits: number;
  /** ISO time the period resets. */
  resetsAt: string;
}

/** Added to the status (`status --json`, the window, the tray). */
export interface UsageStatusFields {
  billingUnit: BillingUnit | null;
  /** Token-billed plans: AI credits used this period, from the ledger and (when present) GitHub's own count. */
  credits: { usedLocally: number; usedOnGitHub: number | null; entitlement: number | null; periodStart: string; resetsAt: string | null } | null;
  rateLimits: RateLimitView[];
  /** The limit in the way right now (the tray's rate-limited state), with its status line. */
  rateLimited: (RateLimitView & { line: string }) | null;
  budget: BudgetView | null;
}

/** What refuses requests right now: Copilot's reached limit, or the local budget spent. */
export type UsageStop = { kind: 'limit'; name: string; resetsAt: number | null } | { kind: 'budget'; resetsAt: number };

/**
 * The stop in force at `now`, or null (none, or its reset has passed): the one rule the tray's
 * rate-limited state and the window's headline both follow.
 */
export function usageStop(usage: Pick<UsageStatusFields, 'rateLimited' | 'budget'>, now: number): UsageStop | null {
  const { rateLimited, budget } = usage;
  const limitReset = rateLimited?.resetsAt ? Date.parse(rateLimited.resetsAt) : null;
  if (rateLimited && (limitReset === null || limitReset > now)) return { kind: 'limit', name: rateLimited.name, resetsAt: limitReset };
  const budgetReset = budget ? Date.parse(budget.resetsAt) : 0;
  if (budget && budget.usedCredits >= budget.limitCredits && budgetReset > now) return { kind: 'budget', resetsAt: budgetReset };
  return null;
}

/** Before anything is known (no tracker, signed out): no unit, no limits, no budget. */
export function noUsageStatus(): UsageStatusFields {
  return { billingUnit: null, credits: null, rateLimits: [], rateLimited: null, budget: null };
}

export type ActivityRange = 'today' | 'week' | 'month';

export interface ActivityRow {
  /** Epoch ms. */
  at: number;
  client: string;
  model: string | null;
  /** The caller's API path, e.g. /v1/messages. */
  path: string;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  credits: number | null;
  premiumRequests: number | null;
  stream: boolean;
}

export interface ActivityGroup {
  key: string;
  requests: number;
  credits: number;
  premiumRequests: number;
}

export interface ActivitySnapshot {
  range: ActivityRange;
  billingUnit: BillingUnit;
  /** Spend today and in the selected range (credits, plus premium requests for request-billed plans). */
  today: { requests: number; credits: number; premiumRequests: number; errors: number };
  selected: { requests: number; credits: number; premiumRequests: number; errors: number; since: number };
  byModel: ActivityGroup[];
  byClient: ActivityGroup[];
  /** Newest first, at most 50. */
  recent: ActivityRow[];
  rateLimits: RateLimitView[];
  budget: BudgetView | null;
  /** For the empty state's env lines; null when the proxy isn't running. */
  proxyUrl: string | null;
  /** False when the ledger could not be opened (the view says so). */
  ledgerAvailable: boolean;
}

/** What saving the window's budget did. */
export interface BudgetSaved {
  /** The environment's budget that applies instead of the one saved (`COPILOT_RELAY_BUDGET=500/month`), or null. */
  overriddenBy: string | null;
}

/** Which "point a tool at the relay" line the empty state copies. */
export type EnvLineKind = 'openai' | 'anthropic';

/**
 * The two env lines that point a tool at the relay, from its `/v1` URL: OpenAI-compatible tools take
 * the `/v1` base, Anthropic's SDK and Claude Code the bare origin.
 */
export function envLine(kind: EnvLineKind, proxyUrl: string): string {
  const base = proxyUrl.replace(/\/+$/, '');
  return kind === 'openai' ? `OPENAI_BASE_URL=${base}` : `ANTHROPIC_BASE_URL=${base.replace(/\/v1$/, '')}`;
}
