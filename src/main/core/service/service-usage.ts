import type { ActivityRange, ActivityRow, ActivitySnapshot, BillingUnit, BudgetSaved, UsageStatusFields } from '../../../shared/usage.js';
import { relayHome } from '../config/paths.js';
import type { ModelCatalog } from '../copilot/models.js';
import type { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SettingsStore } from '../settings/store.js';
import { parseBudget } from '../usage/budget.js';
import type { BudgetSetting } from '../usage/budget.js';
import { UsageTracker } from '../usage/tracker.js';
import { trackerSource } from '../usage/tracker-source.js';
import { billingUnit, budgetWarning } from '../usage/views.js';

/** What GitHub said about the account's billing (`copilot_internal/user`), or nulls before it answered. */
export interface AccountBilling {
  tokenBasedBilling: boolean | null;
  credits: { used: number | null; entitlement: number | null; resetsAt: string | null } | null;
}

export interface ServiceUsageOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  settings: SettingsStore;
  shell: 'cli' | 'desktop';
  account: () => AccountBilling;
  /** The proxy's `/v1` URL (the Activity view's empty state), or null when it isn't running. */
  proxyUrl: () => string | null;
  /** The usage part of the status changed (a limit reached or cleared, budget, credits); at most once a second. */
  onChange: () => void;
  /** Tests: a tracker of their own (closed with the service). */
  tracker?: UsageTracker;
}

/** Status changes caused by traffic are sent at most this often (each request may move a meter). */
const CHANGE_EVERY_MS = 1_000;
/** A reset further away than this is re-checked then (setTimeout's range, clock changes). */
const MAX_WAKE_MS = 6 * 3_600_000;

/** The budget from `COPILOT_RELAY_BUDGET`, or null when unset. Throws the config error for an unusable one. */
function envBudget(env: NodeJS.ProcessEnv): { text: string; setting: BudgetSetting } | null {
  const text = env.COPILOT_RELAY_BUDGET?.trim();
  return text ? { text, setting: parseBudget(text) } : null;
}

function savedBudget(settings: SettingsStore): BudgetSetting | null {
  const credits = settings.get('budgetCredits');
  return credits !== null && credits > 0 ? { limitCredits: credits, period: settings.get('budgetPeriod') } : null;
}

/**
 * The relay service's usage ledger, rate-limit state and budget (issue #16), one per running
 * relay whichever shell runs it: the tracker in the relay's home (a ledger that can't be opened
 * is logged and the relay serves on, recording nothing), prices from the model catalogue, the
 * status fields with their change events, the Activity view's data and the window's budget.
 */
