/** Public types of the fake GitHub + Copilot upstream (a test double; see index.ts). */
import type { ToolCallMode } from './tool-request.js';

export type DeviceOutcome = 'approve' | 'deny' | 'expire' | 'manual';

export interface FakeKnobs {
  // device flow
  /** Seconds between polls a new device code asks for. */
  deviceInterval: number;
  deviceExpiresIn: number;
  /** Polls answered `authorization_pending` before the outcome. */
  pendingPolls: number;
  deviceOutcome: DeviceOutcome;
  /** A poll sooner than `interval` after the previous one → slow_down and interval += 5. */
  enforceSlowDown: boolean;
  /** HTTP status of `error` answers on the device endpoints (real GitHub: UNCERTAIN). */
  pollErrorStatus: 200 | 400;
  // exchange
  sessionTtlSec: number;
  refreshInSec: number;
  expiresAtInMs: boolean;
  serverClockSkewSec: number;
  includeEndpointsApi: boolean;
  /** `endpoints.api` to announce instead of the fake's own `/capi` URL: for a fake reached under another name (a TLS front behind a proxy). */
  endpointsApiUrl: string | null;
  proxyEp: string | null;
  exchangeFailures: number;
  exchangeFailureStatus: number;
  exchangeLatencyMs: number;
  exchangeUnreachable: boolean;
  // Copilot API
  latencyMs: number;
  streamChunks: number;
  streamIntervalMs: number;
  resetMidStream: boolean;
  hang: boolean;
  rateLimitNext: number;
  rateLimitRetryAfter: number | null;
  capiFailureStatus: number | null;
  malformedJson: boolean;
  malformedSse: boolean;
  requireVisionHeader: boolean;
  /** Text and tool call in separate choices (index 0 and 1), as Copilot does for Claude. */
  splitChoices: boolean;
  /** Reported as cached prompt tokens (capped at the prompt size). */
  cachedTokens: number;
  // API versions (protocol.ts). A request without X-GitHub-Api-Version is not checked.
  /** Older versions: `/responses` and `/v1/messages` → 404 invalid apiVersion; `/models` without token prices or 1M limits. */
  minApiVersion: string;
  /** Every Copilot API request with an older (or no) version → HTTP 466 "client not supported", as on 2026-02-11. */
  clientNotSupportedBelow: string | null;
  /** false → chat streams end without their usage chunk (upstreams that ignore stream_options.include_usage). */
  streamUsage: boolean;
  // billing (copilot-protocol.md, "2026 changes")
  /** `token_based_billing` on `/copilot_internal/user`; null leaves the field out (an older answer). */
  tokenBasedBilling: boolean | null;
  /** `/models` entries carry `billing.token_prices` (AI credits per `batch_size` tokens; see billing.ts). */
  tokenPrices: boolean;
  /** Answers carry `copilot_usage.total_nano_aiu` (non-stream body; the final usage chunk/event of a stream), priced like billing.ts; the sum is in counters.billedNanoAiu. */
  billNanoAiu: boolean;
  /** `x-usage-ratelimit-session` / `-weekly` on every Copilot API answer, as percent left (`rem=…&rst=…`); null → no such headers. */
  usageRateLimits: { session: number; weekly: number } | null;
  /** `code` of the 429s `rateLimitNext` sends (`rate_limited`, `user_weekly_rate_limited`, `user_global_rate_limited`, `user_model_rate_limited`, `integration_rate_limited`, …). */
  rateLimitCode: string;
  /** `Retry-After` of those 429s as an HTTP date instead of seconds (`rateLimitRetryAfter` from now); `rateLimitRetryAfter: null` sends none. */
  rateLimitRetryAfterAsDate: boolean;
  /** The next N generation requests get 402 "You've run out of your AI credits" (code `quota_exceeded`). */
  outOfCreditsNext: number;
  /** `always`: call the first (or forced) tool on every user turn that offers tools, with
   * `{"input": <user text>}`. `when-asked`: only when the user text carries `<<call NAME {args}>>`
   * (see tool-request.ts), for real coding agents that offer tools on every turn. */
  toolCallMode: ToolCallMode;
  // connections
  /** Close a connection that has not sent a request for this long (null: never, Node's default). Real front ends close idle connections. */
  idleConnectionTimeoutMs: number | null;
  /** Copilot API model ids answered 403 with Copilot's policy-refusal message (a model disabled by an organization policy). */
  policyBlockedModels: string[];
}

