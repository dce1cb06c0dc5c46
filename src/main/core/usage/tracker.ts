import type { ActivityRange, ActivitySnapshot, BillingUnit, UsageStatusFields } from '../../../shared/usage.js';
import type { Logger } from '../log/logger.js';
import { Budget } from './budget.js';
import type { BudgetSetting, BudgetState } from './budget.js';
import { classifyClient } from './client.js';
import { UsageLedger } from './ledger.js';
import type { LedgerRow } from './ledger.js';
import type { Database } from './ledger-db.js';
import { ledgerPath, RATE_LIMITS_KEY } from './ledger-db.js';
import { addRows, creditsSince, groupsSince, recentRows, totalsSince } from './ledger-queries.js';
import type { UsageTotals } from './ledger-queries.js';
import { RateLimits } from './limits.js';
import type { ClientApi, FinishedRequest, Refusal, UpstreamAnswer, UsageObserver } from './observer.js';
import { costOf, PriceBook } from './pricing.js';
import { activitySnapshot, planPeriodStart, rangeStart, usageStatus } from './views.js';
import type { UsageStatusInput } from './views.js';

/** Only generation requests spend credits, so only they are held back by the budget. */
const SPENDING_APIS: ReadonlySet<ClientApi> = new Set(['chat', 'responses', 'messages']);
/** The status's "AI credits this period" is re-read from the ledger this often (between, recorded rows are added). */
const PERIOD_RESYNC_MS = 60_000;
const EMPTY: UsageTotals = { requests: 0, inputTokens: 0, outputTokens: 0, credits: 0, errors: 0, premiumRequests: 0 };

export interface UsageTrackerOptions {
  /** The relay's home (`relayHome()`); the ledger is `usage.db` there. Null: nothing is stored (tests). */
  home: string | null;
  logger: Logger;
  retentionDays?: number;
  budget?: BudgetSetting | null;
  /** Ledger batching (tests). */
  flushMs?: number;
  now?: () => number;
}

/**
 * The usage observer the service plugs into the proxy: records every finished request in the
 * ledger (with its client, cost and timing), keeps the rate-limit state, enforces the budget, and
 * answers the status, CLI and window with views of all three.
 */
export class UsageTracker implements UsageObserver {
  readonly prices = new PriceBook();
  readonly limits: RateLimits;
  readonly budget: Budget;
  readonly ledger: UsageLedger | null;
  private readonly now: () => number;
  private readonly recordListeners = new Set<(row: LedgerRow) => void>();

  constructor(private readonly options: UsageTrackerOptions) {
    this.now = options.now ?? Date.now;
    this.ledger = options.home === null ? null : new UsageLedger({ path: ledgerPath(options.home), logger: options.logger, retentionDays: options.retentionDays, flushMs: options.flushMs, now: this.now });
    this.limits = new RateLimits(this.now);
    const ledger = this.ledger;
    this.budget = new Budget({
      now: this.now,
      spentSince: (since) => this.spentSince(since),
      warned: ledger ? { get: () => ledger.getMeta('budget_warned'), set: (key) => ledger.setMeta('budget_warned', key) } : undefined,
    });
    this.budget.configure(options.budget ?? null);
    // The CLI (another process) shows the limits "as last seen": saved with each ledger batch, not per answer.
    this.limits.onChange(() => (this.limitsDirty = true));
    this.ledger?.onFlush(() => this.saveLimits());
  }

  private limitsDirty = false;
  /** AI credits since `since` for the status (re-read every minute, else kept up to date by `record`). */
  private period: { since: number; credits: number; syncedAt: number } | null = null;

  private saveLimits(): void {
    if (!this.limitsDirty || !this.ledger) return;
    this.limitsDirty = false;
    this.ledger.setMeta(RATE_LIMITS_KEY, JSON.stringify(this.limits.snapshot()));
  }

  admit(request: { clientApi: ClientApi; model: string | null }): Refusal | null {
    return SPENDING_APIS.has(request.clientApi) ? this.budget.admit() : null;
  }

  observeUpstream(answer: UpstreamAnswer): Refusal | null {
    try {
      return this.limits.observe(answer);
    } catch (error) {
      this.options.logger.warn(`usage: could not read an upstream answer's limits (${error instanceof Error ? error.message : String(error)})`);
      return null;
    }
  }

