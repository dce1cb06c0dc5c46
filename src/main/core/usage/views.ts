import type { ActivityGroup, ActivityRange, ActivityRow, ActivitySnapshot, BillingUnit, BudgetView, RateLimitView, UsageStatusFields } from '../../../shared/usage.js';
import type { BudgetState } from './budget.js';
import type { LedgerRow } from './ledger.js';
import type { UsageGroup, UsageTotals } from './ledger-queries.js';
import type { LimitState } from './limits.js';
import { limitLabel } from './limits.js';
import { resetClock } from './reset-time.js';

/** Pure views of the usage state for the status, the tray and the window (no I/O here). */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function rateLimitView(state: LimitState): RateLimitView {
  return { name: state.name, label: limitLabel(state.name), usedPercent: state.usedPercent, resetsAt: iso(state.resetsAt), reached: state.reached };
}

export function budgetView(state: BudgetState | null): BudgetView | null {
  return state ? { period: state.period, limitCredits: state.limitCredits, usedCredits: state.usedCredits, resetsAt: new Date(state.resetsAt).toISOString() } : null;
}

/** The tray's status line for a reached limit: "Weekly limit reached — resets Tue 14:00". */
export function rateLimitedLine<T extends Pick<LimitState, 'name' | 'resetsAt'>>(state: T, now: number): string {
  const what = state.name === 'credits' ? 'Out of AI credits' : `${limitLabel(state.name).replace(/^./, (c) => c.toUpperCase())} reached`;
  return state.resetsAt === null ? what : `${what} — resets ${resetClock(state.resetsAt, now)}`;
}

/** The tray's status line for a spent local budget: "AI-credit budget used up — resets 00:00". */
export function budgetSpentLine(resetsAt: number, now: number): string {
  return `AI-credit budget used up — resets ${resetClock(resetsAt, now)}`;
}

/** Token-billed (AI credits) when GitHub says so; request-billed when it says not; unknown → null. */
export function billingUnit(tokenBasedBilling: boolean | null | undefined): BillingUnit | null {
  return tokenBasedBilling === true ? 'credits' : tokenBasedBilling === false ? 'requests' : null;
}

/** The start of the plan period that ends at GitHub's reset date (a month earlier), else the calendar month. */
export function planPeriodStart(resetsAt: string | null | undefined, now: number): number {
  const reset = resetsAt ? Date.parse(resetsAt) : Number.NaN;
  if (!Number.isNaN(reset) && reset > now) {
    const d = new Date(reset);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
  }
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

export interface UsageStatusInput {
  tokenBasedBilling: boolean | null;
  /** AI credits the ledger recorded since `periodStart`. */
  creditsThisPeriod: number;
  periodStart: number;
  /** GitHub's own count for token-billed plans, when `copilot_internal/user` had one (UNCERTAIN shape). */
  githubCredits: { used: number | null; entitlement: number | null; resetsAt: string | null } | null;
  limits: LimitState[];
  budget: BudgetState | null;
  now: number;
}

export function usageStatus(input: UsageStatusInput): UsageStatusFields {
  const unit = billingUnit(input.tokenBasedBilling);
  const reached = input.limits.find((l) => l.reached) ?? null;
  return {
    billingUnit: unit,
    credits: unit === 'credits'
      ? {
          usedLocally: input.creditsThisPeriod,
          usedOnGitHub: input.githubCredits?.used ?? null,
          entitlement: input.githubCredits?.entitlement ?? null,
          periodStart: new Date(input.periodStart).toISOString(),
          resetsAt: input.githubCredits?.resetsAt ?? null,
        }
      : null,
    rateLimits: input.limits.map(rateLimitView),
    rateLimited: reached ? { ...rateLimitView(reached), line: rateLimitedLine(reached, input.now) } : null,
    budget: budgetView(input.budget),
  };
}

/** Start of a range in local time: today, the last 7 days (from midnight), this calendar month. */
export function rangeStart(range: ActivityRange, now: number): number {
  const d = new Date(now);
  if (range === 'today') return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  if (range === 'week') return new Date(d.getFullYear(), d.getMonth(), d.getDate() - 6).getTime();
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

export function activityRow(row: LedgerRow): ActivityRow {
  return {
    at: row.at,
    client: row.client,
    model: row.modelServed ?? row.modelRequested,
    path: row.path,
    status: row.status,
    errorCode: row.errorCode,
    latencyMs: row.latencyMs,
    credits: row.credits,
    premiumRequests: row.premiumRequests,
    stream: row.stream,
  };
}

const group = (g: UsageGroup): ActivityGroup => ({ key: g.key, requests: g.requests, credits: g.credits, premiumRequests: g.premiumRequests });
const brief = (t: UsageTotals) => ({ requests: t.requests, credits: t.credits, premiumRequests: t.premiumRequests, errors: t.errors });

export interface ActivityInput {
  range: ActivityRange;
  since: number;
  unit: BillingUnit;
  today: UsageTotals;
  selected: UsageTotals;
  byModel: UsageGroup[];
  byClient: UsageGroup[];
  recent: LedgerRow[];
  limits: LimitState[];
  budget: BudgetState | null;
  proxyUrl: string | null;
  ledgerAvailable: boolean;
}

/** The Activity view's data: at most 8 bars per chart (the rest summed as "other"), 50 recent rows. */
export function activitySnapshot(input: ActivityInput): ActivitySnapshot {
  const top = (groups: UsageGroup[]): ActivityGroup[] => {
    const list = groups.map(group);
    if (list.length <= 8) return list;
    const rest = list.slice(7).reduce((a, g) => ({ key: 'other', requests: a.requests + g.requests, credits: a.credits + g.credits, premiumRequests: a.premiumRequests + g.premiumRequests }), { key: 'other', requests: 0, credits: 0, premiumRequests: 0 });
    return [...list.slice(0, 7), rest];
  };
  return {
    range: input.range,
    billingUnit: input.unit,
    today: brief(input.today),
    selected: { ...brief(input.selected), since: input.since },
    byModel: top(input.byModel),
    byClient: top(input.byClient),
    recent: input.recent.slice(0, 50).map(activityRow),
    rateLimits: input.limits.map(rateLimitView),
    budget: budgetView(input.budget),
    proxyUrl: input.proxyUrl,
    ledgerAvailable: input.ledgerAvailable,
  };
}

/** The desktop notification at 80 % of the budget (shown once per period). */
export function budgetWarning(state: BudgetState, now: number): { title: string; body: string } {
  const per = state.period === 'day' ? 'today' : 'this month';
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    title: `Copilot Relay: ${Math.floor((state.usedCredits / state.limitCredits) * 100)} % of your budget used`,
    body: `${round(state.usedCredits)} of ${round(state.limitCredits)} AI credits used ${per}. At ${round(state.limitCredits)} the relay stops sending requests until ${resetClock(state.resetsAt, now)}.`,
  };
}
