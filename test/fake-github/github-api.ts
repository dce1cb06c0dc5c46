import { randomBytes } from 'node:crypto';
import { authToken } from './http-util.js';
import type { Reply } from './http-util.js';
import type { FakeState } from './state.js';

const BAD_CREDENTIALS = { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' };

export function handleUser(state: FakeState, reply: Reply, headers: Record<string, string>): void {
  const account = state.accountByToken(authToken(headers));
  if (!account) return reply.json(401, BAD_CREDENTIALS);
  reply.json(200, {
    login: account.login,
    id: account.id,
    name: `${account.login} (fake)`,
    avatar_url: `${state.url}/avatars/${account.login}.png`,
    type: 'User',
  });
}

function isIndividual(sku: string): boolean {
  return !/business|enterprise/.test(sku);
}

/** `GET /copilot_internal/v2/token`: GitHub token → session token envelope. */
export async function handleExchange(state: FakeState, reply: Reply, headers: Record<string, string>): Promise<void> {
  const { knobs, counters } = state;
  counters.exchanges++;
  counters.exchangesInFlight++;
  counters.maxExchangesInFlight = Math.max(counters.maxExchangesInFlight, counters.exchangesInFlight);
  try {
    await reply.wait(knobs.exchangeLatencyMs);
    if (reply.done) return;
    if (knobs.exchangeUnreachable) return reply.destroy();
    if (knobs.exchangeFailures > 0) {
      knobs.exchangeFailures--;
      return reply.json(knobs.exchangeFailureStatus, { message: 'Service Unavailable (fake fault)' });
    }
    const account = state.accountByToken(authToken(headers));
    if (!account) return reply.json(401, BAD_CREDENTIALS);
    if (account.app === 'oauth-direct') return reply.json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    if (!account.copilot) {
      return reply.json(403, {
        message: 'Resource not accessible by integration',
        error_details: {
          message: 'No Copilot access for this account',
          notification_id: 'no_copilot_access',
          title: 'Copilot is not enabled',
          url: 'https://github.com/features/copilot',
        },
        can_signup_for_limited: true,
      });
    }

    const nowMs = Date.now();
    const serverNowSec = Math.floor(nowMs / 1000) + knobs.serverClockSkewSec;
    const expSec = Math.ceil(serverNowSec + knobs.sessionTtlSec); // whole seconds, even for sub-second test TTLs
    const fields = [
      `tid=${randomBytes(16).toString('hex')}`,
      `exp=${expSec}`,
      `sku=${account.sku}`,
      ...(knobs.proxyEp === null ? [] : [`proxy-ep=${knobs.proxyEp}`]),
      'st=dotcom',
      'chat=1',
      'ip=127.0.0.1',
      'asn=AS0000',
    ];
    const token = `${fields.join(';')}:${randomBytes(32).toString('hex')}`;
    state.sessions.set(token, { token, login: account.login, expiresAtMs: nowMs + knobs.sessionTtlSec * 1000, revoked: false });

    const endpoints: Record<string, string> = {
      proxy: `${state.url}/proxy`,
      telemetry: `${state.url}/telemetry`,
      'origin-tracker': `${state.url}/origin-tracker`,
    };
    if (knobs.includeEndpointsApi) endpoints['api'] = knobs.endpointsApiUrl ?? state.capiUrl;
    reply.json(200, {
      token,
      expires_at: knobs.expiresAtInMs ? expSec * 1000 : expSec,
      refresh_in: knobs.refreshInSec,
      sku: account.sku,
      individual: isIndividual(account.sku),
      chat_enabled: true,
      code_review_enabled: true,
      codesearch: true,
      public_suggestions: 'disabled',
      telemetry: 'disabled',
      annotations_enabled: true,
      copilotignore_enabled: false,
      prompt_8k: true,
      limited_user_quotas: null,
      limited_user_reset_date: null,
      enterprise_list: [],
      organization_list: [],
      endpoints,
      tracking_id: randomBytes(16).toString('hex'),
    });
  } finally {
    counters.exchangesInFlight--;
  }
}

export function nextMonthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** `GET /copilot_internal/user`: plan and quota, GitHub-token auth. */
export function handleCopilotUser(state: FakeState, reply: Reply, headers: Record<string, string>): void {
  const account = state.accountByToken(authToken(headers));
  if (!account) return reply.json(401, BAD_CREDENTIALS);
  const reset = nextMonthStart();
  const unlimited = (id: string) => ({
    entitlement: 0, remaining: 0, percent_remaining: 100, unlimited: true, overage_count: 0, overage_permitted: false, quota_id: id,
  });
  reply.json(200, {
    login: account.login,
    access_type_sku: account.copilot ? account.sku : 'free_limited_copilot',
    copilot_plan: isIndividual(account.sku) ? 'individual' : 'business',
    chat_enabled: account.copilot,
    analytics_tracking_id: randomBytes(16).toString('hex'),
    assigned_date: '2024-01-01T00:00:00Z',
    can_signup_for_limited: false,
    organization_login_list: [],
    endpoints: { api: state.knobs.endpointsApiUrl ?? state.capiUrl, proxy: `${state.url}/proxy`, telemetry: `${state.url}/telemetry`, 'origin-tracker': `${state.url}/origin-tracker` },
    ...(state.knobs.tokenBasedBilling === null ? {} : { token_based_billing: state.knobs.tokenBasedBilling }),
    quota_reset_date: reset.toISOString().slice(0, 10),
    quota_reset_date_utc: reset.toISOString(),
    quota_snapshots: {
      chat: unlimited('chat'),
      completions: unlimited('completions'),
      premium_interactions: {
        entitlement: 300, remaining: 212, percent_remaining: 70.7, unlimited: false, overage_count: 0, overage_permitted: false, quota_id: 'premium_interactions',
      },
    },
  });
}