  record(request: FinishedRequest): void {
    try {
      // Health probes and CORS preflights are not traffic.
      if (request.path === '/health' || request.method === 'OPTIONS' || request.method === 'HEAD') return;
      const cost = costOf(request, this.prices.get(request.modelServed ?? request.modelRequested));
      const row: LedgerRow = {
        at: request.startedAt,
        requestId: request.requestId,
        client: classifyClient(request.userAgent),
        clientApi: request.clientApi,
        upstreamEndpoint: request.upstreamEndpoint,
        method: request.method,
        path: request.path,
        modelRequested: request.modelRequested,
        modelServed: request.modelServed,
        status: request.status,
        errorCode: request.errorCode,
        latencyMs: request.latencyMs,
        firstByteMs: request.firstByteMs,
        inputTokens: request.inputTokens,
        outputTokens: request.outputTokens,
        cachedTokens: request.cachedTokens,
        credits: cost.credits,
        creditsSource: cost.creditsSource,
        premiumRequests: cost.premiumRequests,
        initiator: request.initiator,
        stream: request.stream,
      };
      this.ledger?.append(row);
      if (this.period && row.credits !== null && row.at >= this.period.since) this.period.credits += row.credits;
      this.budget.add(row.credits, row.at);
      for (const listener of this.recordListeners) listener(row);
    } catch (error) {
      this.options.logger.warn(`usage: could not record a request (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Every recorded request (for the live Activity view); returns unsubscribe. */
  onRecord(listener: (row: LedgerRow) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /** A ledger query plus the rows its snapshot doesn't hold yet (none and empty without a ledger, or when it fails). */
  private read<T>(query: (db: Database) => T, empty: T): { value: T; unflushed: readonly LedgerRow[] } {
    try {
      return this.ledger?.read(query) ?? { value: empty, unflushed: this.ledger?.unflushed() ?? [] };
    } catch (error) {
      this.options.logger.warn(`usage: could not read the ledger (${error instanceof Error ? error.message : String(error)})`);
      return { value: empty, unflushed: [] };
    }
  }

  /** AI credits since a time: the ledger plus rows still on their way to it. */
  spentSince(sinceMs: number): number {
    const { value, unflushed } = this.read((db) => creditsSince(db, sinceMs), 0);
    let total = value;
    for (const row of unflushed) if (row.at >= sinceMs) total += row.credits ?? 0;
    return total;
  }

  private totals(sinceMs: number): UsageTotals {
    const { value, unflushed } = this.read((db) => totalsSince(db, sinceMs), EMPTY);
    return addRows(value, unflushed, sinceMs);
  }

  /** AI credits since `since`, from a running sum the status can ask for on every change (no query per call). */
  private periodCredits(since: number): number {
    const now = this.now();
    const period = this.period;
    if (!period || period.since !== since || now - period.syncedAt >= PERIOD_RESYNC_MS) {
      this.period = { since, credits: this.spentSince(since), syncedAt: now };
    }
    return this.period!.credits;
  }

  /** Fields for the status: unit, AI credits this period, limits, budget. Cheap: no ledger query but once a minute. */
  status(account: { tokenBasedBilling: boolean | null; githubCredits?: UsageStatusInput['githubCredits'] }): UsageStatusFields {
    const now = this.now();
    const periodStart = planPeriodStart(account.githubCredits?.resetsAt, now);
    return usageStatus({
      tokenBasedBilling: account.tokenBasedBilling,
      creditsThisPeriod: account.tokenBasedBilling ? this.periodCredits(periodStart) : 0,
      periodStart,
      githubCredits: account.githubCredits ?? null,
      limits: this.limits.snapshot(),
      budget: this.budget.state(),
      now,
    });
  }

  /** The window's Activity view. Waits for the queued rows to be written so the grouped queries see every request. */
  async activity(options: { range: ActivityRange; unit: BillingUnit | null; proxyUrl: string | null }): Promise<ActivitySnapshot> {
    await this.ledger?.flush();
    const now = this.now();
    const since = rangeStart(options.range, now);
    const db = this.ledger?.database ?? null;
    const read = <T>(query: () => T, empty: T): T => {
      try {
        return db ? query() : empty;
      } catch {
        return empty;
      }
    };
    return activitySnapshot({
      range: options.range,
      since,
      unit: options.unit ?? 'credits',
      today: this.totals(rangeStart('today', now)),
      selected: this.totals(since),
      byModel: read(() => groupsSince(db!, since, 'model'), []),
      byClient: read(() => groupsSince(db!, since, 'client'), []),
      recent: read(() => recentRows(db!, 50), []),
      limits: this.limits.snapshot(),
      budget: this.budget.state(),
      proxyUrl: options.proxyUrl,
      ledgerAvailable: db !== null,
    });
  }

  budgetState(): BudgetState | null {
    return this.budget.state();
  }

  /** Writes what is queued and closes the ledger. */
  async close(): Promise<void> {
    await this.ledger?.flush();
    this.saveLimits();
    await this.ledger?.close();
  }
}
