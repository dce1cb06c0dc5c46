import type { Clipboard } from 'electron';
import type { ActionResult, BudgetInput } from '../../shared/ipc.js';
import type { ActivityRange, ActivityRow, ActivitySnapshot, BudgetSaved, EnvLineKind } from '../../shared/usage.js';
import { envLine } from '../../shared/usage.js';
import type { Logger } from '../core/log/logger.js';

/** What the window's Activity view reads and changes: the relay service's usage tracker, however it is reached. */
export interface UsageSource {
  activity(range: ActivityRange): ActivitySnapshot | Promise<ActivitySnapshot>;
  /** Saves the window's budget setting and applies it at once (no restart), unless the environment's budget wins. */
  setBudget(budget: BudgetInput): BudgetSaved | Promise<BudgetSaved>;
  /** Each recorded request; returns unsubscribe. */
  onRecord(listener: (row: ActivityRow) => void): () => void;
}

export interface UsageActionDeps {
  /** Null while the service has no usage tracker (the view then says the ledger is unavailable). */
  source: () => UsageSource | null;
  clipboard: Pick<Clipboard, 'writeText'>;
  /** The proxy's `/v1` URL, or null when it isn't running. */
  proxyUrl: () => string | null;
  logger: Logger;
}

/** The snapshot shown when there is no ledger to read. */
export function unavailableActivity(range: ActivityRange, proxyUrl: string | null): ActivitySnapshot {
  const none = { requests: 0, credits: 0, premiumRequests: 0, errors: 0 };
  return { range, billingUnit: 'credits', today: none, selected: { ...none, since: 0 }, byModel: [], byClient: [], recent: [], rateLimits: [], budget: null, proxyUrl, ledgerAvailable: false };
}

/** The Activity view's IPC handlers (validated by ipc.ts before they run). */
export function createUsageActions(deps: UsageActionDeps) {
  return {
    async getActivity(range: ActivityRange): Promise<ActivitySnapshot> {
      const source = deps.source();
      if (!source) return unavailableActivity(range, deps.proxyUrl());
      try {
        return await source.activity(range);
      } catch (error) {
        deps.logger.warn(`activity: could not read the usage ledger (${error instanceof Error ? error.message : String(error)})`);
        return unavailableActivity(range, deps.proxyUrl());
      }
    },
    /** Copies `OPENAI_BASE_URL=…` or `ANTHROPIC_BASE_URL=…` for the running proxy. */
    async copyEnvLine(kind: EnvLineKind): Promise<ActionResult> {
      const url = deps.proxyUrl();
      if (!url) return { ok: false, message: 'The proxy is not running.' };
      await deps.clipboard.writeText(envLine(kind, url));
      return { ok: true };
    },
    async setBudget(budget: BudgetInput): Promise<ActionResult> {
      const source = deps.source();
      if (!source) return { ok: false, message: 'The budget can be set once the relay is running.' };
      try {
        const { overriddenBy } = await source.setBudget(budget);
        // Saved either way; the environment's budget keeps applying until it is removed.
        return overriddenBy ? { ok: true, message: `Saved, but ${overriddenBy} is set and applies until it is removed.` } : { ok: true };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : 'The budget could not be saved.' };
      }
    },
  };
}
