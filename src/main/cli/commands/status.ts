import { parseArgs } from 'node:util';
import type { CliContext } from '../context.js';
import { writeLine } from '../context.js';
import { openRuntime } from '../runtime.js';
import type { RuntimeOptions } from '../runtime.js';
import { fetchGitHubLogin } from '../../core/auth/github-user.js';
import type { RelayError } from '../../core/errors.js';
import { isRelayError } from '../../core/errors.js';
import { relayHome } from '../../core/config/paths.js';
import { fetchCopilotAccount, planName } from '../../core/quota/quota.js';
import type { CopilotAccountInfo } from '../../core/quota/quota.js';
import { resolveBudget } from '../../core/usage/budget.js';
import { readUsageStatus } from '../../core/usage/report.js';
import type { QuotaSnapshot } from '../../../shared/status.js';
import type { BillingUnit, UsageStatusFields } from '../../../shared/usage.js';
import { budgetLine, formatCredits, limitsLine } from '../usage-lines.js';

/**
 * Exactly the keys `status --json` prints (docs/interface.md), plus the usage ledger's (issue #16):
 * the plan's unit, AI credits this period (token-billed plans), Copilot's rate limits as the relay
 * last saw them, and the local budget.
 */
export interface StatusJson {
  signedIn: boolean;
  login: string | null;
  sku: string | null;
  expiresAt: string | null;
  apiBaseUrl: string | null;
  enterprise: string | null;
  mode: 'exchange' | 'direct' | null;
  quota: QuotaSnapshot | null;
  /** `credits` (AI credits, token-billed plans) or `requests` (premium requests); null when GitHub did not say. */
  unit: BillingUnit | null;
  /** Token-billed plans: AI credits this period, counted by the relay's ledger and (when it has one) by GitHub. */
  credits: { used: number; usedOnGitHub: number | null; entitlement: number | null; periodStart: string; resetsAt: string | null } | null;
  limits: { name: string; usedPercent: number | null; resetsAt: string | null; reached: boolean }[];
  budget: { period: 'day' | 'month'; limitCredits: number; usedCredits: number } | null;
}

/** The usage keys of `status --json` from the status's usage fields. */
function usageJson(usage: UsageStatusFields): Pick<StatusJson, 'unit' | 'credits' | 'limits' | 'budget'> {
  const c = usage.credits;
  return {
    unit: usage.billingUnit,
    credits: c ? { used: c.usedLocally, usedOnGitHub: c.usedOnGitHub, entitlement: c.entitlement, periodStart: c.periodStart, resetsAt: c.resetsAt } : null,
    limits: usage.rateLimits.map(({ name, usedPercent, resetsAt, reached }) => ({ name, usedPercent, resetsAt, reached })),
    budget: usage.budget ? { period: usage.budget.period, limitCredits: usage.budget.limitCredits, usedCredits: usage.budget.usedCredits } : null,
  };
}

function formatPlanCredits(credits: StatusJson['credits']): string {
  if (!credits) return '—';
  const github = credits.usedOnGitHub === null ? '' : `; GitHub counts ${formatCredits(credits.usedOnGitHub)}${credits.entitlement === null ? '' : ` of ${formatCredits(credits.entitlement)}`}`;
  const reset = credits.resetsAt ? `, resets ${credits.resetsAt.slice(0, 10)}` : '';
  return `${formatCredits(credits.used)} AI credits through this relay since ${credits.periodStart.slice(0, 10)}${github}${reset}`;
}

function formatQuota(quota: QuotaSnapshot | null): string {
  if (!quota) return '—';
  if (quota.unlimited) return 'unlimited';
  const left = quota.remaining !== null && quota.entitlement !== null ? `${quota.remaining} / ${quota.entitlement} premium requests left` : quota.percentRemaining !== null ? `${Math.round(quota.percentRemaining)}% left` : 'unknown';
  return quota.resetsAt ? `${left}, resets ${quota.resetsAt.slice(0, 10)}` : left;
}

function block(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length)) + 2;
  return rows.map(([key, value]) => `${key.padEnd(width)}${value}`).join('\n');
}

