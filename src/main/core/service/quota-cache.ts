import type { QuotaSnapshot } from '../../../shared/status.js';
import type { Credentials } from '../auth/credentials.js';
import type { FetchLike } from '../auth/http.js';
import type { GitHubEndpoints } from '../config/endpoints.js';
import { isRelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { fetchCopilotAccount } from '../quota/quota.js';
import type { CopilotAccountInfo } from '../quota/quota.js';
import type { Clock } from '../token/clock.js';

/** The quota is informational: look it up at most this often. */
const QUOTA_TTL_MS = 5 * 60_000;

/** The premium-request quota, plan name and billing unit, looked up with the GitHub token; optional, never fatal. */
export class QuotaCache {
  quota: QuotaSnapshot | null = null;
  /** Plan name from `/copilot_internal/user`, better than guessing from the SKU. */
  plan: string | null = null;
  /** `token_based_billing`: the plan's unit (AI credits or premium requests); null until GitHub said. */
  tokenBasedBilling: boolean | null = null;
  /** GitHub's own AI-credit count for this period (token-billed plans), when it has one. */
  credits: CopilotAccountInfo['credits'] = null;
  private fetchedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly deps: { clock: Clock; logger: Logger; onChange: () => void }) {}

  clear(): void {
    this.quota = null;
    this.plan = null;
    this.tokenBasedBilling = null;
    this.credits = null;
    this.fetchedAt = 0;
  }

  refresh(account: { endpoints: GitHubEndpoints; credentials: Credentials; fetch: FetchLike | undefined }, force: boolean): Promise<void> {
    if (this.loading) return this.loading;
    if (!force && this.deps.clock.now() - this.fetchedAt < QUOTA_TTL_MS) return Promise.resolve();
    this.loading = (async () => {
      try {
        const githubToken = await account.credentials.githubToken();
        if (!githubToken) return;
        const info = await fetchCopilotAccount({ endpoints: account.endpoints, githubToken, fetch: account.fetch });
        this.fetchedAt = this.deps.clock.now();
        if (info) {
          this.quota = info.quota;
          this.plan = info.plan;
          this.tokenBasedBilling = info.tokenBasedBilling;
          this.credits = info.credits;
        }
      } catch (error) {
        this.deps.logger.debug('Quota lookup failed', { error: isRelayError(error) ? error.kind : String(error) });
      } finally {
        this.loading = null;
        this.deps.onChange();
      }
    })();
    return this.loading;
  }
}
