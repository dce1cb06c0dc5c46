import type { GitHubEndpoints } from '../config/endpoints.js';
import { githubApiHeaders } from '../copilot/headers.js';
import type { FetchLike } from '../auth/http.js';
import { isObject, requestGitHub } from '../auth/http.js';
import type { QuotaSnapshot } from '../../../shared/status.js';

export interface CopilotAccountInfo {
  /** Plan by name ("Copilot Pro"), or null when unknown. */
  plan: string | null;
  sku: string | null;
  /** Premium requests (chat on Free). */
  quota: QuotaSnapshot | null;
  /** `token_based_billing`: true → the plan is billed in AI credits; false → premium requests; null → not said. */
  tokenBasedBilling: boolean | null;
  /** GitHub's own AI-credit count for this period, when the answer has one (field names UNCERTAIN). */
  credits: { used: number | null; entitlement: number | null; resetsAt: string | null } | null;
}

/**
 * Plan name from the SKU and/or `copilot_plan`. SKUs are an open set: match on their parts
 * (`free_limited_copilot`, `monthly_subscriber`, `copilot_for_business_seat_quota`, …).
 */
export function planName(sku: string | null | undefined, copilotPlan?: string | null): string | null {
  const plan = (copilotPlan ?? '').toLowerCase();
  const s = (sku ?? '').toLowerCase();
  if (plan === 'enterprise' || s.includes('enterprise')) return 'Copilot Enterprise';
  if (plan === 'business' || s.includes('business')) return 'Copilot Business';
  if (plan === 'free' || s.includes('free')) return 'Copilot Free';
  if (plan === 'individual_pro' || s.includes('pro_plus') || s.includes('proplus') || s.includes('plus')) return 'Copilot Pro+';
  if (plan === 'individual' || s.includes('subscriber') || s.includes('individual') || s.includes('pro')) return 'Copilot Pro';
  if (plan || s) return 'Copilot';
  return null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The premium_interactions snapshot (chat on Free), reduced to what we show; never the raw JSON. */
export function quotaFromUserInfo(body: unknown): QuotaSnapshot | null {
  if (!isObject(body) || !isObject(body.quota_snapshots)) return null;
  const snapshots = body.quota_snapshots;
  const pick = isObject(snapshots.premium_interactions) ? snapshots.premium_interactions : isObject(snapshots.chat) ? snapshots.chat : null;
  if (!pick) return null;
  const reset = typeof body.quota_reset_date_utc === 'string' ? body.quota_reset_date_utc : typeof body.quota_reset_date === 'string' ? body.quota_reset_date : null;
  const resetDate = reset ? new Date(reset) : null;
  return {
    entitlement: num(pick.entitlement),
    remaining: num(pick.remaining),
    unlimited: pick.unlimited === true,
    percentRemaining: num(pick.percent_remaining),
    resetsAt: resetDate && !Number.isNaN(resetDate.getTime()) ? resetDate.toISOString() : null,
  };
}

/**
 * AI credits used this period as GitHub reports them. The shape is not documented: look for a
 * snapshot named like credits (`ai_credits`, `credits`) with `credits_used`/`used` or
 * entitlement − remaining. Null when there is none (then the ledger's count stands alone).
 */
export function creditsFromUserInfo(body: unknown): CopilotAccountInfo['credits'] {
  if (!isObject(body) || !isObject(body.quota_snapshots)) return null;
  const key = Object.keys(body.quota_snapshots).find((k) => /credit/i.test(k));
  const snap = key ? body.quota_snapshots[key] : null;
  if (!isObject(snap)) return null;
  const entitlement = num(snap.entitlement);
  const remaining = num(snap.remaining);
  const used = num(snap.credits_used) ?? num(snap.used) ?? (entitlement !== null && remaining !== null ? entitlement - remaining : null);
  const reset = typeof snap.quota_reset_at === 'string' ? snap.quota_reset_at : typeof body.quota_reset_date_utc === 'string' ? body.quota_reset_date_utc : null;
  const resetDate = reset ? new Date(reset) : null;
  return { used, entitlement, resetsAt: resetDate && !Number.isNaN(resetDate.getTime()) ? resetDate.toISOString() : null };
}

/** `GET {api}/copilot_internal/user` with the GitHub token. Returns null when it is unavailable (it is optional). */
export async function fetchCopilotAccount(options: { endpoints: GitHubEndpoints; githubToken: string; fetch?: FetchLike; signal?: AbortSignal; timeoutMs?: number }): Promise<CopilotAccountInfo | null> {
  const answer = await requestGitHub(`${options.endpoints.apiUrl}/copilot_internal/user`, {
    method: 'GET',
    headers: githubApiHeaders(options.githubToken),
    fetch: options.fetch,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    what: 'the quota lookup',
  }).catch(() => null);
  if (!answer || answer.status !== 200 || !isObject(answer.json)) return null;
  const body = answer.json;
  const sku = typeof body.access_type_sku === 'string' ? body.access_type_sku : null;
  const copilotPlan = typeof body.copilot_plan === 'string' ? body.copilot_plan : null;
  const tokenBasedBilling = typeof body.token_based_billing === 'boolean' ? body.token_based_billing : null;
  return { plan: planName(sku, copilotPlan), sku, quota: quotaFromUserInfo(body), tokenBasedBilling, credits: tokenBasedBilling ? creditsFromUserInfo(body) : null };
}