/** `copilot-relay status [--json]`: exchanges if needed (a cached session is reused). */
export async function run(ctx: CliContext, inject: Pick<RuntimeOptions, 'fetch' | 'store' | 'logger' | 'clock'> = {}): Promise<number> {
  const { values } = parseArgs({ args: ctx.argv, options: { json: { type: 'boolean', default: false }, 'insecure-storage': { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
  const runtime = openRuntime(ctx, { logLevel: 'warn', ...inject, insecureStorage: values['insecure-storage'] });
  try {
    const { endpoints, tokens, credentials } = runtime;
    const out: StatusJson = { signedIn: false, login: null, sku: null, expiresAt: null, apiBaseUrl: null, enterprise: endpoints.enterprise, mode: null, quota: null, unit: null, credits: null, limits: [], budget: null };
    let failure: RelayError | null = null;
    let plan: string | null = null;
    let account: CopilotAccountInfo | null = null;
    // Before any network call: an unusable COPILOT_RELAY_BUDGET stops the command with its one line.
    const budget = resolveBudget(ctx.env, { budgetCredits: runtime.settings.get('budgetCredits'), budgetPeriod: runtime.settings.get('budgetPeriod') });
    const githubToken = await credentials.githubToken();
    if (githubToken) {
      try {
        // No signal: status reports the first answer (one exchange attempt, bounded by its timeout)
        // instead of waiting out a flaky GitHub the way a proxied request does.
        const session = await tokens.getSession();
        out.signedIn = true;
        out.sku = session.sku;
        out.mode = session.mode;
        out.apiBaseUrl = session.apiBaseUrl;
        out.expiresAt = Number.isFinite(session.expiresAt) ? new Date(session.expiresAt).toISOString() : null;
        let login: string | null;
        [login, account] = await Promise.all([
          // A 401 here means the GitHub token was revoked even if a cached session still looks valid.
          fetchGitHubLogin({ endpoints, githubToken, fetch: runtime.fetch, signal: ctx.signal }).catch((error: unknown) => {
            if (isRelayError(error) && error.kind === 'token-revoked') throw error;
            return runtime.settings.get('lastLogin');
          }),
          fetchCopilotAccount({ endpoints, githubToken, fetch: runtime.fetch, signal: ctx.signal }),
        ]);
        out.login = login;
        out.quota = account?.quota ?? null;
        out.sku ??= account?.sku ?? null;
        plan = account?.plan ?? planName(out.sku);
      } catch (error) {
        if (!isRelayError(error)) throw error;
        // Revoked → signed out (shown, then non-zero). Anything else is a failure of the command.
        if (error.kind !== 'token-revoked') throw error;
        failure = error;
        Object.assign(out, { signedIn: false, login: null, sku: null, expiresAt: null, apiBaseUrl: null, mode: null, quota: null });
        plan = null;
        account = null;
        await credentials.dropSession().catch(() => undefined);
      }
    }
    // The ledger a relay writes (running or not); the plan's unit only for a signed-in account.
    const billing = { tokenBasedBilling: account?.tokenBasedBilling ?? null, credits: account?.credits ?? null };
    Object.assign(out, usageJson(readUsageStatus({ home: relayHome(ctx.env), budget, account: billing, logger: runtime.logger })));
    if (values.json) {
      writeLine(ctx.stdout, JSON.stringify(out));
    } else {
      const now = Date.now();
      const expiry = out.expiresAt ? `${out.expiresAt} (in ${Math.max(0, Math.round((Date.parse(out.expiresAt) - now) / 60_000))} min)` : out.mode === 'direct' ? 'none (direct mode uses the GitHub token)' : '—';
      writeLine(ctx.stdout, block([
        ['Signed in', out.signedIn ? 'yes' : 'no'],
        ['Login', out.login ?? '—'],
        ['Plan', plan ? `${plan}${out.sku ? ` (${out.sku})` : ''}` : out.sku ?? '—'],
        ['Session', expiry],
        ['API base', out.apiBaseUrl ?? '—'],
        ['Enterprise', out.enterprise ?? '—'],
        ['Mode', out.mode === 'exchange' ? 'token exchange' : out.mode === 'direct' ? 'direct mode' : '—'],
        out.unit === 'credits' ? ['Credits', formatPlanCredits(out.credits)] : ['Quota', formatQuota(out.quota)],
        ['Limits', limitsLine(out.limits, now)],
        ['Budget', budgetLine(out.budget)],
        ['Storage', runtime.envToken ? 'COPILOT_RELAY_GITHUB_TOKEN (memory only)' : runtime.store.describe()],
      ]));
      if (!githubToken) writeLine(ctx.stdout, 'Run `copilot-relay login` to sign in.');
    }
    if (failure) {
      writeLine(ctx.stderr, failure.fix ? `${failure.message} ${failure.fix}` : failure.message);
      return 1;
    }
    return 0;
  } finally {
    runtime.close();
  }
}