export interface FakeCounters {
  exchanges: number;
  exchangesInFlight: number;
  maxExchangesInFlight: number;
  capiRequests: number;
  /** Client closed the connection before the answer/stream ended. */
  abortedRequests: number;
  devicePolls: number;
  openSockets: number;
  /** Sum of every `total_nano_aiu` the fake billed (what the relay's ledger should add up to). */
  billedNanoAiu: number;
  /** Connections accepted (a tally: keep-alive reuse keeps it low). */
  connections: number;
}

export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, form object, or raw string ('' for no body). */
  body: unknown;
  at: number;
}

export interface FakeAccountInit {
  login: string;
  /** Default 'monthly_subscriber'. */
  sku?: string;
  /** Default true; false → exchange 403 envelope `no_copilot_access`. */
  copilot?: boolean;
  /** 'oauth-direct' → exchange 404, the token works directly as a CAPI Bearer. */
  app?: 'copilot' | 'oauth-direct';
  githubToken?: string;
}

export interface FakeUpstream {
  url: string;
  capiUrl: string;
  knobs: FakeKnobs;
  counters: FakeCounters;
  requests: RecordedRequest[];
  addAccount(init: FakeAccountInit): string;
  defaultToken: string;
  revokeGithubToken(token: string): void;
  revokeSessionTokens(): void;
  issuedSessionTokens(): string[];
  deviceOutcome: DeviceOutcome;
  lastDeviceCode(): { deviceCode: string; userCode: string } | null;
  approveDevice(userCode: string, login?: string): void;
  /** Counters and record cleared, knobs back to their start values (defaults + startFakeUpstream options). */
  reset(): void;
  close(): Promise<void>;
}

export function defaultKnobs(): FakeKnobs {
  return {
    deviceInterval: 5,
    deviceExpiresIn: 900,
    pendingPolls: 1,
    deviceOutcome: 'approve',
    enforceSlowDown: true,
    pollErrorStatus: 200,
    sessionTtlSec: 1800,
    refreshInSec: 1500,
    expiresAtInMs: false,
    serverClockSkewSec: 0,
    includeEndpointsApi: true,
    endpointsApiUrl: null,
    proxyEp: 'proxy.individual.githubcopilot.com',
    exchangeFailures: 0,
    exchangeFailureStatus: 503,
    exchangeLatencyMs: 0,
    exchangeUnreachable: false,
    latencyMs: 0,
    streamChunks: 3,
    streamIntervalMs: 0,
    resetMidStream: false,
    hang: false,
    rateLimitNext: 0,
    rateLimitRetryAfter: 30,
    capiFailureStatus: null,
    malformedJson: false,
    malformedSse: false,
    requireVisionHeader: true,
    splitChoices: false,
    cachedTokens: 0,
    minApiVersion: '2026-06-01',
    clientNotSupportedBelow: null,
    streamUsage: true,
    tokenBasedBilling: true,
    tokenPrices: true,
    billNanoAiu: true,
    usageRateLimits: { session: 82, weekly: 38 },
    rateLimitCode: 'rate_limited',
    rateLimitRetryAfterAsDate: false,
    outOfCreditsNext: 0,
    toolCallMode: 'always',
    idleConnectionTimeoutMs: null,
    policyBlockedModels: [],
  };
}

export function zeroCounters(): FakeCounters {
  return { exchanges: 0, exchangesInFlight: 0, maxExchangesInFlight: 0, capiRequests: 0, abortedRequests: 0, devicePolls: 0, openSockets: 0, billedNanoAiu: 0, connections: 0 };
}
