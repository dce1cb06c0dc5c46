import { usageRateLimitHeaders } from './billing.js';
import { handleChat } from './chat.js';
import { handleEmbeddings } from './embeddings.js';
import { nextMonthStart } from './github-api.js';
import { authToken } from './http-util.js';
import type { Reply } from './http-util.js';
import { handleMessages } from './messages.js';
import { findModel, modelsListBody, view } from './models.js';
import { clientNotSupported, gateGeneration, handlePolicy, isLegacyApiVersion } from './protocol.js';
import { handleResponses } from './responses.js';
import type { FakeState } from './state.js';
import { hasImagePart } from './text.js';

export type CapiHandler = (state: FakeState, reply: Reply, body: unknown, headers: Record<string, string>) => void | Promise<void>;

const TOKEN_EXPIRED = { error: { message: 'unauthorized: token expired', code: 'token_expired' } };
const MISSING_EDITOR_VERSION = { error: { message: 'bad request: missing Editor-Version header for IDE auth' } };
const MISSING_VISION_HEADER = { error: { message: 'missing required Copilot-Vision-Request header for vision requests', code: 'missing_vision_header' } };

/** Extra routes (responses, embeddings, messages) register here so this file stays the one gate. */
export const POST_ROUTES = new Map<string, CapiHandler>([
  ['/chat/completions', (state, reply, body) => handleChat(state, reply, body)],
  ['/responses', (state, reply, body) => handleResponses(state, reply, body)],
  ['/embeddings', (state, reply, body) => handleEmbeddings(state, reply, body)],
  ['/v1/messages', (state, reply, body, headers) => handleMessages(state, reply, body, headers)],
]);

/** Bearer must be a live session token, or the GitHub token of an oauth-direct account. */
function authenticate(state: FakeState, headers: Record<string, string>): 'exchange' | 'direct' | null {
  const token = authToken(headers, ['bearer']);
  if (!token) return null;
  const session = state.sessions.get(token);
  if (session) return !session.revoked && Date.now() < session.expiresAtMs ? 'exchange' : null;
  const account = state.accountByToken(token);
  return account && account.app === 'oauth-direct' ? 'direct' : null;
}

/** Everything under `/capi`: faults first (as a slow or flaky upstream), then auth, then the route. */
export async function handleCapi(state: FakeState, reply: Reply, method: string, subpath: string, headers: Record<string, string>, body: unknown): Promise<void> {
  const { knobs } = state;
  state.counters.capiRequests++;
  if (knobs.hang) return reply.forever();
  await reply.wait(knobs.latencyMs);
  if (reply.done) return;

  if (method === 'GET' && subpath === '/_ping') return reply.json(200, { status: 'ok', now: Date.now() });

  const mode = authenticate(state, headers);
  if (!mode) return reply.json(401, TOKEN_EXPIRED);
  if (mode === 'exchange' && !headers['editor-version']) return reply.json(400, MISSING_EDITOR_VERSION);
  const outdated = clientNotSupported(state, headers);
  if (outdated) return reply.json(outdated.status, outdated.body);
  // Live quota, as CAPI reports it on answers (URL-encoded snapshot; same numbers as /copilot_internal/user).
  reply.res.setHeader('x-quota-snapshot-premium_interactions', 'ent=300&ov=0.0&ovPerm=false&rem=70.7&rst=' + encodeURIComponent(nextMonthStart().toISOString()));
  for (const [name, value] of Object.entries(usageRateLimitHeaders(state))) reply.res.setHeader(name, value);

  if (knobs.rateLimitNext > 0) {
    knobs.rateLimitNext--;
    const wait = knobs.rateLimitRetryAfter;
    const retryAfter: Record<string, string> = wait === null ? {} : { 'retry-after': knobs.rateLimitRetryAfterAsDate ? new Date(Date.now() + wait * 1000).toUTCString() : String(wait) };
    return reply.json(
      429,
      { error: { message: 'Sorry, you have been rate-limited. Please wait a moment before trying again.', code: knobs.rateLimitCode } },
      { ...retryAfter, 'x-ratelimit-exceeded': 'global-user-requests' },
    );
  }

  if (method === 'GET') {
    const seen = { policies: state.modelPolicies, legacy: isLegacyApiVersion(state, headers), tokenPrices: knobs.tokenPrices };
    if (subpath === '/models') return reply.json(200, modelsListBody(seen));
    const match = /^\/models\/([^/]+)$/.exec(subpath);
    if (match) {
      const model = findModel(decodeURIComponent(match[1]!));
      return model ? reply.json(200, view(model, seen)) : reply.json(404, { error: { message: 'Model not found', code: 'model_not_found' } });
    }
    return reply.json(404, { error: { message: 'Not Found', code: 'not_found' } });
  }

  if (method !== 'POST') return reply.json(405, { error: { message: 'Method Not Allowed', code: 'method_not_allowed' } });
  if (knobs.capiFailureStatus !== null) {
    return reply.json(knobs.capiFailureStatus, { error: { message: `fake upstream failure (${knobs.capiFailureStatus})`, code: 'fake_failure' } });
  }
  const policy = /^\/models\/([^/]+)\/policy$/.exec(subpath);
  if (policy) return handlePolicy(state, reply, decodeURIComponent(policy[1]!), body);
  const route = POST_ROUTES.get(subpath);
  if (!route) return reply.json(404, { error: { message: 'Not Found', code: 'not_found' } });
  if (knobs.outOfCreditsNext > 0 && subpath !== '/embeddings') {
    knobs.outOfCreditsNext--;
    return reply.json(402, { error: { message: "You've run out of your AI credits. Add more credits or raise your budget to keep using Copilot.", code: 'quota_exceeded' } });
  }
  if (body === '' || typeof body !== 'object' || body === null) {
    return reply.json(400, { error: { message: 'bad request: body must be a JSON object', code: 'invalid_request_body' } });
  }
  const model = (body as { model?: unknown }).model;
  if (typeof model === 'string' && knobs.policyBlockedModels.includes(model)) {
    // Copilot's answer for a model an organization policy disables (copilot-protocol.md §10).
    return reply.json(403, { error: { message: 'You are not authorized to use this Copilot feature, it requires an enterprise or organization policy to be enabled.', code: 'policy_not_enabled' } });
  }
  if (knobs.requireVisionHeader && hasImagePart(body) && headers['copilot-vision-request'] !== 'true') return reply.json(400, MISSING_VISION_HEADER);
  const refused = gateGeneration(state, subpath, headers, body as Record<string, unknown>);
  if (refused) return reply.json(refused.status, refused.body);
  await route(state, reply, body, headers);
}
