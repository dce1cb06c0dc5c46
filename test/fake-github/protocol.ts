import type { Reply } from './http-util.js';
import { findModel, policyState } from './models.js';
import type { FakeState } from './state.js';

/**
 * What the Copilot API checks since 2026 (copilot-protocol.md, "2026 changes"), kept simple:
 * - `X-GitHub-Api-Version` below `knobs.clientNotSupportedBelow` (or missing while it is set) →
 *   HTTP 466 on every CAPI request, as GitHub did to older clients on 2026-02-11;
 * - below `knobs.minApiVersion` (default 2026-06-01, the AI-credits change) → `/responses` and
 *   `/v1/messages` answer 404 `invalid apiVersion`, `/models` lacks `billing.token_prices` and the
 *   1M-context limits (models.ts `view`). A request that sends no version is not checked;
 * - a model used on an endpoint its `supported_endpoints` lacks → 400 `unsupported_api_for_model`;
 * - a model whose policy isn't `enabled` → 403 until `POST /models/{id}/policy {"state":"enabled"}`.
 * Versions are YYYY-MM-DD strings, so string order is date order.
 */

type Answer = { status: number; body: unknown };

export const CLIENT_NOT_SUPPORTED = { error: { message: 'client not supported: the specified API version is no longer supported', code: 'client_not_supported' } };
export const INVALID_API_VERSION = { error: { message: 'invalid apiVersion', code: 'invalid_api_version' } };
const NEWER_ENDPOINTS = new Set(['/responses', '/v1/messages']);
const GENERATION_ENDPOINTS: Readonly<Record<string, string>> = { '/chat/completions': 'Chat Completions', '/responses': 'Responses', '/v1/messages': 'Messages' };

export function apiVersionOf(headers: Record<string, string>): string | null {
  return headers['x-github-api-version'] ?? null;
}

/** Older than `knobs.minApiVersion` (a request without a version is not checked). */
export function isLegacyApiVersion(state: FakeState, headers: Record<string, string>): boolean {
  const version = apiVersionOf(headers);
  return version !== null && version < state.knobs.minApiVersion;
}

/** The 466 every CAPI request gets from an identity GitHub no longer accepts, or null. */
export function clientNotSupported(state: FakeState, headers: Record<string, string>): Answer | null {
  const below = state.knobs.clientNotSupportedBelow;
  if (below === null) return null;
  const version = apiVersionOf(headers);
  return version === null || version < below ? { status: 466, body: CLIENT_NOT_SUPPORTED } : null;
}

/** Checks a generation POST before its handler: API version, endpoint support, model policy. */
export function gateGeneration(state: FakeState, subpath: string, headers: Record<string, string>, body: Record<string, unknown>): Answer | null {
  if (NEWER_ENDPOINTS.has(subpath) && isLegacyApiVersion(state, headers)) return { status: 404, body: INVALID_API_VERSION };
  const api = GENERATION_ENDPOINTS[subpath];
  const model = findModel(body['model']);
  // Unknown models (and embeddings models) are the handlers' `model_not_supported`.
  if (!api || !model || model.capabilities.type !== 'chat') return null;
  if (!(model.supported_endpoints ?? ['/chat/completions']).includes(subpath)) {
    return { status: 400, body: { error: { message: `model ${model.id} does not support ${api} API.`, code: 'unsupported_api_for_model' } } };
  }
  const policy = policyState(model, state.modelPolicies);
  if (policy !== 'enabled') {
    return { status: 403, body: { error: { message: `Access to model ${model.id} requires enabling it in your Copilot settings (policy: ${policy}).`, code: 'model_policy_not_enabled' } } };
  }
  return null;
}

/** `POST /models/{id}/policy` with `{"state":"enabled"}`: accepts the model's terms for this fake account. */
export function handlePolicy(state: FakeState, reply: Reply, id: string, body: unknown): void {
  const model = findModel(id);
  if (!model) return reply.json(404, { error: { message: 'Model not found', code: 'model_not_found' } });
  const wanted = body && typeof body === 'object' ? (body as { state?: unknown }).state : undefined;
  if (wanted !== 'enabled') return reply.json(400, { error: { message: 'bad request: state must be "enabled"', code: 'invalid_request_body' } });
  state.modelPolicies.set(model.id, 'enabled');
  reply.json(200, { state: 'enabled' });
}