export class ServiceUsage {
  readonly tracker: UsageTracker;
  /** An unusable `COPILOT_RELAY_BUDGET` in the desktop app (the CLI stops on it); the saved budget applies. */
  readonly configError: RelayError | null = null;
  private readonly env: { text: string; setting: BudgetSetting } | null = null;
  private readonly source: ReturnType<typeof trackerSource>;
  private readonly offs: (() => void)[] = [];
  private offModels: () => void = () => undefined;
  private lastSent = '';
  private lastChangeAt = 0;
  private changeTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: ServiceUsageOptions) {
    const { settings, logger } = options;
    try {
      this.env = envBudget(options.env);
    } catch (error) {
      if (options.shell === 'cli') throw error;
      this.configError = error as RelayError;
      logger.warn(`${(error as RelayError).message} The budget saved in the window applies.`);
    }
    const budget = this.env?.setting ?? savedBudget(settings);
    this.tracker = options.tracker ?? this.openTracker(budget);
    if (options.tracker) this.tracker.budget.configure(budget);
    this.source = trackerSource(this.tracker, {
      unit: () => this.unit(),
      proxyUrl: options.proxyUrl,
      saveBudget: (setting) => settings.update({ budgetCredits: setting?.limitCredits ?? null, ...(setting ? { budgetPeriod: setting.period } : {}) }),
      overriddenBy: () => (this.env ? `COPILOT_RELAY_BUDGET=${this.env.text}` : null),
    });
    const changed = () => this.changed();
    this.offs.push(this.tracker.limits.onChange(changed), this.tracker.budget.onChange(changed), this.tracker.onRecord(changed));
  }

  private openTracker(budget: BudgetSetting | null): UsageTracker {
    const { env, logger, settings } = this.options;
    const retentionDays = settings.get('usageRetentionDays');
    try {
      return new UsageTracker({ home: relayHome(env), logger, retentionDays, budget });
    } catch (error) {
      // The ledger is a record, not a gate: the relay serves without it.
      logger.warn(`usage ledger unavailable (${error instanceof Error ? error.message : String(error)}); requests are not recorded`);
      return new UsageTracker({ home: null, logger, budget });
    }
  }

  private unit(): BillingUnit | null {
    return billingUnit(this.options.account().tokenBasedBilling);
  }

  /** Prices for requests whose answer carried no cost come from each (re)loaded model list. */
  watchModels(catalog: Pick<ModelCatalog, 'onList'>): void {
    this.offModels();
    this.offModels = catalog.onList((entries) => this.tracker.prices.update(entries));
  }

  status(): UsageStatusFields {
    const account = this.options.account();
    const fields = this.tracker.status({ tokenBasedBilling: account.tokenBasedBilling, githubCredits: account.credits });
    this.armWake(fields);
    return fields;
  }

  /** A reached limit or a spent budget ends at its reset: the status must say so then, without traffic. */
  private armWake(fields: UsageStatusFields): void {
    if (this.closed) return;
    const now = Date.now();
    const budget = fields.budget && fields.budget.usedCredits >= fields.budget.limitCredits ? Date.parse(fields.budget.resetsAt) : Number.POSITIVE_INFINITY;
    const resets = fields.rateLimits.filter((l) => l.reached && l.resetsAt !== null).map((l) => Date.parse(l.resetsAt!));
    const next = Math.min(budget, ...resets);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (!Number.isFinite(next)) return;
    this.wakeTimer = setTimeout(() => this.changed(), Math.min(MAX_WAKE_MS, Math.max(0, next - now) + 50));
    this.wakeTimer.unref();
  }

  /** Throttled: the first change after a quiet second goes at once, the rest once per second. */
  private changed(): void {
    if (this.closed || this.changeTimer) return;
    const wait = Math.max(0, this.lastChangeAt + CHANGE_EVERY_MS - Date.now());
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.lastChangeAt = Date.now();
      const fields = JSON.stringify(this.status());
      if (fields === this.lastSent) return;
      this.lastSent = fields;
      this.options.onChange();
    }, wait);
    this.changeTimer.unref();
  }

  activity(range: ActivityRange): Promise<ActivitySnapshot> {
    return this.source.activity(range);
  }

  /** The window's budget: saved in config.json and applied at once, unless `COPILOT_RELAY_BUDGET` wins. */
  setBudget(budget: { limitCredits: number | null; period: 'day' | 'month' }): BudgetSaved {
    const saved = this.source.setBudget(budget);
    this.changed();
    return saved;
  }

  /** Each recorded request as the Activity view lists it; returns unsubscribe. */
  onRecord(listener: (row: ActivityRow) => void): () => void {
    return this.source.onRecord(listener);
  }

  /** The 80 % notice, once per period (one due before anyone listened goes to the first listener). */
  onWarning(listener: (notice: { title: string; body: string }) => void): () => void {
    return this.tracker.budget.onWarning((state) => listener(budgetWarning(state, Date.now())));
  }

  /** Writes what is queued and closes the ledger (after the proxy stopped: its last requests are recorded). */
  close(): Promise<void> {
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    this.offModels();
    if (this.changeTimer) clearTimeout(this.changeTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    return this.tracker.close();
  }
}
