/**
 * The seam between the proxy's forwarding pipeline and the usage ledger, rate-limit state and local
 * budget (issue #16). The pipeline fills a RequestUsage as it learns things (model, endpoint,
 * tokens, billed cost), asks `admit` before going upstream, shows every upstream answer to
 * `observeUpstream`, and the server hands the finished request to `record` once the response ended.
 *
 * Nothing that passes through here may hold prompt or answer content: ids, counts, codes, times.
 */

/** The API the caller spoke. */
export type ClientApi = 'chat' | 'responses' | 'messages' | 'embeddings' | 'count_tokens' | 'models' | 'other';

/** The Copilot endpoint the request went to (null when answered locally: guards, errors, budget). */
export type UpstreamEndpoint = '/chat/completions' | '/responses' | '/v1/messages' | '/embeddings' | '/models';

/** Per-request facts the route fills in; server.ts completes status and timing. */
export interface RequestUsage {
  clientApi: ClientApi;
  upstreamEndpoint: UpstreamEndpoint | null;
  /** The model id the caller sent. */
  modelRequested: string | null;
  /** The Copilot model id it went to (after mapping). */
  modelServed: string | null;
  stream: boolean;
  initiator: 'user' | 'agent' | null;
  /**
   * Upstream-reported usage, when the answer (or the stream's final event) carried it. `inputTokens`
   * is the whole prompt, cached tokens included (OpenAI's `prompt_tokens` / Responses' `input_tokens`;
   * for Messages: `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`), and
   * `cachedTokens` the part read from cache — the ledger prices them that way when Copilot sent no cost.
   */
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  /** `copilot_usage.total_nano_aiu` when the answer carried it (1e9 nano-AIU = 1 AI credit). */
  nanoAiu: number | null;
  /** The error code of an error answer (ours or upstream's), else null. */
  errorCode: string | null;
  /** ms from the request's start to the response headers sent to the caller, when known. */
  firstByteMs: number | null;
}

export function newRequestUsage(): RequestUsage {
  return {
    clientApi: 'other',
    upstreamEndpoint: null,
    modelRequested: null,
    modelServed: null,
    stream: false,
    initiator: null,
    inputTokens: null,
    outputTokens: null,
    cachedTokens: null,
    nanoAiu: null,
    errorCode: null,
    firstByteMs: null,
  };
}

/** What `record` gets once the response to the caller has ended (or the caller left). */
export interface FinishedRequest extends RequestUsage {
  requestId: string;
  /** Epoch ms when the request arrived. */
  startedAt: number;
  /** The caller's raw User-Agent (the ledger classifies it), or null. */
  userAgent: string | null;
  method: string;
  path: string;
  /** HTTP status sent to the caller; 499 when the caller left before the end. */
  status: number;
  latencyMs: number;
}

/** The facts the server adds to a request's usage once its response ended. */
export type RequestFacts = Pick<FinishedRequest, 'requestId' | 'startedAt' | 'userAgent' | 'method' | 'path' | 'status' | 'latencyMs'>;

/**
 * The finished request from the route's usage and the server's facts, field by field: an object
 * spread (`{ ...usage, requestId, … }`) falls off V8's fast path on Node 20 for an object this
 * size — measured 9.5 µs per request against 0.01 µs written out (≈ 19 µs CPU/request of the relay
 * in bench/ab.ts with the tracker on, of which this was the largest part).
 */
export function finishedRequest(usage: RequestUsage, facts: RequestFacts): FinishedRequest {
  return {
    clientApi: usage.clientApi,
    upstreamEndpoint: usage.upstreamEndpoint,
    modelRequested: usage.modelRequested,
    modelServed: usage.modelServed,
    stream: usage.stream,
    initiator: usage.initiator,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedTokens,
    nanoAiu: usage.nanoAiu,
    errorCode: usage.errorCode,
    firstByteMs: usage.firstByteMs,
    requestId: facts.requestId,
    startedAt: facts.startedAt,
    userAgent: facts.userAgent,
    method: facts.method,
    path: facts.path,
    status: facts.status,
    latencyMs: facts.latencyMs,
  };
}

/** One upstream answer, as the pipeline received it. */
export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body of a non-2xx answer, when it was readable. */
  errorBody?: unknown;
  /** The Copilot model id the request was for, when there was one. */
  model: string | null;
}

/** A local answer that replaces (or precedes) going upstream, in neutral terms; the pipeline renders it in the caller's dialect. */
export interface Refusal {
  status: number;
  /** e.g. `budget_exceeded`, `user_weekly_rate_limited`. */
  code: string;
  /** Plain words with the limit named and when it resets. */
  message: string;
  /** Seconds, for the `Retry-After` header. */
  retryAfterSec?: number;
  /** False → `x-should-retry: false` (waiting won't help before the reset, or at all). */
  shouldRetry: boolean;
}

export interface UsageObserver {
  /** Before a generation request goes upstream: a local refusal (e.g. the budget is spent), or null to go ahead. */
  admit(request: { clientApi: ClientApi; model: string | null }): Refusal | null;
  /**
   * Every upstream answer (rate-limit headers, 429/402/466 codes). Returns a clearer refusal to
   * answer the caller with instead of passing the upstream error through, or null.
   */
  observeUpstream(answer: UpstreamAnswer): Refusal | null;
  /** Once per request after its response ended. Must be cheap, never throw, never block the request. */
  record(request: FinishedRequest): void;
}

/** The default: nothing is refused, recorded or understood. */
export const noUsageObserver: UsageObserver = {
  admit: () => null,
  observeUpstream: () => null,
  record: () => undefined,
};
