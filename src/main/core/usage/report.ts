import { existsSync } from 'node:fs';
import type { UsageStatusFields } from '../../../shared/usage.js';
import type { Logger } from '../log/logger.js';
import { RelayError } from '../errors.js';
import { periodBounds } from './budget.js';
import type { BudgetSetting } from './budget.js';
import { ledgerPath, openLedgerDatabase, RATE_LIMITS_KEY } from './ledger-db.js';
import type { Database } from './ledger-db.js';
import { creditsSince, groupsSince, totalsSince } from './ledger-queries.js';
import type { GroupBy } from './ledger-queries.js';
import type { LimitState } from './limits.js';
import { planPeriodStart, usageStatus } from './views.js';

/** Exactly what `copilot-relay usage --json` prints (interface.md). */
export interface UsageReport {
  since: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  credits: number;
  errors: number;
  groups: { key: string; requests: number; inputTokens: number; outputTokens: number; credits: number; errors: number }[];
  rateLimits: { name: string; usedPercent: number | null; resetsAt: string | null }[];
  budget: { period: 'day' | 'month'; limitCredits: number; usedCredits: number } | null;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since`: `24h`, `7d`, `30d`, `90m`, `2w`, an ISO date (local midnight) or date-time. Throws a config error otherwise. */
export function parseSince(text: string, now: number): number {
  const value = text.trim();
  const relative = /^(\d+(?:\.\d+)?)\s*([mhdw])$/i.exec(value);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]!;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const at = dateOnly ? new Date(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3])).getTime() : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new RelayError('config', `Invalid --since "${text}".`, { fix: 'Use a duration like 24h, 7d or 30d, or an ISO date like 2026-11-01.' });
  return at;
}

/** The rate limits the relay last saved (a reached one whose reset passed is no longer reached). */
function readLimitStates(db: Database, now: number): LimitState[] {
  try {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(RATE_LIMITS_KEY) as { value?: unknown } | undefined;
    const list = typeof row?.value === 'string' ? (JSON.parse(row.value) as unknown) : [];
    if (!Array.isArray(list)) return [];
    return (list as Partial<LimitState>[])
      .filter((l) => l && typeof l.name === 'string')
      .map((l) => {
        const resetsAt = typeof l.resetsAt === 'number' ? l.resetsAt : null;
        const reached = l.reached === true && (resetsAt === null || resetsAt > now);
        return { name: l.name!, usedPercent: typeof l.usedPercent === 'number' ? l.usedPercent : null, resetsAt, reached, code: typeof l.code === 'string' ? l.code : null, seenAt: typeof l.seenAt === 'number' ? l.seenAt : 0 };
      });
  } catch {
    return [];
  }
}

function readLimits(db: Database, now: number): UsageReport['rateLimits'] {
  return readLimitStates(db, now).map((l) => ({ name: l.name, usedPercent: l.usedPercent, resetsAt: l.resetsAt === null ? null : new Date(l.resetsAt).toISOString() }));
}

/**
 * Reads the ledger the relay writes (it may be running: WAL lets both work) and sums what went
 * through since `since`, grouped by model, client or day. No ledger yet → an empty report.
 */
export function readUsageReport(options: { home: string; since: number; by: GroupBy; budget: BudgetSetting | null; logger: Logger; now?: number }): UsageReport {
  const now = options.now ?? Date.now();
  const path = ledgerPath(options.home);
  const empty: UsageReport = { since: new Date(options.since).toISOString(), requests: 0, inputTokens: 0, outputTokens: 0, credits: 0, errors: 0, groups: [], rateLimits: [], budget: null };
  const budgetOf = (used: number): UsageReport['budget'] => (options.budget ? { period: options.budget.period, limitCredits: options.budget.limitCredits, usedCredits: used } : null);
  if (!existsSync(path)) return { ...empty, budget: budgetOf(0) };
  const db = openLedgerDatabase(path, { logger: options.logger });
  try {
    const totals = totalsSince(db, options.since);
    return {
      since: empty.since,
      requests: totals.requests,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      credits: totals.credits,
      errors: totals.errors,
      groups: groupsSince(db, options.since, options.by).map((g) => ({ key: g.key, requests: g.requests, inputTokens: g.inputTokens, outputTokens: g.outputTokens, credits: g.credits, errors: g.errors })),
      rateLimits: readLimits(db, now),
      budget: budgetOf(options.budget ? creditsSince(db, periodBounds(options.budget.period, now).startsAt) : 0),
    };
  } finally {
    db.close();
  }
}

/**
 * The status's usage fields as `copilot-relay status` shows them, from the ledger a relay writes
 * (running or not): AI credits this plan period, the limits as the relay last saw them, the budget.
 */
export function readUsageStatus(options: {
  home: string;
  budget: BudgetSetting | null;
  account: { tokenBasedBilling: boolean | null; credits: { used: number | null; entitlement: number | null; resetsAt: string | null } | null };
  logger: Logger;
  now?: number;
}): UsageStatusFields {
  const now = options.now ?? Date.now();
  const { account, budget } = options;
  const periodStart = planPeriodStart(account.credits?.resetsAt, now);
  const path = ledgerPath(options.home);
  let db: Database | null = null;
  try {
    db = existsSync(path) ? openLedgerDatabase(path, { logger: options.logger }) : null;
  } catch (error) {
    // The status is about the account first: an unreadable ledger leaves only its part empty.
    options.logger.warn(`usage ledger unreadable (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const bounds = budget ? periodBounds(budget.period, now) : null;
    return usageStatus({
      tokenBasedBilling: account.tokenBasedBilling,
      creditsThisPeriod: db && account.tokenBasedBilling ? creditsSince(db, periodStart) : 0,
      periodStart,
      githubCredits: account.credits,
      limits: db ? readLimitStates(db, now) : [],
      budget: budget && bounds ? { ...budget, usedCredits: db ? creditsSince(db, bounds.startsAt) : 0, ...bounds } : null,
      now,
    });
  } finally {
    db?.close();
  }
}
